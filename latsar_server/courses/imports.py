"""``latsar-server import-course``: a course package imported atomically, its content files
stored by SHA-256 (``<content_dir>/<first two hex digits>/<sha256>``)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine

from latsar_desktop.domain.course import parse_package
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.protocol import CoursePackage
from latsar_server import clock
from latsar_server.database import transaction
from latsar_server.tables import ContentBlob, Course, PackageVersion


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
            session.add(Course(id=package.course_id, title=package.title, created_at=clock.now()))
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
                imported_at=clock.now(),
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
