"""``latsar-desktop`` as started from the command line (``ui/application.py run``): the
demo opens the sign-in screen with the demo people and its embedded server, stopped at
the end; without the server extra it says what to install, before any window; the
data directory, the server address and the language from the command line.

The app runs in a process of its own (``tests/ui/app_probe.py``): its event loop's end
would leave this process's Qt unfit for the next tests.
"""

# ruff: noqa: F811 (the fixtures imported from appkit are parameters here)
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from latsar_desktop import app, demo
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import application
from tests.ui.appkit import indonesian  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]


def launch(tmp_path: Path, *argv: str) -> dict[str, Any]:
    """``latsar-desktop argv…`` offscreen until its window shows, then closed."""
    out = tmp_path / "seen.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.app_probe", str(out), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return seen


def test_the_demo_opens_the_sign_in_screen_with_the_demo_people(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    seen = launch(tmp_path, "--demo", "--data-dir", str(folder))
    assert seen["status"] == 0
    assert seen["title"] == "Masuk · Latsar Desktop"
    assert seen["demo_people"] == len(demo.demo_people()) == 5
    assert seen["server_url"].startswith("http://127.0.0.1:")
    assert seen["health"] == 200
    # one data directory for both, and the server stopped with the app
    assert seen["root"] == str(folder)
    assert (folder / "machine.db").is_file()
    assert (folder / demo.SERVER_FOLDER).is_dir()
    assert seen["after"] == "gone"


def test_the_demo_without_the_server_extra_says_what_to_install(
    qtbot: QtBot,
    indonesian: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(demo, "server_extra_missing", lambda: demo.INSTALL_SERVER_EXTRA)
    before = set(QApplication.topLevelWidgets())
    status = application.run(app.parser().parse_args(["--demo"]))
    assert status == 2
    lines = capsys.readouterr().err.strip().split("\n")
    command = demo.INSTALL_SERVER_EXTRA
    assert lines == [
        f"Mode demo memerlukan server bawaan. Pasang dulu dengan: {command}",
        f"The demo needs the embedded server. Install it first with: {command}",
    ]
    assert set(QApplication.topLevelWidgets()) == before  # no window was made


def test_the_data_directory_server_and_language_from_the_command_line(tmp_path: Path) -> None:
    folder, url = tmp_path / "here", "https://latsar.example.go.id"
    seen = launch(tmp_path, "--data-dir", str(folder), "--server", url, "--lang", "en")
    assert seen["status"] == 0
    assert seen["title"] == "Sign in · Latsar Desktop"
    assert (seen["root"], seen["server_url"], seen["demo_people"]) == (str(folder), url, 0)
    machine = MachineStore(folder)
    try:
        assert machine.setting(SERVER_URL_SETTING) == url
        assert machine.setting("window_geometry")  # kept at the close
    finally:
        machine.close()
    # the language chosen on the screen before is used when --lang is not given
    assert application.choose_language(None, "en") == "en"
    assert application.choose_language("id", "en") == "id"
    assert application.choose_language(None, None) == "id"
    assert application.choose_language(None, "xx") == "id"
