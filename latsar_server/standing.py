"""A participant's authoritative standing, built from the server's rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from latsar_desktop.domain.progress import Progress, progress
from latsar_desktop.domain.protocol import (
    CHANGE,
    Change,
    CoursePackage,
    GradedAttempt,
    Rules,
    Standing,
)
from latsar_server.auth import registered_devices
from latsar_server.content import latest_package
from latsar_server.database import insert_if_absent
from latsar_server.grading import accepted_attempts
from latsar_server.tables import (
    ActivityState,
    Attempt,
    ChangeRow,
    Participant,
    ParticipantState,
)


def lock_state(session: Session, participant_id: int) -> ParticipantState:
    """The participant's state row, locked until the transaction ends (FOR UPDATE).

    Every sync of one participant serializes here, so attempt numbers and change cursors
    never collide, whichever worker or device sends them.
    """
    insert_if_absent(session, ParticipantState, "participant_id", participant_id=participant_id)
    state = session.exec(
        select(ParticipantState)
        .where(ParticipantState.participant_id == participant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return state


def graded_attempts(session: Session, participant_id: int) -> list[GradedAttempt]:
    """Every graded attempt, by number (columns, not rows: a standing may hold many).

    Attempts accepted and waiting to be graded (graded per day) are not among them."""
    rows = session.execute(
        sa_select(
            col(Attempt.attempt_id),
            col(Attempt.number),
            col(Attempt.package_version),
            col(Attempt.raw_score),
            col(Attempt.cap),
            col(Attempt.score),
            col(Attempt.graded_at),
        )
        .where(col(Attempt.participant_id) == participant_id, col(Attempt.graded_at).is_not(None))
        .order_by(col(Attempt.number))
    )
    return [
        GradedAttempt(
            attempt_id=uuid.UUID(attempt_id),
            number=number,
            package_version=version,
            raw_score=raw,
            cap=cap,
            score=score,
            graded_at=graded_at,
        )
        for attempt_id, number, version, raw, cap, score, graded_at in rows
    ]


def build_standing(
    session: Session,
    participant_id: int,
    state: ParticipantState,
    rules: Rules,
    now: datetime | None = None,
) -> Standing:
    """The standing as of ``now`` (default: the clock), ``rules`` being the course's (the
    day an attempt waiting to be graded is due depends on both)."""
    activities = list(
        session.exec(select(ActivityState).where(ActivityState.participant_id == participant_id))
    )
    return Standing(
        welcome_watched=state.welcome_watched,
        completed_activities=sorted(a.activity_id for a in activities if a.best_score is None),
        practice_best={a.activity_id: a.best_score for a in activities if a.best_score is not None},
        attempts=graded_attempts(session, participant_id),
        pending_attempts=accepted_attempts(
            session, participant_id, rules, datetime.now(UTC) if now is None else now
        ),
        registered_devices=registered_devices(session, participant_id),
        passed_at=state.passed_at,
        certificate_issued_at=state.certificate_issued_at,
    )


@dataclass(frozen=True)
class View:
    package: CoursePackage
    standing: Standing
    progress: Progress


def current_view(
    session: Session,
    participant: Participant,
    state: ParticipantState,
    now: datetime | None = None,
) -> View:
    """The participant's package, standing and progress as of ``now`` (default: the clock)."""
    assert participant.id is not None
    package = latest_package(session, participant.course_id)
    if package is None:
        raise LookupError(f"course {participant.course_id} has no package")
    standing = build_standing(session, participant.id, state, package.rules, now)
    return View(package, standing, progress(package, standing))


def append_change(session: Session, state: ParticipantState, change: dict[str, object]) -> Change:
    """Log a change for the participant at the next cursor (the state row must be locked)."""
    state.last_cursor += 1
    typed: Change = CHANGE.validate_python(
        {**change, "cursor": state.last_cursor, "at": datetime.now(UTC)}
    )
    session.add(
        ChangeRow(
            participant_id=state.participant_id,
            cursor=typed.cursor,
            type=typed.type.value,
            body=typed.model_dump_json(),
        )
    )
    session.add(state)
    return typed


def record_passing(
    session: Session, participant: Participant, state: ParticipantState, now: datetime
) -> None:
    """Set ``passed_at`` and log ``passed`` if the participant passes now and had not yet
    (the state row must be locked): after an event, and after the daily job's grading."""
    if state.passed_at is not None:
        return
    session.flush()
    view = current_view(session, participant, state, now)
    if view.progress.passed:
        assert view.progress.final_score is not None
        state.passed_at = now
        append_change(
            session,
            state,
            {"type": "passed", "passed_at": now, "final_score": view.progress.final_score},
        )
