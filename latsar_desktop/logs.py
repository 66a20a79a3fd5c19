"""The app's log file: a rotating, UTF-8 file in the user log directory (Qt-free).

``setup_logging()`` is called once at start-up, before anything logs: it adds ONE
``RotatingFileHandler`` (``MAX_BYTES`` per file, ``BACKUPS`` older files kept) to the
root logger, at ``<locations.log_dir()>/latsar-desktop.log`` unless a folder is given.
Calling it again with the same file changes only the level; with another file it
moves the handler there. ``stop_logging()`` removes and closes it (app exit, tests).

Privacy: a NIK is never logged. The code around sign-in logs codes and kinds, never
the NIP/NIK typed or a request body (httpx logs the method, URL and status only, even
at DEBUG; httpcore logs the request object's method, not its content), and the NIK
scan of the tests reads these files too (``tests/nikscan.py``).
"""

from __future__ import annotations

import logging
import platform
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from latsar_desktop import __version__, locations

LOG_NAME = "latsar-desktop.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"

log = logging.getLogger(__name__)


class AppLogFile(RotatingFileHandler):
    """The app's own handler on the root logger (so a second set-up can find it)."""


def _ours() -> AppLogFile | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, AppLogFile):
            return handler
    return None


def log_file() -> Path | None:
    """The file the app logs to now, or None before ``setup_logging``."""
    handler = _ours()
    return Path(handler.baseFilename) if handler is not None else None


def setup_logging(
    folder: Path | None = None,
    level: int = logging.INFO,
    *,
    filename: str = LOG_NAME,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path:
    """Log every record at ``level`` and above to a rotating file; returns its path.

    ``folder`` defaults to ``locations.log_dir()`` (created if missing). Idempotent: the
    root logger has at most one such handler, whatever the number of calls.
    """
    folder = folder if folder is not None else locations.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / filename).resolve()
    root = logging.getLogger()
    root.setLevel(level)
    current = _ours()
    if current is not None:
        if Path(current.baseFilename) == path:
            return path
        stop_logging()
    handler = AppLogFile(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    log.info(
        "latsar-desktop %s, Python %s on %s: logging to %s",
        __version__,
        sys.version.split()[0],
        platform.platform(),
        path,
    )
    return path


def stop_logging() -> None:
    """Remove the app's handler from the root logger and close its file (if any)."""
    handler = _ours()
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
