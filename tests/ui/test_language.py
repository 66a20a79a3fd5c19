"""The language switch reaches every text: after switching to English, no widget of any
screen (sign-in, welcome, every page of the main window, the sync details, the
notification list) shows an Indonesian catalog text whose English differs, parameterised
texts matched as templates; and the reverse after switching back (tests/ui/language_walk)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import texts
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import SETTINGS, Shell
from latsar_desktop.ui.sync_status import SyncState
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import take_attempt as locked_attempt
from tests.recipes import play_recipe, take_attempt
from tests.servers import RunningServer
from tests.ui.language_walk import leftovers, lines_of, templates
from tests.ui.steps import (
    LEFT,
    WAIT_MS,
    Person,
    open_page,
    sign_in,
)

MakeWindow = Callable[..., MainWindow]
INDONESIAN_ONLY = templates("id", "en")
ENGLISH_ONLY = templates("en", "id")


def choose_on_signin(qtbot: QtBot, window: MainWindow, code: str) -> None:
    combo = window.signin.language
    combo.setFocus()
    combo.setCurrentIndex(combo.findData(code))
    qtbot.waitUntil(lambda: texts.language() == code)


def test_the_walk_finds_a_text_left_in_the_other_language(qtbot: QtBot) -> None:
    """The walk itself: a label left in Indonesian (a parameterised text too) is found."""
    root = QWidget()
    qtbot.addWidget(root)
    QLabel("Masuk", root)
    QLabel("Sisa percobaan yang dinilai hari ini: 3 dari 5.", root)
    QLabel("Sign in", root)
    found = leftovers(root, INDONESIAN_ONLY)
    assert len(found) == 2, found
    [english] = leftovers(root, ENGLISH_ONLY)
    assert english.startswith("QLabel: 'Sign in'")


def test_the_sign_in_and_welcome_screens_switch_every_text(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    assert leftovers(window, ENGLISH_ONLY) == []
    choose_on_signin(qtbot, window, "en")
    assert leftovers(window, INDONESIAN_ONLY) == []
    choose_on_signin(qtbot, window, "id")
    assert leftovers(window, ENGLISH_ONLY) == []
    sign_in(qtbot, window, people[0])
    qtbot.waitUntil(lambda: window.welcome is not None, timeout=WAIT_MS)
    assert leftovers(window, ENGLISH_ONLY) == []
    texts.set_language("en")
    window.retranslate()
    assert leftovers(window, INDONESIAN_ONLY) == []
    texts.set_language("id")
    window.retranslate()
    assert leftovers(window, ENGLISH_ONLY) == []


def choose_in_settings(qtbot: QtBot, shell: Shell, code: str) -> None:
    """Pengaturan → Bahasa (set on the list itself: the sync details, window-modal,
    are open, and they must follow too)."""
    combo = shell.settings.language
    combo.setCurrentIndex(combo.findData(code))
    qtbot.waitUntil(lambda: texts.language() == code)


@pytest.fixture
def proxy(ui_server: RunningServer, machine: MachineStore) -> Iterator[FaultProxy]:
    """A proxy between this computer and the server, to answer one sync with an error."""
    with FaultProxy("127.0.0.1", urlsplit(ui_server.url).port or 80) as running:
        machine.set_setting(SERVER_URL_SETTING, running.url)
        yield running
        running.clear()


def a_past_with_every_kind_of_text(machine: MachineStore, person: Person) -> None:
    """Before the window: an evaluation attempt recorded while locked (the server refuses
    it: a row in "Rincian"), then 28 trophies and an attempt graded by the server (a
    notification in the bell's list), all through a session of its own."""
    session = ParticipantSession.sign_in(
        machine, person["nip"], person["nik"], device_name="PC uji"
    )
    try:
        session.watch_welcome()
        locked_attempt(session.store, 20)  # at 0 trophies: refused by the server
        session.sync()
        assert [r.message.code for r in session.rejections()] == ["sync.evaluation_locked"]
        play_recipe(session, "28")
        take_attempt(session, right=12)
        session.sync()
        (graded,) = session.notifications(unseen_only=True)
        assert graded.message.code == Code.NOTICE_ATTEMPT_GRADED.value
    finally:
        session.sign_out()


def test_every_page_and_dialog_of_the_main_window_switches_every_text(
    qtbot: QtBot,
    machine: MachineStore,
    proxy: FaultProxy,
    people: list[Person],
    runner: TaskRunner,
    make_window: MakeWindow,
) -> None:
    a_past_with_every_kind_of_text(machine, people[0])
    window = make_window(machine)
    session = sign_in(qtbot, window, people[0])
    shell = window.shell
    assert shell is not None
    status = shell.status
    # the window's first sync done; then one the server answers with an error: the
    # status bar's error state, and the error in "Rincian" above the refused row
    qtbot.waitUntil(lambda: status.state is SyncState.DONE and not runner.busy, timeout=WAIT_MS)
    proxy.respond(426, b"upgrade", once=True)
    qtbot.mouseClick(status.sync_button, LEFT)
    qtbot.waitUntil(lambda: status.state is SyncState.ERROR, timeout=WAIT_MS)
    # a change waiting for the next sync (Beranda's pending line)
    session.record_reflection("kebijakan-1-refleksi", "Saya belajar melayani dengan jujur.")
    shell.data_changed()
    for button in shell.nav_buttons:  # every page shown once (each reads its data)
        qtbot.mouseClick(button, LEFT)
    open_page(qtbot, shell, SETTINGS.name)
    qtbot.waitUntil(lambda: not shell.settings.refreshing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not shell.home.busy, timeout=WAIT_MS)
    assert shell.home.pending.text() != tr(Label.HOME_PENDING_NONE)
    shell.bell.open_list()
    listed = shell.bell.notification_list
    qtbot.waitUntil(listed.isVisible, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(listed.items) == 1, timeout=WAIT_MS)
    assert listed.items[0].unseen  # its "new" text too (in its accessible name)
    status.show_details()
    qtbot.waitUntil(lambda: status.details_dialog is not None, timeout=WAIT_MS)
    dialog = status.details_dialog
    assert dialog is not None
    assert dialog.error_text.isVisible()
    assert len(dialog.rows) == 1  # the refused attempt
    walked = [widget for widget, _ in lines_of(window)]
    (item,) = listed.items
    seen = (item, item.text, item.time, *dialog.rows[0], dialog.error_text, status.text)
    assert all(any(part is widget for widget in walked) for part in seen)  # all in the walk
    try:
        assert leftovers(window, ENGLISH_ONLY) == []
        choose_in_settings(qtbot, shell, "en")
        assert window.windowTitle() == "Settings · Latsar Desktop"
        assert leftovers(window, INDONESIAN_ONLY) == []
        choose_in_settings(qtbot, shell, "id")
        assert window.windowTitle() == "Pengaturan · Latsar Desktop"
        assert leftovers(window, ENGLISH_ONLY) == []
    finally:  # no dialog or popup left open, whatever happened
        dialog.reject()
        listed.close()
