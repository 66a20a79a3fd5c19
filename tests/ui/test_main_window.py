"""The main window through its real widgets, against the real server on 127.0.0.1: a
first sign-in, the welcome video played to its end, then the shell; sign-out and an
offline sign-in with the server stopped; two profiles on one computer, each seeing only
its own data; the side bar from the keyboard. (The window's size and position kept, and
its first size: tests/ui/test_scaling.py, on a screen of an old laptop's size.)"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.errors import SyncError, SyncErrorKind, error_message
from latsar_desktop.ui import errors
from latsar_desktop.ui.main_window import CLOSE_WAIT, MainWindow
from latsar_desktop.ui.shell import COURSE, HOME, PROFILE, SETTINGS, Shell
from latsar_desktop.ui.sync_status import SyncState
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from tests.integration.serverkit import sqlite_demo_server
from tests.servers import RunningServer
from tests.ui.steps import (
    LEFT,
    WAIT_MS,
    Person,
    first_activity,
    focus_of,
    open_page,
    pass_welcome,
    sign_in,
    sign_out,
    type_credentials,
    watched_before,
)

MakeWindow = Callable[..., MainWindow]
OFFLINE = "Luring — perubahan disimpan di komputer ini"


def wait_synced(qtbot: QtBot, shell: Shell) -> None:
    """The status bar says the background sync that the shell started is done."""
    qtbot.waitUntil(
        lambda: (
            shell.status.state is SyncState.DONE
            and shell.status_message().startswith("Tersinkron · ")
        ),
        timeout=WAIT_MS,
    )


def test_first_sign_in_plays_the_welcome_video_to_its_end_then_the_main_window(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    assert window.windowTitle() == "Masuk · Latsar Desktop"
    session = sign_in(qtbot, window, people[0])
    assert session.online
    assert not session.view().welcome_watched
    # the welcome video: "Lanjut" only once the clip has played to its end
    welcome = window.welcome
    assert welcome is not None
    assert window.current_screen() is welcome
    assert window.windowTitle() == "Video sambutan · Latsar Desktop"
    assert not welcome.next_button.isEnabled()
    qtbot.waitUntil(lambda: welcome.player.playing, timeout=WAIT_MS)
    shell = pass_welcome(qtbot, window)
    assert session.view().welcome_watched  # watching it to the end is recorded
    assert window.welcome is None
    # the main window: Beranda, where the participant is, the connection
    assert window.windowTitle() == "Beranda · Latsar Desktop"
    assert shell.page_title.text() == "Beranda"
    assert shell.course_line.text() == session.package().title
    qtbot.waitUntil(lambda: shell.home.trophy_count.text() == "0", timeout=WAIT_MS)
    wait_synced(qtbot, shell)
    assert [b.text() for b in shell.nav_buttons] == ["Beranda", "Course", "Pengaturan", "Profil"]


def test_sign_out_then_an_offline_sign_in_with_the_server_stopped(
    qtbot: QtBot, tmp_path: Path, people: list[Person], make_window: MakeWindow
) -> None:
    machine = MachineStore(tmp_path / "pc")
    try:
        with sqlite_demo_server(tmp_path, machine):
            window = make_window(machine)
            first = sign_in(qtbot, window, people[0])
            shell = pass_welcome(qtbot, window)
            wait_synced(qtbot, shell)
            sign_out(qtbot, window)
            assert not first.signed_in
            assert window.shell is None
            assert window.windowTitle() == "Masuk · Latsar Desktop"
        # the server is gone; Budi's card, his NIK: in, offline
        page = window.signin
        (card,) = page.cards
        assert card.card.name == "Budi Santoso"
        qtbot.mouseClick(card, LEFT)
        assert focus_of(window) is page.nik_edit
        type_credentials(qtbot, page, None, people[0]["nik"])
        qtbot.keyClick(page.nik_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.shell is not None, timeout=WAIT_MS)
        shell = window.shell
        assert shell is not None
        assert window.session is not None
        assert not window.session.online
        assert window.welcome is None  # watched before: straight to the main window
        assert shell.status_message() == OFFLINE
        assert shell.status.dot.property("state") == "offline"
    finally:
        window.shutdown()
        machine.close()


def test_two_profiles_on_one_computer_each_see_only_their_own_data(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    budi, siti = people[0], people[1]
    window = make_window(machine)
    # Budi: the welcome watched, a video and a reading done
    session = sign_in(qtbot, window, budi)
    shell = pass_welcome(qtbot, window)
    session.complete_activity(first_activity(session, ActivityKind.VIDEO))
    session.complete_activity(first_activity(session, ActivityKind.READING))
    budi_view = session.view()
    assert budi_view.trophies > 0
    open_page(qtbot, shell, COURSE.name)
    open_page(qtbot, shell, HOME.name)  # Beranda reads the view again
    expected = str(budi_view.trophies)
    qtbot.waitUntil(lambda: shell.home.trophy_count.text() == expected, timeout=WAIT_MS)
    sign_out(qtbot, window)
    # Siti on the same computer: none of Budi's data
    page = window.signin
    qtbot.mouseClick(page.other_account, LEFT)
    session = sign_in(qtbot, window, siti)
    assert session.name == "Siti Rahmawati"
    view = session.view()
    assert not view.welcome_watched  # so the welcome video shows for her
    assert window.current_screen() is window.welcome
    assert view.trophies == 0
    assert all(not a.completed for m in view.materials for a in m.activities)
    assert session.store.journal() == []
    # the sign-out shortcut works on the welcome screen too
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_L, ctrl_shift)
    qtbot.waitUntil(lambda: window.current_screen() is window.signin, timeout=WAIT_MS)
    assert not session.signed_in
    # both on the cards, by name
    assert [c.card.name for c in page.cards] == ["Budi Santoso", "Siti Rahmawati"]
    # Budi again: his own data, unchanged
    qtbot.mouseClick(page.cards[0], LEFT)
    type_credentials(qtbot, page, None, budi["nik"])
    qtbot.mouseClick(page.submit_button, LEFT)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=WAIT_MS)
    assert window.session is not None
    again = window.session.view()
    assert (again.welcome_watched, again.trophies) == (True, budi_view.trophies)


def test_the_side_bar_from_the_keyboard(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    watched_before(machine, people[0])
    window = make_window(machine)
    sign_in(qtbot, window, people[0])
    shell = window.shell
    assert shell is not None  # the welcome was watched before: straight here
    home, course, settings, profile = shell.nav_buttons
    assert focus_of(window) is home
    qtbot.keyClick(home, Qt.Key.Key_Down)  # arrows move along the side bar
    assert shell.current is COURSE
    assert focus_of(window) is course
    assert window.windowTitle() == "Course · Latsar Desktop"
    qtbot.keyClick(course, Qt.Key.Key_Down)
    assert shell.current is SETTINGS
    assert shell.page_title.text() == "Pengaturan"
    qtbot.keyClick(settings, Qt.Key.Key_Down)
    assert shell.current is PROFILE
    assert shell.page_title.text() == "Profil"
    qtbot.keyClick(profile, Qt.Key.Key_Up)
    assert shell.current is SETTINGS
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # Ctrl+4
    assert shell.current is PROFILE
    assert focus_of(window) is profile
    # Profil: the participant's data, and "Keluar"
    assert [v.text() for v in shell.profile.data_values] == [
        "Budi Santoso",
        "19900514 202601 1 901",
        "Pemerintah Kota Bandung",
    ]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert shell.current is HOME
    assert shell.page_title.text() == tr(Label.SHELL_HOME)
    # Beranda's banner opens the page it names
    shell.home.profile_requested.emit()
    assert shell.current is PROFILE
    shell.home.course_requested.emit()
    assert shell.current is COURSE
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    # Tab from the side bar reaches the page's controls; Profil's "Keluar" signs out
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(profile, Qt.Key.Key_Tab)
    focused = focus_of(window)
    assert focused is not None
    assert shell.profile.isAncestorOf(focused)
    shell.profile.sign_out_button.setFocus()
    qtbot.keyClick(shell.profile.sign_out_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() is window.signin, timeout=WAIT_MS)


def test_the_status_bar_says_offline_when_a_background_sync_cannot_reach_the_server(
    qtbot: QtBot, tmp_path: Path, people: list[Person], make_window: MakeWindow
) -> None:
    machine = MachineStore(tmp_path / "pc")
    try:
        with sqlite_demo_server(tmp_path, machine):
            watched_before(machine, people[0])
            window = make_window(machine)
            session = sign_in(qtbot, window, people[0])
            shell = window.shell
            assert shell is not None
            wait_synced(qtbot, shell)
        # the server is gone: the next background sync cannot reach it
        session.sync_now()
        qtbot.waitUntil(lambda: shell.status_message() == OFFLINE, timeout=WAIT_MS)
        assert shell.status.dot.property("state") == "offline"
        no_link = say(error_message(SyncError(SyncErrorKind.OFFLINE)))
        # why, when the pointer rests on it (then the last sync's time)
        assert shell.status.text.toolTip().splitlines()[0] == no_link
    finally:
        window.shutdown()
        machine.close()


def test_closing_the_window_hides_it_before_the_sign_out_waits(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    make_window: MakeWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    watched_before(machine, people[0])
    window = make_window(machine)
    session = sign_in(qtbot, window, people[0])
    seen: list[tuple[bool, float]] = []
    sign_out_now = session.sign_out

    def sign_out_seen(timeout: float = 30.0) -> None:
        seen.append((window.isVisible(), timeout))
        sign_out_now(timeout)

    monkeypatch.setattr(session, "sign_out", sign_out_seen)
    assert window.isVisible()
    window.close()  # as the close button does
    assert seen == [(False, CLOSE_WAIT)]  # already off the screen while it waits
    assert not session.signed_in


def test_a_sign_out_while_the_watching_is_recorded_leaves_the_closed_page_alone(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    make_window: MakeWindow,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window(machine)
    session = sign_in(qtbot, window, people[0])
    welcome = window.welcome
    assert welcome is not None
    recorded, answer = threading.Event(), threading.Event()
    record = session.watch_welcome

    def record_then_answer_late() -> object:
        event = record()  # recorded; its answer reaches the page only later
        recorded.set()
        answer.wait(WAIT_MS / 1000)
        return event

    monkeypatch.setattr(session, "watch_welcome", record_then_answer_late)
    qtbot.waitUntil(recorded.is_set, timeout=WAIT_MS)  # the clip played to its end
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_L, ctrl_shift)  # "Keluar" meanwhile
    qtbot.waitUntil(lambda: window.current_screen() is window.signin, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not shiboken6.isValid(welcome), timeout=WAIT_MS)  # deleted
    answer.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)  # the answer was delivered
    # nothing touched the deleted page (an error there would fail this test)
    assert window.current_screen() is window.signin
    assert window.session is None
    assert not session.signed_in


def test_watched_on_another_computer_a_first_sign_in_here_goes_straight_to_the_shell(
    qtbot: QtBot,
    tmp_path: Path,
    machine: MachineStore,
    ui_server: RunningServer,
    people: list[Person],
    make_window: MakeWindow,
) -> None:
    budi = people[0]
    # computer A: Budi watches the welcome video, and it is synced to the server
    session = ParticipantSession.sign_in(machine, budi["nip"], budi["nik"], device_name="PC A")
    try:
        session.watch_welcome()
        session.sync()
    finally:
        session.sign_out()
    # computer B, the same server: his first sign-in here
    other = MachineStore(tmp_path / "pc-b")
    try:
        other.set_setting(SERVER_URL_SETTING, ui_server.url)
        window = make_window(other)
        screens: list[QWidget | None] = []
        window.stack.currentChanged.connect(lambda _: screens.append(window.current_screen()))
        session = sign_in(qtbot, window, budi)
        assert session.online
        # what the server knows came first, on its own calm page
        assert screens[0] is window.fetching
        assert window.fetching.text.text() == tr(Label.MAIN_FETCHING)
        assert session.sync_status().last_sync_at is not None
        assert session.view().welcome_watched
        # straight on to the main window: no welcome video again
        assert window.welcome is None
        assert window.shell is not None
        assert window.current_screen() is window.shell
        assert window.windowTitle() == "Beranda · Latsar Desktop"
        window.shutdown()
    finally:
        other.close()


def test_a_first_sync_that_fails_goes_on_with_this_computers_view_without_a_dialog(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    make_window: MakeWindow,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tried: list[bool] = []

    def refused(self: ParticipantSession, *args: object, **kwargs: object) -> None:
        tried.append(True)
        raise SyncError(SyncErrorKind.SERVER_ERROR)

    monkeypatch.setattr(ParticipantSession, "sync", refused)
    window = make_window(machine)
    with caplog.at_level(logging.WARNING, logger="latsar_desktop.ui.main_window"):
        session = sign_in(qtbot, window, people[0])
    assert tried == [True]
    assert "first sync after the sign-in failed" in caplog.text  # logged
    assert session.sync_status().last_sync_at is None
    assert window.current_screen() is window.welcome  # this computer's view decides
    assert errors.current_dialog() is None  # and no error dialog


def test_a_later_sign_in_of_a_synced_profile_does_not_sync_first(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    make_window: MakeWindow,
) -> None:
    budi = people[0]
    session = ParticipantSession.sign_in(machine, budi["nip"], budi["nik"], device_name="PC A")
    try:
        session.sync()
    finally:
        session.sign_out()
    window = make_window(machine)
    screens: list[QWidget | None] = []
    window.stack.currentChanged.connect(lambda _: screens.append(window.current_screen()))
    sign_in(qtbot, window, budi)
    assert window.fetching not in screens
    assert screens == [window.welcome]


def test_keluar_beside_the_name_in_the_header_from_the_keyboard(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    watched_before(machine, people[0])
    window = make_window(machine)
    session = sign_in(qtbot, window, people[0])
    shell = window.shell
    assert shell is not None
    assert shell.current is HOME
    keluar = shell.header_sign_out
    assert keluar.isVisible()  # on Beranda, without opening Profil
    assert keluar.text() == "Keluar"
    assert keluar.parentWidget() is shell.who_name.parentWidget()  # in the header
    # Tab from the side bar (one stop: the arrows move along it) reaches Beranda's
    # "Buka Course" (and its scrolling page), then the bell and "Keluar"; Shift+Tab back
    home = shell.nav_buttons[0]
    assert focus_of(window) is home
    stops = []
    while focus_of(window) is not keluar and len(stops) < 6:
        qtbot.keyClick(focus_of(window), Qt.Key.Key_Tab)
        stops.append(focus_of(window))
    assert stops[0] is shell.home.open_course
    assert stops[-2:] == [shell.bell, keluar]
    for stop in reversed([home, *stops[:-1]]):
        qtbot.keyClick(focus_of(window), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert focus_of(window) is stop
    while focus_of(window) is not keluar:
        qtbot.keyClick(focus_of(window), Qt.Key.Key_Tab)
    assert shell.current is HOME
    qtbot.keyClick(keluar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() is window.signin, timeout=WAIT_MS)
    assert not session.signed_in
    assert window.shell is None
