"""``latsar-server import-participants``: participants from the operator's CSV, line by
line (a bad line is reported, the good ones imported), as Excel and others write it."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from latsar_desktop.domain.identity import parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_server import clock
from latsar_server.accounts.passwords import hash_nik
from latsar_server.database import transaction
from latsar_server.tables import Course, Participant

COLUMNS = ("nip", "nik", "name", "agency", "course")
BATCH = 2000


@dataclass
class ParticipantsReport:
    imported: int = 0
    updated: int = 0
    errors: list[tuple[int, Message]] = field(default_factory=list)
    encoding: str = ""  # how the file was read: UTF_8, UTF_8_BOM or CP1252
    delimiter: str = ","

    def summary(self) -> Message:
        return msg(
            Code.IMPORT_PARTICIPANTS_DONE,
            imported=self.imported,
            updated=self.updated,
            rejected=len(self.errors),
        )

    def read_as(self) -> Message:
        return msg(Code.IMPORT_CSV_READ, encoding=self.encoding, delimiter=self.delimiter)


@dataclass(frozen=True)
class _Row:
    line: int
    nip: str
    nik: str
    name: str
    agency: str
    course: str


# CSV files as operators make them (see decode_csv and _excel_damage):
UTF_8, UTF_8_BOM, CP1252 = "UTF-8", "UTF-8 + BOM", "Windows-1252"
DELIMITERS = (",", ";")  # ";" is what Excel writes where the decimal mark is ","
# A number Excel stored as a float: 1,99005E+17 / 1.99005E+17, or 199005142026011906.0
_EXCEL_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$|^\d{12,}[.,]0+$")
# The last three digits of a NIP are a sequence number, 001..999: "000" is what Excel
# leaves when it keeps 15 significant digits of the 18.
_ROUNDED_NIP_TAIL = "000"
# A NIK loses only its 16th digit, and a real one ends in 0 one time in ten: only a
# whole file of NIKs all ending in 0 (at least this many) is taken as Excel's rounding.
MIN_ROWS_FOR_ROUNDED_NIKS = 10


def decode_csv(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding used: UTF-8 (with or without BOM) or cp1252.

    UTF-16 (or any file with NUL bytes, such as an .xlsx) and bytes that cp1252 leaves
    undefined are refused with DomainError.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
        raise DomainError(msg(Code.IMPORT_CSV_NOT_TEXT))
    has_bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if has_bom else raw
    try:
        return body.decode("utf-8"), UTF_8_BOM if has_bom else UTF_8
    except UnicodeDecodeError as exc:
        if has_bom:  # it says UTF-8 and is not: damaged
            raise _undefined_byte(raw, exc.start + len(codecs.BOM_UTF8)) from exc
    try:
        return raw.decode("cp1252"), CP1252
    except UnicodeDecodeError as exc:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D
        raise _undefined_byte(raw, exc.start) from exc


def _undefined_byte(raw: bytes, position: int) -> DomainError:
    line = raw.count(b"\n", 0, position) + 1
    byte = f"0x{raw[position]:02X}"
    return DomainError(msg(Code.IMPORT_CSV_UNDEFINED_BYTE, line=line, byte=byte))


def _delimiter(text: str) -> str:
    """The separator that splits the header line into the most known column names."""
    header = text.splitlines()[0] if text else ""

    def known(delimiter: str) -> int:
        fields = next(csv.reader([header], delimiter=delimiter), [])
        return len(set(fields) & set(COLUMNS))

    return max(DELIMITERS, key=known)  # a tie keeps ","


def _excel_damage(field_name: str, value: str) -> Message | None:
    if _EXCEL_NUMBER.match(value):
        return msg(Code.IMPORT_EXCEL_NUMBER, field=field_name, value=value)
    return None


def _rows(text: str, report: ParticipantsReport, courses: set[str]) -> list[_Row]:
    seen: dict[str, int] = {}
    rows: list[_Row] = []
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(
            msg(Code.IMPORT_MISSING_COLUMNS, columns=", ".join(missing)), report.read_as()
        )
    for record in reader:
        line = reader.line_num
        values = {c: (record.get(c) or "").strip() for c in COLUMNS}
        if not any(values.values()):
            continue  # a blank row, such as ";;;;" that Excel writes for touched cells
        try:
            for name in ("nip", "nik"):
                damage = _excel_damage(name, values[name])
                if damage is not None:
                    raise DomainError(damage)
            nip = parse_nip(values["nip"]).value
            if nip.endswith(_ROUNDED_NIP_TAIL):
                raise DomainError(msg(Code.IMPORT_EXCEL_ROUNDED_NIP, value=nip))
            nik = parse_nik(values["nik"]).value
            for name in ("name", "agency", "course"):
                if not values[name]:
                    raise DomainError(msg(Code.IMPORT_EMPTY_FIELD, field=name))
            if values["course"] not in courses:
                raise DomainError(msg(Code.IMPORT_UNKNOWN_COURSE, course=values["course"]))
            if nip in seen:
                raise DomainError(msg(Code.IMPORT_DUPLICATE_NIP, nip=nip, first_line=seen[nip]))
        except DomainError as exc:
            report.errors.append((line, exc.message))
            continue
        seen[nip] = line
        rows.append(_Row(line, nip, nik, values["name"], values["agency"], values["course"]))
    if len(rows) >= MIN_ROWS_FOR_ROUNDED_NIKS and all(r.nik.endswith("0") for r in rows):
        raise DomainError(msg(Code.IMPORT_EXCEL_ROUNDED_NIKS, count=len(rows)), report.read_as())
    return rows


def _hash_batch(niks: list[str]) -> list[str]:
    return [hash_nik(nik) for nik in niks]


def import_participants(
    engine: Engine, path: Path, workers: int | None = None
) -> ParticipantsReport:
    """Import or update participants; bad lines are reported, good ones imported.

    A fault of the whole file (not text, an undefined byte, missing columns, every NIK
    rounded by Excel) raises DomainError and imports nothing. The report says which
    encoding and separator were used.

    The slow NIK hashes are computed on every core; rows are written in batches, each an
    upsert by NIP so a re-import updates instead of duplicating.
    """
    text, encoding = decode_csv(path.read_bytes())
    report = ParticipantsReport(encoding=encoding, delimiter=_delimiter(text))
    with transaction(engine) as session:
        courses = set(session.exec(select(Course.id)))
    rows = _rows(text, report, courses)
    workers = workers or os.cpu_count() or 1
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    # one worker hashes in this process: no pool to start (the demo's embedded server,
    # which is a bundled executable where a spawned worker would be the app itself)
    with ProcessPoolExecutor(max_workers=workers) if workers > 1 else nullcontext() as pool:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            chunks = [[r.nik for r in batch[i : i + 64]] for i in range(0, len(batch), 64)]
            hashed = pool.map(_hash_batch, chunks) if pool else map(_hash_batch, chunks)
            hashes = [h for chunk in hashed for h in chunk]
            now = clock.now()
            with transaction(engine) as session:
                known = set(
                    session.exec(
                        select(Participant.nip).where(
                            Participant.nip.in_([r.nip for r in batch])  # type: ignore[attr-defined]
                        )
                    )
                )
                values = [
                    {
                        "nip": r.nip,
                        "nik_hash": h,
                        "name": r.name,
                        "agency": r.agency,
                        "course_id": r.course,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for r, h in zip(batch, hashes, strict=True)
                ]
                statement = insert(Participant).values(values)
                statement = statement.on_conflict_do_update(
                    index_elements=["nip"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("nik_hash", "name", "agency", "course_id", "updated_at")
                    },
                )
                session.execute(statement)
            report.updated += len(known)
            report.imported += len(batch) - len(known)
    return report
