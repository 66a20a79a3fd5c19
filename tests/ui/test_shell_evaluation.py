"""The evaluation wired into the main window (``ui/shell.py``): Course's "Mulai evaluasi"
→ the confirmation → the attempt page (the side bar disabled while it runs) → back to
Course's evaluation entry with the attempt's row; an attempt left open is offered again
after the next sign-in, with its answers, and can be submitted from there.

Real widgets offscreen, the real server on 127.0.0.1; the participant's 28 trophies are
recorded through a session first (the window's own steps are in test_journey.py).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import EventType
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import COURSE, EVALUATION, HOME, Shell
from tests.recipes import play_recipe
from tests.ui.steps import LEFT, WAIT_MS, open_page, sign_in, sign_out, watched_before

Person = dict[str, str]
WINDOW_HEIGHT = 550  # make_window's size: the window at 1366×768 and 125 %, its frame off


@pytest.fixture
def unlocked(machine: MachineStore, people: list[Person]) -> Person:
    """The first demo participant, welcome watched and 28 trophies recorded (and sent)."""
    person = people[0]
    watched_before(machine, person)
    session = ParticipantSession.sign_in(
        machine, person["nip"], person["nik"], device_name="PC uji"
    )
    try:
        play_recipe(session, "28")
        session.sync()
    finally:
        session.sign_out()
    return person


def shell_of(window: MainWindow) -> Shell:
    assert window.shell is not None
    return window.shell


def start_from_course(qtbot: QtBot, shell: Shell) -> None:
    """Course's evaluation entry, "Mulai evaluasi", the confirmation's "Mulai percobaan"."""
    open_page(qtbot, shell, COURSE.name)
    shell.course.show_evaluation()
    button = shell.course.evaluation.start_button
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=WAIT_MS)
    qtbot.mouseClick(button, LEFT)
    qtbot.waitUntil(lambda: shell.start_dialog is not None, timeout=WAIT_MS)
    dialog = shell.start_dialog
    assert dialog is not None
    assert "1" in dialog.heading.text()
    assert dialog.cap_value.text() == "100,00"
    qtbot.mouseClick(dialog.start_button, LEFT)
    qtbot.waitUntil(lambda: shell.current is EVALUATION, timeout=WAIT_MS)


def test_an_attempt_runs_on_its_page_and_is_offered_again_after_sign_in(
    qtbot: QtBot, make_window, machine: MachineStore, unlocked: Person
) -> None:
    window = make_window(machine)
    sign_in(qtbot, window, unlocked)
    shell = shell_of(window)
    start_from_course(qtbot, shell)
    assert shell.page_title.text() == "Evaluasi akademik"
    assert not any(button.isEnabled() for button in shell.nav_buttons)  # one thing at a time
    attempt = shell.attempt
    assert attempt.question_title.text() == "Soal 1 dari 20"
    # the page fits the window at 1366×768 and 125 % (it would grow past the screen)
    assert window.height() <= WINDOW_HEIGHT, window.minimumSizeHint()
    # "B" as typed with Shift (or read off the hint as a capital): the second choice
    qtbot.keyClick(attempt.choice_buttons[0], Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    assert attempt.choice_buttons[1].isChecked()

    qtbot.mouseClick(attempt.later_button, LEFT)  # "Lanjutkan nanti": back to Course
    qtbot.waitUntil(lambda: shell.current is COURSE, timeout=WAIT_MS)
    assert all(button.isEnabled() for button in shell.nav_buttons)
    button = shell.course.evaluation.start_button
    qtbot.waitUntil(lambda: button.text() == "Lanjutkan percobaan", timeout=WAIT_MS)
    # Beranda's next step: continue the attempt; its button opens the evaluation entry
    open_page(qtbot, shell, HOME.name)
    home = shell.home
    qtbot.waitUntil(lambda: "lanjutkan percobaan" in home.next_text.text(), timeout=WAIT_MS)
    assert home.next_button.text() == "Buka evaluasi"
    qtbot.mouseClick(home.next_button, LEFT)
    assert shell.current is COURSE
    assert shell.course.pane.currentWidget() is shell.course.evaluation

    sign_out(qtbot, window)
    sign_in(qtbot, window, unlocked)
    shell = shell_of(window)
    qtbot.waitUntil(lambda: shell.resume_dialog is not None, timeout=WAIT_MS)
    offer = shell.resume_dialog
    assert offer is not None
    assert "1 dari 20" in offer.text.text()
    qtbot.mouseClick(offer.continue_button, LEFT)
    qtbot.waitUntil(lambda: shell.current is EVALUATION, timeout=WAIT_MS)
    attempt = shell.attempt
    attempt.show_question(0)
    assert attempt.choice_buttons[1].isChecked()  # the answer given before the sign-out

    qtbot.mouseClick(attempt.submit_button, LEFT)
    qtbot.waitUntil(lambda: attempt.submit_dialog is not None, timeout=WAIT_MS)
    dialog = attempt.submit_dialog
    assert dialog is not None
    assert "19" in dialog.text.text()  # the unanswered questions are named
    qtbot.mouseClick(dialog.send_button, LEFT)
    qtbot.waitUntil(lambda: shell.current is COURSE, timeout=WAIT_MS)
    panel = shell.course.evaluation
    # the attempt's row: sent at once (online), then graded: one right answer of 20 at most
    qtbot.waitUntil(
        lambda: bool(panel.attempt_rows) and panel.attempt_rows[0].score.text() != "",
        timeout=WAIT_MS,
    )
    assert panel.attempt_rows[0].title.text().startswith("Percobaan ke-1")
    session = window.session
    assert session is not None
    assert sum(e.type is EventType.ATTEMPT_SUBMITTED for e in session.store.journal()) == 1
