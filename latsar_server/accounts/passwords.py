"""The NIK is the participant's password: stored as a salted scrypt hash, never as is."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

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
