"""The self-test's Qt parts (``latsar_desktop/selftest.py`` runs them as checks): the
QApplication, every page of the main window over a signed-in session, and a clip
played by the app's own ``VideoPlayer`` (QtMultimedia, as the course's clips are).

No event loop of its own: each part runs Qt's events until what it waits for happened
or its time is up. A Python exception raised in a slot meanwhile (Qt would only print
it), and an error dialog left open, fail the part that was running.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication, QDialog, QWidget

if TYPE_CHECKING:
    from latsar_desktop.session.participant import ParticipantSession
    from latsar_desktop.store.machine import MachineStore
    from latsar_desktop.ui.main_window import MainWindow
    from latsar_desktop.ui.tasks import TaskRunner

SETTLE_S = 30.0  # the longest a page's reads may take before the check fails
POLL_MS = 20


class QtCheckFailed(RuntimeError):
    pass


def start_qt() -> str:
    """The QApplication, styled, in Indonesian; its platform's name."""
    from latsar_desktop.ui import texts
    from latsar_desktop.ui.style import apply_style

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "latsar"])
    assert isinstance(app, QApplication)
    apply_style(app)
    texts.set_language("id")
    return QApplication.platformName()


def run_events_until(done: Callable[[], bool], timeout: float) -> bool:
    """Qt's events until ``done()`` (True) or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, POLL_MS)
        time.sleep(POLL_MS / 1000 / 4)
    return True


@contextmanager
def slot_errors() -> Iterator[list[str]]:
    """Python exceptions raised in slots meanwhile (``sys.excepthook``), as lines."""
    seen: list[str] = []
    kept = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        seen.append(f"{kind.__name__}: {error}")

    sys.excepthook = hook
    try:
        yield seen
    finally:
        sys.excepthook = kept


def _open_dialogs() -> list[str]:
    return [
        f"{type(widget).__name__}: {widget.windowTitle()}"
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, QDialog) and widget.isVisible()
    ]


def build_pages(machine: MachineStore, session: ParticipantSession) -> list[str]:
    """The main window on the sign-in screen (its profile card read from machine.db),
    the first sync's page, the welcome page, then the shell with each of its pages
    shown in turn, their reads done; closed again. The names of the pages built."""
    from latsar_desktop.ui.main_window import MainWindow
    from latsar_desktop.ui.shell import PAGES, Shell
    from latsar_desktop.ui.tasks import TaskRunner
    from latsar_desktop.ui.welcome import WelcomePage

    runner = TaskRunner()
    window = MainWindow(machine, runner)
    built: list[str] = []
    try:
        with slot_errors() as errors:
            window.show()
            handle = window.windowHandle()
            if not run_events_until(lambda: handle is not None and handle.isExposed(), 10):
                raise QtCheckFailed("the main window was not shown")
            if window.current_screen() is not window.signin or len(window.signin.cards) != 1:
                raise QtCheckFailed("the sign-in screen does not show the profile")
            built.append(type(window.signin).__name__)
            welcome = WelcomePage(session, runner, window)
            window.stack.addWidget(welcome)
            shell = Shell(session, runner, window)
            window.stack.addWidget(shell)
            for page in (window.fetching, welcome, shell):
                _show(window, page, runner, errors)
                built.append(type(page).__name__)
            for index in range(len(PAGES)):
                shell.show_page(index)
                shown = shell.pages.currentWidget()
                assert shown is not None
                _show(window, shown, runner, errors)
                built.append(type(shown).__name__)
            shell.pages.setCurrentWidget(shell.attempt)
            _show(window, shell.attempt, runner, errors)
            built.append(type(shell.attempt).__name__)
            shell.signing_out()
    finally:
        window.shutdown()
        runner.shutdown()
        window.deleteLater()
        QCoreApplication.processEvents()
    return built


def _show(window: MainWindow, page: QWidget, runner: TaskRunner, errors: list[str]) -> None:
    """``page`` on the screen (when it is one of the window's), its reads done."""
    if window.stack.indexOf(page) >= 0:
        window.stack.setCurrentWidget(page)
    if not run_events_until(lambda: page.isVisible() and not runner.busy, SETTLE_S):
        raise QtCheckFailed(f"{type(page).__name__}: still reading after {SETTLE_S:.0f} s")
    dialogs = _open_dialogs()
    if errors or dialogs:
        raise QtCheckFailed(f"{type(page).__name__}: " + "; ".join([*errors, *dialogs]))


def play_clip(path: Path, play_ms: int, timeout: float = 20.0) -> int:
    """Play ``path`` in the app's ``VideoPlayer`` until its position passed ``play_ms``;
    the position reached (ms). Fails when the clip cannot be played or does not move."""
    from latsar_desktop.ui.player import VideoPlayer

    player = VideoPlayer(full_controls=True)
    failures: list[str] = []
    ended: list[bool] = []
    player.failed.connect(failures.append)
    player.ended.connect(lambda: ended.append(True))
    try:
        player.resize(480, 320)
        player.show()
        player.load(path)
        player.play()
        run_events_until(
            lambda: bool(failures or ended) or player.player.position() >= play_ms, timeout
        )
        position = player.player.position()
        if failures:
            raise QtCheckFailed(f"the clip does not play: {failures[0]}")
        if position < play_ms:
            raise QtCheckFailed(f"the clip stood at {position} ms after {timeout:.0f} s")
        return position
    finally:
        player.stop()
        player.close()
        player.deleteLater()
        QCoreApplication.processEvents()
