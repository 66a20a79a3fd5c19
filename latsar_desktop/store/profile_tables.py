"""The tables of one participant's database (schema ``PROFILE_SCHEMA_VERSION``).

Rows never leave the ``store`` package: ``ProfileStore`` returns the read models of
``store/views.py`` instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

PROFILE_SCHEMA_VERSION = 6


class ProfileTable(SQLModel, registry=registry()):
    """Base of the tables of a profile database (their own metadata)."""


class PackageRow(ProfileTable, table=True):
    __tablename__ = "package"
    id: int = Field(default=1, primary_key=True)
    course_id: str
    version: int
    etag: str | None = None
    body: str  # CoursePackage JSON
    fetched_at: datetime


class JournalRow(ProfileTable, table=True):
    __tablename__ = "journal"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_journal_device_seq"),)
    id: str = Field(primary_key=True)
    device_id: str
    seq: int
    type: str
    at: datetime
    payload: str  # JSON
    status: str = Field(index=True)  # pending | confirmed | rejected


class ActivityRecord(ProfileTable, table=True):
    """Local state of an activity, implied by its events (count kept for consistency)."""

    __tablename__ = "activity_record"
    activity_id: str = Field(primary_key=True)
    completed_at: datetime
    best_score: str | None = None  # Decimal, practice quizzes
    events: int = 0
    last_event_id: str = Field(foreign_key="journal.id")


class AttemptDraft(ProfileTable, table=True):
    """An evaluation attempt in progress: answers and elapsed time, saved as given.

    ``seed`` drew its questions and their order (``domain/draw.py``); a draft started
    before schema 5 has none (it shows every question, in the order it was given)."""

    __tablename__ = "attempt_draft"
    attempt_id: str = Field(primary_key=True)
    package_version: int
    seed: str | None = None
    question_order: str  # JSON list
    answers: str  # JSON object
    elapsed_seconds: int = 0
    started_at: datetime
    updated_at: datetime
    submitted_event_id: str | None = Field(default=None, foreign_key="journal.id")


class LastSync(ProfileTable, table=True):
    """What the server said at the last sync: the participant's standing (the authoritative
    view the pending events are laid over), the change cursor, this device's acked seq and
    the server's count of its processed events. One row (schema 5 called it server_state)."""

    __tablename__ = "last_sync"
    id: int = Field(default=1, primary_key=True)
    standing: str  # Standing JSON
    cursor: int = 0
    acked_seq: int = 0
    processed_count: int = 0
    last_sync_at: datetime | None = None


class RejectionRow(ProfileTable, table=True):
    __tablename__ = "rejection"
    event_id: str = Field(primary_key=True, foreign_key="journal.id")
    seq: int
    code: str
    params: str  # JSON of WireParam
    recorded_at: datetime


class KnownKey(ProfileTable, table=True):
    __tablename__ = "certificate_key"
    key_id: str = Field(primary_key=True)
    public_key: str
    added_at: datetime


class CertificateRow(ProfileTable, table=True):
    """Certificates the server issued to this participant (signed records, as received).

    ``body`` is the SignedCertificate JSON: its ``record_json`` is the exact text the
    server signed, kept unchanged (never rebuilt from parsed fields), so the signature
    still verifies when a newer server added fields this version does not know.
    """

    __tablename__ = "certificate"
    number: str = Field(primary_key=True)
    body: str  # SignedCertificate JSON, with the signed record text as received
    revoked: bool = False
    received_at: datetime


class KeptChange(ProfileTable, table=True):
    """A server change this version could not apply when it came, kept as received.

    Its type was unknown (a newer server's), or it revokes a certificate not received yet.
    The cursor has moved past it. On opening the store, kept changes that now parse and
    apply (an updated app; the certificate arrived) are applied in cursor order and removed.
    """

    __tablename__ = "kept_change"
    cursor: int = Field(primary_key=True)
    type: str = Field(primary_key=True)
    body: str  # the change's JSON, with the fields this version does not know
    received_at: datetime


class NotificationRow(ProfileTable, table=True):
    """Something the participant should hear about once (an attempt graded, a certificate
    issued …), as a message code with its parameters; ``key`` makes it happen once."""

    __tablename__ = "notification"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    code: str
    params: str  # JSON of WireParam
    created_at: datetime
    seen_at: datetime | None = None


PROFILE_TABLES = [t.__tablename__ for t in ProfileTable.__subclasses__()]
