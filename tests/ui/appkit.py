"""Driving the app's main window in tests, as a participant would: fixtures and steps.

Fixtures (import them into a test module): ``styled`` (the app's stylesheet and font,
put back afterwards), ``indonesian`` (the language reset to Indonesian after the test),
``runner`` (a ``TaskRunner``, shut down at the end), ``make_window`` (main windows on a
``MachineStore``, shut down before the runner: their sessions are signed out).
Steps: ``type_credentials``, ``submit``, ``sign_in``, ``pass_welcome``, ``open_page``,
``sign_out``. Every step goes through real widgets: clicks and key presses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop import i18n
from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import PAGES, Shell
from latsar_desktop.ui.signin import SignInPage
from latsar_desktop.ui.style import apply_style
from latsar_desktop.ui.tasks import TaskRunner

WAIT_MS = 20_000  # a sign-in (scrypt) or the 4 s welcome clip on a loaded machine
LEFT = Qt.MouseButton.LeftButton
Person = dict[str, str]


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
    texts.set_language(i18n.DEFAULT_LANGUAGE)
    yield
    texts.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
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


# ---------------------------------------------------------------------- steps


def focus_of(window: QWidget) -> QWidget | None:
    """The window's focus widget (offscreen, the window need not be the active one)."""
    return window.focusWidget()


def type_credentials(qtbot: QtBot, page: SignInPage, nip: str | None, nik: str) -> None:
    """Click the fields and type into them (``nip`` None: keep the NIP shown)."""
    if nip is not None:
        qtbot.mouseClick(page.nip_edit, LEFT)
        page.nip_edit.selectAll()
        qtbot.keyClick(page.nip_edit, Qt.Key.Key_Backspace)
        qtbot.keyClicks(page.nip_edit, nip)
    qtbot.mouseClick(page.nik_edit, LEFT)
    page.nik_edit.selectAll()
    qtbot.keyClick(page.nik_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(page.nik_edit, nik)


def submit(qtbot: QtBot, window: MainWindow) -> None:
    """Click "Masuk" and wait for the answer: another screen, or a message shown."""
    page = window.signin
    qtbot.mouseClick(page.submit_button, LEFT)
    qtbot.waitUntil(
        lambda: (
            window.current_screen() is not page
            or ((page.submit_button.isEnabled() or page.waiting) and page.message.isVisible())
        ),
        timeout=WAIT_MS,
    )


def sign_in(qtbot: QtBot, window: MainWindow, person: Person) -> ParticipantSession:
    """Sign ``person`` in through the screen; the session it made."""
    type_credentials(qtbot, window.signin, person["nip"], person["nik"])
    submit(qtbot, window)
    assert window.session is not None, window.signin.message_text()
    return window.session


def pass_welcome(qtbot: QtBot, window: MainWindow) -> Shell:
    """Watch the welcome clip to its end, then "Lanjut": the shell."""
    welcome = window.welcome
    assert welcome is not None
    assert window.current_screen() is welcome
    qtbot.waitUntil(lambda: welcome.next_button.isEnabled(), timeout=WAIT_MS)
    qtbot.mouseClick(welcome.next_button, LEFT)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=WAIT_MS)
    assert window.shell is not None
    assert window.current_screen() is window.shell
    return window.shell


def open_page(qtbot: QtBot, shell: Shell, name: Any) -> None:
    index = next(i for i, page in enumerate(PAGES) if page.name == name)
    qtbot.mouseClick(shell.nav_buttons[index], LEFT)
    assert shell.pages.currentIndex() == index


def sign_out(qtbot: QtBot, window: MainWindow) -> None:
    """Profil, "Keluar": back on the sign-in screen once the session is closed."""
    shell = window.shell
    assert shell is not None
    session = shell.session
    open_page(qtbot, shell, PAGES[2].name)
    qtbot.mouseClick(shell.sign_out_button, LEFT)
    qtbot.waitUntil(lambda: window.current_screen() is window.signin, timeout=WAIT_MS)
    assert not session.signed_in


def watched_before(machine: MachineStore, person: Person) -> None:
    """A first sign-in done before (through the session, not the screen), with the
    welcome video watched: the next sign-in goes straight to the main window."""
    session = ParticipantSession.sign_in(
        machine, person["nip"], person["nik"], device_name="PC uji"
    )
    try:
        session.watch_welcome()
    finally:
        session.sign_out()


def first_activity(session: ParticipantSession, kind: ActivityKind) -> str:
    return next(a.id for _, a in session.package().activities() if a.kind is kind)
