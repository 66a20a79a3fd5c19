"""Where things live on disk: bundled resources, the user's data and log directories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "LatsarDesktop"
DATA_DIR_ENV = "LATSAR_DATA_DIR"
LOG_DIR_ENV = "LATSAR_LOG_DIR"


def resources_dir() -> Path:
    """The ``resources/`` folder: in a PyInstaller bundle, an installed wheel or a checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "resources")
    package = Path(__file__).resolve().parent
    candidates += [package / "_resources", package.parent / "resources"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("resources/ not found next to the latsar_desktop package")


def data_dir() -> Path:
    """The user's data directory; ``LATSAR_DATA_DIR`` overrides platformdirs (tests, demo)."""
    override = os.environ.get(DATA_DIR_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """Where the app's log files go (created if missing): ``LATSAR_LOG_DIR`` when set;
    else ``<LATSAR_DATA_DIR>/logs`` when the data directory is overridden (tests, the
    demo: nothing is written outside it); else the platform's user log folder."""
    override = os.environ.get(LOG_DIR_ENV)
    data = os.environ.get(DATA_DIR_ENV)
    if override:
        path = Path(override)
    elif data:
        path = Path(data) / "logs"
    else:
        path = Path(platformdirs.user_log_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path
