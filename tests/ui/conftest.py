"""The UI tests' fixtures: the real server with the demo and a computer pointed at it,
the app's look and language, a task runner, main windows, and no dialog left open.

Steps that drive a window are in ``tests/ui/steps.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from latsar_desktop import i18n
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.course import CoursePage
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.style import apply_style
from latsar_desktop.ui.tasks import TaskRunner
from tests.integration.serverkit import demo_people, sqlite_demo_server
from tests.servers import RunningServer
from tests.ui.steps import WAIT_MS

UI_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/ui needs Qt: mark it, so `-m qt` and `-m "not qt"` split
    the suite between the gui environment and the Qt-free one without a forgotten mark.

    And no capture of Qt's messages (pytest-qt's ``no_qt_log``): its handler is Python, so
    a Qt thread that logs a warning waits for the GIL. QtMultimedia's FFmpeg thread does
    that while the GUI thread, holding the GIL, waits for it in ``QMediaPlayer.setSource``:
    the test run hung for good (seen in CI, test_welcome). The app installs no such handler.
    """
    for item in items:
        if UI_TESTS in item.path.parents:
            item.add_marker(pytest.mark.qt)
            item.add_marker(pytest.mark.no_qt_log)


# ------------------------------------------------------------------ the server, the computer


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[RunningServer]:
    """The real server on 127.0.0.1 (SQLite), set up with the demo course and people."""
    with sqlite_demo_server(tmp_path) as server:
        yield server


@pytest.fixture
def machine(tmp_path: Path, ui_server: RunningServer) -> Iterator[MachineStore]:
    """This computer's machine.db, pointed at ``ui_server``."""
    store = MachineStore(tmp_path / "pc")
    store.set_setting(SERVER_URL_SETTING, ui_server.url)
    yield store
    store.close()


@pytest.fixture
def people() -> list[dict[str, str]]:
    """The demo participants: nip, nik, name, agency, course."""
    return demo_people()


# ------------------------------------------------------------------ the app


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[None]:
    """The app's look (the scaling and clipping checks depend on it), put back after."""
    sheet, font, palette = qapp.styleSheet(), QFont(qapp.font()), QPalette(qapp.palette())
    style = qapp.style().name()
    apply_style(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)
    qapp.setPalette(palette)
    qapp.setStyle(style)


@pytest.fixture
def indonesian() -> Iterator[None]:
    """The app's language, Indonesian, for the test; Indonesian again after it."""
    texts.set_language(i18n.DEFAULT_LANGUAGE)
    yield
    texts.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.fixture
def error_dialog_closed(qtbot: QtBot, indonesian: None) -> Iterator[None]:
    """In Indonesian; the standard error dialog a test left open is closed after it
    (for the modules that open it on purpose: ``pytestmark = usefixtures(...)``)."""
    yield
    dialog = errors.current_dialog()
    if dialog is not None:
        dialog.reject()
    qtbot.waitUntil(lambda: errors.current_dialog() is None, timeout=WAIT_MS)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    """The app's background tasks; shut down at the end (its work cancelled and waited)."""
    tasks = TaskRunner()
    yield tasks
    assert tasks.shutdown()


@pytest.fixture
def make_window(
    qtbot: QtBot, runner: TaskRunner, styled: None, indonesian: None
) -> Iterator[Callable[..., MainWindow]]:
    """``make_window(machine, demo_people=None)``: a shown main window; at the end each
    is shut down (its session signed out) and no dialog may be left open."""
    windows: list[MainWindow] = []

    def make(machine: MachineStore, demo_people: Sequence[Any] | None = None) -> MainWindow:
        window = MainWindow(machine, runner, demo_people=demo_people)
        qtbot.addWidget(window)
        window.resize(1093, 550)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # focus events (a field left) need the active window
        qtbot.waitUntil(window.isActiveWindow)
        windows.append(window)
        return window

    yield make
    left_open = QApplication.activeModalWidget()
    dialog = errors.current_dialog()
    for window in windows:
        if window.signin.remove_dialog is not None:
            window.signin.remove_dialog.reject()
        window.shutdown()
    if dialog is not None:
        dialog.reject()
    assert left_open is None, "a dialog was left open"
    assert dialog is None, "an error dialog was left open"


# ------------------------------------------------------------------ the Course page

PAGE_SIZE = (1100, 560)  # the page area at 1366×768 and 125 %
PageFor = Callable[..., CoursePage]


@pytest.fixture
def page_for(qtbot: QtBot, runner: TaskRunner, styled: None, indonesian: None) -> Iterator[PageFor]:
    """``page_for(session, size=PAGE_SIZE)``: the Course page shown at that size, its first
    read landed; shut down (its work cancelled, its clip stopped) at the end, no dialog
    left open."""
    pages: list[CoursePage] = []

    def make(session: ParticipantSession, size: tuple[int, int] = PAGE_SIZE) -> CoursePage:
        page = CoursePage(session, runner)
        qtbot.addWidget(page)
        page.resize(*size)
        page.show()
        qtbot.waitUntil(lambda: page.snapshot is not None, timeout=WAIT_MS)
        pages.append(page)
        return page

    yield make
    left = [p.confirm_dialog or p.result_dialog for p in pages]
    for page in pages:
        page.shutdown()
    dialog = errors.current_dialog()
    if dialog is not None:
        dialog.reject()
    assert dialog is None, "an error dialog was left open"
    assert not any(left), "a dialog of the page was left open"
