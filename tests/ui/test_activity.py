"""The practice quiz and reflection views (``ui/activity.py``): real widgets offscreen,
driven with clicks and key presses, a real session signed in against the real server on
127.0.0.1.

The expected trophies are counted here from the course package (the quiz's trophies and
its number of questions: floor(trophies × right ÷ questions)), not read back from the
code that computes them. A quiz with half its answers right earns half its trophies,
rounded down (and all but one right, a share that is not whole, is rounded down too); a
retake with every answer right raises them; a retake with fewer right
leaves them (and the best score, which the view says stays) as they were, both on the
view and in ``session.view()``. The marks under each question say which were right.
Until a sync the trophies are marked as waiting for it; after it, not. A reflection:
empty (or only spaces), or longer than the protocol takes, is refused by the session,
its message under the field, and nothing is recorded; written and saved, the activity
is complete in ``session.view()``; the draft comes back when the activity is opened
again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import NamedTuple

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import ActivityProgress
from latsar_desktop.domain.protocol import Activity, ActivityKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.activity import (
    REFLECTION_MAX,
    REFLECTION_MIN_HEIGHT,
    PracticeQuiz,
    ReflectionEditor,
)
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr
from tests.recipes import answer
from tests.ui.steps import LEFT, WAIT_MS, first_activity, open_session

PANE = (700, 520)  # the Course page's activity pane at 1366×768, 125 %


@pytest.fixture
def show(qtbot: QtBot, styled: None, indonesian: None) -> Iterator[Callable[[QWidget], None]]:
    """``show(widget)``: shown at the activity pane's size; no error dialog left open."""

    def make(widget: QWidget) -> None:
        qtbot.addWidget(widget)
        widget.resize(*PANE)
        widget.show()
        qtbot.waitExposed(widget)

    yield make
    dialog = errors.current_dialog()
    if dialog is not None:
        dialog.reject()
    assert dialog is None, "an error dialog was left open"


def progress_of(session: ParticipantSession, activity_id: str) -> ActivityProgress:
    found = session.view().activity(activity_id)
    assert found is not None
    return found


def activity_of(session: ParticipantSession, kind: ActivityKind) -> Activity:
    activity = session.package().activity(first_activity(session, kind))
    assert activity is not None
    return activity


class Quiz(NamedTuple):
    session: ParticipantSession
    activity: Activity
    view: PracticeQuiz


@pytest.fixture
def opened_quiz(
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    runner: TaskRunner,
    show: Callable[[QWidget], None],
) -> Quiz:
    """The first participant's first practice quiz, open in a shown ``PracticeQuiz``."""
    session = open_session(machine, people[0], sessions)
    activity = activity_of(session, ActivityKind.PRACTICE_QUIZ)
    view = PracticeQuiz(session, runner)
    show(view)
    view.open(activity, progress_of(session, activity.id))
    return Quiz(session, activity, view)


def whole_score(value: Decimal) -> str:
    """A score as the view writes a whole one ("50"), counted here: 100 × right ÷ n."""
    assert value == value.to_integral_value(), "the test picks whole scores"
    return str(int(value))


def take(qtbot: QtBot, quiz: PracticeQuiz, right: int) -> None:
    """Click the first ``right`` questions' right choices and the others' wrong ones,
    then "Periksa jawaban"; wait for the recording."""
    for number, view in enumerate(quiz.questions):
        qtbot.mouseClick(view.buttons[answer(view.question, number < right)], LEFT)
    assert len(quiz.answers()) == len(quiz.questions)
    with qtbot.waitSignal(quiz.recorded, timeout=WAIT_MS):
        qtbot.mouseClick(quiz.check_button, LEFT)
    assert quiz.result is not None
    assert quiz.retake_button.isVisible()
    assert not quiz.check_button.isVisible()


def test_half_right_earns_half_the_trophies_and_a_retake_never_lowers_them(
    qtbot: QtBot, opened_quiz: Quiz
) -> None:
    session, activity, quiz = opened_quiz
    n, most = len(activity.questions), activity.trophies
    half = n // 2
    assert n % 2 == 0, "a quiz whose half is a whole number of answers"
    assert most > 0
    assert quiz.status.text() == tr(Label.QUIZ_NOT_TAKEN)
    assert quiz.hint.text() == tr(Label.QUIZ_ANSWERED, answered=0, total=n)

    # half right: floor(trophies × half ÷ n)
    take(qtbot, quiz, half)
    earned = most * half // n
    half_score = whole_score(Decimal(100 * half) / n)
    assert quiz.score.text() == half_score
    assert quiz.correct.text() == tr(Label.QUIZ_CORRECT, correct=half, total=n)
    assert quiz.best.text() == tr(Label.QUIZ_BEST_NEW)
    assert quiz.status.text() == tr(Label.QUIZ_STATUS, best=half_score, trophies=earned, max=most)
    assert progress_of(session, activity.id).trophies == earned
    assert [view.right for view in quiz.questions] == [i < half for i in range(n)]
    assert all(view.feedback.isVisible() for view in quiz.questions)
    assert quiz.questions[0].feedback.text() == tr(Label.QUIZ_RIGHT)
    key = quiz.questions[-1].question
    key_text = next(c.text for c in key.choices if c.id == key.answer)
    assert quiz.questions[-1].feedback.text() == tr(Label.QUIZ_WRONG, answer=key_text)
    # not yet confirmed by the server: marked so
    assert progress_of(session, activity.id).provisional
    assert quiz.pending.isVisible()
    assert quiz.pending.text() == tr(Label.ACTIVITY_PENDING)

    # "Ulangi kuis" clears the answers; all but one right: still rounded down
    qtbot.mouseClick(quiz.retake_button, LEFT)
    assert quiz.answers() == {}
    assert quiz.result is None
    assert not any(view.feedback.isVisible() for view in quiz.questions)
    take(qtbot, quiz, n - 1)
    almost = whole_score(Decimal(100 * (n - 1)) / n)
    assert most * (n - 1) % n != 0, "a share that is not a whole number of trophies"
    assert quiz.status.text() == tr(
        Label.QUIZ_STATUS, best=almost, trophies=most * (n - 1) // n, max=most
    )
    assert progress_of(session, activity.id).trophies == most * (n - 1) // n

    # every answer right raises the trophies to all of them
    qtbot.mouseClick(quiz.retake_button, LEFT)
    take(qtbot, quiz, n)
    assert quiz.score.text() == "100"
    assert quiz.status.text() == tr(Label.QUIZ_STATUS, best="100", trophies=most, max=most)
    assert progress_of(session, activity.id).trophies == most

    # fewer right: the score shown is this one's, the best and the trophies stay
    qtbot.mouseClick(quiz.retake_button, LEFT)
    take(qtbot, quiz, 1)
    assert quiz.score.text() == whole_score(Decimal(100) / n)
    assert quiz.best.text() == tr(Label.QUIZ_BEST_KEPT, best="100")
    assert quiz.status.text() == tr(Label.QUIZ_STATUS, best="100", trophies=most, max=most)
    kept = progress_of(session, activity.id)
    assert (kept.trophies, kept.best_score) == (most, Decimal(100))

    # synced: confirmed, the mark goes at the next refresh
    session.sync()
    quiz.refresh()
    qtbot.waitUntil(lambda: not quiz.pending.isVisible(), timeout=WAIT_MS)
    assert not progress_of(session, activity.id).provisional
    assert quiz.status.text() == tr(Label.QUIZ_STATUS, best="100", trophies=most, max=most)


def test_unanswered_questions_count_wrong_and_the_footer_says_so(
    qtbot: QtBot, opened_quiz: Quiz
) -> None:
    _, activity, quiz = opened_quiz
    n = len(activity.questions)
    first = quiz.questions[0]
    # a click on a choice's text chooses it too
    qtbot.mouseClick(first.choice_texts[answer(first.question, True)], LEFT)
    assert quiz.hint.text() == tr(Label.QUIZ_ANSWERED, answered=1, total=n)
    with qtbot.waitSignal(quiz.recorded, timeout=WAIT_MS):
        qtbot.keyClick(quiz.check_button, Qt.Key.Key_Return)
    assert quiz.correct.text() == tr(Label.QUIZ_CORRECT, correct=1, total=n)
    assert [view.right for view in quiz.questions] == [True] + [False] * (n - 1)
    last = quiz.questions[-1].question
    key_text = next(c.text for c in last.choices if c.id == last.answer)
    assert quiz.questions[-1].feedback.text() == tr(Label.QUIZ_SKIPPED, answer=key_text)


def refused(qtbot: QtBot, editor: ReflectionEditor, message: str) -> None:
    """ "Simpan refleksi" clicked (no message shown before): the session's refusal,
    ``message``, under the field once the recording has ended, the button usable again."""
    assert editor.error.text() == ""
    qtbot.mouseClick(editor.save_button, LEFT)
    qtbot.waitUntil(lambda: not editor.recording, timeout=WAIT_MS)
    assert editor.error.text() == message
    assert editor.save_button.isEnabled()


def test_reflection_refused_empty_then_saved_completes_the_activity(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    runner: TaskRunner,
    show: Callable[[QWidget], None],
) -> None:
    session = open_session(machine, people[0], sessions)
    reflections = [
        a for _, a in session.package().activities() if a.kind is ActivityKind.REFLECTION
    ]
    activity, other = reflections[0], reflections[1]
    editor = ReflectionEditor(session, runner)
    show(editor)
    editor.open(activity, progress_of(session, activity.id))
    assert editor.prompt.text() == activity.prompt
    pending = session.pending_count()

    # empty, then only spaces: the session refuses, its message under the field (no
    # error dialog: the fixture checks), nothing recorded
    refused(qtbot, editor, tr(Code.REFLECTION_EMPTY))
    qtbot.keyClicks(editor.editor, "   ")
    assert editor.error.text() == ""  # typing clears the message
    refused(qtbot, editor, tr(Code.REFLECTION_EMPTY))
    assert session.pending_count() == pending
    assert not progress_of(session, activity.id).completed

    # longer than the protocol takes: refused, with how much to remove
    editor.editor.setPlainText("a" * (REFLECTION_MAX + 3))
    refused(qtbot, editor, tr(Code.REFLECTION_TOO_LONG, limit=REFLECTION_MAX, over=3))
    assert session.pending_count() == pending

    # written and saved: complete, its trophies shown
    editor.editor.clear()
    text = "Saya akan belajar setiap pagi sebelum bekerja."
    qtbot.keyClicks(editor.editor, text)
    assert editor.counter.text() == tr(Label.REFLECTION_COUNT, count=len(text), max=REFLECTION_MAX)
    with qtbot.waitSignal(editor.recorded, timeout=WAIT_MS):
        qtbot.mouseClick(editor.save_button, LEFT)
    assert editor.error.text() == ""
    done = progress_of(session, activity.id)
    assert done.completed
    assert done.trophies == activity.trophies
    assert editor.status.text() == tr(Label.REFLECTION_SAVED)
    assert editor.trophies.text() == tr(
        Label.ACTIVITY_TROPHIES, trophies=activity.trophies, max=activity.trophies
    )
    assert editor.pending.isVisible()  # until a sync confirms it
    assert session.pending_count() == pending + 1

    # another reflection opened, then this one again: its draft is back
    editor.open(other, progress_of(session, other.id))
    assert editor.text() == ""
    editor.open(activity, progress_of(session, activity.id))
    assert editor.text() == text
    assert editor.status.text() == tr(Label.REFLECTION_SAVED_BEFORE)


def test_the_quiz_is_answered_and_checked_with_the_keyboard(
    qtbot: QtBot, opened_quiz: Quiz
) -> None:
    """Arrow keys choose within a question, Tab goes to the next question, Space
    chooses, and the check button is reached and pressed with the keyboard."""
    quiz = opened_quiz.view
    quiz.activateWindow()
    qtbot.waitUntil(quiz.isActiveWindow)
    first, second = quiz.questions[0], quiz.questions[1]
    buttons = list(first.buttons.values())
    buttons[0].setFocus()
    qtbot.keyClick(buttons[0], Qt.Key.Key_Space)
    qtbot.keyClick(buttons[0], Qt.Key.Key_Down)
    assert first.chosen() == first.question.choices[1].id
    qtbot.keyClick(quiz.focusWidget(), Qt.Key.Key_Tab)
    assert quiz.focusWidget() in second.buttons.values()
    qtbot.keyClick(quiz.focusWidget(), Qt.Key.Key_Space)
    assert second.chosen() is not None
    for _ in range(len(quiz.questions) + 2):  # past the other questions: the button
        if quiz.focusWidget() is quiz.check_button:
            break
        qtbot.keyClick(quiz.focusWidget(), Qt.Key.Key_Tab)
    assert quiz.focusWidget() is quiz.check_button
    with qtbot.waitSignal(quiz.recorded, timeout=WAIT_MS):
        qtbot.keyClick(quiz.check_button, Qt.Key.Key_Return)
    assert quiz.focusWidget() is quiz.retake_button  # the next step, in reach


NARROW = (560, 330)  # the activity pane below its header, as a tester measured it


def overlaps(form: QWidget, parts: list[QWidget]) -> list[tuple[str, str]]:
    """The pairs of ``parts`` whose shown areas (clipped by the scrolling column they
    are in; in ``form``'s coordinates) meet."""
    rects = []
    for part in parts:
        shown = part.visibleRegion().boundingRect()
        if part.isVisible() and not shown.isEmpty():
            rects.append(
                (part.objectName(), QRect(part.mapTo(form, shown.topLeft()), shown.size()))
            )
    return [
        (a, b) for n, (a, ra) in enumerate(rects) for b, rb in rects[n + 1 :] if ra.intersects(rb)
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_reflection_form_never_overlaps_in_a_short_narrow_pane(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    runner: TaskRunner,
    show: Callable[[QWidget], None],
    language: str,
) -> None:
    """At 560×330, typed, then saved (status, trophies and the waiting chip shown), in
    both languages: no part of the form lies on another, each keeps at least its own
    size (the button its whole text), and the field scrolls into view inside the pane."""
    texts.set_language(language)
    session = open_session(machine, people[0], sessions)
    activity = activity_of(session, ActivityKind.REFLECTION)
    editor = ReflectionEditor(session, runner)
    show(editor)
    editor.resize(*NARROW)
    editor.open(activity, progress_of(session, activity.id))
    qtbot.keyClicks(editor.editor, "Saya akan belajar setiap pagi. " * 6)
    with qtbot.waitSignal(editor.recorded, timeout=WAIT_MS):
        qtbot.mouseClick(editor.save_button, LEFT)
    assert editor.trophies.text() != ""
    assert editor.pending.isVisible()
    parts: list[QWidget] = [
        editor.title,
        editor.intro,
        editor.prompt,
        editor.editor,
        editor.error,
        editor.counter,
        editor.status,
        editor.save_button,
        editor.trophies,
        editor.pending,
    ]
    for index, part in enumerate(parts):
        part.setObjectName(part.objectName() or f"part{index}")
    assert overlaps(editor, parts) == []
    for part in parts:
        if part.isVisible():
            assert part.width() >= part.minimumSizeHint().width(), part.objectName()
            assert part.height() >= part.minimumSizeHint().height(), part.objectName()
    assert editor.save_button.width() >= editor.save_button.sizeHint().width()
    assert editor.editor.height() >= REFLECTION_MIN_HEIGHT
    # the footer stays in view: inside the editor's own rectangle
    for part in (editor.status, editor.save_button, editor.trophies, editor.pending):
        corner = part.mapTo(editor, QPoint(part.width(), part.height()))
        assert editor.rect().contains(corner - QPoint(1, 1)), part.objectName()


def test_arrow_keys_choose_within_a_question_and_the_column_follows_the_focus(
    qtbot: QtBot, opened_quiz: Quiz
) -> None:
    """Down on a question's first choice, none chosen yet, chooses the next one (Qt's
    own arrows only move the focus then); Up chooses back; the last choice stays the
    last. Tab to a question below the fold scrolls it into view."""
    quiz = opened_quiz.view
    quiz.resize(*NARROW)
    quiz.activateWindow()
    qtbot.waitUntil(quiz.isActiveWindow)
    first = quiz.questions[0]
    buttons = list(first.buttons.values())
    ids = [c.id for c in first.question.choices]
    buttons[0].setFocus()
    assert first.chosen() is None
    qtbot.keyClick(buttons[0], Qt.Key.Key_Down)
    assert first.chosen() == ids[1]
    assert quiz.focusWidget() is buttons[1]
    qtbot.keyClick(buttons[1], Qt.Key.Key_Up)
    assert first.chosen() == ids[0]
    for _ in ids:
        qtbot.keyClick(quiz.focusWidget(), Qt.Key.Key_Down)
    assert first.chosen() == ids[-1]
    assert all(view.chosen() is None for view in quiz.questions[1:])
    # Tab from question to question: the focused choice is always in the view
    viewport = quiz.scroller.viewport()
    for view in quiz.questions[1:]:
        qtbot.keyClick(quiz.focusWidget(), Qt.Key.Key_Tab)
        focused = quiz.focusWidget()
        assert focused in view.buttons.values()
        top_left = focused.mapTo(viewport, QPoint())
        assert viewport.rect().contains(QRect(top_left, focused.size()))
    assert quiz.scroller.verticalScrollBar().value() > 0  # it did have to scroll


def test_the_line_being_written_stays_in_view_in_a_short_pane(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    runner: TaskRunner,
    show: Callable[[QWidget], None],
) -> None:
    """At 560×330 the field starts low in the column: typing line after line, the column
    follows the cursor, so the participant sees what is written."""
    session = open_session(machine, people[0], sessions)
    activity = activity_of(session, ActivityKind.REFLECTION)
    editor = ReflectionEditor(session, runner)
    show(editor)
    editor.resize(*NARROW)
    editor.open(activity, progress_of(session, activity.id))
    editor.editor.setFocus()
    qtbot.waitUntil(editor.editor.hasFocus, timeout=WAIT_MS)
    for _ in range(8):
        qtbot.keyClicks(editor.editor, "Saya akan belajar setiap pagi.")
        qtbot.keyClick(editor.editor, Qt.Key.Key_Return)
    field = editor.editor
    cursor = field.viewport().mapTo(editor.scroller.viewport(), field.cursorRect().center())
    assert editor.scroller.viewport().rect().contains(cursor)
