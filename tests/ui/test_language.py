"""The language switch reaches every text: after switching to English, no widget of any
screen (sign-in, welcome, every page of the main window, the sync details, the
notification list) shows an Indonesian catalog text whose English differs, parameterised
texts matched as templates; and the reverse after switching back (tests/ui/language_walk)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import texts
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import SETTINGS, Shell
from tests.ui.language_walk import leftovers, templates
from tests.ui.steps import (
    LEFT,
    WAIT_MS,
    Person,
    first_activity,
    open_page,
    sign_in,
    watched_before,
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


def test_every_page_and_dialog_of_the_main_window_switches_every_text(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    watched_before(machine, people[0])
    window = make_window(machine)
    session = sign_in(qtbot, window, people[0])
    shell = window.shell
    assert shell is not None
    # something on every page: trophies, a pending change, a refused attempt's details
    session.complete_activity(first_activity(session, ActivityKind.VIDEO))
    shell.data_changed()
    for button in shell.nav_buttons:  # every page shown once (each reads its data)
        qtbot.mouseClick(button, LEFT)
    open_page(qtbot, shell, SETTINGS.name)
    qtbot.waitUntil(lambda: not shell.settings.refreshing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not shell.home.busy, timeout=WAIT_MS)
    shell.bell.open_list()
    qtbot.waitUntil(shell.bell.notification_list.isVisible, timeout=WAIT_MS)
    shell.status.show_details()
    qtbot.waitUntil(lambda: shell.status.details_dialog is not None, timeout=WAIT_MS)
    assert leftovers(window, ENGLISH_ONLY) == []
    choose_in_settings(qtbot, shell, "en")
    assert window.windowTitle() == "Settings · Latsar Desktop"
    assert leftovers(window, INDONESIAN_ONLY) == []
    choose_in_settings(qtbot, shell, "id")
    assert window.windowTitle() == "Pengaturan · Latsar Desktop"
    assert leftovers(window, ENGLISH_ONLY) == []
    dialog = shell.status.details_dialog
    assert dialog is not None
    dialog.reject()
    shell.bell.notification_list.close()
