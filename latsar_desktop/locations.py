"""Where things live on disk: bundled resources and the user's data directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "LatsarDesktop"
DATA_DIR_ENV = "LATSAR_DATA_DIR"


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
