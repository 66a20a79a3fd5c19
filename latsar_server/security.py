"""Secrets: the NIK as a salted scrypt hash, opaque tokens stored as SHA-256, and the
server's HMAC key (in the database, shared by every process) that derives a refresh
token's successor from the token itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import weakref
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from latsar_server.database import insert_if_absent, transaction
from latsar_server.tables import ServerSecret

# N=2^14, r=8, p=1: 16 MiB and about 50 ms per hash on one core here (docs/decisions.md).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_nik(nik: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$N$r$p$salt$hash``; the parameters travel with the hash so they can grow."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(nik.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_nik(nik: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        nik.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=_MAXMEM,
        dklen=32,
    )
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def new_token(kind: str) -> str:
    """An opaque token; the prefix only helps an operator tell them apart in a report."""
    return f"{kind[:2]}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_family() -> str:
    """The id every token descended from one sign-in shares (``Token.family``)."""
    return secrets.token_hex(16)


def derived_token(secret: bytes, kind: str, parent: str) -> str:
    """The ``kind`` token that succeeds ``parent`` (a refresh token): the same every time,
    so a retried refresh answers the same successor although only hashes are stored. It
    reads like ``new_token``'s, and cannot be told from one without the secret."""
    digest = hmac.new(secret, f"{kind}\0{parent}".encode(), hashlib.sha256).digest()
    return f"{kind[:2]}_{base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"


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
                created_at=datetime.now(UTC),
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
