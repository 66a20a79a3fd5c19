"""The server's tables (SQLModel, their own registry). Alembic migrations mirror them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import configure_mappers, registry
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on both databases (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Hundredths(TypeDecorator[Decimal]):
    """A score as integer hundredths in the database, an exact Decimal in Python."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        hundredths = Decimal(value) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} has more than two decimal places")
        return int(hundredths)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Any:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def utc_column(nullable: bool = False) -> Any:
    return Column(UtcDateTime(), nullable=nullable)


class ServerTable(SQLModel, registry=registry()):
    """Base of the server's tables."""

    @classmethod
    def from_row(cls, values: dict[str, Any]) -> Self:
        """An object of this table with ``values`` (column name: value, as read), made as
        the ORM makes one it loads: no validation, none of the attributes marked changed.
        Several times cheaper than calling the class (a sync reads its caller this way).
        Not in a session: to change the row, write it with a statement."""
        configure_mappers()  # as a first query would (at once when done already)
        row: Self = cls._sa_class_manager.new_instance()  # type: ignore[attr-defined]
        row.__dict__.update(values)
        return row


class Course(ServerTable, table=True):
    __tablename__ = "course"
    id: str = Field(primary_key=True, max_length=80)
    title: str
    created_at: datetime = Field(sa_column=utc_column())


class PackageVersion(ServerTable, table=True):
    """Every imported version is kept: attempts are graded against their own version."""

    __tablename__ = "package_version"
    course_id: str = Field(primary_key=True, foreign_key="course.id", max_length=80)
    version: int = Field(primary_key=True)
    body: str = Field(sa_column=Column(Text, nullable=False))  # full package, with keys
    sha256: str = Field(max_length=64)
    imported_at: datetime = Field(sa_column=utc_column())


class ContentBlob(ServerTable, table=True):
    __tablename__ = "content_blob"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    media_type: str = Field(max_length=120)


class Participant(ServerTable, table=True):
    __tablename__ = "participant"
    id: int | None = Field(default=None, primary_key=True)
    nip: str = Field(unique=True, max_length=18)
    nik_hash: str = Field(max_length=200)  # scrypt$N$r$p$salt$hash: never the NIK
    name: str = Field(max_length=200)
    agency: str = Field(max_length=200)
    course_id: str = Field(foreign_key="course.id", max_length=80)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class Device(ServerTable, table=True):
    __tablename__ = "device"
    __table_args__ = (UniqueConstraint("participant_id", "device_id", name="uq_device"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    device_id: str = Field(max_length=36)
    name: str = Field(max_length=120)
    registered_at: datetime = Field(sa_column=utc_column())
    last_seen_at: datetime = Field(sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # the device's last sync (accounts.devices.mark_synced): None until its first
    last_sync_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # the highest seq of its stored events = how many are stored (seqs have no gap), kept
    # by the sync that stores them (sync.events): a sync reads no event rows for it
    acked_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Token(ServerTable, table=True):
    """Opaque tokens, stored as SHA-256 of the token (they are long random strings).

    ``family``: every token descended from one sign-in by refreshes shares it; a rotated
    refresh token used after its grace window revokes the whole family."""

    __tablename__ = "token"
    hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=10)  # access | refresh
    device_pk: int = Field(foreign_key="device.id", index=True)
    family: str = Field(max_length=40, index=True)
    expires_at: datetime = Field(sa_column=utc_column())
    rotated_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class LoginFailure(ServerTable, table=True):
    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_nip_at", "nip", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    nip: str = Field(max_length=40)
    address: str = Field(max_length=64)
    at: datetime = Field(sa_column=utc_column())


class SigningKey(ServerTable, table=True):
    """Certificate keys: the public half here, the private half in the key directory."""

    __tablename__ = "signing_key"
    key_id: str = Field(primary_key=True, max_length=80)
    public_key: str = Field(max_length=100)  # base64 of the raw Ed25519 public key
    created_at: datetime = Field(sa_column=utc_column())
    active: bool = False  # the one that signs new certificates


class ServerSecret(ServerTable, table=True):
    """A key every server process shares, by name (``accounts.server_secret.shared_secret``).

    Made once, by whichever process needs it first; the server never rewrites it."""

    __tablename__ = "server_secret"
    name: str = Field(primary_key=True, max_length=40)
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=utc_column())


# ----------------------------------------------------------------------------------------
# Sync: the participant's events, the state they build, and the change log


class ParticipantProgress(ServerTable, table=True):
    """One row per participant (table ``participant_state``): how far their events took
    them (welcome watched, attempts numbered and graded, passed, certificate issued), their
    registered devices and their change log's last cursor. Locked (FOR UPDATE) by every
    write that touches the participant: ``sync.standing.lock_participant``."""

    __tablename__ = "participant_state"
    participant_id: int = Field(primary_key=True, foreign_key="participant.id")
    welcome_watched: bool = False
    attempts_numbered: int = 0  # accepted, graded or not: the next is number this + 1
    attempts_graded: int = 0  # passing needs min_attempts of these
    last_cursor: int = 0
    # devices registered and not revoked: set with every registration and revocation
    # (accounts.devices.devices_changed), so a sync reads it with its lock
    registered_devices: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    passed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    certificate_issued_at: datetime | None = Field(
        default=None, sa_column=utc_column(nullable=True)
    )


class EventRow(ServerTable, table=True):
    """Every processed event, accepted or rejected: (participant, device, seq) once.

    An event id is unique per participant; a duplicate is stored without its id."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("participant_id", "event_id", name="uq_event_id"),)
    participant_id: int = Field(primary_key=True)  # no foreign key: migration 0010
    device_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True)
    event_id: str | None = Field(default=None, max_length=36)
    type: str = Field(max_length=40)
    device_time: datetime = Field(sa_column=utc_column())
    payload: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str = Field(max_length=10)  # accepted | noop | rejected
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    received_at: datetime = Field(sa_column=utc_column())


class ActivityState(ServerTable, table=True):
    __tablename__ = "activity_state"
    participant_id: int = Field(primary_key=True)  # no foreign key: migration 0010
    activity_id: str = Field(primary_key=True, max_length=80)
    best_score: Decimal | None = Field(default=None, sa_column=Column(Hundredths()))
    first_device_id: str = Field(max_length=36)
    completed_at: datetime = Field(sa_column=utc_column())


class Attempt(ServerTable, table=True):
    """An accepted attempt; its id (made on the device) is unique per participant.

    Numbered (``number``, ``cap``) when accepted; ``raw_score``, ``score`` and
    ``graded_at`` stay empty until it is graded, which may be a later day (graded per day,
    ``latsar_server.sync.grading``). Its answers are its event's payload."""

    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("participant_id", "number", name="uq_attempt_number"),)
    participant_id: int = Field(primary_key=True, foreign_key="participant.id", index=True)
    attempt_id: str = Field(primary_key=True, max_length=36)
    event_id: str = Field(max_length=36)
    number: int
    package_version: int
    raw_score: Decimal | None = Field(default=None, sa_column=Column(Hundredths()))
    cap: Decimal = Field(sa_column=Column(Hundredths(), nullable=False))
    score: Decimal | None = Field(default=None, sa_column=Column(Hundredths()))
    elapsed_seconds: int
    accepted_at: datetime = Field(sa_column=utc_column())
    # None: waiting to be graded (the daily job finds them by this index)
    graded_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True, index=True)
    )


class ChangeRow(ServerTable, table=True):
    """The participant's change log; ``cursor`` counts 1, 2, 3 … per participant."""

    __tablename__ = "change"
    participant_id: int = Field(primary_key=True)  # no foreign key: migration 0010
    cursor: int = Field(primary_key=True)
    type: str = Field(max_length=40)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the Change JSON


# ----------------------------------------------------------------------------------------
# Certificates


class Certificate(ServerTable, table=True):
    __tablename__ = "certificate"
    number: str = Field(primary_key=True, max_length=80)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    verification_code: str = Field(unique=True, max_length=20)
    key_id: str = Field(max_length=80)
    body: str = Field(sa_column=Column(Text, nullable=False))  # SignedCertificate JSON
    issued_at: datetime = Field(sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class CertificateCounter(ServerTable, table=True):
    """The last serial number used in each year (locked while numbering)."""

    __tablename__ = "certificate_counter"
    year: int = Field(primary_key=True)
    last: int = 0
