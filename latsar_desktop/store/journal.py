"""The journal: this device's events, appended with no gap in ``seq``, and read back.

Every function takes the open ``Session`` of the caller's transaction, so an event and
the local state it implies are written together (``ProfileStore`` opens the transaction).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from latsar_desktop.clock import WallClock, aware
from latsar_desktop.domain.protocol import (
    EVENT_CLASSES,
    JOURNAL_EVENT,
    EventPayload,
    EventType,
    JournalEvent,
)
from latsar_desktop.store.profile_tables import ActivityRecord, JournalRow

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


def append(
    session: Session,
    device_id: uuid.UUID,
    clock: WallClock,
    payload: EventPayload,
    type_: EventType,
) -> JournalEvent:
    """Append one event with the next seq of this device (inside the caller's transaction)."""
    last = session.exec(
        select(func.max(JournalRow.seq)).where(JournalRow.device_id == str(device_id))
    ).one()
    event = EVENT_CLASSES[type_].model_validate(
        {
            "id": uuid.uuid4(),
            "device_id": device_id,
            "seq": (last or 0) + 1,
            "at": clock(),
            "payload": payload,
        }
    )
    session.add(
        JournalRow(
            id=str(event.id),
            device_id=str(device_id),
            seq=event.seq,
            type=type_.value,
            at=event.at,
            payload=payload.model_dump_json(),
            status=PENDING,
        )
    )
    session.flush()
    return cast("JournalEvent", event)  # built from its own class: no second validation


def touch_activity(
    session: Session, activity_id: str, event: JournalEvent, score: Decimal | None
) -> None:
    """The activity's local state after ``event`` (its best score, its event count)."""
    record = session.get(ActivityRecord, activity_id)
    if record is None:
        record = ActivityRecord(
            activity_id=activity_id, completed_at=event.at, last_event_id=str(event.id)
        )
    if score is not None:
        best = Decimal(record.best_score) if record.best_score is not None else None
        record.best_score = str(score if best is None else max(best, score))
    record.events += 1
    record.last_event_id = str(event.id)
    session.add(record)
    session.flush()


def to_event(row: JournalRow) -> JournalEvent:
    return JOURNAL_EVENT.validate_python(
        {
            "id": row.id,
            "device_id": row.device_id,
            "seq": row.seq,
            "type": row.type,
            "at": aware(row.at),
            "payload": json.loads(row.payload),
        }
    )


def pending(
    session: Session, device_id: uuid.UUID, after_seq: int = 0, limit: int | None = None
) -> list[JournalEvent]:
    """This device's events the server has not processed yet, in seq order."""
    query = (
        select(JournalRow)
        .where(JournalRow.device_id == str(device_id))
        .where(JournalRow.status == PENDING)
        .where(JournalRow.seq > after_seq)
        .order_by(col(JournalRow.seq))
    )
    if limit is not None:
        query = query.limit(limit)
    return [to_event(row) for row in session.exec(query)]


def everything(session: Session) -> list[JournalEvent]:
    return [to_event(row) for row in session.exec(select(JournalRow).order_by(col(JournalRow.seq)))]


def count(session: Session, device_id: uuid.UUID, condition: Any) -> int:
    return session.exec(
        select(func.count())
        .select_from(JournalRow)
        .where(JournalRow.device_id == str(device_id))
        .where(condition)
    ).one()


def confirm_up_to(session: Session, device_id: uuid.UUID, acked_seq: int) -> None:
    """The server processed this device's events up to ``acked_seq`` (those it did not
    reject, marked before, are confirmed)."""
    session.flush()  # rejections marked in this transaction come first
    session.execute(
        update(JournalRow)
        .where(col(JournalRow.device_id) == str(device_id))
        .where(col(JournalRow.status) == PENDING)
        .where(col(JournalRow.seq) <= acked_seq)
        .values(status=CONFIRMED)
        .execution_options(synchronize_session=False)
    )


def statuses(session: Session, device_id: uuid.UUID) -> Sequence[tuple[int, str]]:
    query = (
        select(JournalRow.seq, JournalRow.status)
        .where(JournalRow.device_id == str(device_id))
        .order_by(col(JournalRow.seq))
    )
    return [(seq, status) for seq, status in session.exec(query)]
