"""The daily job's grading: every waiting evaluation attempt that is due, graded.

``latsar-server issue-certificates`` (run daily, by cron) calls :func:`grade_all_due`
before it issues, so an attempt waiting for its day (graded per day,
``latsar_server.sync.grading``) is graded on that day even when its participant does not
sync, and passing it brings (``passed_at``) counts from then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from latsar_server.courses.packages import latest_package
from latsar_server.database import READ_ONLY, transaction
from latsar_server.sync.grading import Day, grade_due
from latsar_server.sync.standing import append_change, lock_participant, record_passing
from latsar_server.tables import Attempt, Participant


def participants_waiting(engine: Engine) -> list[int]:
    """The participants with attempts waiting to be graded (by ``ix_attempt_graded_at``)."""
    with Session(engine.execution_options(**{READ_ONLY: True})) as session:
        rows = session.exec(
            select(Attempt.participant_id).where(col(Attempt.graded_at).is_(None)).distinct()
        )
        return sorted(rows)


def grade_participant(session: Session, participant: Participant, now: datetime) -> int:
    """Grade one participant's attempts due at ``now`` (one transaction); how many."""
    assert participant.id is not None
    state = lock_participant(session, participant.id)
    package = latest_package(session, participant.course_id)
    if package is None:
        return 0
    day = Day.load(session, participant.id, package.rules, now)
    graded = grade_due(session, participant.course_id, state, day, now)
    for event_id, attempt in graded:
        append_change(
            session,
            state,
            {"type": "attempt.graded", "event_id": event_id, "attempt": attempt.model_dump()},
        )
    if graded:
        record_passing(session, participant, state, now)
    return len(graded)


def grade_all_due(engine: Engine, now: datetime) -> int:
    """Grade every waiting attempt due at ``now``, one participant per transaction; how
    many were graded. Running it twice grades nothing more: the day's grading is used."""
    total = 0
    for participant_id in participants_waiting(engine):
        with transaction(engine) as session:
            participant = session.get(Participant, participant_id)
            if participant is not None:
                total += grade_participant(session, participant, now)
    return total
