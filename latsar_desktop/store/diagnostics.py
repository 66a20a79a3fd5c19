"""Checks that a profile database agrees with itself (run after crashes, and by tests).

The journal is the truth; the local state (activity records, closed drafts) and what the
profile believes the server processed (``last_sync``) must follow from it, because each is
written in the same transaction as the events it depends on.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlmodel import Session, col, select

from latsar_desktop.domain.protocol import EventType
from latsar_desktop.store import journal
from latsar_desktop.store.apply import last_sync
from latsar_desktop.store.profile_tables import ActivityRecord, AttemptDraft, JournalRow


def consistency_problems(
    session: Session, device_id: uuid.UUID, welcome_id: str | None
) -> list[str]:
    """Every way the journal, the local state and ``last_sync`` disagree (empty: none)."""
    problems: list[str] = []
    rows = list(session.exec(select(JournalRow).order_by(col(JournalRow.seq))))
    seqs = [r.seq for r in rows if r.device_id == str(device_id)]
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(f"seq gap: {seqs[:5]}…")
    counts: dict[str, int] = {}
    submitted: set[str] = set()
    for row in rows:
        payload: dict[str, Any] = json.loads(row.payload)
        if row.type in (EventType.ACTIVITY_COMPLETED, EventType.PRACTICE_GRADED):
            counts[payload["activity_id"]] = counts.get(payload["activity_id"], 0) + 1
        elif row.type == EventType.WELCOME_WATCHED:
            key = welcome_id or "welcome"
            counts[key] = counts.get(key, 0) + 1
        elif row.type == EventType.ATTEMPT_SUBMITTED:
            submitted.add(row.id)
    records = {r.activity_id: r.events for r in session.exec(select(ActivityRecord))}
    if records != counts:
        problems.append(f"activity state {records} != events {counts}")
    closed = {
        d.submitted_event_id
        for d in session.exec(select(AttemptDraft))
        if d.submitted_event_id is not None
    }
    if closed != submitted:
        problems.append(f"submitted drafts {closed} != attempt events {submitted}")
    problems += sync_problems(session, device_id)
    return problems


def sync_problems(session: Session, device_id: uuid.UUID) -> list[str]:
    """``apply_sync`` confirms up to acked_seq and records it in one transaction, so the
    journal's statuses agree with ``last_sync`` after any crash."""
    state = last_sync(session)
    statuses = journal.statuses(session, device_id)
    problems = [
        f"seq {seq} is {status} but acked_seq is {state.acked_seq}"
        for seq, status in statuses
        if (status == journal.PENDING) != (seq > state.acked_seq)
    ]
    processed = sum(status != journal.PENDING for _, status in statuses)
    if processed != state.processed_count:
        problems.append(f"{processed} processed events, the server said {state.processed_count}")
    return problems
