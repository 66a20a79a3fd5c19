"""The diagnostic report ("Bantuan → Buat laporan"): one zip a participant can send to the
help desk. Qt-free: the UI calls :func:`write_report` off the GUI thread and opens the
folder it returns.

The zip (``<data dir>/reports/laporan-latsar-<UTC time>.zip``) holds:

- ``README.txt``: what the zip holds and what it leaves out, in Indonesian and English;
- ``versions.json``: the app, Python, PySide6/Qt (the caller adds the Qt runtime's), the
  operating system, SQLite and the main libraries;
- ``settings.json``: this computer's settings (machine.db), the server and proxy
  addresses without any user or password, and the proxy variables of the environment
  the same way; settings this version does not know are named, their values left out;
- ``sync.json``: per profile on this computer, its sync state: events waiting for the
  server, the last sync, the course package's version, the cursor; sign-in facts
  (whether a verifier and tokens are kept, the offline wait), never the values;
- ``integrity.json``: ``PRAGMA integrity_check`` of machine.db and of every profile
  database, each opened READ-ONLY (``mode=ro``: nothing is written, no lock is taken);
- ``logs/``: the app's log file and its rotated backups, with anything shaped like a
  NIK (16 digits), a bearer token, a ``token``/``password`` value or a user and password
  in a URL masked (the app logs none of them; this is a second line of defence).

What it never holds: a NIK, a token (nor the sealed tokens or the NIK verifier, from
which a NIK could be guessed offline), the proxy password, an answer, a reflection. So
no database is copied and no table is read whole: only counts, versions, times and ids
are read, each by a query of its own. ``tests/integration/test_diagnostics.py`` unpacks
a report made from a real profile and searches every byte for each of those secrets.

A part that cannot be read (a damaged database: the case a report is most needed for)
is written as its error, and the report still made; only a zip that cannot be written
(the disk full, the folder not writable) raises ``OSError``.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import platform
import re
import shutil
import sqlite3
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from latsar_desktop import __version__, locations, logs
from latsar_desktop.store.profile_tables import (
    AttemptDraft,
    CertificateRow,
    JournalRow,
    KeptChange,
    LastSync,
    PackageRow,
    RejectionRow,
)

log = logging.getLogger(__name__)

REPORTS_DIR = "reports"
REPORT_PREFIX = "laporan-latsar-"
MASK = "[disembunyikan]"
BUSY_TIMEOUT = 5.0  # seconds a read waits for the app's own writer
MAX_PROBLEMS = 20  # integrity_check's rows kept per database
# the main libraries, each by the distributions it may come as (the first found counts)
LIBRARIES: dict[str, tuple[str, ...]] = {
    "PySide6": ("PySide6", "PySide6_Essentials"),
    **{name: (name,) for name in ("pydantic", "sqlmodel", "SQLAlchemy", "httpx", "cryptography")},
    "reportlab": ("reportlab",),
}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
TLS_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")
# machine.db settings whose values are kept as they are (addresses are cleaned below)
PLAIN_SETTINGS = ("language", "time_zone", "hemat_data", "window_geometry")
URL_SETTINGS = ("server_url", "http_proxy")
PLAIN_PREFIXES = ("offline_materials/",)  # per profile: the materials kept offline

# A NIK is 16 digits, perhaps grouped by four; a NIP (18 digits) is left alone.
_NIK = re.compile(rb"(?<![0-9])[0-9]{16}(?![0-9])|(?<![0-9])[0-9]{4}(?:[ .-][0-9]{4}){3}(?![0-9])")
_BEARER = re.compile(rb"(?i)(bearer\s+)[^\s\"',;]+")
_SECRET_VALUE = re.compile(
    rb"(?i)(\"?\b(?:access_token|refresh_token|token|password|passwd|nik)\b\"?\s*[:=]\s*\"?)"
    rb"[^\s\"',;&}]+"
)
_URL_USER = re.compile(rb"(?i)([a-z][a-z0-9+.-]*://)[^/@\s\"']+@")


@dataclass(frozen=True)
class ReportPart:
    """One file of the zip: its name and bytes."""

    name: str
    data: bytes


def write_report(
    data_dir: Path | None = None,
    *,
    log_dir: Path | None = None,
    now: datetime | None = None,
    extra_versions: Mapping[str, str] | None = None,
) -> Path:
    """Write the report zip under ``data_dir/reports`` and return its path.

    ``data_dir`` defaults to ``locations.data_dir()``; ``log_dir`` to the folder of the
    app's log file (``logs.log_file()``) or else ``locations.log_dir()``; ``now`` (UTC)
    names the file; ``extra_versions`` (e.g. the Qt runtime's, which only the UI can ask
    without importing Qt here) are added to ``versions.json``. Raises ``OSError`` only when
    the zip cannot be written.
    """
    root = data_dir if data_dir is not None else locations.data_dir()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    parts = collect(root, log_dir=log_dir, now=moment, extra_versions=extra_versions)
    folder = root / REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, f"{REPORT_PREFIX}{moment:%Y%m%dT%H%M%SZ}")
    partial = target.with_name(target.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part in parts:
                archive.writestr(part.name, part.data)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log.info("diagnostic report written: %s (%d parts)", target, len(parts))
    return target


def collect(
    data_dir: Path,
    *,
    log_dir: Path | None = None,
    now: datetime | None = None,
    extra_versions: Mapping[str, str] | None = None,
) -> list[ReportPart]:
    """Every part of the report, in the zip's order (see the module docstring)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    machine = data_dir / "machine.db"
    parts = [
        ReportPart("README.txt", _readme(moment).encode("utf-8")),
        _json("versions.json", _guarded(lambda: versions(extra_versions))),
        _json("settings.json", _guarded(lambda: settings(machine))),
        _json("sync.json", _guarded(lambda: sync_state(data_dir))),
        _json("integrity.json", _guarded(lambda: integrity(data_dir))),
    ]
    parts += log_parts(log_dir)
    return parts


# ---------------------------------------------------------------------- the parts


def versions(extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The app's, Python's, the system's, SQLite's and the main libraries' versions."""
    libraries: dict[str, str] = {}
    for name, distributions in LIBRARIES.items():
        libraries[name] = "not found"
        for distribution in distributions:
            try:
                libraries[name] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return {
        "app": __version__,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "os": platform.platform(),
        "os_release": f"{platform.system()} {platform.release()} {platform.version()}",
        "machine": platform.machine(),
        "sqlite": sqlite3.sqlite_version,
        "libraries": libraries,
        **dict(extra or {}),
    }


def settings(machine_db: Path) -> dict[str, Any]:
    """This computer's settings: known ones with their values (addresses cleaned),
    unknown ones by name only; the environment's proxy and TLS variables."""
    known: dict[str, Any] = {}
    withheld: list[str] = []
    if machine_db.exists():
        with _read_only(machine_db) as db:
            for key, value in db.execute("SELECT key, value FROM setting ORDER BY key"):
                if key in URL_SETTINGS:
                    known[key] = clean_url(str(json.loads(value) or ""))
                elif key in PLAIN_SETTINGS or key.startswith(PLAIN_PREFIXES):
                    known[key] = json.loads(value)
                else:
                    withheld.append(key)
    environment: dict[str, str] = {}
    for name in PROXY_VARIABLES:
        for variable in (name, name.lower()):
            if variable in os.environ:
                environment[variable] = clean_url(os.environ[variable])
    for variable in TLS_VARIABLES:
        if variable in os.environ:
            environment[variable] = os.environ[variable]
    return {
        "settings": known,
        "settings_not_shown": withheld,
        "environment": environment,
        "data_dir": str(machine_db.parent),
    }


def sync_state(data_dir: Path) -> dict[str, Any]:
    """Per profile: sign-in facts from machine.db and the sync state of its database."""
    machine_db = data_dir / "machine.db"
    if not machine_db.exists():
        return {"profiles": [], "note": "no machine.db"}
    with _read_only(machine_db) as db:
        db.row_factory = sqlite3.Row
        server_url = db.execute("SELECT value FROM setting WHERE key = 'server_url'").fetchone()
        rows = db.execute(
            "SELECT id, device_id, created_at, last_sign_in_at, offline_failures,"
            " offline_retry_at, nik_verifier IS NOT NULL AS verifier_kept,"
            " sealed_tokens IS NOT NULL AS tokens_kept,"
            " sealed_proxy IS NOT NULL AS proxy_credentials_kept"
            " FROM profile ORDER BY created_at"
        ).fetchall()
        content = db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM content_file WHERE stored"
        ).fetchone()
    profiles = []
    for row in rows:
        facts: dict[str, Any] = {
            "profile_id": row["id"],
            "device_id": row["device_id"],
            "created_at": row["created_at"],
            "last_sign_in_at": row["last_sign_in_at"],
            "verifier_kept": bool(row["verifier_kept"]),
            "tokens_kept": bool(row["tokens_kept"]),
            "proxy_credentials_kept": bool(row["proxy_credentials_kept"]),
            "offline_failures": row["offline_failures"],
            "offline_retry_at": row["offline_retry_at"],
        }
        path = data_dir / "profiles" / f"{row['id']}.db"
        facts["database"] = _guarded(partial(_profile_sync, path, str(row["device_id"])))
        profiles.append(facts)
    try:
        disk_free = shutil.disk_usage(data_dir).free
    except OSError:
        disk_free = None
    return {
        "server_url": clean_url(str(json.loads(server_url[0]) or "")) if server_url else "",
        "profiles": profiles,
        "content_files_stored": content[0],
        "content_bytes_stored": content[1],
        "disk_free_bytes": disk_free,
    }


def _profile_sync(path: Path, device_id: str) -> dict[str, Any]:
    """One profile database's sync state: counts and times only."""
    if not path.exists():
        return {"error": "the profile's database is missing"}
    journal, last = JournalRow.__tablename__, LastSync.__tablename__
    package = PackageRow.__tablename__
    with _read_only(path) as db:
        statuses = dict(
            db.execute(
                f"SELECT status, count(*) FROM {journal} WHERE device_id = ? GROUP BY status",
                (device_id,),
            ).fetchall()
        )
        other_devices = db.execute(
            f"SELECT count(*) FROM {journal} WHERE device_id != ?",
            (device_id,),
        ).fetchone()[0]
        state = db.execute(
            f"SELECT cursor, acked_seq, processed_count, last_sync_at FROM {last} WHERE id = 1"
        ).fetchone()
        course = db.execute(
            f"SELECT course_id, version, fetched_at FROM {package} WHERE id = 1"
        ).fetchone()
        last_seq = db.execute(
            f"SELECT max(seq) FROM {journal} WHERE device_id = ?",
            (device_id,),
        ).fetchone()[0]
        counts = {
            name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in (
                str(RejectionRow.__tablename__),
                str(KeptChange.__tablename__),
                str(CertificateRow.__tablename__),
            )
        }
        open_drafts = db.execute(
            f"SELECT count(*) FROM {AttemptDraft.__tablename__} WHERE submitted_event_id IS NULL"
        ).fetchone()[0]
        schema = db.execute("PRAGMA user_version").fetchone()[0]
    return {
        "schema_version": schema,
        "pending_events": statuses.get("pending", 0),
        "confirmed_events": statuses.get("confirmed", 0),
        "rejected_events": statuses.get("rejected", 0),
        "events_of_other_devices": other_devices,
        "last_seq": last_seq or 0,
        "acked_seq": state[1] if state else None,
        "processed_count": state[2] if state else None,
        "cursor": state[0] if state else None,
        "last_sync_at": state[3] if state else None,
        "course_id": course[0] if course else None,
        "package_version": course[1] if course else None,
        "package_fetched_at": course[2] if course else None,
        "open_attempt_drafts": open_drafts,
        "rejections": counts["rejection"],
        "kept_changes": counts["kept_change"],
        "certificates": counts["certificate"],
    }


def integrity(data_dir: Path) -> dict[str, Any]:
    """``PRAGMA integrity_check`` of machine.db and every profile database, read-only:
    "ok", or the first problems SQLite names (or the error that kept it from checking)."""
    files = [data_dir / "machine.db", *sorted((data_dir / "profiles").glob("*.db"))]
    results: dict[str, Any] = {}
    for path in files:
        if not path.exists():
            continue
        name = path.relative_to(data_dir).as_posix()
        try:
            with _read_only(path) as db:
                rows = db.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
                mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            found = [str(r[0]) for r in rows]
            results[name] = {
                "result": "ok" if found == ["ok"] else found,
                "journal_mode": mode,
                "bytes": path.stat().st_size,
            }
        except sqlite3.Error as exc:
            results[name] = {"result": f"{type(exc).__name__}: {exc}"}
    return results


def log_parts(log_dir: Path | None = None) -> list[ReportPart]:
    """The app's log file and its rotated backups, masked (see ``mask_secrets``)."""
    current = logs.log_file()
    if log_dir is None:
        log_dir = current.parent if current is not None else locations.log_dir()
    name = current.name if current is not None and current.parent == log_dir else logs.LOG_NAME
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logs.AppLogFile):
            handler.flush()
    found = sorted(log_dir.glob(f"{name}*")) if log_dir.is_dir() else []
    parts = []
    for path in found:
        try:
            data = path.read_bytes()
        except OSError as exc:
            data = f"(not readable: {exc})".encode()
        parts.append(ReportPart(f"logs/{path.name}", mask_secrets(data)))
    if not parts:
        parts.append(ReportPart("logs/NONE.txt", f"no log file in {log_dir}\n".encode()))
    return parts


# ---------------------------------------------------------------------- cleaning


def clean_url(url: str) -> str:
    """``url`` without a user and password (``***@host``), or the URL as it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _URL_USER.sub(rb"\1***@", url.encode()).decode(errors="replace")
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def mask_secrets(data: bytes) -> bytes:
    """Log text with anything shaped like a NIK, a token, a password or a URL's user and
    password replaced by ``MASK``."""
    mask = MASK.encode()
    data = _URL_USER.sub(rb"\1" + mask + b"@", data)
    data = _BEARER.sub(rb"\1" + mask, data)
    data = _SECRET_VALUE.sub(rb"\1" + mask, data)
    return _NIK.sub(mask, data)


# ---------------------------------------------------------------------- helpers


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """``path`` opened read-only (``mode=ro``): no write, no lock held beyond a read."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)) as connection:
        yield connection


def _guarded(read: Callable[[], Any]) -> Any:
    """``read()``, or its error as ``{"error": …}``: one damaged part spoils no other."""
    try:
        return read()
    except Exception as exc:  # the report is made whatever is broken
        log.warning("diagnostic report: a part could not be read: %s", exc)
        return {"error": f"{type(exc).__name__}: {exc}"}


def _json(name: str, value: Any) -> ReportPart:
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return ReportPart(name, (text + "\n").encode("utf-8"))


def _free_name(folder: Path, stem: str) -> Path:
    """``folder/stem.zip``, or ``stem-2.zip`` … when a report of that second exists."""
    target = folder / f"{stem}.zip"
    number = 2
    while target.exists():
        target = folder / f"{stem}-{number}.zip"
        number += 1
    return target


def _readme(moment: datetime) -> str:
    return (
        f"Laporan diagnostik Latsar Desktop {__version__}, dibuat {moment:%Y-%m-%d %H:%M:%S} UTC.\n"
        "Isi: versi (versions.json), pengaturan (settings.json), status sinkronisasi\n"
        "(sync.json), pemeriksaan basis data (integrity.json) dan log aplikasi (logs/).\n"
        "Laporan ini TIDAK memuat NIK, token, kata sandi proksi, jawaban, atau teks refleksi.\n"
        "\n"
        f"Latsar Desktop {__version__} diagnostic report, made {moment:%Y-%m-%d %H:%M:%S} UTC.\n"
        "Contents: versions, settings, sync state, database integrity check, the app's logs.\n"
        "It holds NO NIK, token, proxy password, answer or reflection text.\n"
    )
