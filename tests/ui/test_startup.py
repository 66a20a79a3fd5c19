"""The sign-in screen comes first: what it does not need is imported after it shows.

``latsar-desktop`` runs in a process of its own, offscreen, on a data directory with two
profiles, one of which has signed in here before (its database is there); its hidden
start-up probe (``LATSAR_STARTUP_PROBE=1``, ``ui/application.py``) prints, once the window
is exposed, what shows and every module imported by then. The sign-in screen shows both
profiles (read from machine.db), and none of the modules kept for later is there:
reportlab and httpx (the session's work), QtMultimedia and QtPdf (the course's pages),
the server; nor what only a sign-in or a removal needs: a profile's store and tables
(the cards do not count a profile's unsynced events: its database is not opened), the
credentials' cryptography, the profile lock's filelock; nor Babel (only a number or a
date in a text needs it); nor the standard error dialog's module (only its hooks are
installed) and the HTML entity tables (a message with a link). Python's garbage
collector is paused until then (``app.main``): its passes over the start's objects come
after the screen shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui.application import STARTUP_MARKER, STARTUP_PROBE_ENV
from tests.sandbox import UNSET, private_dirs

ROOT = Path(__file__).resolve().parents[2]
LATER = (
    "reportlab",
    "httpx",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "latsar_server",
    "fastapi",
    "uvicorn",
    "latsar_desktop.store.profile",
    "latsar_desktop.store.profile_tables",
    "latsar_desktop.store.journal",
    "latsar_desktop.store.credentials",
    "cryptography",
    "latsar_desktop.session.lock",
    "filelock",
    "latsar_desktop.domain.protocol",  # the wire models: built at import, needed from a sync on
    "babel",  # the locale data: only when a number or a date is formatted
    "latsar_desktop.ui.errors",  # the error dialog: when a failure is first shown
    "html",  # its entity tables: a message with a link (ui/widgets.py rich_text)
)


def start_to_sign_in(folder: Path) -> dict[str, Any]:
    """The app started as the command line does, until its sign-in screen shows."""
    env = {**os.environ, **private_dirs(folder / "sandbox")}
    for name in UNSET:
        env.pop(name, None)
    env.update({"QT_QPA_PLATFORM": "offscreen", STARTUP_PROBE_ENV: "1"})
    machine = MachineStore(Path(env["LATSAR_DATA_DIR"]))
    try:
        budi = machine.add_profile("199005142026011901", "Budi Santoso", "Pemerintah Kota Bandung")
        machine.add_profile("199308212026012902", "Siti Rahmawati", "Pemerintah Kota Surabaya")
        machine.open_profile(budi).close()  # signed in here before: his database is there
        assert machine.profile_path(budi).is_file()
    finally:
        machine.close()
    done = subprocess.run(
        [sys.executable, "-m", "latsar_desktop.app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    marker = [line for line in done.stdout.splitlines() if line.startswith(STARTUP_MARKER + " ")]
    assert len(marker) == 1, done.stdout[-3000:]
    facts: dict[str, Any] = json.loads(marker[0].split(" ", 2)[2])
    return facts


def test_sign_in_screen_shows_before_what_it_does_not_need(tmp_path: Path) -> None:
    facts = start_to_sign_in(tmp_path)
    assert facts["signin"] is True
    assert facts["profiles"] == 2
    assert facts["collecting"] is False  # runs again once the screen is exposed
    modules = set(facts["modules"])
    assert "PySide6.QtWidgets" in modules  # the list is the real one
    assert "latsar_desktop.ui.signin" in modules
    loaded = [name for name in LATER if name in modules]
    assert loaded == []
