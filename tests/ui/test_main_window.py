"""The main window through its real widgets, against the real server on 127.0.0.1: a
first sign-in, the welcome video played to its end, then the shell; sign-out and an
offline sign-in with the server stopped; two profiles on one computer, each seeing only
its own data; the side bar from the keyboard. (The window's size and position kept, and
its first size: tests/ui/test_scaling.py, on a screen of an old laptop's size.)"""

# ruff: noqa: F811 (the fixtures imported from appkit are parameters here)
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import COURSE, HOME, PROFILE
from latsar_desktop.ui.texts import tr
from latsar_server.settings import Settings
from tests.integration.serverkit import load_demo
from tests.servers import running_server
from tests.ui.appkit import (  # noqa: F401 (fixtures)
    LEFT,
    WAIT_MS,
    Person,
    first_activity,
    focus_of,
    indonesian,
    make_window,
    open_page,
    pass_welcome,
    runner,
    sign_in,
    sign_out,
    styled,
    type_credentials,
    watched_before,
)

MakeWindow = Callable[..., MainWindow]
ONLINE = "Terhubung ke server"
OFFLINE = "Luring — perubahan disimpan di komputer ini"


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
    assert shell.greeting.text() == "Selamat datang, Budi Santoso."
    assert shell.trophy_caption.text() == "trofi dari 50"
    assert shell.status_message() == ONLINE
    assert [b.text() for b in shell.nav_buttons] == ["Beranda", "Course", "Profil"]


def test_sign_out_then_an_offline_sign_in_with_the_server_stopped(
    qtbot: QtBot, tmp_path: Path, people: list[Person], make_window: MakeWindow
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    machine = MachineStore(tmp_path / "pc")
    try:
        with running_server(settings) as server:
            load_demo(server)
            machine.set_setting(SERVER_URL_SETTING, server.url)
            window = make_window(machine)
            first = sign_in(qtbot, window, people[0])
            shell = pass_welcome(qtbot, window)
            assert shell.status_message() == ONLINE
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
        assert shell.status_dot.property("online") is False
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
    assert shell.trophy_count.text() == str(budi_view.trophies)
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
    home, course, profile = shell.nav_buttons
    assert focus_of(window) is home
    qtbot.keyClick(home, Qt.Key.Key_Down)  # arrows move along the side bar
    assert shell.current is COURSE
    assert focus_of(window) is course
    assert window.windowTitle() == "Course · Latsar Desktop"
    qtbot.keyClick(course, Qt.Key.Key_Down)
    assert shell.current is PROFILE
    assert shell.page_title.text() == "Profil"
    qtbot.keyClick(profile, Qt.Key.Key_Up)
    assert shell.current is COURSE
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # Ctrl+3
    assert shell.current is PROFILE
    assert focus_of(window) is profile
    # Profil: the participant's data, and "Keluar"
    assert [v.text() for v in shell.profile_values] == [
        "Budi Santoso",
        "19900514 202601 1 901",
        "Pemerintah Kota Bandung",
    ]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert shell.current is HOME
    assert shell.page_title.text() == tr(Label.SHELL_HOME)
    # Tab from the side bar reaches the page's controls: Profil's "Keluar"
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(profile, Qt.Key.Key_Tab)
    assert focus_of(window) is shell.sign_out_button
    qtbot.keyClick(shell.sign_out_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() is window.signin, timeout=WAIT_MS)
