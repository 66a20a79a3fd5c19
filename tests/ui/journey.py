"""Steps that complete a participant's work through the Course page's real widgets, as a
participant does it: clicks on the tree, the clip player's speed and "Putar", the module
reader's End (a PDF: its next-page arrow to the last page), the reflection's field and
"Simpan refleksi", a practice quiz's choices and "Periksa jawaban", "Unduh semua"; an
evaluation attempt from "Mulai evaluasi" to "Kirim" (by mouse or keys); "Sinkronkan
sekarang"; and a server that can be stopped and started again on its port (the journey
goes offline).

Nothing here calls into the session except to read what the screens show. The keys of
the practice quizzes and of the evaluation come from the server's copy of the course
(``tools.demo_course.load_package``), matched by the id of the question shown
(``AttemptView.question``, a read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import Activity, ActivityKind, Question
from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.clip import Showing
from latsar_desktop.ui.course import CoursePage
from latsar_desktop.ui.course_tree import DONE_MARK
from latsar_desktop.ui.evaluation import AttemptView, StartDialog
from latsar_desktop.ui.shell import Shell
from latsar_desktop.ui.sync_status import SyncState
from latsar_desktop.ui.texts import tr
from latsar_server.settings import Settings
from tests.integration.serverkit import load_demo, sqlite_settings
from tests.recipes import REFLECTION_TEXT
from tests.servers import RunningServer, running_server
from tests.ui.steps import LEFT, WAIT_MS, click_item, state_of
from tools.demo_course import load_package

CLIP_SPEED = Decimal("1.5")  # the fastest the player offers: the clips play in 2/3 the time


# ---------------------------------------------------------------------- the server


class StoppableServer:
    """The real server on 127.0.0.1 (SQLite in ``folder``, the demo loaded once), which the
    test stops and starts again on the same port (``running_server(settings, port=…)``):
    the same address, the same database."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.settings: Settings = sqlite_settings(folder)
        self.port = 0
        self.running: RunningServer | None = None
        self._stack: ExitStack | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RunningServer:
        assert self.running is None, "already running"
        stack = ExitStack()
        self.running = stack.enter_context(running_server(self.settings, port=self.port))
        self._stack = stack
        self.port = int(self.running.url.rsplit(":", 1)[1])
        return self.running

    def start_with_demo(self) -> RunningServer:
        server = self.start()
        load_demo(server)
        return server

    def stop(self) -> None:
        stack, self._stack, self.running = self._stack, None, None
        if stack is not None:
            stack.close()

    def __enter__(self) -> StoppableServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------- the keys


@cache
def server_questions() -> dict[str, Question]:
    """Every question of the course with its key, as the server has it: the practice
    quizzes' and the evaluation's, by id."""
    package = load_package()
    out = {q.id: q for q in package.evaluation.questions}
    for _material, activity in package.activities():
        out.update({q.id: q for q in activity.questions})
    return out


def key_of(question_id: str) -> str:
    answer = server_questions()[question_id].answer
    assert answer is not None, question_id
    return answer


def wrong_for(question_id: str) -> str:
    question = server_questions()[question_id]
    return next(c.id for c in question.choices if c.id != question.answer)


# ---------------------------------------------------------------------- the tree


def activity_of(page: CoursePage, activity_id: str) -> Activity:
    """The activity as the page shows it (its snapshot's package)."""
    snapshot = page.snapshot
    assert snapshot is not None
    activity = snapshot.package.activity(activity_id)
    assert activity is not None, activity_id
    return activity


def wait_done(qtbot: QtBot, page: CoursePage, activity_id: str, trophies: int) -> None:
    """The tree shows the activity done with ``trophies`` of them (read back by the page)."""
    key = f"a:{activity_id}"
    earned = tr(Label.COURSE_FRACTION, done=trophies, total=activity_of(page, activity_id).trophies)

    def shown() -> bool:
        parts = state_of(page, key).split(" ")
        return parts[:2] == [DONE_MARK, earned]

    qtbot.waitUntil(shown, timeout=WAIT_MS)


# ---------------------------------------------------------------------- the top row


def download_all(qtbot: QtBot, page: CoursePage) -> None:
    """ "Unduh semua" (the Hemat data question answered yes if it is asked), then wait
    until every material is kept for offline use."""
    qtbot.waitUntil(lambda: page.download_all_button.isEnabled(), timeout=WAIT_MS)
    qtbot.mouseClick(page.download_all_button, LEFT)
    dialog = page.confirm_dialog
    if dialog is not None:  # Hemat data on: the size is named first
        yes = next(b for b in dialog.buttons() if b is not dialog.escapeButton())
        qtbot.mouseClick(yes, LEFT)
    everything = tr(Label.COURSE_ALL_OFFLINE)
    qtbot.waitUntil(
        lambda: page.bulk is None and page.download_all_button.text() == everything,
        timeout=WAIT_MS,
    )
    assert page.result_dialog is None, "the download failed"


# ---------------------------------------------------------------------- one activity


def watch_clip(qtbot: QtBot, page: CoursePage, activity_id: str) -> None:
    """Open the clip (stored on this computer), choose 1,5× with the keyboard in the speed
    list, "Putar", and wait until it is watched (played to its end)."""
    click_item(qtbot, page, f"a:{activity_id}")
    clip = page.activity.clip
    assert clip is not None
    assert clip.showing is Showing.VIDEO, f"{activity_id}: {clip.showing}"
    player = clip.player
    combo = player.speed_combo
    assert combo is not None
    while player.speed() != CLIP_SPEED:  # the speed chosen stays from clip to clip
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() > before, "the speed list ends below 1,5×"
    qtbot.waitUntil(lambda: player.player.duration() > 0, timeout=WAIT_MS)
    qtbot.mouseClick(player.play_button, LEFT)
    wait_done(qtbot, page, activity_id, activity_of(page, activity_id).trophies)


def read_module(qtbot: QtBot, page: CoursePage, activity_id: str) -> None:
    """Open the module (stored on this computer) and go to its end: End in an HTML
    module's text, a PDF's next-page arrow up to its last page."""
    click_item(qtbot, page, f"a:{activity_id}")
    reader = page.activity.reader
    assert reader is not None
    qtbot.waitUntil(
        lambda: page.activity.body.currentWidget() is reader and reader.has_document,
        timeout=WAIT_MS,
    )
    if reader.is_pdf:
        while reader.page < reader.page_count - 1:
            qtbot.mouseClick(reader.next_button, LEFT)
    else:
        reader.browser.setFocus()
        qtbot.keyClick(reader.browser, Qt.Key.Key_End)
    wait_done(qtbot, page, activity_id, activity_of(page, activity_id).trophies)


def write_reflection(qtbot: QtBot, page: CoursePage, activity_id: str) -> None:
    """Click into the field, type a sentence, "Simpan refleksi"."""
    click_item(qtbot, page, f"a:{activity_id}")
    editor = page.activity.reflection
    assert editor is not None
    assert page.activity.body.currentWidget() is editor
    qtbot.mouseClick(editor.editor.viewport(), LEFT)
    qtbot.keyClicks(editor.editor, REFLECTION_TEXT)
    qtbot.mouseClick(editor.save_button, LEFT)
    wait_done(qtbot, page, activity_id, activity_of(page, activity_id).trophies)


def take_quiz(qtbot: QtBot, page: CoursePage, activity_id: str) -> None:
    """Every question's right choice clicked, then "Periksa jawaban": all its trophies."""
    click_item(qtbot, page, f"a:{activity_id}")
    quiz = page.activity.quiz
    assert quiz is not None
    assert page.activity.body.currentWidget() is quiz
    if quiz.result is not None:  # taken before in this pane: "Ulangi kuis" first
        qtbot.mouseClick(quiz.retake_button, LEFT)
    for view in quiz.questions:
        qtbot.mouseClick(view.buttons[key_of(view.question.id)], LEFT)
    assert len(quiz.answers()) == len(quiz.questions)
    qtbot.mouseClick(quiz.check_button, LEFT)
    wait_done(qtbot, page, activity_id, activity_of(page, activity_id).trophies)


STEPS = {
    ActivityKind.VIDEO: watch_clip,
    ActivityKind.READING: read_module,
    ActivityKind.REFLECTION: write_reflection,
    ActivityKind.PRACTICE_QUIZ: take_quiz,
}


def complete(qtbot: QtBot, page: CoursePage, activity_ids: Iterable[str]) -> None:
    """Each activity done through its widget, in order, with all its trophies."""
    for activity_id in activity_ids:
        STEPS[activity_of(page, activity_id).kind](qtbot, page, activity_id)


def activities(page: CoursePage, kind: ActivityKind, *, required: bool = True) -> Iterator[str]:
    """The ids of the page's activities of ``kind`` (the required ones, or the optional)."""
    snapshot = page.snapshot
    assert snapshot is not None
    for _material, activity in snapshot.package.activities():
        if activity.kind is kind and activity.required is required:
            yield activity.id


# ---------------------------------------------------------------------- the status bar


def sync_now(qtbot: QtBot, shell: Shell) -> None:
    """ "Sinkronkan sekarang" (once a sync already running is done), and wait for the
    sync it asked for to end well."""
    status = shell.status
    qtbot.waitUntil(
        lambda: status.state is not SyncState.SYNCING and status.sync_button.isEnabled(),
        timeout=WAIT_MS,
    )
    assert status.sync_button.text() == tr(Label.STATUS_SYNC_NOW)
    with qtbot.waitSignal(status.synced, timeout=WAIT_MS):
        qtbot.mouseClick(status.sync_button, LEFT)
    qtbot.waitUntil(lambda: status.state is SyncState.DONE, timeout=WAIT_MS)


def sync_fails_offline(qtbot: QtBot, shell: Shell) -> None:
    """ "Sinkronkan sekarang" with the server gone: the status bar says "Luring"."""
    status = shell.status
    qtbot.waitUntil(
        lambda: status.state is not SyncState.SYNCING and status.sync_button.isEnabled(),
        timeout=WAIT_MS,
    )
    if status.state is SyncState.OFFLINE:
        return
    qtbot.mouseClick(status.sync_button, LEFT)
    qtbot.waitUntil(lambda: status.state is SyncState.OFFLINE, timeout=WAIT_MS)


# ---------------------------------------------------------------------- an attempt


class Answering(Enum):
    """How the participant answers and moves on: the mouse ("A. …" clicked, then
    "Berikutnya"), the number keys and Right, or the letter keys and PageDown."""

    MOUSE = "mouse"
    DIGITS = "digits"
    LETTERS = "letters"


def start_dialog(qtbot: QtBot, shell: Shell) -> StartDialog:
    """Course's evaluation entry, "Mulai evaluasi": the confirmation, open."""
    panel = shell.course.evaluation
    assert panel.start_button.isEnabled()
    assert panel.start_button.text() == tr(Label.COURSE_START_EVALUATION)
    qtbot.mouseClick(panel.start_button, LEFT)
    qtbot.waitUntil(lambda: shell.start_dialog is not None, timeout=WAIT_MS)
    dialog = shell.start_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return dialog


def take_attempt(qtbot: QtBot, shell: Shell, right: int, wrong: int, how: Answering) -> AttemptView:
    """On the attempt page (after "Mulai percobaan"): the first ``right`` questions
    answered right, the next ``wrong`` wrong, the rest left unanswered; "Kirim jawaban",
    then "Kirim" in its confirmation (which names the unanswered count, if any); wait
    until the attempt has ended and Course's evaluation entry shows again."""
    view = shell.attempt
    assert shell.pages.currentWidget() is view
    run = view.run
    assert run is not None
    total = len(run.questions)
    for index in range(total):
        assert view.current_index == index
        assert view.question_title.text() == tr(
            Label.ATTEMPT_QUESTION_TITLE, number=index + 1, total=total
        )
        question = view.question
        assert question is not None
        assert view.question_text.text() == question.text
        if index < right + wrong:
            choice = key_of(question.id) if index < right else wrong_for(question.id)
            rank = [c.id for c in question.choices].index(choice)
            answer_shown(qtbot, view, rank, how)
            assert view.nav_buttons[index].property("answered") is True
            assert view.choice_buttons[rank].isChecked()
        if index < total - 1:
            next_shown(qtbot, view, how)
    answered = min(total, right + wrong)
    assert view.answered_count.text() == tr(
        Label.ATTEMPT_ANSWERED_COUNT, answered=answered, total=total
    )
    qtbot.mouseClick(view.submit_button, LEFT)
    dialog = view.submit_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    if answered < total:
        assert dialog.text.text() == tr(Label.ATTEMPT_SUBMIT_UNANSWERED, count=total - answered)
    else:
        assert dialog.text.text() == tr(Label.ATTEMPT_SUBMIT_ALL, number=view.number)
    with qtbot.waitSignal(view.ended, timeout=WAIT_MS) as ended:
        qtbot.mouseClick(dialog.send_button, LEFT)
    assert ended.args == [True]
    page = shell.course
    qtbot.waitUntil(
        lambda: (
            shell.pages.currentWidget() is page
            and page.pane.currentWidget() is page.evaluation
            and not page.busy
        ),
        timeout=WAIT_MS,
    )
    return view


def _key_target(view: AttemptView) -> QWidget:
    """Where a key press goes: the widget with the keyboard's focus, on the attempt page."""
    window = view.window()
    focus = window.focusWidget()
    assert focus is not None
    assert focus is view or view.isAncestorOf(focus), focus
    return focus


def answer_shown(qtbot: QtBot, view: AttemptView, rank: int, how: Answering) -> None:
    """The shown question answered with its choice at ``rank`` (0-based)."""
    if how is Answering.MOUSE:
        qtbot.mouseClick(view.choice_buttons[rank], LEFT)
    elif how is Answering.DIGITS:
        qtbot.keyClick(_key_target(view), getattr(Qt.Key, f"Key_{rank + 1}"))
    else:
        qtbot.keyClick(_key_target(view), getattr(Qt.Key, f"Key_{'ABCD'[rank]}"))


def next_shown(qtbot: QtBot, view: AttemptView, how: Answering) -> None:
    """The next question: "Berikutnya", Right, or PageDown."""
    index = view.current_index
    if how is Answering.MOUSE:
        qtbot.mouseClick(view.next_button, LEFT)
    elif how is Answering.DIGITS:
        qtbot.keyClick(_key_target(view), Qt.Key.Key_Right)
    else:
        qtbot.keyClick(_key_target(view), Qt.Key.Key_PageDown)
    assert view.current_index == index + 1
