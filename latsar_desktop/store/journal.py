"""The journal: this device's events, appended with no gap in ``seq``, and read back.

Every function takes the open ``Session`` of the caller's transaction, so an event and
the local state it implies are written together (``ProfileStore`` opens the transaction).

A sync reads the events it sends with ``outgoing``: their envelopes' JSON made from the
rows as stored, without parsing them (an event's status goes from pending to confirmed
or rejected, never back; a new event takes the next seq). ``pending_after`` is what the
sync engine needs to know once an answer is applied, from the batch's seqs alone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from latsar_desktop.clock import WallClock, aware
from latsar_desktop.domain.protocol import (
    EVENT_CLASSES,
    JOURNAL_EVENT,
    EventPayload,
    EventType,
    JournalEvent,
)
from latsar_desktop.store.profile_tables import ActivityRecord, JournalRow, LastSync

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


def append(
    session: Session,
    device_id: uuid.UUID,
    clock: WallClock,
    payload: EventPayload,
    type_: EventType,
) -> JournalEvent:
    """Append one event with the next seq of this device (inside the caller's transaction)."""
    event = EVENT_CLASSES[type_].model_validate(
        {
            "id": uuid.uuid4(),
            "device_id": device_id,
            "seq": last_seq(session, device_id) + 1,
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


@dataclass(frozen=True)
class Outgoing:
    """A sync request's content: pending events, each one's seq and its envelope's JSON
    text (exactly as ``EventEnvelope.of(event).model_dump_json()`` gives it), and the
    cursor of the last server change applied."""

    seqs: list[int]
    envelopes: list[str]
    cursor: int


@dataclass(frozen=True)
class PendingAfter:
    """This device's pending events once an answer to a batch (seqs ``first``..``last``)
    is applied: how many of the batch's are pending still, whether any comes after the
    batch (appended meanwhile, or not sent yet), and the journal's last seq."""

    in_batch: int
    after_batch: bool
    last_seq: int


_JOURNAL = cast("Table", JournalRow.__table__)  # type: ignore[attr-defined]
_LAST_SYNC = cast("Table", LastSync.__table__)  # type: ignore[attr-defined]
_OF_DEVICE = _JOURNAL.c.device_id == bindparam("device")
_PENDING = _JOURNAL.c.status == PENDING

# The sync's statements, made once (Core on the session's connection: a sync request
# runs each once, and an ORM statement costs more than the rows it reads).
_OUTGOING = (
    sql_select(_JOURNAL.c.id, _JOURNAL.c.seq, _JOURNAL.c.type, _JOURNAL.c.at, _JOURNAL.c.payload)
    .where(_OF_DEVICE, _PENDING, _JOURNAL.c.seq > bindparam("after"))
    .order_by(_JOURNAL.c.seq)
    .limit(bindparam("limit"))
)
_CURSOR = sql_select(_LAST_SYNC.c.cursor).where(_LAST_SYNC.c.id == 1)
_PENDING_AFTER = sql_select(
    sql_select(func.count())
    .where(_OF_DEVICE, _PENDING, _JOURNAL.c.seq.between(bindparam("first"), bindparam("last")))
    .scalar_subquery(),
    sql_select(_JOURNAL.c.seq)
    .where(_OF_DEVICE, _PENDING, _JOURNAL.c.seq > bindparam("after"))
    .order_by(_JOURNAL.c.seq)
    .limit(1)
    .exists(),
    sql_select(func.coalesce(func.max(_JOURNAL.c.seq), 0)).where(_OF_DEVICE).scalar_subquery(),
)
_CONFIRM = (
    update(_JOURNAL)
    .where(
        _OF_DEVICE,
        _PENDING,
        _JOURNAL.c.seq > bindparam("after"),
        _JOURNAL.c.seq <= bindparam("acked"),
    )
    .values(status=CONFIRMED)
)


def outgoing(session: Session, device_id: uuid.UUID, after_seq: int, limit: int | None) -> Outgoing:
    """This device's pending events after ``after_seq``, in seq order, at most ``limit``,
    as their envelopes' JSON, read without parsing them (the payload as it was stored:
    the JSON its typed payload gave when it was appended), and the sync cursor."""
    connection = session.connection()
    params = {"device": str(device_id), "after": after_seq, "limit": -1 if limit is None else limit}
    seqs: list[int] = []
    envelopes: list[str] = []
    device = f'"device_id":"{device_id}","seq":'
    for id_, seq, type_, at, payload in connection.execute(_OUTGOING, params):
        seqs.append(seq)
        envelopes.append(
            f'{{"id":"{id_}",{device}{seq},"at":"{utc_text(at)}",'
            f'"type":{json.dumps(type_)},"payload":{payload}}}'
        )
    return Outgoing(seqs, envelopes, connection.execute(_CURSOR).scalar_one())


def utc_text(at: datetime) -> str:
    """A stored time as the protocol writes it (pydantic's form: ``…T…[.ffffff]Z``)."""
    return aware(at).astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def pending_after(session: Session, device_id: uuid.UUID, first: int, last: int) -> PendingAfter:
    """See ``PendingAfter`` (``first`` > ``last``: no batch, every pending event is after
    it). One statement, reading the batch's rows and the first pending one after it by the
    (device_id, seq) index, whatever the journal's length."""
    params = {"device": str(device_id), "first": first, "last": last, "after": max(last, first - 1)}
    in_batch, after, last_seq = session.connection().execute(_PENDING_AFTER, params).one()
    return PendingAfter(in_batch, bool(after), last_seq)


def last_seq(session: Session, device_id: uuid.UUID) -> int:
    """This device's last seq (0: no event yet)."""
    query = select(func.max(JournalRow.seq)).where(JournalRow.device_id == str(device_id))
    return session.exec(query).one() or 0


def everything(session: Session) -> list[JournalEvent]:
    return [to_event(row) for row in session.exec(select(JournalRow).order_by(col(JournalRow.seq)))]


def count(session: Session, device_id: uuid.UUID, condition: Any) -> int:
    return session.exec(
        select(func.count())
        .select_from(JournalRow)
        .where(JournalRow.device_id == str(device_id))
        .where(condition)
    ).one()


def confirm_up_to(
    session: Session, device_id: uuid.UUID, acked_seq: int, after_seq: int = 0
) -> None:
    """The server processed this device's events up to ``acked_seq`` (those it did not
    reject, marked before, are confirmed). ``after_seq``: none at or below it is pending
    (the sync engine knows its batch's; the update then reads only the rows above it)."""
    session.flush()  # rejections marked in this transaction come first
    params = {"device": str(device_id), "after": after_seq, "acked": acked_seq}
    session.connection().execute(_CONFIRM, params)


def statuses(session: Session, device_id: uuid.UUID) -> Sequence[tuple[int, str]]:
    query = (
        select(JournalRow.seq, JournalRow.status)
        .where(JournalRow.device_id == str(device_id))
        .order_by(col(JournalRow.seq))
    )
    return [(seq, status) for seq, status in session.exec(query)]
