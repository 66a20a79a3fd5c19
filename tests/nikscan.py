"""The scan for NIKs where they must never be: every byte of every file given.

The server's tables, logs and files; on the client ``machine.db`` and every profile
database, each with its ``-wal`` and ``-shm`` (SQLite writes a committed row to the WAL
first, and freed pages keep old bytes: reading the rows would miss both), and the app's
log files (``log_files``). A NIK is looked for in every form it could plausibly be
written in:

- the 16 digits as UTF-8 (text columns, JSON, logs) and as UTF-16 (either byte order);
- the digits as typed, grouped with spaces, dots or dashes;
- the hex and base64 of the digits (a blob that merely encodes it), base64 at each of
  the three offsets it could start at inside a longer encoded text;
- the number as a 64-bit integer or double, big- and little-endian (an INTEGER or REAL
  column of SQLite stores it as 8 big-endian bytes).
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


def _base64_inside(data: bytes, offset: int, urlsafe: bool) -> bytes:
    """The base64 characters that depend on ``data`` alone when it starts ``offset`` bytes
    (0-2) into a longer encoded text."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(b"\0" * offset + data)
    first = -(-8 * offset // 6)  # the first character without bits of what came before
    last = (8 * (offset + len(data)) - 6) // 6  # the last one without padding bits
    return encoded[first : last + 1]


def nik_forms(nik: str) -> dict[str, bytes]:
    """Each form the scan looks for, by name (the grouped-digits form is a pattern)."""
    digits = nik.encode("ascii")
    number = int(nik)
    forms = {
        "utf-8": digits,
        "utf-16-le": nik.encode("utf-16-le"),
        "utf-16-be": nik.encode("utf-16-be"),
        "hex": digits.hex().encode(),  # digits are 0x30-0x39: no letters, no case
        "int64-be": number.to_bytes(8, "big"),
        "int64-le": number.to_bytes(8, "little"),
        "float64-be": struct.pack(">d", float(number)),
        "float64-le": struct.pack("<d", float(number)),
    }
    for offset in range(3):
        forms[f"base64+{offset}"] = _base64_inside(digits, offset, urlsafe=False)
        urlsafe = _base64_inside(digits, offset, urlsafe=True)
        if urlsafe != forms[f"base64+{offset}"]:  # only when it holds a + or /
            forms[f"base64url+{offset}"] = urlsafe
    return forms


def _grouped(nik: str) -> re.Pattern[bytes]:
    return re.compile(rb"[ .\-]{0,3}".join(re.escape(d.encode()) for d in nik))


def find_forms(nik: str, data: bytes) -> list[str]:
    """The names of the forms of ``nik`` that occur in ``data``."""
    found = [name for name, needle in nik_forms(nik).items() if needle in data]
    if "utf-8" not in found and _grouped(nik).search(data):
        found.append("grouped")
    return found


@dataclass(frozen=True)
class NikHit:
    path: Path
    nik: str
    form: str


def scan_files(niks: Iterable[str], paths: Iterable[Path]) -> list[NikHit]:
    """Every form of every NIK found in every file (read whole, as bytes)."""
    wanted = list(niks)
    hits = []
    for path in paths:
        data = path.read_bytes()
        for nik in wanted:
            hits += [NikHit(path, nik, form) for form in find_forms(nik, data)]
    return hits


def client_files(root: Path) -> list[Path]:
    """Every file under a client's data folder: ``machine.db`` and every profile database
    with their ``-wal``/``-shm``, content files and anything else written there.
    Fails when there is no ``machine.db`` or no profile database (nothing would be scanned)."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    names = {p.name for p in files}
    assert "machine.db" in names, f"no machine.db under {root}"
    assert any(p.parent.name == "profiles" and p.suffix == ".db" for p in files), (
        f"no profile database under {root}"
    )
    return files


def log_files(folder: Path) -> list[Path]:
    """Every file of the app's log folder (``logs.setup_logging``: the current file and
    its rotated backups). Fails when nothing was logged (nothing would be scanned)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert any(p.stat().st_size > 0 for p in files), f"no log records under {folder}"
    return files


def password_forms(user: str, password: str) -> dict[str, bytes]:
    """A password as it could be written: as typed, as UTF-16, in JSON, percent-encoded (a
    proxy URL's userinfo), as a Basic header's base64."""
    return {
        "utf-8": password.encode(),
        "utf-16": password.encode("utf-16-le"),
        "json": json.dumps(password).encode(),
        "percent": quote(password, safe="").encode(),
        "basic": base64.b64encode(f"{user}:{password}".encode()),
    }
