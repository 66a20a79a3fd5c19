"""The operator's imports: course packages (atomic) and participants (CSV, by line)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from latsar_desktop.domain.course import parse_package
from latsar_desktop.domain.identity import parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.protocol import CoursePackage
from latsar_server.database import transaction
from latsar_server.security import hash_nik
from latsar_server.tables import ContentBlob, Course, PackageVersion, Participant

COLUMNS = ("nip", "nik", "name", "agency", "course")
BATCH = 2000


def _now() -> datetime:
    return datetime.now(UTC)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_course(
    engine: Engine,
    content_dir: Path,
    package_path: Path,
    *,
    certificate_delay_seconds: int | None = None,
) -> CoursePackage:
    """Validate everything first, copy content by hash, then commit one transaction.

    Content files are looked up by name in ``content/`` beside the package file. A bad
    package raises DomainError and changes nothing in the database.

    ``certificate_delay_seconds`` (the server setting of that name) is stamped into the
    stored package's rules, replacing its delay in days: the package version then says
    what the server does, its ETag covers it, and the app's expected issue date follows.
    """
    raw = package_path.read_text(encoding="utf-8")
    package = parse_package(raw, with_keys=True)  # the server grades with these keys
    if certificate_delay_seconds is not None:  # validated as if the package said it
        data = package.model_dump(mode="json")
        data["rules"]["certificate_delay_seconds"] = certificate_delay_seconds
        package = parse_package(data, with_keys=True)
    source = package_path.parent / "content"
    problems: list[Message] = []
    refs = package.content_refs()
    for ref in refs:
        path = source / ref.name
        if not path.is_file():
            problems.append(msg(Code.IMPORT_CONTENT_MISSING, name=ref.name))
        elif path.stat().st_size != ref.size or _sha256(path) != ref.sha256:
            problems.append(msg(Code.IMPORT_CONTENT_MISMATCH, name=ref.name))
    if problems:
        raise DomainError(*problems)
    body = package.model_dump_json()
    body_hash = hashlib.sha256(body.encode()).hexdigest()
    with transaction(engine) as session:
        existing = session.get(PackageVersion, (package.course_id, package.version))
        if existing is not None:
            if existing.sha256 == body_hash:
                return package  # the same import again: nothing to do
            raise DomainError(
                msg(Code.IMPORT_VERSION_EXISTS, course=package.course_id, version=package.version)
            )
    # Content is addressed by hash: copying it before the commit is harmless if the
    # commit fails (an unused file), and the database never names a missing file.
    for ref in refs:
        store_file(source / ref.name, content_dir, ref.sha256)
    with transaction(engine) as session:
        course = session.get(Course, package.course_id)
        if course is None:
            session.add(Course(id=package.course_id, title=package.title, created_at=_now()))
        else:
            course.title = package.title
            session.add(course)
        for ref in refs:
            if session.get(ContentBlob, ref.sha256) is None:
                session.add(
                    ContentBlob(sha256=ref.sha256, size=ref.size, media_type=ref.media_type)
                )
        session.add(
            PackageVersion(
                course_id=package.course_id,
                version=package.version,
                body=body,
                sha256=body_hash,
                imported_at=_now(),
            )
        )
    return package


def store_file(source: Path, content_dir: Path, sha256: str) -> Path:
    target = content_dir / sha256[:2] / sha256
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(handle)
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    return target


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
            now = _now()
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
