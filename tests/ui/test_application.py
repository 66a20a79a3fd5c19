"""``latsar-desktop`` as started from the command line (``ui/application.py run``): the
demo shows the sign-in screen with the demo people at once, "Masuk" waiting while its
embedded server starts, then signs in; the server stopped at the end; a server that
cannot start, the standard error dialog; without the server extra it says what to
install, before any window; the data directory, the server address and the language
from the command line.

The app runs in a process of its own (``tests/ui/app_probe.py``): its event loop's end
would leave this process's Qt unfit for the next tests.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from latsar_desktop import app, demo
from latsar_desktop.i18n.labels import Label
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import application, texts
from tests.ui.app_probe import CLOSE_AT_ONCE
from tests.ui.probes import run_probe


def launch(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``latsar-desktop argv…`` offscreen until its window shows (the demo: its server
    ready, then a sign-in), then closed."""
    return run_probe("app_probe", tmp_path, *argv, env=env, timeout=180)


def first(lines: list[str], start: str) -> int:
    """Where the first log message starting with ``start`` is."""
    return next(i for i, line in enumerate(lines) if line.startswith(start))


def test_the_demo_shows_the_sign_in_screen_before_its_server_is_ready_then_signs_in(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo"
    seen = launch(tmp_path, "--demo", "--data-dir", str(folder))
    assert seen["status"] == 0
    # the screen shows at once, with the demo people, "Masuk" waiting for the server
    shown, ready = first(seen["log"], "sign-in screen shown"), first(seen["log"], "demo: embedded")
    assert shown < ready, seen["log"]
    assert seen["log"][shown] == "sign-in screen shown: 0 profiles, 5 demo people"
    assert seen["at_show"] == {
        "waiting_for_server": True,
        "submit_enabled": False,
        "message": "Menyiapkan server demo… Mohon tunggu sebentar.",
    }
    assert seen["title"] == "Masuk · Latsar Desktop"
    assert seen["demo_people"] == len(demo.demo_people()) == 5
    assert seen["server_url"].startswith("http://127.0.0.1:")
    assert seen["log"][ready] == f"demo: embedded server at {seen['server_url']}"
    assert seen["health"] == 200
    # once it is ready, the first demo person signs in (online)
    assert seen["signed_in"] == {"name": demo.demo_people()[0].name, "online": True}
    # one data directory for both, and the server stopped with the app
    assert seen["root"] == str(folder)
    assert (folder / "machine.db").is_file()
    assert (folder / demo.SERVER_FOLDER).is_dir()
    assert seen["after"] == "gone"
    assert seen["children_after"] == []


def test_closing_the_demo_while_its_server_starts_stops_the_server_once_started(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo"
    seen = launch(tmp_path, "--demo", "--data-dir", str(folder), env={CLOSE_AT_ONCE: "1"})
    assert seen["status"] == 0
    assert seen["closed_at_once"]["waiting_for_server"]  # closed while it was starting
    assert not any(line.startswith("demo: embedded server at") for line in seen["log"])
    # the start was waited for, then the server stopped at the end of its input
    server_log = (folder / demo.SERVER_FOLDER / demo.LOG_NAME).read_text("utf-8")
    assert "end of input: the embedded server stops" in server_log
    assert "the embedded server stopped" in server_log
    assert seen["children_after"] == []  # stopped and waited for before the app ended


class FakeServer:
    def __init__(self) -> None:
        self.stops = 0

    def stop(self) -> int:
        self.stops += 1
        return 0


def test_a_demo_server_that_starts_after_the_end_is_stopped_at_once() -> None:
    """The app stops waiting for the runner after a while: a server whose start ends
    later still never outlives the app."""
    slot = application.DemoServerSlot()
    kept, late = FakeServer(), FakeServer()
    assert slot.keep(kept)
    slot.stop()  # the app's end
    assert kept.stops == 1
    assert not slot.keep(late)
    assert late.stops == 1
    slot.stop()
    assert (kept.stops, late.stops) == (1, 1)  # each stopped once


def test_a_demo_server_that_cannot_start_shows_the_error_dialog_and_masuk_keeps_waiting(
    tmp_path: Path, indonesian: None
) -> None:
    broken = {"LATSAR_SERVER_SYNC_PAGE_SIZE": "not-a-number"}  # the server's child fails
    seen = launch(tmp_path, "--demo", "--data-dir", str(tmp_path / "demo"), env=broken)
    assert seen["status"] == 0
    error = seen["error"]
    assert error["text"] == texts.tr(Label.ERROR_UNEXPECTED)
    assert "The embedded server did not start" in error["details"]
    # the server log's tail: why it did not start
    assert "invalid literal for int() with base 10: 'not-a-number'" in error["details"]
    assert (error["waiting_for_server"], error["submit_enabled"]) == (True, False)
    assert error["message"] == texts.tr(Label.SIGNIN_SERVER_STARTING)
    assert "signed_in" not in seen


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
    assert seen["collecting"] is True  # paused for the start only (app.main)
    assert seen["title"] == "Sign in · Latsar Desktop"
    assert (seen["root"], seen["server_url"], seen["demo_people"]) == (str(folder), url, 0)
    machine = MachineStore(folder)
    try:
        assert machine.setting(SERVER_URL_SETTING) == url
        assert machine.setting("window_geometry")  # kept at the close
    finally:
        machine.close()
    # the language chosen on the screen before is used when --lang is not given
    assert texts.choose_language(None, "en") == "en"
    assert texts.choose_language("id", "en") == "id"
    assert texts.choose_language(None, None) == "id"
    assert texts.choose_language(None, "xx") == "id"


def test_a_data_directory_that_cannot_be_used_is_logged_and_shown_then_exit_status_1(
    tmp_path: Path, indonesian: None
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("not a folder", encoding="utf-8")
    seen = launch(tmp_path, "--data-dir", str(not_a_folder))
    assert seen["status"] == 1
    assert "title" not in seen  # no main window
    # the standard error dialog, modal (there is no window), with the traceback
    failure = seen["start_failure"]
    assert failure["modal"]
    assert failure["text"] == texts.tr(Label.ERROR_UNEXPECTED)
    assert "Traceback (most recent call last)" in failure["details"]
    assert "MachineStore" in failure["details"]
    # the log file has it with its traceback
    log_text = Path(seen["log_file"]).read_text("utf-8")
    assert "the app failed (exit status 1)" in log_text
    assert "Traceback (most recent call last)" in log_text
    assert str(not_a_folder) in log_text


def test_the_collector_runs_again_on_every_way_out_without_a_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``app.main`` pauses Python's garbage collector for the start; where no sign-in
    screen follows (``--version``, a wrong argument) it runs again as before."""
    assert gc.isenabled()
    for argv in (["--version"], ["--no-such-option"]):
        with pytest.raises(SystemExit):
            app.main(argv)
        assert gc.isenabled()
    capsys.readouterr()
