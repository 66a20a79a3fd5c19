"""``latsar-server export-results``: every participant's results as a CSV for the organiser.

One row per participant, in participant order, with a header row in Indonesian (fixed
texts: the file's format does not follow ``--lang``). The file is UTF-8 with a BOM, so
that Excel reads it as UTF-8, comma separated, with CRLF line ends (RFC 4180).

How each value is written, for Excel and for programs alike:

- NIP: grouped the way it is printed on civil-service papers, ``19900514 202601 1 901``
  (birth date, appointment, gender, sequence). Excel keeps a value with spaces as text;
  18 bare digits it turns into a number and keeps 15 of them (``…901`` becomes ``…900``).
  A leading apostrophe or ``="…"`` would protect it too, but every program reading the
  file would then see them. Programs remove the spaces (``latsar_desktop.domain.
  identity.normalize``; ``latsar-server import-participants`` reads this form as it is).
- Final score: the best graded score as an exact decimal, two places, ``.`` as the
  decimal mark (``80.00``), never a float; empty before any graded attempt.
- Times: ``passed_at`` in ISO 8601 with its UTC offset (``2026-05-14T10:03:22+07:00``),
  dates in ISO 8601 (``2026-06-03``), both in the server's certificate time zone
  (``Settings.time_zone``), where the certificate's own dates are: the date of
  ``passed_at`` is the certificate's period end, and the certificate date is its
  ``issued_on`` (as long as that setting has not changed since it was issued).
- A revoked certificate keeps its number and date; its revocation date is in the last
  column (empty while it stands).

The NIK (the participant's password) is never read.

It streams: one read transaction (one snapshot on both databases: REPEATABLE READ on
PostgreSQL), two server-side cursors walked side by side in participant order, the
participants with their stored standing (``participant_state``: attempts graded,
``passed_at``; the best score by the attempts' index; the certificate) and their
activity rows for the trophies. Memory does not grow with the number of participants.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy import select as sa_select
from sqlalchemy.sql import func
from sqlmodel import col

from latsar_desktop.domain.identity import group_nip
from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.progress import practice_trophies
from latsar_desktop.domain.protocol import Activity, ActivityKind, CoursePackage
from latsar_server.courses.packages import latest_package
from latsar_server.database import READ_ONLY
from latsar_server.tables import (
    ActivityState,
    Attempt,
    Certificate,
    Course,
    Participant,
    ParticipantProgress,
)

HEADER = (
    "NIP",
    "Nama",
    "Instansi",
    "Kursus",
    "Trofi",
    "Percobaan Dinilai",
    "Nilai Akhir",
    "Lulus Pada",
    "Nomor Sertifikat",
    "Tanggal Sertifikat",
    "Sertifikat Dicabut Pada",
)
BATCH = 1000  # rows fetched per round trip from each server-side cursor


@dataclass(frozen=True)
class ResultRow:
    nip: str
    name: str
    agency: str
    course_id: str
    trophies: int
    attempts_graded: int
    final_score: Decimal | None
    passed_at: datetime | None  # aware, in the export's time zone
    certificate_number: str | None
    certificate_date: date | None
    certificate_revoked_on: date | None

    def cells(self) -> list[str]:
        return [
            group_nip(self.nip),
            self.name,
            self.agency,
            self.course_id,
            str(self.trophies),
            str(self.attempts_graded),
            "" if self.final_score is None else f"{self.final_score:.2f}",
            "" if self.passed_at is None else self.passed_at.isoformat(timespec="seconds"),
            self.certificate_number or "",
            "" if self.certificate_date is None else self.certificate_date.isoformat(),
            "" if self.certificate_revoked_on is None else self.certificate_revoked_on.isoformat(),
        ]


class _Trophies:
    """A course's trophy count from a participant's stored activity rows.

    The rule of ``domain.progress``: a practice quiz earns ``practice_trophies`` of its
    best score, the welcome video its trophies once watched, any other activity its
    trophies once completed. Counted over the participant's rows only, not the whole
    package: the export does this for every participant."""

    def __init__(self, package: CoursePackage) -> None:
        self.welcome_id = package.welcome_video.id
        self.activities: dict[str, list[Activity]] = {}
        for activity in [package.welcome_video, *(a for _, a in package.activities())]:
            self.activities.setdefault(activity.id, []).append(activity)
        self.welcome = sum(
            a.trophies
            for a in self.activities[self.welcome_id]
            if a.kind is not ActivityKind.PRACTICE_QUIZ
        )

    def count(self, welcome_watched: bool, rows: list[tuple[str, Decimal | None]]) -> int:
        total = self.welcome if welcome_watched else 0
        for activity_id, best in rows:
            for activity in self.activities.get(activity_id, ()):
                if activity.kind is ActivityKind.PRACTICE_QUIZ:
                    total += practice_trophies(activity, best)
                elif best is None and activity_id != self.welcome_id:
                    total += activity.trophies
        return total


def _read_only(engine: Engine, connection: Connection) -> Connection:
    if engine.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection.execution_options(**{READ_ONLY: True})


def result_rows(engine: Engine, zone: tzinfo, course_id: str | None = None) -> Iterator[ResultRow]:
    """Every participant's results (of one course, or all), by participant id, streamed.

    Raises DomainError when ``course_id`` names no imported course."""
    participant_id = col(Participant.id)
    best_score = (
        sa_select(func.max(col(Attempt.score)))
        .where(col(Attempt.participant_id) == participant_id)
        .where(col(Attempt.graded_at).is_not(None))
        .scalar_subquery()
    )
    people = (
        sa_select(
            participant_id,
            col(Participant.nip),
            col(Participant.name),
            col(Participant.agency),
            col(Participant.course_id),
            col(ParticipantProgress.welcome_watched),
            col(ParticipantProgress.attempts_graded),
            col(ParticipantProgress.passed_at),
            best_score.label("final_score"),
            col(Certificate.number),
            col(Certificate.issued_at),
            col(Certificate.revoked_at),
        )
        .select_from(Participant)
        .outerjoin(ParticipantProgress, col(ParticipantProgress.participant_id) == participant_id)
        .outerjoin(Certificate, col(Certificate.participant_id) == participant_id)
        # one certificate per participant (issued once); were there more, the newest
        .order_by(participant_id, col(Certificate.issued_at).desc())
    )
    activities = sa_select(
        col(ActivityState.participant_id),
        col(ActivityState.activity_id),
        col(ActivityState.best_score),
    ).order_by(col(ActivityState.participant_id))
    if course_id is not None:
        people = people.where(col(Participant.course_id) == course_id)
        activities = activities.join(
            Participant, participant_id == col(ActivityState.participant_id)
        ).where(col(Participant.course_id) == course_id)

    with engine.connect() as plain:
        connection = _read_only(engine, plain)
        with connection.begin():
            known = sa_select(col(Course.id)).where(col(Course.id) == course_id)
            if course_id is not None and connection.execute(known).first() is None:
                raise DomainError(msg(Code.IMPORT_UNKNOWN_COURSE, course=course_id))
            trophy_tables: dict[str, _Trophies | None] = {}
            streaming = connection.execution_options(yield_per=BATCH)
            activity_rows = iter(streaming.execute(activities))
            pending = next(activity_rows, None)
            previous: int | None = None
            for row in streaming.execute(people):
                pid = row[0]
                assert pid is not None  # a primary key
                if pid == previous:
                    continue  # an older certificate of the same participant
                previous = pid
                mine: list[tuple[str, Decimal | None]] = []
                while pending is not None and pending[0] <= pid:
                    if pending[0] == pid:
                        mine.append((pending[1], pending[2]))
                    pending = next(activity_rows, None)
                course: str = row.course_id
                if course not in trophy_tables:
                    trophy_tables[course] = _trophy_table(connection, course)
                table = trophy_tables[course]
                yield ResultRow(
                    nip=row.nip,
                    name=row.name,
                    agency=row.agency,
                    course_id=course,
                    trophies=0 if table is None else table.count(bool(row.welcome_watched), mine),
                    attempts_graded=row.attempts_graded or 0,
                    final_score=row.final_score,
                    passed_at=None if row.passed_at is None else row.passed_at.astimezone(zone),
                    certificate_number=row.number,
                    certificate_date=_local_date(row.issued_at, zone),
                    certificate_revoked_on=_local_date(row.revoked_at, zone),
                )


def _local_date(moment: datetime | None, zone: tzinfo) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


def _trophy_table(connection: Connection, course_id: str) -> _Trophies | None:
    from sqlmodel import Session

    with Session(connection) as session:
        package = latest_package(session, course_id)
    return None if package is None else _Trophies(package)


def export_results(engine: Engine, out: Path, zone: tzinfo, course_id: str | None = None) -> int:
    """Write the results CSV to ``out`` (whole or not at all); returns the rows written."""
    partial = out.with_name(out.name + ".part")
    count = 0
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for row in result_rows(engine, zone, course_id):
                writer.writerow(row.cells())
                count += 1
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return count
