"""Grading evaluation attempts: at most ``max_graded_per_day`` a day per participant.

The server accepts an attempt and numbers it at once (its number and cap are fixed then).
It grades it at once when none of the participant's attempts waits and fewer than the
course's ``max_graded_per_day`` (None: no limit) were graded today, a calendar day in the
course's ``time_zone`` by the server's clock. Otherwise the attempt waits (its
``raw_score``, ``score`` and ``graded_at`` stay empty) and is graded on the following days
in number order, at most the limit a day: at the participant's next sync, or by the daily
job (``latsar-server issue-certificates``, before it issues). So the answer key cannot be
read out of the scores faster than that, and nothing is refused or lost. The newest
package's rules decide the limit and the time zone, as they decide passing.

An attempt is graded against its own package version, over the questions its seed drew
(``latsar_desktop.domain.grading``), from the payload stored with its event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from latsar_desktop.domain.grading import grade_attempt
from latsar_desktop.domain.progress import course_day, grading_day
from latsar_desktop.domain.protocol import (
    AttemptSubmitted,
    GradedAttempt,
    Rules,
)
from latsar_server.courses.packages import package_version
from latsar_server.tables import Attempt, EventRow, ParticipantProgress


def day_bounds(day: date, rules: Rules) -> tuple[datetime, datetime]:
    """The course's calendar day ``day`` as [start, end) in UTC."""
    zone = ZoneInfo(rules.time_zone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def graded_today(session: Session, participant_id: int, rules: Rules, now: datetime) -> int:
    """How many of the participant's attempts were graded on the course's day of ``now``."""
    start, end = day_bounds(course_day(now, rules), rules)
    count = session.exec(
        select(func.count())
        .select_from(Attempt)
        .where(
            Attempt.participant_id == participant_id,
            col(Attempt.graded_at) >= start,
            col(Attempt.graded_at) < end,
        )
    ).one()
    return int(count)


def count_waiting(session: Session, participant_id: int) -> int:
    """How many of the participant's accepted attempts wait to be graded."""
    count = session.exec(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.participant_id == participant_id, col(Attempt.graded_at).is_(None))
    ).one()
    return int(count)


def waiting(session: Session, participant_id: int, limit: int | None = None) -> list[Attempt]:
    """The participant's accepted attempts not graded yet, in number order (the first
    ``limit`` of them)."""
    query = (
        select(Attempt)
        .where(Attempt.participant_id == participant_id, col(Attempt.graded_at).is_(None))
        .order_by(col(Attempt.number))
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


@dataclass
class Day:
    """One participant's grading on one course day, kept up to date as a transaction
    grades and accepts attempts."""

    rules: Rules
    today: date
    graded: int  # graded today
    waiting: int  # accepted, not graded yet

    @classmethod
    def load(cls, session: Session, participant_id: int, rules: Rules, now: datetime) -> Day:
        return cls(
            rules=rules,
            today=course_day(now, rules),
            graded=graded_today(session, participant_id, rules, now),
            waiting=count_waiting(session, participant_id),
        )

    @property
    def free(self) -> int | None:
        """How many more may be graded today (None: no limit)."""
        limit = self.rules.max_graded_per_day
        return None if limit is None else max(0, limit - self.graded)

    def due(self) -> int:
        """How many waiting attempts are graded now."""
        return self.waiting if self.free is None else min(self.waiting, self.free)

    def grades_now(self) -> bool:
        """Whether an attempt accepted now is graded now: none waits before it and today's
        grading is not used up."""
        return self.waiting == 0 and (self.free is None or self.free > 0)

    def grade_on(self) -> date:
        """The day an attempt accepted now, after those waiting, is due to be graded."""
        return grading_day(self.rules, self.graded, self.waiting, self.today)


def _payload(session: Session, row: Attempt) -> AttemptSubmitted:
    event = session.exec(
        select(EventRow).where(
            EventRow.participant_id == row.participant_id, EventRow.event_id == row.event_id
        )
    ).one()
    return AttemptSubmitted.model_validate_json(event.payload)


def grade_row(session: Session, course_id: str, row: Attempt, now: datetime) -> GradedAttempt:
    """Grade one accepted attempt now: its stored answers against its package version."""
    package = package_version(session, course_id, row.package_version)
    if package is None:  # versions are never removed
        raise LookupError(f"course {course_id} has no version {row.package_version}")
    raw = grade_attempt(package.evaluation, _payload(session, row)).score
    return record_grade(session, row, raw, now)


def record_grade(session: Session, row: Attempt, raw: Decimal, now: datetime) -> GradedAttempt:
    """Store the raw score of a numbered attempt, capped by its number's cap."""
    row.raw_score, row.score, row.graded_at = raw, min(raw, row.cap), now
    session.add(row)
    return GradedAttempt(
        attempt_id=uuid.UUID(row.attempt_id),
        number=row.number,
        package_version=row.package_version,
        raw_score=raw,
        cap=row.cap,
        score=min(raw, row.cap),
        graded_at=now,
    )


def grade_due(
    session: Session, course_id: str, state: ParticipantProgress, day: Day, now: datetime
) -> list[tuple[str, GradedAttempt]]:
    """Grade the participant's waiting attempts that are due now, in number order, as many
    as today's grading allows (the state row must be locked). Returns (event id, graded
    attempt) of each; the caller logs ``attempt.graded`` and checks passing."""
    count = day.due()
    if count == 0:
        return []
    graded = []
    for row in waiting(session, state.participant_id, count):
        graded.append((row.event_id, grade_row(session, course_id, row, now)))
        state.attempts_graded += 1
        day.graded += 1
        day.waiting -= 1
    session.add(state)
    return graded
