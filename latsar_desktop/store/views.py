"""Plain read models: what ``ProfileStore`` hands out instead of its database rows.

Frozen dataclasses, detached from any database session, safe to pass to another thread.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from latsar_desktop.clock import aware
from latsar_desktop.domain.messages import Message
from latsar_desktop.domain.protocol import (
    ActivityKind,
    EventType,
    SignedCertificate,
    Standing,
    WireMessage,
    WireParam,
)
from latsar_desktop.store.profile_tables import (
    AttemptDraft,
    CertificateRow,
    KeptChange,
    LastSync,
    NotificationRow,
    RejectionRow,
)


def _message(code: str, params: str) -> WireMessage:
    parsed = {k: WireParam.model_validate(v) for k, v in json.loads(params).items()}
    return WireMessage(code=code, params=parsed)


@dataclass(frozen=True)
class Draft:
    """An evaluation attempt as saved on this device (open or submitted)."""

    attempt_id: uuid.UUID
    package_version: int
    seed: str | None
    question_order: tuple[str, ...]
    answers: Mapping[str, str]
    elapsed_seconds: int
    started_at: datetime
    updated_at: datetime
    submitted: bool

    @classmethod
    def of(cls, row: AttemptDraft) -> Draft:
        return cls(
            attempt_id=uuid.UUID(row.attempt_id),
            package_version=row.package_version,
            seed=row.seed,
            question_order=tuple(json.loads(row.question_order)),
            answers=MappingProxyType(dict(json.loads(row.answers))),
            elapsed_seconds=row.elapsed_seconds,
            started_at=aware(row.started_at),
            updated_at=aware(row.updated_at),
            submitted=row.submitted_event_id is not None,
        )


@dataclass(frozen=True)
class Rejection:
    """An event the server refused for good, with its reason (a message to translate)."""

    event_id: uuid.UUID
    seq: int
    message: WireMessage
    recorded_at: datetime

    @classmethod
    def of(cls, row: RejectionRow) -> Rejection:
        return cls(
            event_id=uuid.UUID(row.event_id),
            seq=row.seq,
            message=_message(row.code, row.params),
            recorded_at=aware(row.recorded_at),
        )


@dataclass(frozen=True)
class SyncStatus:
    """Where this profile stands with the server, as of its last sync."""

    standing: Standing
    cursor: int
    acked_seq: int
    processed_count: int
    last_sync_at: datetime | None

    @classmethod
    def of(cls, row: LastSync) -> SyncStatus:
        return cls(
            standing=Standing.model_validate_json(row.standing),
            cursor=row.cursor,
            acked_seq=row.acked_seq,
            processed_count=row.processed_count,
            last_sync_at=aware(row.last_sync_at) if row.last_sync_at is not None else None,
        )


@dataclass(frozen=True)
class Certificate:
    """A certificate the server issued, as received (the signed record's exact text)."""

    signed: SignedCertificate
    revoked: bool
    received_at: datetime

    @classmethod
    def of(cls, row: CertificateRow) -> Certificate:
        return cls(
            signed=SignedCertificate.model_validate_json(row.body),
            revoked=row.revoked,
            received_at=aware(row.received_at),
        )


@dataclass(frozen=True)
class Kept:
    """A server change kept to apply later (see ``KeptChange``)."""

    cursor: int
    type: str
    body: str

    @classmethod
    def of(cls, row: KeptChange) -> Kept:
        return cls(cursor=row.cursor, type=row.type, body=row.body)


@dataclass(frozen=True)
class Notification:
    """Something to tell the participant once; ``seen_at`` is set when they have seen it."""

    id: int
    message: WireMessage
    created_at: datetime
    seen_at: datetime | None

    @classmethod
    def of(cls, row: NotificationRow) -> Notification:
        assert row.id is not None
        return cls(
            id=row.id,
            message=_message(row.code, row.params),
            created_at=aware(row.created_at),
            seen_at=aware(row.seen_at) if row.seen_at is not None else None,
        )


@dataclass(frozen=True)
class RefusedEvent:
    """An event the server refused for good, as the sync details list it: what it was,
    when it was recorded on this computer, and the server's reason.

    ``type`` None: the event is not in the journal (it cannot be otherwise; a damaged
    profile). ``activity_id`` names the activity of an activity's or a practice quiz's
    event (None for the welcome video and an evaluation attempt); ``activity_title`` and
    ``activity_kind`` are the current course package's, None when it has no such activity
    any more (a course update removed it)."""

    event_id: uuid.UUID
    seq: int
    type: EventType | None
    recorded_at: datetime | None  # the event's time on this computer
    activity_id: str | None
    activity_title: str | None
    activity_kind: ActivityKind | None
    reason: Message
