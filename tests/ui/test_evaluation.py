"""The evaluation attempt's screens (``ui/evaluation.py``), driven through their widgets
against a real signed-in session (the real server on 127.0.0.1, recipe "28": the
evaluation open), with an injected monotonic clock for the attempt's timer.

The confirmation states the number, the cap, "perkiraan", the attempts used, the time
limit, the questions and, under the daily limit, the later grading day; the attempt page
answers by click and by keys (each answer saved in the draft at once), moves with the
arrows (a radio button with the focus too), asks before submitting unanswered questions,
submits itself when the time runs out (with the answers given), and "Lanjutkan nanti"
keeps the draft for a later run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from latsar_desktop import i18n
from latsar_desktop.domain.protocol import AttemptSubmittedEvent
from latsar_desktop.session.evaluation import AttemptRun, EvaluationOutlook
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import texts
from latsar_desktop.ui.evaluation import (
    AttemptView,
    ResumeDialog,
    StartDialog,
    SubmitDialog,
    time_text,
)
from latsar_desktop.ui.tasks import TaskRunner
from tests.recipes import play_recipe, take_attempt
from tests.ui.steps import LEFT, WAIT_MS, open_session

pytestmark = pytest.mark.usefixtures("styled", "indonesian", "error_dialog_closed")

LIMIT_MINUTES = 30  # the demo course's time limit
QUESTIONS = 20  # drawn per attempt


class FakeMonotonic:
    """The attempt timer's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Taking:
    session: ParticipantSession
    clock: FakeMonotonic
    outlook: EvaluationOutlook
    run: AttemptRun
    view: AttemptView


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def session(
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    clock: FakeMonotonic,
) -> ParticipantSession:
    """Budi signed in, with 28 trophies: the evaluation open."""
    signed = open_session(machine, people[0], sessions, monotonic=clock)
    play_recipe(signed, "28")
    return signed


def show_view(qtbot: QtBot, session: ParticipantSession, runner: TaskRunner) -> AttemptView:
    view = AttemptView(session, runner)
    qtbot.addWidget(view)
    view.resize(1093, 550)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()  # the keyboard's focus needs the active window
    qtbot.waitUntil(view.isActiveWindow)
    return view


@pytest.fixture
def taking(
    qtbot: QtBot,
    session: ParticipantSession,
    clock: FakeMonotonic,
    runner: TaskRunner,
) -> Iterator[Taking]:
    """An attempt started and shown on the attempt page."""
    outlook = session.evaluation()
    run = session.start_attempt()
    view = show_view(qtbot, session, runner)
    view.begin(run, outlook.next_number, outlook.next_cap, outlook.estimated)
    yield Taking(session, clock, outlook, run, view)
    view.stop()


def draft_answers(session: ParticipantSession, run: AttemptRun) -> dict[str, str]:
    """The attempt's answers as saved in the store (what a crash would leave)."""
    draft = session.store.draft(run.attempt_id)
    assert draft is not None
    return dict(draft.answers)


def submitted_events(session: ParticipantSession) -> list[AttemptSubmittedEvent]:
    return [e for e in session.store.journal() if isinstance(e, AttemptSubmittedEvent)]


def submitted_event(session: ParticipantSession, run: AttemptRun) -> AttemptSubmittedEvent:
    """The one ``attempt.submitted`` event of ``run``'s attempt in the journal."""
    events = [e for e in submitted_events(session) if e.payload.attempt_id == run.attempt_id]
    assert len(events) == 1, events
    return events[0]


def event_answers(event: AttemptSubmittedEvent) -> dict[str, str]:
    return dict(event.payload.answers)


def choice_id(run: AttemptRun, index: int, rank: int) -> str:
    return run.questions[index].choices[rank].id


# ------------------------------------------------------------------ the confirmation


def test_start_dialog_states_number_cap_estimate_used_limit_and_count(
    qtbot: QtBot, session: ParticipantSession
) -> None:
    for _ in range(3):
        take_attempt(session, right=10)  # offline as far as the server knows: not synced
    outlook = session.evaluation()
    assert (outlook.next_number, outlook.estimated) == (4, True)
    dialog = StartDialog(outlook)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)

    assert dialog.heading.text() == "Percobaan ke-4"
    assert dialog.cap_value.text() == "90,01"
    assert dialog.estimate_note.isVisible()
    assert "Perkiraan" in dialog.estimate_note.text()
    assert dialog.used.text() == "Percobaan yang sudah digunakan: 3"
    assert dialog.time_limit.text() == f"Batas waktu: {LIMIT_MINUTES} menit"
    assert dialog.question_count.text() == f"Jumlah soal: {QUESTIONS}"
    assert dialog.grading_note.text() == "Percobaan ini dinilai begitu sampai di server."
    assert dialog.left_today.isVisible()
    assert dialog.left_today.text() == "Sisa percobaan yang dinilai hari ini: 2 dari 5."
    assert dialog.start_button.isDefault()

    texts.set_language("en")
    dialog.retranslate()
    assert dialog.heading.text() == "Attempt 4"
    assert dialog.cap_value.text() == "90.01"
    assert dialog.used.text() == "Attempts used: 3"

    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.start_button, LEFT)
    assert not dialog.isVisible()


def test_start_dialog_first_attempt_is_not_an_estimate(
    qtbot: QtBot, session: ParticipantSession
) -> None:
    """Online and synced with no attempt yet: attempt 1, its cap, no "perkiraan"; "Batal"
    rejects."""
    session.sync()
    outlook = session.evaluation()
    dialog = StartDialog(outlook)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert dialog.heading.text() == "Percobaan ke-1"
    assert dialog.cap_value.text() == "100,00"
    assert outlook.estimated is False
    assert not dialog.estimate_note.isVisible()
    assert dialog.used.text() == "Percobaan yang sudah digunakan: 0"
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.cancel_button, LEFT)


def test_start_dialog_says_the_attempt_is_graded_on_a_later_day(
    qtbot: QtBot, session: ParticipantSession
) -> None:
    """Five attempts graded today (the demo's daily limit): the next one is graded on a
    later day, and the confirmation says so, in the notice's box."""
    for _ in range(5):
        take_attempt(session, right=10)
    session.sync()
    outlook = session.evaluation()
    assert outlook.grading.later
    dialog = StartDialog(outlook)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    day = i18n.format_param(outlook.grading.day, "id")
    assert dialog.grading_note.text() == (
        "Kursus ini menilai paling banyak 5 percobaan per hari. Percobaan ini mendapat "
        f"nomornya saat sampai di server dan dinilai paling cepat pada {day}."
    )
    assert dialog.grading_note.property("role") == "notice"
    assert dialog.left_today.text() == "Sisa percobaan yang dinilai hari ini: 0 dari 5."
    dialog.reject()


# ------------------------------------------------------------------ answering


def test_answers_by_click_and_keys_are_saved_at_once(qtbot: QtBot, taking: Taking) -> None:
    view, run, session = taking.view, taking.run, taking.session
    assert view.current_index == 0
    assert view.question_title.text() == f"Soal 1 dari {QUESTIONS}"
    assert view.question_text.text() == run.questions[0].text
    assert view.choice_buttons[0].text().startswith("A. ")
    assert view.heading.text() == "Percobaan ke-1 (perkiraan) · nilai maksimal 100,00"

    # a click on the second choice: saved in the draft, the number marked answered
    qtbot.mouseClick(view.choice_buttons[1], LEFT)
    assert draft_answers(session, run) == {run.questions[0].id: choice_id(run, 0, 1)}
    assert view.nav_buttons[0].property("answered") is True
    assert view.nav_buttons[1].property("answered") is False
    assert view.answered_count.text() == f"1 dari {QUESTIONS} dijawab"

    # "3" changes it; the focus is on a radio button, whose group eats arrows: Right
    # still goes to the next question
    qtbot.keyClick(view.choice_buttons[1], Qt.Key.Key_3)
    assert draft_answers(session, run) == {run.questions[0].id: choice_id(run, 0, 2)}
    assert view.choice_buttons[2].hasFocus()
    qtbot.keyClick(view.choice_buttons[2], Qt.Key.Key_Right)
    assert view.current_index == 1
    assert view.nav_buttons[1].property("current") is True
    assert view.nav_buttons[0].property("current") is False
    assert view.question_title.text() == f"Soal 2 dari {QUESTIONS}"
    assert not any(b.isChecked() for b in view.choice_buttons)

    # "D" answers question 2; PageDown, then "a" (lower case) question 3
    qtbot.keyClick(view, Qt.Key.Key_D)
    qtbot.keyClick(view.next_button, Qt.Key.Key_PageDown)
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert view.current_index == 2
    assert draft_answers(session, run) == {
        run.questions[0].id: choice_id(run, 0, 2),
        run.questions[1].id: choice_id(run, 1, 3),
        run.questions[2].id: choice_id(run, 2, 0),
    }
    assert [b.property("answered") for b in view.nav_buttons[:4]] == [True, True, True, False]

    # Left and PageUp go back; the answer given shows again
    qtbot.keyClick(view.choice_buttons[0], Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert view.current_index == 0
    assert [b.isChecked() for b in view.choice_buttons] == [False, False, True, False]

    # a number in the navigation jumps to its question; "Sebelumnya"/"Berikutnya" move
    qtbot.mouseClick(view.nav_buttons[9], LEFT)
    assert view.current_index == 9
    qtbot.mouseClick(view.next_button, LEFT)
    assert view.current_index == 10
    qtbot.mouseClick(view.prev_button, LEFT)
    qtbot.mouseClick(view.prev_button, LEFT)
    assert view.current_index == 8

    # "Hapus jawaban" takes an answer back (saved too)
    qtbot.mouseClick(view.nav_buttons[1], LEFT)
    assert view.clear_button.isEnabled()
    qtbot.mouseClick(view.clear_button, LEFT)
    assert run.questions[1].id not in draft_answers(session, run)
    assert view.nav_buttons[1].property("answered") is False
    assert not any(b.isChecked() for b in view.choice_buttons)
    assert view.answered_count.text() == f"2 dari {QUESTIONS} dijawab"


def test_tab_goes_in_reading_order_and_up_down_change_the_answer(
    qtbot: QtBot, taking: Taking
) -> None:
    """Tab: the chosen choice (one stop for the group, as Qt's radio groups do), "Hapus
    jawaban", the numbers, then the buttons; Up/Down move the choice (saved too)."""
    view, run, session = taking.view, taking.run, taking.session
    qtbot.keyClick(view, Qt.Key.Key_2)
    assert view.choice_buttons[1].hasFocus()
    qtbot.keyClick(view.choice_buttons[1], Qt.Key.Key_Down)
    assert view.choice_buttons[2].hasFocus()
    assert draft_answers(session, run) == {run.questions[0].id: choice_id(run, 0, 2)}
    reached = []
    for _ in range(QUESTIONS + 5):
        qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
        reached.append(view.focusWidget())
    # "Sebelumnya" is disabled on the first question: no stop
    assert reached == [
        view.clear_button,
        *view.nav_buttons,
        view.next_button,
        view.later_button,
        view.submit_button,
        view.choice_buttons[2],
    ]


def test_submit_with_unanswered_questions_asks_and_names_the_count(
    qtbot: QtBot, taking: Taking
) -> None:
    view, run, session = taking.view, taking.run, taking.session
    qtbot.mouseClick(view.choice_buttons[0], LEFT)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_2)
    given = draft_answers(session, run)
    assert len(given) == 2

    qtbot.mouseClick(view.submit_button, LEFT)
    dialog = view.submit_dialog
    assert isinstance(dialog, SubmitDialog)
    qtbot.waitExposed(dialog)
    assert dialog.text.text() == (
        f"Masih ada {QUESTIONS - 2} soal yang belum dijawab. Soal yang tidak dijawab "
        "dihitung salah. Kirim sekarang?"
    )
    # "Kembali ke soal": nothing submitted, the attempt goes on
    qtbot.mouseClick(dialog.back_button, LEFT)
    qtbot.waitUntil(lambda: view.submit_dialog is None, timeout=WAIT_MS)
    assert run.running
    assert not submitted_events(session)

    # again, "Kirim": submitted with the answers given, the page ended
    qtbot.mouseClick(view.submit_button, LEFT)
    dialog = view.submit_dialog
    assert dialog is not None
    with qtbot.waitSignal(view.ended, timeout=WAIT_MS) as ended:
        qtbot.mouseClick(dialog.send_button, LEFT)
    assert ended.args == [True]
    assert run.submitted
    assert event_answers(submitted_event(session, run)) == given
    qtbot.waitUntil(lambda: view.submit_dialog is None, timeout=WAIT_MS)


def test_submit_with_every_question_answered_names_the_attempt(
    qtbot: QtBot, taking: Taking
) -> None:
    view = taking.view
    for index in range(QUESTIONS):
        qtbot.keyClick(view, Qt.Key.Key_1)
        if index < QUESTIONS - 1:
            qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.answered_count.text() == f"{QUESTIONS} dari {QUESTIONS} dijawab"
    qtbot.mouseClick(view.submit_button, LEFT)
    dialog = view.submit_dialog
    assert dialog is not None
    assert dialog.text.text() == (
        "Kirim jawaban percobaan ke-1? Jawaban tidak dapat diubah setelah dikirim."
    )
    assert dialog.send_button.isDefault()
    with qtbot.waitSignal(view.ended, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.send_button, LEFT)
    assert len(event_answers(submitted_event(taking.session, taking.run))) == QUESTIONS


# ------------------------------------------------------------------ the time


def test_time_runs_out_warns_at_5_minutes_then_submits_the_answers_given(
    qtbot: QtBot, taking: Taking
) -> None:
    """Issue 18's acceptance "Time runs out": on the injected clock, the warning at 5
    minutes left (moving nothing), and at zero the attempt submitted with the answers
    given and ``ended(True)``."""
    view, run, session, clock = taking.view, taking.run, taking.session, taking.clock
    assert view.timer_label.text() == f"{LIMIT_MINUTES}:00"
    qtbot.mouseClick(view.choice_buttons[3], LEFT)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_B)
    given = {
        run.questions[0].id: choice_id(run, 0, 3),
        run.questions[1].id: choice_id(run, 1, 1),
    }
    assert not view.warning.isVisible()
    where = view.question_title.mapTo(view, view.question_title.rect().topLeft())

    clock.advance(24 * 60 + 59)
    qtbot.waitUntil(lambda: view.timer_label.text() == "05:01", timeout=WAIT_MS)
    assert not view.warning.isVisible()
    clock.advance(1)
    qtbot.waitUntil(lambda: view.timer_label.text() == "05:00", timeout=WAIT_MS)
    assert view.warning.isVisible()
    assert "5 menit" in view.warning.text()
    assert view.question_title.mapTo(view, view.question_title.rect().topLeft()) == where
    assert run.running

    # a confirmation open when the time runs out is closed: the time decides
    qtbot.mouseClick(view.submit_button, LEFT)
    assert view.submit_dialog is not None
    clock.advance(5 * 60)
    with qtbot.waitSignal(view.ended, timeout=WAIT_MS) as ended:
        pass
    assert ended.args == [True]
    assert run.submitted
    assert view.submit_dialog is None
    assert view.timer_label.text() == "00:00"
    assert not view.timer.isActive()
    event = submitted_event(session, run)
    assert event_answers(event) == given
    assert event.payload.elapsed_seconds == LIMIT_MINUTES * 60
    assert not any(b.isEnabled() for b in view.choice_buttons)


def test_an_answer_after_the_time_is_over_submits_instead(qtbot: QtBot, taking: Taking) -> None:
    """The time ran out between two ticks: the run refuses the answer
    (EVALUATION_TIME_OVER) and the page submits what was given before."""
    view, run, session, clock = taking.view, taking.run, taking.session, taking.clock
    qtbot.keyClick(view, Qt.Key.Key_C)
    given = draft_answers(session, run)
    view.timer.stop()  # no tick between the clock's jump and the key
    clock.advance(LIMIT_MINUTES * 60)
    with qtbot.waitSignal(view.ended, timeout=WAIT_MS) as ended:
        qtbot.keyClick(view, Qt.Key.Key_Right)
        qtbot.keyClick(view, Qt.Key.Key_A)
    assert ended.args == [True]
    assert event_answers(submitted_event(session, run)) == given


# ------------------------------------------------------------------ later


def test_continue_later_closes_the_run_and_a_new_run_shows_the_same_answers(
    qtbot: QtBot, taking: Taking, runner: TaskRunner
) -> None:
    view, run, session, clock = taking.view, taking.run, taking.session, taking.clock
    qtbot.keyClick(view, Qt.Key.Key_2)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_4)
    clock.advance(95)
    qtbot.waitUntil(lambda: view.timer_label.text() == "28:25", timeout=WAIT_MS)
    assert "waktunya berhenti" in view.later_button.toolTip()
    with qtbot.waitSignal(view.ended, timeout=WAIT_MS) as ended:
        qtbot.mouseClick(view.later_button, LEFT)
    assert ended.args == [False]
    assert not run.running
    assert not run.submitted
    assert not view.timer.isActive()
    given = dict(run.answers)
    assert draft_answers(session, run) == given
    clock.advance(600)  # closed: the time does not run

    again = session.open_attempt()
    assert again is not None
    assert again.attempt_id == run.attempt_id
    assert dict(again.answers) == given
    assert again.remaining_seconds == LIMIT_MINUTES * 60 - 95

    dialog = ResumeDialog(1, again.remaining_seconds, len(again.answers), len(again.questions))
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert dialog.text.text() == (
        f"Percobaan evaluasi ke-1 belum dikirim. Sisa waktu 28:25, 2 dari {QUESTIONS} soal "
        "dijawab. Lanjutkan sekarang?"
    )
    assert dialog.continue_button.text() == "Lanjutkan percobaan"
    assert dialog.later_button.text() == "Nanti"
    assert dialog.continue_button.isDefault()
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    view.begin(again, 1, Decimal("100.00"), True)
    assert view.current_index == 2  # the first question not answered
    qtbot.mouseClick(view.nav_buttons[0], LEFT)
    assert [b.isChecked() for b in view.choice_buttons] == [False, True, False, False]
    qtbot.mouseClick(view.nav_buttons[1], LEFT)
    assert [b.isChecked() for b in view.choice_buttons] == [False, False, False, True]
    assert view.timer_label.text() == "28:25"


def test_the_attempt_page_and_its_dialogs_switch_language(qtbot: QtBot, taking: Taking) -> None:
    view = taking.view
    qtbot.keyClick(view, Qt.Key.Key_1)
    qtbot.mouseClick(view.submit_button, LEFT)
    dialog = view.submit_dialog
    assert dialog is not None
    texts.set_language("en")
    view.retranslate()
    assert view.heading.text() == "Attempt 1 (estimate) · maximum score 100.00"
    assert view.question_title.text() == f"Question 1 of {QUESTIONS}"
    assert view.answered_count.text() == f"1 of {QUESTIONS} answered"
    assert view.submit_button.text() == "Submit answers"
    assert view.nav_buttons[0].accessibleName() == "Question 1, answered"
    assert dialog.text.text() == (
        f"Questions not answered yet: {QUESTIONS - 1}. Unanswered questions count as wrong. "
        "Submit now?"
    )
    assert dialog.back_button.text() == "Back to the questions"
    qtbot.mouseClick(dialog.back_button, LEFT)
    qtbot.waitUntil(lambda: view.submit_dialog is None, timeout=WAIT_MS)


def test_stop_closes_the_run_without_a_signal(qtbot: QtBot, taking: Taking) -> None:
    view, run = taking.view, taking.run
    qtbot.keyClick(view, Qt.Key.Key_1)
    with qtbot.assertNotEmitted(view.ended):
        view.stop()
        view.stop()  # idempotent
    assert not run.running
    assert not run.submitted
    assert not view.timer.isActive()


def test_time_text() -> None:
    assert time_text(30 * 60) == "30:00"
    assert time_text(59) == "00:59"
    assert time_text(-3) == "00:00"
    assert time_text(3723) == "1:02:03"
