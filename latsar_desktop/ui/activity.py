"""Course's practice quiz and reflection views (DESIGN §4; issue 17, Course).

``PracticeQuiz``: ``open(activity, progress)`` shows a practice quiz's questions one under
another in a scrolling column, each numbered ("1. …") with its choices as a group of radio
buttons (Tab moves from question to question, then to the footer's button; the arrow keys
choose the previous or next choice; the column scrolls to the choice that has the focus; a
choice's text, which wraps, selects it when clicked). The footer, always in view, counts
the questions answered (an unanswered one counts wrong: it says so) and holds the one
button: "Periksa jawaban", then "Ulangi kuis" in the same place. "Periksa jawaban" records
the answers through ``session.record_practice`` (the core grades them) and reads
``session.view()``, both off the GUI thread; the result shows in place: the score large,
right answers of the total, whether this is the best score or the best score stays what it
was (the best score never goes down), the trophies the best score earns of the quiz's
maximum, and under each question whether it was right, with the right choice shown.
"Ulangi kuis" clears the answers for a retake.

``ReflectionEditor``: ``open(activity, progress)`` shows the prompt, a text field with a
live character counter (a column that scrolls in a short pane), and, in a footer always in
view, "Simpan refleksi" (the focus stays in the form while it saves), which records
through ``session.record_reflection`` (off the GUI thread). The session refuses an empty
text, or one longer than the protocol allows, with a ``DomainError``: its message shows
under the field and nothing is recorded. What was typed is kept per activity while the
widget lives (another activity opened and this one opened again: the draft is back).

Both show "Menunggu sinkronisasi" beside the trophies while they come from changes the
server has not confirmed yet (``ActivityProgress.provisional``), emit ``recorded`` after
each recording (the Course page refreshes Beranda and the tree), and re-read the
activity's progress with ``refresh()`` (a read through ``CoalescedRead``; after a sync).
Nothing moves while a recording runs: the button is only disabled. The views decide
nothing: the grade, the best score and the trophies are the core's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.messages import DomainError, Message
from latsar_desktop.domain.progress import ActivityProgress
from latsar_desktop.domain.protocol import Activity, PracticeGraded, Question
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import REFLECTION_MAX, ParticipantSession
from latsar_desktop.ui import texts
from latsar_desktop.ui.downloads import panel
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.style import set_flag, set_property, set_role
from latsar_desktop.ui.tasks import CoalescedRead, TaskRunner, session_read
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, field_error, label, rule

__all__ = [
    "REFLECTION_MAX",
    "PracticeQuiz",
    "QuestionView",
    "ReflectionEditor",
    "score_text",
]

log = logging.getLogger(__name__)
NO_NUMBER = "—"
REFLECTION_MIN_HEIGHT = 120  # the field: about five lines, whatever the pane's height
_ARROWS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1}


def provisional(progress: ActivityProgress | None) -> bool:
    """Its completion or best score comes from changes the server has not confirmed."""
    return progress is not None and progress.provisional


def score_text(score: Decimal) -> str:
    """A score as the language writes it: "75", "66,67" (no ",00" on a whole number)."""
    shown: int | Decimal = int(score) if score == score.to_integral_value() else score
    return i18n.format_param(shown, texts.language())


def _chip() -> QLabel:
    """The "Menunggu sinkronisasi" mark: hidden until the progress is provisional."""
    chip = label("", "chip")
    chip.setVisible(False)
    return chip


class _Field(QPlainTextEdit):
    """The reflection's text field: it asks for its minimum height (about five lines), so
    a short pane keeps the rest in view; a taller one still gives it the room left."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), REFLECTION_MIN_HEIGHT)


class _ChoiceText(QLabel):
    """A choice's text beside its radio button (it wraps, which a radio button's own
    text does not); a click on it chooses the choice."""

    def __init__(self, text: str, button: QRadioButton) -> None:
        super().__init__(text)
        self.button = button
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        set_role(self, "quiz-choice")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.button.isEnabled():
            self.button.click()
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        super().mousePressEvent(event)


class QuestionView(QFrame):
    """One question: "1. its text", its choices (one group), and after the check, whether
    it was answered right (and the right choice)."""

    changed = Signal()
    focused = Signal(QWidget)  # one of its choices got the keyboard's focus

    def __init__(self, number: int, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.question = question
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        self.text = label("", "quiz-question", wrap=True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.text)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QRadioButton] = {}
        self.choice_texts: dict[str, _ChoiceText] = {}
        for choice in question.choices:
            button = QRadioButton()
            button.setAccessibleName(choice.text)
            set_role(button, "quiz-choice")
            text = _ChoiceText(choice.text, button)
            row = QHBoxLayout()
            row.setContentsMargins(12, 0, 0, 0)
            row.setSpacing(8)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(text, 1)
            box.addLayout(row)
            self.group.addButton(button)
            button.installEventFilter(self)
            self.buttons[choice.id] = button
            self.choice_texts[choice.id] = text
        self.group.buttonToggled.connect(lambda _button, _on: self.changed.emit())
        self.feedback = label("", "quiz-feedback", wrap=True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.feedback.setContentsMargins(12, 0, 0, 0)
        self.feedback.setVisible(False)
        box.addWidget(self.feedback)
        self.checked: str | None = None  # the answer when it was checked (None: not yet)
        self.retranslate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The arrow keys choose the previous or next choice of this question (Qt's own
        arrows only move the focus while no choice is chosen yet); the focus on a choice
        is told (the quiz scrolls it into view)."""
        if watched not in self.group.buttons():
            return super().eventFilter(watched, event)
        kind = event.type()
        if kind is QEvent.Type.FocusIn:
            self.focused.emit(watched)
        elif kind is QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = _ARROWS.get(Qt.Key(event.key()))
            if step is not None and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                buttons = list(self.buttons.values())
                index = buttons.index(watched)  # type: ignore[arg-type]
                target = buttons[min(max(0, index + step), len(buttons) - 1)]
                if target.isEnabled():
                    target.setChecked(True)
                    target.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return super().eventFilter(watched, event)

    def chosen(self) -> str | None:
        for choice_id, button in self.buttons.items():
            if button.isChecked():
                return choice_id
        return None

    def choose(self, choice_id: str) -> None:
        self.buttons[choice_id].setChecked(True)

    def clear(self) -> None:
        """No choice chosen, nothing marked: ready for a retake."""
        self.group.setExclusive(False)  # an exclusive group keeps one button checked
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)
        self.checked = None
        self.feedback.setVisible(False)
        for text in self.choice_texts.values():
            set_property(text, "key", False)
        self.set_enabled(True)

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)

    def show_checked(self, answer: str | None) -> None:
        """The check's marks: right or not (the right choice named and set apart)."""
        self.checked = answer if answer is not None else ""
        key = self.question.answer
        for choice_id, text in self.choice_texts.items():
            set_property(text, "key", choice_id == key)
        self.feedback.setVisible(True)
        self.retranslate()

    @property
    def right(self) -> bool | None:
        """Answered right at the last check (None: not checked)."""
        if self.checked is None:
            return None
        return self.checked == self.question.answer

    def retranslate(self) -> None:
        self.text.setText(tr(Label.QUIZ_QUESTION, number=self.number, text=self.question.text))
        if self.checked is None:
            return
        key_text = next((c.text for c in self.question.choices if c.id == self.question.answer), "")
        if self.right:
            self.feedback.setText(tr(Label.QUIZ_RIGHT))
        elif self.checked == "":
            self.feedback.setText(tr(Label.QUIZ_SKIPPED, answer=key_text))
        else:
            self.feedback.setText(tr(Label.QUIZ_WRONG, answer=key_text))
        set_flag(self.feedback, "right", bool(self.right))


@dataclass(frozen=True)
class QuizResult:
    """One check: the core's grade of it, and the activity's progress after it."""

    score: Decimal
    correct: int
    total: int
    progress: ActivityProgress | None


class _ActivityView(QWidget):
    """What both views share: the session, the runner, the activity shown, its
    progress re-read by ``refresh()``, and the ``recorded`` signal."""

    recorded = Signal()

    def __init__(
        self,
        session: ParticipantSession,
        runner: TaskRunner,
        parent: QWidget | None,
        *,
        show_progress: Callable[[], None],
        show_busy: Callable[[], None],
        recorded: Callable[[object], None],
    ) -> None:
        """``show_progress()`` shows ``self.progress``; ``show_busy()`` shows whether a
        recording runs (``self.recording``); ``recorded(result)`` shows what the
        recording returned, ``self.progress`` read after it."""
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self._shown, self._busy, self._then = show_progress, show_busy, recorded
        self.activity: Activity | None = None
        self.progress: ActivityProgress | None = None
        self.recording = False  # a recording runs (its button disabled)
        self._opened = 0  # which open() a result belongs to
        # Any: mypy solves session_read's T with the None of ``_read``'s result taken out
        self._reader: CoalescedRead[Any] = session_read(
            runner,
            session,
            self._read,
            self._loaded,
            name=f"{type(self).__name__}.refresh",
            parent=self,
        )

    def _scroll_area(self) -> QScrollArea:
        """The view's column, scrolling vertically inside the pane when it is short."""
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return area

    def refresh(self) -> None:
        """Read the activity's progress again (after a sync: the mark may go)."""
        if self.activity is not None:
            self._reader.request()

    def _read(self) -> ActivityProgress | None:
        activity = self.activity
        if activity is None:
            return None
        return self.session.view().activity(activity.id)

    def _loaded(self, progress: ActivityProgress | None) -> None:
        activity = self.activity
        if progress is not None and activity is not None and progress.activity_id == activity.id:
            self.progress = progress
            self._shown()

    def _record(self, work: Callable[[ParticipantSession], object], name: str) -> None:
        """Run ``work(session)`` (a recording) and read the activity's progress after it,
        off the GUI thread; then ``recorded(result)``, ``self.progress`` set, on the GUI thread."""
        assert self.activity is not None
        activity_id = self.activity.id
        session = self.session
        opened = self._opened

        def record(_cancel: object, _progress: object) -> tuple[object, ActivityProgress | None]:
            result = work(session)
            return result, session.view().activity(activity_id)

        self.recording = True
        self._reader.invalidate()  # a read begun before the recording is stale
        self.runner.run(
            record,
            done=lambda out: self._done(out, opened),
            failed=lambda error: self._failed(error, opened),
            name=name,
            parent=self,
        )
        self._busy()

    def _done(self, out: tuple[object, ActivityProgress | None], opened: int) -> None:
        self.recording = False
        self._busy()  # its buttons usable again (before the result moves the focus)
        if opened == self._opened:  # else another activity was opened meanwhile
            result, progress = out
            self.progress = progress
            self._then(result)
        self.recorded.emit()

    def _failed(self, error: BaseException, opened: int) -> None:
        self.recording = False
        self._busy()
        show_error(self, error)


class PracticeQuiz(_ActivityView):
    """A practice quiz: see the module docstring."""

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            session,
            runner,
            parent,
            show_progress=self.show_progress,
            show_busy=self.show_busy,
            recorded=self._recorded,
        )
        self.questions: list[QuestionView] = []
        self.result: QuizResult | None = None  # the last check, until a retake
        self._build()
        self.retranslate()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.scroller = self._scroll_area()
        outer.addWidget(self.scroller, 1)

        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(24, 20, 24, 20)
        body.setSpacing(8)
        self.title = label("", "subtitle", wrap=True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.intro = label("", "muted", wrap=True)
        body.addWidget(self.title)
        body.addWidget(self.intro)

        status = QHBoxLayout()
        status.setSpacing(12)
        self.status = label("", "field", wrap=True)
        self.pending = _chip()
        status.addWidget(self.status, 1)
        status.addWidget(self.pending, 0, Qt.AlignmentFlag.AlignVCenter)
        body.addLayout(status)

        # the result of the last check, in place above the questions
        self.result_panel = QFrame()
        box, self.score_title = panel(self.result_panel, 2)
        figure = QHBoxLayout()
        figure.setSpacing(12)
        self.score = label(NO_NUMBER, "big")
        self.correct = label("", "muted", wrap=True)
        figure.addWidget(self.score, 0, Qt.AlignmentFlag.AlignBaseline)
        figure.addWidget(self.correct, 1, Qt.AlignmentFlag.AlignBaseline)
        self.best = label("", None, wrap=True)
        box.addLayout(figure)
        box.addWidget(self.best)
        self.result_panel.setVisible(False)
        body.addSpacing(4)
        body.addWidget(self.result_panel)
        body.addSpacing(8)

        self.question_box = QVBoxLayout()
        self.question_box.setSpacing(22)
        body.addLayout(self.question_box)
        body.addStretch(1)
        self.scroller.setWidget(content)

        # the footer, always in view: how many are answered, and the one button
        outer.addWidget(rule())
        footer = QHBoxLayout()
        footer.setContentsMargins(24, 10, 24, 12)
        footer.setSpacing(16)
        self.hint = label("", "muted", wrap=True)
        self.check_button = Button("", "primary")
        self.check_button.clicked.connect(self.check)
        self.retake_button = Button("")
        self.retake_button.clicked.connect(self.retake)
        self.retake_button.setVisible(False)
        footer.addWidget(self.hint, 1)
        footer.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignVCenter)
        footer.addWidget(self.retake_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(footer)

    # ------------------------------------------------------------------ the participant's

    def open(self, activity: Activity, progress: ActivityProgress | None) -> None:
        """Show ``activity``'s questions, none answered; ``progress``: its best so far."""
        self._opened += 1
        self.activity = activity
        self.progress = progress
        self.result = None
        for view in self.questions:
            self.question_box.removeWidget(view)
            view.deleteLater()
        self.questions = []
        for number, question in enumerate(activity.questions, start=1):
            view = QuestionView(number, question)
            view.changed.connect(self._answers_changed)
            view.focused.connect(self._follow_focus)
            self.question_box.addWidget(view)
            view.show()  # at once (a layout shows a new child only at the next event)
            self.questions.append(view)
        self._order_tabs()
        self._set_checked(False)
        self.scroller.verticalScrollBar().setValue(0)
        self.retranslate()

    def _order_tabs(self) -> None:
        """Tab goes through the questions first, then to the footer's button (the
        questions are made after it: the window's chain would reach it before them)."""
        chain: list[QWidget] = []
        for view in self.questions:
            chain.extend(view.buttons.values())
        chain.extend((self.check_button, self.retake_button))
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _follow_focus(self, widget: QWidget) -> None:
        """A choice got the focus: the column scrolls it (and its text) into view."""
        row = widget.parentWidget()
        self.scroller.ensureWidgetVisible(widget, 50, 40)
        if isinstance(row, QuestionView):
            text = row.choice_texts.get(next(k for k, b in row.buttons.items() if b is widget))
            if text is not None:
                self.scroller.ensureWidgetVisible(text, 50, 40)

    def answers(self) -> dict[str, str]:
        """The choices made: question id → choice id (unanswered questions left out)."""
        out = {}
        for view in self.questions:
            chosen = view.chosen()
            if chosen is not None:
                out[view.question.id] = chosen
        return out

    def check(self) -> None:
        """ "Periksa jawaban": the answers recorded (and graded by the core)."""
        if self.activity is None or self.recording or self.result is not None:
            return
        answers = self.answers()
        activity_id = self.activity.id
        self._record(lambda session: session.record_practice(activity_id, answers), "quiz.check")

    def retake(self) -> None:
        """ "Ulangi kuis": the answers cleared, the questions ready again."""
        if self.recording:
            return
        self.result = None
        for view in self.questions:
            view.clear()
        self._set_checked(False)
        self.scroller.verticalScrollBar().setValue(0)
        self.retranslate()
        if self.questions:
            first = next(iter(self.questions[0].buttons.values()))
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ showing

    def _recorded(self, result: object) -> None:
        payload = getattr(result, "payload", None)
        assert isinstance(payload, PracticeGraded), result
        self.result = QuizResult(payload.score, payload.correct, payload.total, self.progress)
        answers = payload.answers
        for view in self.questions:
            view.show_checked(answers.get(view.question.id))
        self._set_checked(True)
        self.retranslate()
        self.scroller.ensureWidgetVisible(self.result_panel)
        self.scroller.verticalScrollBar().setValue(0)
        self.retake_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_checked(self, checked: bool) -> None:
        """Checked: the result shows, the answers are kept as they were, "Ulangi kuis"
        takes the button's place; else answering, "Periksa jawaban"."""
        self.result_panel.setVisible(checked)
        self.check_button.setVisible(not checked)
        self.retake_button.setVisible(checked)
        for view in self.questions:
            view.set_enabled(not checked and not self.recording)

    def show_busy(self) -> None:
        self.check_button.setEnabled(not self.recording and self.activity is not None)
        self.retake_button.setEnabled(not self.recording)
        for view in self.questions:
            view.set_enabled(not self.recording and self.result is None)

    def _answers_changed(self) -> None:
        if self.result is None:
            self._show_hint()

    def _show_hint(self) -> None:
        if self.result is not None:
            self.hint.setText(
                tr(Label.QUIZ_CORRECT, correct=self.result.correct, total=self.result.total)
            )
            return
        total = len(self.questions)
        answered = len(self.answers())
        if answered == total:
            self.hint.setText(tr(Label.QUIZ_ALL_ANSWERED, total=total))
        else:
            self.hint.setText(tr(Label.QUIZ_ANSWERED, answered=answered, total=total))

    def show_progress(self) -> None:
        """The status line: the best score so far and its trophies (or not taken yet)."""
        progress = self.progress
        if progress is None or progress.best_score is None:
            self.status.setText(tr(Label.QUIZ_NOT_TAKEN))
        else:
            self.status.setText(
                tr(
                    Label.QUIZ_STATUS,
                    best=score_text(progress.best_score),
                    trophies=progress.trophies,
                    max=progress.max_trophies,
                )
            )
        self.pending.setText(tr(Label.ACTIVITY_PENDING))
        self.pending.setVisible(provisional(progress))

    def retranslate(self) -> None:
        activity = self.activity
        self.title.setText(activity.title if activity is not None else "")
        self.intro.setText(tr(Label.QUIZ_INTRO))
        self.check_button.setText(tr(Label.QUIZ_CHECK))
        self.retake_button.setText(tr(Label.QUIZ_RETAKE))
        width = max(self.check_button.sizeHint().width(), self.retake_button.sizeHint().width())
        self.check_button.setMinimumWidth(width)  # one place, whichever shows
        self.retake_button.setMinimumWidth(width)
        self.score_title.setText(tr(Label.QUIZ_SCORE_TITLE))
        result = self.result
        if result is not None:
            self.score.setText(score_text(result.score))
            self.correct.setText(tr(Label.QUIZ_CORRECT, correct=result.correct, total=result.total))
            best = result.progress.best_score if result.progress is not None else None
            if best is not None and result.score < best:
                self.best.setText(tr(Label.QUIZ_BEST_KEPT, best=score_text(best)))
            else:
                self.best.setText(tr(Label.QUIZ_BEST_NEW))
        for view in self.questions:
            view.retranslate()
        self._show_hint()
        self.show_progress()


class ReflectionEditor(_ActivityView):
    """A reflection: see the module docstring."""

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            session,
            runner,
            parent,
            show_progress=self.show_progress,
            show_busy=self.show_busy,
            recorded=self._recorded,
        )
        self.drafts: dict[str, str] = {}  # activity id → the text typed, while we live
        self.saved = False  # saved since it was opened
        self.problem: Message | None = None  # the session's refusal, under the field
        self._build()
        self.retranslate()

    def _build(self) -> None:
        """A column that scrolls inside the pane when it is short (the prompt, the field,
        the counter under it), over a footer always in view (the status with "Simpan
        refleksi" beside it, the trophies under them); every part keeps its own size."""
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        self.scroller = self._scroll_area()
        page.addWidget(self.scroller)
        self.form = QWidget()
        outer = QVBoxLayout(self.form)
        outer.setContentsMargins(24, 20, 24, 12)
        outer.setSpacing(8)
        self.title = label("", "subtitle", wrap=True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.intro = label("", "muted", wrap=True)
        self.prompt = label("", "reflection-prompt", wrap=True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        outer.addWidget(self.title)
        outer.addWidget(self.intro)
        outer.addSpacing(4)
        outer.addWidget(self.prompt)
        outer.addSpacing(4)

        self.editor = _Field()
        set_role(self.editor, "reflection")
        self.editor.setTabChangesFocus(True)  # Tab leaves the field (keyboard reachable)
        self.editor.setMinimumHeight(REFLECTION_MIN_HEIGHT)
        self.editor.textChanged.connect(self._text_changed)
        self.editor.cursorPositionChanged.connect(self._follow_cursor)
        outer.addWidget(self.editor, 1)

        under = QHBoxLayout()
        under.setSpacing(12)
        self.error = field_error(2)
        self.counter = label("", "muted")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.counter.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        under.addWidget(self.error, 1)
        under.addWidget(self.counter, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(under)
        self.scroller.setWidget(self.form)

        page.addWidget(rule())
        bottom = QVBoxLayout()
        bottom.setContentsMargins(24, 10, 24, 12)
        bottom.setSpacing(4)
        footer = QHBoxLayout()
        footer.setSpacing(12)
        self.status = label("", "field", wrap=True)
        self.save_button = Button("", "primary")
        self.save_button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.save_button.clicked.connect(self.save)
        footer.addWidget(self.status, 1, Qt.AlignmentFlag.AlignVCenter)
        footer.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addLayout(footer)
        marks = QHBoxLayout()
        marks.setSpacing(12)
        self.trophies = label("", "muted")
        self.pending = _chip()
        marks.addWidget(self.trophies, 0, Qt.AlignmentFlag.AlignVCenter)
        marks.addWidget(self.pending, 0, Qt.AlignmentFlag.AlignVCenter)
        marks.addStretch(1)
        bottom.addLayout(marks)
        page.addLayout(bottom)

    # ------------------------------------------------------------------ the participant's

    def open(self, activity: Activity, progress: ActivityProgress | None) -> None:
        """Show ``activity``'s prompt and the draft kept for it (or an empty field)."""
        if self.activity is not None:
            self.drafts[self.activity.id] = self.editor.toPlainText()
        self._opened += 1
        self.activity = activity
        self.progress = progress
        self.saved = False
        self.problem = None
        self.editor.setPlainText(self.drafts.get(activity.id, ""))
        self.retranslate()

    def text(self) -> str:
        return self.editor.toPlainText()

    def save(self) -> None:
        """ "Simpan refleksi": recorded by the session, which refuses an empty text or a
        too long one (its message then shows under the field)."""
        if self.activity is None or self.recording:
            return
        text = self.text()
        activity_id = self.activity.id
        self._record(
            lambda session: session.record_reflection(activity_id, text), "reflection.save"
        )

    # ------------------------------------------------------------------ showing

    def _recorded(self, result: object) -> None:
        self.saved = True
        self.retranslate()

    def _failed(self, error: BaseException, opened: int) -> None:
        """The session refused the text (a ``DomainError``): its message under the field,
        the focus back in it; any other failure as the base shows it."""
        if not isinstance(error, DomainError):
            super()._failed(error, opened)
            return
        self.recording = False
        self.show_busy()
        if opened == self._opened:  # else another activity was opened meanwhile
            self.problem = error.message
            self._show_problem()
            self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def _text_changed(self) -> None:
        if self.activity is not None:
            self.drafts[self.activity.id] = self.editor.toPlainText()
        if self.problem is not None:
            self.problem = None
            self._show_problem()
        self._show_counter()

    def _follow_cursor(self) -> None:
        """The column scrolls to keep the line being written in view (a short pane shows
        only the field's first line above the footer)."""
        if not self.editor.hasFocus():
            return
        place = self.editor.viewport().mapTo(self.form, self.editor.cursorRect().center())
        self.scroller.ensureVisible(place.x(), place.y(), 0, self.editor.fontMetrics().height())

    def _show_counter(self) -> None:
        count = len(self.editor.toPlainText())
        self.counter.setText(tr(Label.REFLECTION_COUNT, count=count, max=REFLECTION_MAX))
        set_flag(self.counter, "invalid", count > REFLECTION_MAX)

    def _show_problem(self) -> None:
        problem = self.problem
        self.error.setText(say(problem) if problem is not None else "")
        set_flag(self.editor, "invalid", problem is not None)

    def show_busy(self) -> None:
        if self.recording and self.save_button.hasFocus():
            # a disabled button gives the focus away (to the side bar): the field keeps it
            self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.save_button.setEnabled(not self.recording and self.activity is not None)

    def show_progress(self) -> None:
        progress = self.progress
        if self.saved:
            self.status.setText(tr(Label.REFLECTION_SAVED))
        elif progress is not None and progress.completed:
            self.status.setText(tr(Label.REFLECTION_SAVED_BEFORE))
        else:
            self.status.setText("")
        if progress is not None and (self.saved or progress.completed):
            self.trophies.setText(
                tr(Label.ACTIVITY_TROPHIES, trophies=progress.trophies, max=progress.max_trophies)
            )
        else:
            self.trophies.setText("")
        self.pending.setText(tr(Label.ACTIVITY_PENDING))
        self.pending.setVisible(provisional(progress))

    def retranslate(self) -> None:
        activity = self.activity
        self.title.setText(activity.title if activity is not None else "")
        self.prompt.setText((activity.prompt or "") if activity is not None else "")
        self.intro.setText(tr(Label.REFLECTION_INTRO))
        self.editor.setAccessibleName(tr(Label.REFLECTION_FIELD))
        self.editor.setPlaceholderText(tr(Label.REFLECTION_FIELD))
        self.save_button.setText(tr(Label.REFLECTION_SAVE))
        self._show_counter()
        self._show_problem()
        self.show_progress()
        self.show_busy()
