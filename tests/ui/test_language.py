"""The language switch reaches every text: after switching to English, no widget of any
screen (sign-in, welcome, every page of the main window, the sync details, the
notification list) shows an Indonesian catalog text whose English differs, parameterised
texts matched as templates; and the reverse after switching back (tests/ui/language_walk)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import texts
from latsar_desktop.ui.main_window import MainWindow
from tests.ui.language_walk import leftovers, templates
from tests.ui.steps import LEFT, Person, pass_welcome, sign_in

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
    qtbot.waitUntil(lambda: window.welcome is not None)
    assert leftovers(window, ENGLISH_ONLY) == []
    texts.set_language("en")
    window.retranslate()
    assert leftovers(window, INDONESIAN_ONLY) == []
    texts.set_language("id")
    window.retranslate()
    assert leftovers(window, ENGLISH_ONLY) == []
    shell = pass_welcome(qtbot, window)
    for button in shell.nav_buttons:
        qtbot.mouseClick(button, LEFT)
    assert leftovers(window, ENGLISH_ONLY) == []
