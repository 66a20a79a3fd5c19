"""Keys every server process on one database shares, kept in the database (the
``server_secret`` table): today the HMAC key that derives a refresh token's successor from
the token itself (``REFRESH_SECRET``, used by ``tokens.refresh_tokens``)."""

from __future__ import annotations

import secrets
import threading
import weakref
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from latsar_server import clock
from latsar_server.database import insert_if_absent, transaction
from latsar_server.tables import ServerSecret

SECRET_BYTES = 32


REFRESH_SECRET = "refresh-token"  # ServerSecret.name of the key refresh successors use


_secrets: weakref.WeakKeyDictionary[Engine, dict[str, bytes]] = weakref.WeakKeyDictionary()


_secrets_lock = threading.Lock()


def shared_secret(engine: Engine, name: str, legacy_file: Path | None = None) -> bytes:
    """The 32-byte key ``name`` that every server process on this database shares (the
    ``server_secret`` table), read once per engine, so once per worker, and then cached.

    Made by whichever process needs it first. Processes that find it missing at once each
    insert it if absent and read it back, in one transaction: the first insert stands and
    every one reads that (PostgreSQL makes the others' inserts wait for the first to
    commit; SQLite's ``BEGIN IMMEDIATE`` takes turns). The new key is the one in
    ``legacy_file`` when that file exists (where the key was kept before migration 0008,
    so refresh tokens issued before the upgrade keep their successors), else random. The
    file is not read once the database holds the key."""
    with _secrets_lock:
        known = _secrets.get(engine, {}).get(name)
    if known is not None:
        return known
    with transaction(engine) as session:
        key = _stored(session, name)
        if key is None:
            insert_if_absent(
                session,
                ServerSecret,
                "name",
                name=name,
                value=_candidate(legacy_file),
                created_at=clock.now(),
            )
            key = _stored(session, name)
    if key is None or len(key) != SECRET_BYTES:
        raise RuntimeError(f"server_secret {name!r} does not hold a {SECRET_BYTES}-byte key")
    with _secrets_lock:
        return _secrets.setdefault(engine, {}).setdefault(name, key)


def _stored(session: Session, name: str) -> bytes | None:
    value = session.execute(
        select(col(ServerSecret.value)).where(col(ServerSecret.name) == name)
    ).scalar_one_or_none()
    return None if value is None else bytes(value)


def _candidate(legacy_file: Path | None) -> bytes:
    """The key to store if none is: the old file's, else a new one."""
    if legacy_file is None or not legacy_file.exists():
        return secrets.token_bytes(SECRET_BYTES)
    key = legacy_file.read_bytes()
    if len(key) != SECRET_BYTES:
        raise RuntimeError(f"{legacy_file} does not hold a {SECRET_BYTES}-byte key")
    return key
