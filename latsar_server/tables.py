"""The server's tables (SQLModel, their own registry). Alembic migrations mirror them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, Index, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import registry
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


def utc_column(nullable: bool = False) -> Any:
    return Column(UtcDateTime(), nullable=nullable)


class ServerTable(SQLModel, registry=registry()):
    """Base of the server's tables."""


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


class Token(ServerTable, table=True):
    """Opaque tokens, stored as SHA-256 of the token (they are long random strings)."""

    __tablename__ = "token"
    hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=10)  # access | refresh
    device_pk: int = Field(foreign_key="device.id", index=True)
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
