"""``latsar-server``: the operator's command line (Indonesian texts; English with --lang en)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from latsar_desktop import __version__
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.i18n import translate
from latsar_server.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    return dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]


def _engine(args: argparse.Namespace) -> tuple[Settings, Engine]:
    from latsar_server.database import make_engine, migrate

    settings = _settings(args)
    migrate(settings.database_url)
    return settings, make_engine(settings.database_url)


def _say(args: argparse.Namespace, message: Message, stream: TextIO | None = None) -> None:
    print(translate(message, args.lang), file=stream or sys.stdout)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from latsar_server.database import migrate
    from latsar_server.serving import HTTP_PROTOCOL

    settings = _settings(args)
    migrate(settings.database_url)
    os.environ.update(settings.to_env())
    uvicorn.run(
        "latsar_server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http=HTTP_PROTOCOL,
        proxy_headers=True,
        log_level="warning",
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from latsar_server.database import migrate

    migrate(_settings(args).database_url)
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from latsar_server.certificates.keys import keygen

    settings, engine = _engine(args)
    row = keygen(engine, settings.key_dir, activate=not args.inactive)
    _say(args, msg(Code.KEY_CREATED, key_id=row.key_id))
    return 0


def cmd_import_course(args: argparse.Namespace) -> int:
    from latsar_server.courses.imports import import_course

    settings, engine = _engine(args)
    try:
        package = import_course(
            engine,
            settings.content_dir,
            Path(args.path),
            certificate_delay_seconds=settings.certificate_delay_seconds,
        )
    except DomainError as exc:
        for message in exc.messages:
            _say(args, message, sys.stderr)
        return 1
    done = msg(
        Code.IMPORT_COURSE_DONE,
        course=package.course_id,
        version=package.version,
        files=len(package.content_refs()),
    )
    _say(args, done)
    return 0


def cmd_import_participants(args: argparse.Namespace) -> int:
    from latsar_server.accounts.imports import import_participants

    _, engine = _engine(args)
    try:
        report = import_participants(engine, Path(args.csv), workers=args.workers)
    except DomainError as exc:
        for message in exc.messages:
            _say(args, message, sys.stderr)
        return 1
    _say(args, report.read_as())
    for line, problem in report.errors:
        _say(
            args,
            msg(Code.IMPORT_LINE_ERROR, line=line, problem=translate(problem, args.lang)),
            sys.stderr,
        )
    _say(args, report.summary())
    return 1 if report.errors and not (report.imported or report.updated) else 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    from latsar_server.accounts.devices import revoke_device

    _, engine = _engine(args)
    revoked = revoke_device(engine, args.nip, args.device_id)
    if revoked is None:
        _say(args, msg(Code.DEVICE_NOT_FOUND, device=args.device_id, nip=args.nip), sys.stderr)
        return 1
    _say(args, msg(Code.DEVICE_REVOKED_DONE, device=args.device_id, nip=args.nip, tokens=revoked))
    return 0


def cmd_participant(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from latsar_server.database import transaction
    from latsar_server.sync.standing import current_view, lock_participant
    from latsar_server.tables import Participant

    _, engine = _engine(args)
    with transaction(engine) as session:
        participant = session.exec(select(Participant).where(Participant.nip == args.nip)).first()
        if participant is None or participant.id is None:
            _say(args, msg(Code.PARTICIPANT_NOT_FOUND, nip=args.nip), sys.stderr)
            return 1
        view = current_view(session, participant, lock_participant(session, participant.id))
    progress, standing = view.progress, view.standing
    lines = [
        msg(
            Code.PARTICIPANT_HEADER,
            name=participant.name,
            nip=participant.nip,
            agency=participant.agency,
        ),
        msg(
            Code.PARTICIPANT_PROGRESS,
            trophies=progress.trophies,
            maximum=progress.max_trophies,
            done=sum(m.required_done for m in progress.materials),
            total=sum(m.required_total for m in progress.materials),
        ),
        msg(Code.PARTICIPANT_COMPLETE if progress.complete else Code.PARTICIPANT_INCOMPLETE),
    ]
    lines += [
        msg(
            Code.PARTICIPANT_ATTEMPT,
            number=a.number,
            raw=a.raw_score,
            cap=a.cap,
            score=a.score,
            at=a.graded_at,
        )
        for a in standing.attempts
    ] or [msg(Code.PARTICIPANT_NO_ATTEMPTS)]
    lines += [  # accepted and numbered, graded on a later day (graded per day)
        msg(
            Code.PARTICIPANT_ATTEMPT_PENDING,
            number=a.number,
            at=a.accepted_at,
            cap=a.cap,
            date=a.grade_on,
        )
        for a in standing.pending_attempts
    ]
    if standing.passed_at is not None and progress.final_score is not None:
        lines.append(
            msg(Code.PARTICIPANT_PASSED, at=standing.passed_at, score=progress.final_score)
        )
    else:
        lines.append(msg(Code.PARTICIPANT_NOT_PASSED))
    if standing.certificate_issued_at is not None:
        lines.append(msg(Code.PARTICIPANT_CERTIFICATE, at=standing.certificate_issued_at))
    else:
        lines.append(msg(Code.PARTICIPANT_NO_CERTIFICATE))
    for line in lines:
        _say(args, line)
    return 0


def cmd_issue_certificates(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from latsar_server import clock
    from latsar_server.certificates.issuance import issue_certificates
    from latsar_server.sync.daily import grade_all_due

    settings, engine = _engine(args)
    now = datetime.fromisoformat(args.now) if args.now else clock.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    graded = grade_all_due(engine, now)  # attempts due today first: they may pass someone
    if graded:
        _say(args, msg(Code.GRADING_DONE, count=graded))
    try:
        numbers = issue_certificates(engine, settings, now)
    except DomainError as exc:
        _say(args, exc.message, sys.stderr)
        return 1
    for number in numbers:
        print(number)
    _say(args, msg(Code.CERTIFICATE_ISSUED_DONE, count=len(numbers)))
    return 0


def cmd_revoke_certificate(args: argparse.Namespace) -> int:
    from latsar_server import clock
    from latsar_server.certificates.issuance import revoke_certificate

    _, engine = _engine(args)
    if not revoke_certificate(engine, args.number, clock.now()):
        _say(args, msg(Code.CERTIFICATE_NOT_FOUND, number=args.number), sys.stderr)
        return 1
    _say(args, msg(Code.CERTIFICATE_REVOKED_DONE, number=args.number))
    return 0


def cmd_export_results(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from latsar_server.results import export_results

    settings, engine = _engine(args)
    out = Path(args.out)
    try:
        count = export_results(engine, out, ZoneInfo(settings.time_zone), args.course)
    except DomainError as exc:
        _say(args, exc.message, sys.stderr)
        return 1
    _say(args, msg(Code.EXPORT_RESULTS_DONE, count=count, path=str(out)))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="latsar-server", description="Latsar central server")
    top.add_argument("--version", action="version", version=f"latsar-server {__version__}")
    top.add_argument("--lang", choices=("id", "en"), default="id", help="language of messages")
    top.add_argument("--database-url", help="default: LATSAR_SERVER_DATABASE_URL or SQLite")
    top.add_argument("--data-dir", help="content store and keys (LATSAR_SERVER_DATA_DIR)")
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate
    )

    keys = sub.add_parser("keygen", help="create an Ed25519 certificate signing key")
    keys.add_argument("--inactive", action="store_true", help="keep the current signing key")
    keys.set_defaults(func=cmd_keygen)

    course = sub.add_parser("import-course", help="import a course package (atomic)")
    course.add_argument("path", help="package.json, with its content/ folder beside it")
    course.set_defaults(func=cmd_import_course)

    people = sub.add_parser("import-participants", help="import or update participants")
    people.add_argument("csv", help="CSV with columns nip,nik,name,agency,course")
    people.add_argument("--workers", type=int, default=None, help="processes hashing NIKs")
    people.set_defaults(func=cmd_import_participants)

    revoke = sub.add_parser("revoke-device", help="revoke one device of a participant")
    revoke.add_argument("nip")
    revoke.add_argument("device_id")
    revoke.set_defaults(func=cmd_revoke_device)

    issue = sub.add_parser(
        "issue-certificates",
        help="the daily job: grade the evaluation attempts due today, then issue what is due",
    )
    issue.add_argument("--now", help="ISO time to issue as of (default: now, UTC)")
    issue.set_defaults(func=cmd_issue_certificates)

    revoke_cert = sub.add_parser("revoke-certificate", help="revoke a certificate by number")
    revoke_cert.add_argument("number")
    revoke_cert.set_defaults(func=cmd_revoke_certificate)

    export = sub.add_parser(
        "export-results",
        help="write every participant's results as CSV (UTF-8 with BOM, for Excel)",
    )
    export.add_argument("--out", required=True, help="the CSV file to write")
    export.add_argument("--course", help="only this course's participants")
    export.set_defaults(func=cmd_export_results)

    person = sub.add_parser("participant", help="print a participant's standing")
    person.add_argument("nip")
    person.set_defaults(func=cmd_participant)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
