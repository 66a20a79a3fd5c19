"""The operator's imports: course packages (atomic) and participants (CSV, by line)."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
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


def import_course(engine: Engine, content_dir: Path, package_path: Path) -> CoursePackage:
    """Validate everything first, copy content by hash, then commit one transaction.

    Content files are looked up by name in ``content/`` beside the package file. A bad
    package raises DomainError and changes nothing in the database.
    """
    raw = package_path.read_text(encoding="utf-8")
    package = parse_package(raw, with_keys=True)  # the server grades with these keys
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

    def summary(self) -> Message:
        return msg(
            Code.IMPORT_PARTICIPANTS_DONE,
            imported=self.imported,
            updated=self.updated,
            rejected=len(self.errors),
        )


@dataclass(frozen=True)
class _Row:
    line: int
    nip: str
    nik: str
    name: str
    agency: str
    course: str


def _rows(path: Path, report: ParticipantsReport, courses: set[str]) -> Iterator[_Row]:
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DomainError(msg(Code.IMPORT_MISSING_COLUMNS, columns=", ".join(missing)))
        for record in reader:
            line = reader.line_num
            values = {c: (record.get(c) or "").strip() for c in COLUMNS}
            try:
                nip = parse_nip(values["nip"]).value
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
            yield _Row(line, nip, nik, values["name"], values["agency"], values["course"])


def _hash_batch(niks: list[str]) -> list[str]:
    return [hash_nik(nik) for nik in niks]


def import_participants(
    engine: Engine, path: Path, workers: int | None = None
) -> ParticipantsReport:
    """Import or update participants; bad lines are reported, good ones imported.

    The slow NIK hashes are computed on every core; rows are written in batches, each an
    upsert by NIP so a re-import updates instead of duplicating.
    """
    report = ParticipantsReport()
    with transaction(engine) as session:
        courses = set(session.exec(select(Course.id)))
    rows = list(_rows(path, report, courses))
    workers = workers or os.cpu_count() or 1
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            chunks = [[r.nik for r in batch[i : i + 64]] for i in range(0, len(batch), 64)]
            hashes = [h for chunk in pool.map(_hash_batch, chunks) for h in chunk]
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
