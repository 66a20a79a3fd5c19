"""Ed25519 certificate signing keys: the private half in the key folder, the public in the DB."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, update
from sqlmodel import col, select

from latsar_server import clock
from latsar_server.database import transaction
from latsar_server.tables import SigningKey


def public_key_b64(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode("ascii")


def keygen(engine: Engine, key_dir: Path, *, activate: bool = True) -> SigningKey:
    """Make a key, write its private half (mode 0600) and register its public half."""
    now = clock.now()
    key_id = f"k{now:%Y%m%d}-{secrets.token_hex(3)}"
    private = Ed25519PrivateKey.generate()
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = key_dir / f"{key_id}.pem"
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    row = SigningKey(
        key_id=key_id, public_key=public_key_b64(private), created_at=now, active=activate
    )
    with transaction(engine) as session:
        if activate:
            session.execute(update(SigningKey).values(active=False))
        session.add(row)
    return row


def active_key(engine: Engine, key_dir: Path) -> tuple[str, Ed25519PrivateKey] | None:
    with transaction(engine) as session:
        row = session.exec(
            select(SigningKey).where(col(SigningKey.active)).order_by(col(SigningKey.created_at))
        ).first()
    if row is None:
        return None
    private = serialization.load_pem_private_key((key_dir / f"{row.key_id}.pem").read_bytes(), None)
    assert isinstance(private, Ed25519PrivateKey)
    return row.key_id, private
