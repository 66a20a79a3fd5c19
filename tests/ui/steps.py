"""Steps that drive the app's main window in tests, as a participant would: through
real widgets, with clicks and key presses (the fixtures are in ``tests/ui/conftest.py``).

``type_credentials``, ``submit``, ``sign_in``, ``pass_welcome``, ``open_page``,
``sign_out``; ``watched_before`` (a first sign-in done before, through the session);
``open_session`` (signed in without a window); ``beranda_trophies`` (what Beranda counts);
``click_item`` and ``state_of`` (Course's tree).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.clock import Monotonic
from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.session.participant import ParticipantSession, SessionOptions
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui.course import CoursePage
from latsar_desktop.ui.home import HomePage
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import PAGES, PROFILE, Shell
from latsar_desktop.ui.signin import SignInPage
from latsar_desktop.ui.tasks import TaskRunner

WAIT_MS = 20_000
"""The most a UI test waits for something to happen (a sign-in's scrypt, the 4 s welcome
clip, a task's delivery on a loaded machine): a bound on a failure, never a timing."""
LEFT = Qt.MouseButton.LeftButton
Person = dict[str, str]


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
    """Click "Masuk" and wait for the answer: another screen (after a new profile's first
    sync), or a message shown."""
    page = window.signin
    qtbot.mouseClick(page.submit_button, LEFT)
    qtbot.waitUntil(
        lambda: (
            window.current_screen() not in (page, window.fetching)  # past the first sync
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
    open_page(qtbot, shell, PROFILE.name)
    qtbot.mouseClick(shell.profile.sign_out_button, LEFT)
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


def open_session(
    machine: MachineStore,
    person: Person,
    sessions: list[ParticipantSession],
    options: SessionOptions | None = None,
    monotonic: Monotonic | None = None,
) -> ParticipantSession:
    """``person`` signed in through the session (no window), signed out at the test's end
    (the ``sessions`` fixture); ``monotonic``: the evaluation timer's clock."""
    extra: dict[str, Any] = {"options": options} if options is not None else {}
    if monotonic is not None:
        extra["monotonic"] = monotonic
    session = ParticipantSession.sign_in(
        machine, person["nip"], person["nik"], device_name="PC uji", **extra
    )
    sessions.append(session)
    return session


def beranda_trophies(qtbot: QtBot, session: ParticipantSession, runner: TaskRunner) -> int:
    """The trophies Beranda shows for ``session``: a ``HomePage`` made afresh, its first
    read landed, its large count read (as the participant reads it)."""
    home = HomePage(session, runner)
    qtbot.addWidget(home)
    home.refresh()
    qtbot.waitUntil(lambda: home.snapshot is not None, timeout=WAIT_MS)
    return int(home.trophy_count.text())


def click_item(qtbot: QtBot, page: CoursePage, key: str) -> None:
    """Click the tree's item ``key`` (scrolled into view, its parents expanded)."""
    tree = page.tree
    item = tree.items[key]
    parent = item.parent()
    while parent is not None:
        parent.setExpanded(True)
        parent = parent.parent()
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), LEFT, pos=rect.center())
    assert tree.current_key() == key


def state_of(page: CoursePage, key: str) -> str:
    """The tree's state column of ``key``: "✓ 1/1 *", "0/2"."""
    return page.tree.items[key].text(1)
