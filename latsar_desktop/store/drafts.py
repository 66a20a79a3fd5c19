"""Evaluation attempts on this device: drafts saved as the participant answers, closed by
the ``attempt.submitted`` event (the only part of an attempt that is synced)."""

from __future__ import annotations

import json
import uuid

from sqlmodel import Session, col, select

from latsar_desktop.clock import WallClock, aware
from latsar_desktop.domain.draw import draw_questions, new_seed
from latsar_desktop.domain.protocol import (
    AttemptSubmitted,
    CoursePackage,
    EventType,
    JournalEvent,
)
from latsar_desktop.store import journal
from latsar_desktop.store.profile_tables import AttemptDraft


def start(session: Session, package: CoursePackage, clock: WallClock) -> uuid.UUID:
    """A new attempt: its questions drawn from the package with a new seed, kept on the draft."""
    evaluation = package.evaluation
    seed = new_seed()
    order = draw_questions(
        seed, [q.id for q in evaluation.questions], evaluation.questions_per_attempt
    )
    attempt_id = uuid.uuid4()
    now = clock()
    session.add(
        AttemptDraft(
            attempt_id=str(attempt_id),
            package_version=package.version,
            seed=seed,
            question_order=json.dumps(order),
            answers="{}",
            started_at=now,
            updated_at=now,
        )
    )
    return attempt_id


def open_draft(session: Session, attempt_id: uuid.UUID) -> AttemptDraft:
    draft = session.get(AttemptDraft, str(attempt_id))
    if draft is None or draft.submitted_event_id is not None:
        raise KeyError(f"no open attempt {attempt_id}")
    return draft


def save(
    session: Session,
    attempt_id: uuid.UUID,
    answers: dict[str, str],
    elapsed_seconds: int,
    clock: WallClock,
) -> None:
    """Keep the answers as given; the elapsed time never goes back."""
    draft = open_draft(session, attempt_id)
    outside = sorted(set(answers) - set(json.loads(draft.question_order)))
    if outside:
        raise KeyError(f"question {outside[0]} is not in attempt {attempt_id}")
    draft.answers = json.dumps(answers, sort_keys=True)
    draft.elapsed_seconds = max(draft.elapsed_seconds, elapsed_seconds)
    draft.updated_at = clock()
    session.add(draft)


def open_drafts(session: Session) -> list[AttemptDraft]:
    query = select(AttemptDraft).where(col(AttemptDraft.submitted_event_id).is_(None))
    return list(session.exec(query.order_by(col(AttemptDraft.started_at))))


def submit(
    session: Session, device_id: uuid.UUID, attempt_id: uuid.UUID, clock: WallClock
) -> JournalEvent:
    """The submitted attempt becomes a journal event; the draft is closed with it."""
    draft = open_draft(session, attempt_id)
    payload = AttemptSubmitted(
        attempt_id=attempt_id,
        package_version=draft.package_version,
        seed=draft.seed,
        question_order=json.loads(draft.question_order),
        answers=json.loads(draft.answers),
        elapsed_seconds=draft.elapsed_seconds,
        started_at=aware(draft.started_at),
    )
    event = journal.append(session, device_id, clock, payload, EventType.ATTEMPT_SUBMITTED)
    draft.submitted_event_id = str(event.id)
    session.add(draft)
    session.flush()
    return event
