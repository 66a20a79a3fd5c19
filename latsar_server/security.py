"""Secrets: the NIK as a salted scrypt hash, opaque tokens stored as SHA-256, and the
server's HMAC key that derives a refresh token's successor from the token itself."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

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
_secrets: dict[Path, bytes] = {}
_secrets_lock = threading.Lock()


def server_secret(path: Path) -> bytes:
    """The 32-byte key at ``path``, made there on first use (mode 0600).

    Workers may race to make it: each writes its own candidate and links it into place,
    so exactly one candidate wins and every worker reads that one."""
    with _secrets_lock:
        known = _secrets.get(path)
        if known is not None:
            return known
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(secrets.token_bytes(SECRET_BYTES))
                    handle.flush()
                    os.fsync(handle.fileno())
                with contextlib.suppress(FileExistsError):  # another worker's key won
                    os.link(candidate, path)
            finally:
                candidate.unlink()
        key = path.read_bytes()
        if len(key) != SECRET_BYTES:
            raise RuntimeError(f"{path} does not hold a {SECRET_BYTES}-byte key")
        _secrets[path] = key
        return key
