"""Server settings, from the environment (``LATSAR_SERVER_*``) so every worker agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

PREFIX = "LATSAR_SERVER_"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///latsar-server.db"
    data_dir: Path = Path("latsar-server-data")  # content store and signing keys
    access_token_hours: int = 8
    refresh_token_days: int = 180  # participants stay offline for weeks
    refresh_grace_seconds: int = 300  # a rotated refresh token still works this long
    nip_failure_limit: int = 5
    nip_lock_minutes: int = 15
    address_failure_limit: int = 200  # a whole office may share one address
    address_window_minutes: int = 15
    min_protocol: int = 1
    sync_page_size: int = 500
    # New events one sync request processes at most; the device sends the rest next. It
    # bounds one write transaction (on SQLite every other writer, a sign-in too, waits):
    # 500 (the app's batch) take about 20 ms of the server's time (docs/decisions.md).
    sync_max_events: int = 500
    # Sync requests one server process works on at once (the others wait their turn, in
    # the queue of its sync threads): more threads than this only take turns at Python's
    # lock and run slower (docs/decisions.md). Raise it when the database is far (each
    # query waits long).
    sync_threads: int = 4
    public_url: str = "http://127.0.0.1:8000"  # where participants reach /verify/<code>
    certificate_number_format: str = "LATSAR/{year}/{serial:06d}"
    time_zone: str = "Asia/Jakarta"  # certificate dates are local dates here
    # Request bodies (issue 13): every endpoint but sync takes at most this many bytes
    # (413 before more is read); sync has its own limit, latsar_server/api/sync.py MAX_BODY.
    max_body_bytes: int = 64 * 1024
    # Where participants get a new version of the app: sent with the 426 that refuses an
    # app too old for ``min_protocol`` (ErrorBody.update_url), shown by the app. Empty: none
    # configured (the app then says to ask the training's helpdesk).
    update_url: str = ""
    # An override of the courses' certificate delay, in seconds (the demo uses minutes).
    # Stamped into each course package as it is imported (rules.certificate_delay_seconds,
    # replacing certificate_delay_days), so the server's issuance and the app's expected
    # issue date read the same package. None: the package's own delay.
    certificate_delay_seconds: int | None = None
    # Content from a static host or CDN (issue 19): a folder of the content files, each
    # named by its SHA-256 (``<content_base_url>/<sha256>``, as ``/api/v1/assets/<sha256>``).
    # Set, every ContentRef of the served package carries that ``url`` and the app fetches
    # there (Range, resume, SHA-256 check, no Authorization header). Empty: the API serves
    # the files. The server keeps its own copy either way (imports, older apps).
    content_base_url: str = ""

    def __post_init__(self) -> None:
        base = self.content_base_url
        if base and (urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc):
            raise ValueError(f"content_base_url must be an http(s) address: {base!r}")

    @property
    def content_dir(self) -> Path:
        return self.data_dir / "content"

    @property
    def key_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def token_secret_path(self) -> Path:
        """Where the refresh successors' HMAC key was kept before migration 0008: a server
        copies it into the database on first use (``accounts.server_secret.shared_secret``),
        and never makes or reads it after that."""
        return self.key_dir / "refresh-token.secret"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = env.get(PREFIX + item.name.upper())
            if raw is None:
                continue
            if item.type in ("int", int):
                values[item.name] = int(raw)
            elif item.type == "int | None":
                values[item.name] = int(raw) if raw.strip() else None
            elif item.type in ("Path", Path):
                values[item.name] = Path(raw)
            else:
                values[item.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The settings as LATSAR_SERVER_* variables (an unset optional one as empty)."""
        return {
            PREFIX + item.name.upper(): "" if value is None else str(value)
            for item in fields(self)
            for value in [getattr(self, item.name)]
        }
