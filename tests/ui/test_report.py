"""The window's "Bantuan → Buat laporan…" (``ui/report.py``) through the real widgets, on
the sign-in screen (a participant who cannot sign in needs it most): the zip is written
under the data directory's ``reports/`` and the folder handed to the opener (a fake:
no file manager opens in a test); a report that cannot be written is told, in
Indonesian, and nothing is opened. (What the zip holds: tests/integration/test_diagnostics.py.)
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from latsar_desktop import diagnostics
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui.main_window import MainWindow
from tests.ui.steps import WAIT_MS

MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[MachineStore]:
    """This computer's machine.db, no server set (a report needs none)."""
    store = MachineStore(tmp_path / "pc")
    yield store
    store.close()


def report_entry(window: MainWindow) -> QAction:
    """The menu bar's "Bantuan" menu and its "Buat laporan…", as the participant finds them."""
    menus = [a for a in window.menuBar().actions() if a.menu() is not None]
    assert [a.text().replace("&", "") for a in menus] == ["Bantuan"]
    [entry] = [a for a in window.help_menu.actions() if a.text() == "Buat laporan…"]
    assert entry.isEnabled()
    return entry


def closed(qtbot: QtBot, window: MainWindow) -> QMessageBox:
    """The result dialog once shown (returned after its OK was pressed)."""
    qtbot.waitUntil(lambda: window.report.result_dialog is not None, timeout=WAIT_MS)
    dialog = window.report.result_dialog
    assert dialog is not None
    dialog.accept()
    qtbot.waitUntil(lambda: window.report.result_dialog is None, timeout=WAIT_MS)
    return dialog


def test_buat_laporan_on_the_sign_in_screen_writes_the_zip_and_opens_its_folder(
    qtbot: QtBot, make_window: MakeWindow, machine: MachineStore
) -> None:
    window = make_window(machine)
    assert window.current_screen() is window.signin
    opened: list[QUrl] = []
    window.report.opener = lambda url: opened.append(url) or True

    entry = report_entry(window)
    # from the keyboard, as a mouse would: Alt+B opens "Bantuan", Return takes its entry
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(window.help_menu.isVisible, timeout=WAIT_MS)
    assert window.help_menu.activeAction() is entry
    with qtbot.waitSignal(entry.triggered, timeout=WAIT_MS):
        qtbot.keyClick(window.help_menu, Qt.Key.Key_Return)
    assert not window.report.action.isEnabled()  # once at a time
    dialog = closed(qtbot, window)

    reports = machine.root / "reports"
    [zip_path] = sorted(reports.glob("laporan-latsar-*.zip"))
    assert window.report.last_report == zip_path
    assert opened == [QUrl.fromLocalFile(str(reports))]
    assert dialog.icon() is QMessageBox.Icon.Information
    assert str(zip_path) in dialog.text()
    assert "tidak memuat NIK" in dialog.text()
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        assert b'"result": "ok"' in archive.read("integrity.json")
    assert {"versions.json", "settings.json", "sync.json", "integrity.json"} <= names
    assert window.report.action.isEnabled()
    assert window.report.busy_dialog is None


def test_a_report_that_cannot_be_written_is_told_and_nothing_opens(
    qtbot: QtBot, make_window: MakeWindow, machine: MachineStore
) -> None:
    window = make_window(machine)
    (machine.root / "reports").write_text("a file where the folder should be")
    opened: list[QUrl] = []
    window.report.opener = lambda url: opened.append(url) or True

    report_entry(window).trigger()
    dialog = closed(qtbot, window)

    assert dialog.icon() is QMessageBox.Icon.Warning
    assert dialog.text().startswith("Laporan diagnostik tidak dapat dibuat: ")
    assert opened == []
    assert window.report.last_report is None
    assert window.report.action.isEnabled()  # it can be tried again


def test_the_entry_is_said_in_english_when_english_is_chosen(
    make_window: MakeWindow, machine: MachineStore
) -> None:
    window = make_window(machine)
    window.signin.language.setCurrentIndex(window.signin.language.findData("en"))
    assert window.help_menu.title() == "&Help"
    assert window.report.action.text() == "Create a report…"


def test_a_slow_report_shows_a_busy_dialog_until_it_is_written(
    qtbot: QtBot, make_window: MakeWindow, machine: MachineStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's work is held (a real report, written once let go): meanwhile the
    busy dialog says a report is being made; it is gone when the report is told."""
    release = threading.Event()
    real = diagnostics.write_report

    def held(*args: Any, **kwargs: Any) -> Path:
        assert release.wait(WAIT_MS / 1000)
        return real(*args, **kwargs)

    monkeypatch.setattr(diagnostics, "write_report", held)
    window = make_window(machine)
    window.report.opener = lambda url: True
    try:
        report_entry(window).trigger()
        qtbot.waitUntil(
            lambda: window.report.busy_dialog is not None and window.report.busy_dialog.isVisible(),
            timeout=WAIT_MS,
        )
        busy = window.report.busy_dialog
        assert busy is not None
        assert busy.labelText() == "Membuat laporan diagnostik…"
        assert window.report.result_dialog is None
    finally:
        release.set()
    dialog = closed(qtbot, window)
    assert dialog.icon() is QMessageBox.Icon.Information
    assert window.report.busy_dialog is None
    assert not shiboken6.isValid(busy) or not busy.isVisible()  # closed, then deleted
