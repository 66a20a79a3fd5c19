"""The Course page's right side (``ui/course.py`` hosts them): a material's overview
with its download box, an activity's pane (its kind, title and state over the widget
that shows it, or a status panel while its file is fetched or cannot be), and the
academic evaluation's entry with the attempts' history (``AttemptRowView``: one row per
attempt, latest first). They show what the page gives them and decide nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.progress import ActivityProgress, MaterialProgress, Progress
from latsar_desktop.domain.protocol import Activity, MaterialKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.evaluation import AttemptRow, AttemptStatus
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.ui import texts
from latsar_desktop.ui.course_tree import KIND_LABELS, STAGE_LABELS
from latsar_desktop.ui.downloads import DownloadBox, ProgressRow, SwapSlot, left_aligned
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

if TYPE_CHECKING:
    from latsar_desktop.ui.activity import PracticeQuiz, ReflectionEditor
    from latsar_desktop.ui.clip import ClipPlayer
    from latsar_desktop.ui.reader import ModuleReader

__all__ = [
    "NO_NUMBER",
    "ActivityPane",
    "AttemptRowView",
    "EvaluationPanel",
    "MaterialOverview",
    "StatusPanel",
]

NO_NUMBER = "—"


def number(value: Any) -> str:
    """A number as the participant's language writes it."""
    return i18n.format_param(value, texts.language())


# ---------------------------------------------------------------------- the right side


class MaterialOverview(QScrollArea):
    """A material: title, kind, required done, trophies large, the download box (in a
    column that scrolls when the pane is short: a failure's line shows whole)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        content = QWidget()
        box = QVBoxLayout(content)
        box.setContentsMargins(24, 16, 24, 16)
        box.setSpacing(8)
        self.kind = label("", "eyebrow")
        self.title = label("", "title", wrap=True)
        self.required = label("", "muted", wrap=True)
        figure = QHBoxLayout()
        figure.setSpacing(10)
        self.trophies = label(NO_NUMBER, "big")
        self.trophies_of = label("", "muted")
        figure.addWidget(self.trophies, 0, Qt.AlignmentFlag.AlignBaseline)
        figure.addWidget(self.trophies_of, 1, Qt.AlignmentFlag.AlignBaseline)
        self.download = DownloadBox()
        for part in (self.kind, self.title, self.required):
            box.addWidget(part)
        box.addLayout(figure)
        box.addSpacing(8)
        box.addWidget(self.download)
        box.addStretch(1)
        self.setWidget(content)

    def show_material(self, kind: MaterialKind, title: str, shown: MaterialProgress) -> None:
        policy = kind is MaterialKind.POLICY
        self.kind.setText(
            tr(Label.COURSE_MATERIAL_POLICY if policy else Label.COURSE_MATERIAL_LEARNING)
        )
        self.title.setText(title)
        self.required.setText(
            tr(Label.COURSE_REQUIRED_DONE, done=shown.required_done, total=shown.required_total)
        )
        self.trophies.setText(number(shown.trophies))
        self.trophies_of.setText(tr(Label.COURSE_TROPHIES_OF, total=shown.max_trophies))


class StatusPanel(QWidget):
    """In the activity's place while its file is fetched or cannot be: one sentence, and
    the fetch's progress or "Coba lagi" in one place."""

    retry_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 24, 0, 0)
        box.setSpacing(12)
        self.text = label("", "notice", wrap=True)
        self.retry_button = Button("")
        self.retry_button.clicked.connect(self.retry_clicked)
        self.slot = SwapSlot(left_aligned(self.retry_button))
        box.addWidget(self.text)
        box.addWidget(self.slot)
        box.addStretch(1)

    @property
    def progress(self) -> ProgressRow:
        return self.slot.progress

    def show_message(self, text: str, retry: bool) -> None:
        self.text.setText(text)
        self.text.setVisible(bool(text))
        self.slot.show_idle()
        self.retry_button.setVisible(retry)

    def show_fetching(self, done: int, total: int) -> None:
        self.text.setVisible(False)
        if not self.slot.running:
            self.slot.show_progress("")
        self.progress.show_bytes(Label.COURSE_FETCHING, done, total)

    def retranslate(self) -> None:
        self.retry_button.setText(tr(Label.COURSE_RETRY))
        self.slot.retranslate()


class ActivityPane(QWidget):
    """An activity: its kind, title and state, then its widget (made when first needed)."""

    def __init__(self, session: ParticipantSession, runner: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.runner = runner
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 16, 24, 12)
        box.setSpacing(4)
        self.kind = label("", "eyebrow")
        self.title = label("", "subtitle", wrap=True)
        self.state = label("", "muted")
        for part in (self.kind, self.title, self.state):
            box.addWidget(part)
        box.addSpacing(8)
        self.body = QStackedWidget()
        self.status = StatusPanel()
        self.body.addWidget(self.status)
        box.addWidget(self.body, 1)
        self.reader: ModuleReader | None = None
        self.clip: ClipPlayer | None = None
        self.quiz: PracticeQuiz | None = None
        self.reflection: ReflectionEditor | None = None

    def show_header(self, activity: Activity, shown: ActivityProgress | None) -> None:
        need = tr(Label.COURSE_REQUIRED if activity.required else Label.COURSE_OPTIONAL)
        self.kind.setText(
            tr(Label.COURSE_ACTIVITY_ITEM, kind=tr(KIND_LABELS[activity.kind]), need=need)
        )
        self.title.setText(activity.title)
        if shown is None:
            self.state.setText("")
            return
        state = tr(Label.COURSE_DONE if shown.completed else Label.COURSE_NOT_DONE)
        text = tr(
            Label.COURSE_ACTIVITY_STATUS, state=state, done=shown.trophies, total=shown.max_trophies
        )
        if shown.provisional:
            text = f"{text} · {tr(Label.COURSE_PROVISIONAL)}"
        self.state.setText(text)

    def own_heading(self, own: bool) -> None:
        """The widget shown says the activity's title and state itself (a quiz, a
        reflection): the pane's header keeps its kind line only."""
        self.title.setVisible(not own)
        self.state.setVisible(not own)

    def hosted(self) -> list[QWidget]:
        return [w for w in (self.reader, self.clip, self.quiz, self.reflection) if w is not None]

    def retranslate(self) -> None:
        self.status.retranslate()
        for widget in self.hosted():
            widget.retranslate()  # type: ignore[attr-defined]


class OneLine(QLabel):
    """A label that asks for the width of its text on one line, and wraps only when the
    layout gives it less (a plain wrapped label asks for a narrow, several-line shape)."""

    def __init__(self, role: str) -> None:
        super().__init__()
        set_role(self, role)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._hint: tuple[tuple[str, str, int], QSize] | None = None

    def sizeHint(self) -> QSize:
        self.ensurePolished()
        key = (self.text(), self.font().key(), self.frameWidth())
        if self._hint is None or self._hint[0] != key:
            self._hint = (key, self._one_line())
        return self._hint[1]

    def _one_line(self) -> QSize:
        """The narrowest width that keeps the text on one line (found by bisection: a
        wrapped label's height only shrinks as it widens)."""
        one = self.heightForWidth(1 << 16)
        low = 1
        high = self.fontMetrics().horizontalAdvance(self.text()) + 2 * self.frameWidth() + 64
        if self.heightForWidth(high) > one:
            return super().sizeHint()
        while low < high:
            middle = (low + high) // 2
            if self.heightForWidth(middle) > one:
                low = middle + 1
            else:
                high = middle
        return QSize(high, one)


class AttemptRowView(QFrame):
    """One attempt of the history: "Percobaan ke-4" (+ "(perkiraan)") and its status as a
    chip on the first line, the raw score and cap (graded) or the cap (not yet) under it,
    and a graded attempt's score large on the right. Every row has the same height,
    graded or not (the score keeps its place when hidden)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "attempt-row")
        self.row: AttemptRow | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 8, 12, 8)
        outer.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(4)
        first = QHBoxLayout()
        first.setSpacing(10)
        self.title = label("", "field")
        # its one line when there is room; a narrow pane wraps it (nothing cut off)
        self.status = OneLine("chip")
        first.addWidget(self.title, 0, Qt.AlignmentFlag.AlignVCenter)
        first.addWidget(self.status, 0, Qt.AlignmentFlag.AlignVCenter)
        first.addStretch(1)
        self.detail = OneLine("muted")
        left.addLayout(first)
        left.addWidget(self.detail)
        self.score = label("", "attempt-score")
        self.score.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        keep = self.score.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.score.setSizePolicy(keep)
        outer.addLayout(left, 1)
        outer.addWidget(self.score, 0, Qt.AlignmentFlag.AlignVCenter)

    def show_row(self, row: AttemptRow) -> None:
        self.row = row
        estimated = Label.COURSE_ATTEMPT_TITLE_ESTIMATED
        self.title.setText(
            tr(estimated if row.estimated else Label.COURSE_ATTEMPT_TITLE, number=row.number)
        )
        self.status.setText(say(row.status_message()))
        graded = row.status is AttemptStatus.GRADED
        set_flag(self.status, "on", graded)
        if graded and row.score is not None and row.raw_score is not None:
            self.score.setText(number(row.score))
            self.detail.setText(tr(Label.COURSE_ATTEMPT_DETAIL, raw=row.raw_score, cap=row.cap))
        else:
            self.score.setText("")
            self.detail.setText(tr(Label.COURSE_ATTEMPT_CAP, cap=row.cap))
        self.score.setVisible(graded)


class EvaluationPanel(QWidget):
    """The academic evaluation's entry: its state and reason, the final score and the
    attempts graded and waiting, "Mulai evaluasi" ("Lanjutkan percobaan" while an attempt
    is open), then "Riwayat percobaan": one ``AttemptRowView`` per attempt, latest first,
    in a list that scrolls (the button above it stays in view however long it is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 16, 24, 16)
        box.setSpacing(8)
        line = QHBoxLayout()
        line.setSpacing(12)
        self.title = label("", "title", wrap=True)
        self.chip = label("", "chip")
        line.addWidget(self.title, 1)
        line.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignVCenter)
        box.addLayout(line)
        self.reason = label("", "muted", wrap=True)
        box.addWidget(self.reason)
        box.addSpacing(8)
        # the final score, large, and the button on one line: the history below keeps the
        # height (at 1366×768 and 125 % the pane is about 370 px tall)
        line = QHBoxLayout()
        line.setSpacing(24)
        score = QVBoxLayout()
        score.setSpacing(2)
        self.score_title = label("", "field")
        self.final_score = label(NO_NUMBER, "big")
        score.addWidget(self.score_title)
        score.addWidget(self.final_score)
        line.addLayout(score)
        line.addStretch(1)
        self.start_button = Button("", "primary")
        line.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignBottom)
        box.addLayout(line)
        box.addSpacing(12)
        # "Riwayat percobaan", and on its right how many are graded and waiting
        heading = QHBoxLayout()
        heading.setSpacing(12)
        self.history_title = label("", "subtitle")
        self.counts = label("", "muted", wrap=True)  # two lines rather than cut when narrow
        self.counts.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        heading.addWidget(self.history_title, 0, Qt.AlignmentFlag.AlignBottom)
        heading.addWidget(self.counts, 1, Qt.AlignmentFlag.AlignBottom)
        box.addLayout(heading)
        # "Belum ada percobaan." or the list, in one place that takes the height left
        self.history_stack = QStackedWidget()
        empty = QWidget()
        empty_box = QVBoxLayout(empty)
        empty_box.setContentsMargins(2, 0, 2, 0)  # in line with the list's rows
        self.no_attempts = label("", "muted", wrap=True)
        empty_box.addWidget(self.no_attempts)
        empty_box.addStretch(1)
        self.history_stack.addWidget(empty)
        self.history = QScrollArea()
        set_role(self.history, "attempt-list")
        self.history.setWidgetResizable(True)
        self.history.setFrameShape(QFrame.Shape.NoFrame)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # arrows scroll a long list
        rows = QWidget()
        self.rows_box = QVBoxLayout(rows)
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.setSpacing(0)
        self.rows_box.addStretch(1)
        self.history.setWidget(rows)
        self.history_stack.addWidget(self.history)
        box.addWidget(self.history_stack, 1)
        self.attempt_rows: list[AttemptRowView] = []  # in the order shown, latest first
        self._rows: tuple[AttemptRow, ...] | None = None  # what the rows show
        self._open_attempt = False
        self._counts: tuple[int, int] | None = None  # graded, waiting: once read
        self._show_rows(())

    def show_view(self, view: Progress) -> None:
        state = view.evaluation
        self.chip.setText(tr(STAGE_LABELS[state.stage]))
        set_flag(self.chip, "on", state.unlocked)
        self.reason.setText(say(state.reason))
        score = view.final_score
        self.final_score.setText(NO_NUMBER if score is None else number(score))
        self._counts = (view.attempts_graded, view.attempts_pending)
        self._say_counts()
        self.start_button.setEnabled(state.unlocked)

    def show_attempts(self, rows: tuple[AttemptRow, ...], open_attempt: bool) -> None:
        """The history (latest first) and whether an attempt is open (the button then
        continues it). Rows are touched only when what they show changed."""
        if open_attempt != self._open_attempt:
            self._open_attempt = open_attempt
            self._button_text()
        if rows == self._rows:
            return
        self._rows = rows
        self._show_rows(rows)

    def _show_rows(self, rows: tuple[AttemptRow, ...]) -> None:
        while len(self.attempt_rows) > len(rows):
            gone = self.attempt_rows.pop()
            self.rows_box.removeWidget(gone)
            gone.deleteLater()
        while len(self.attempt_rows) < len(rows):
            view = AttemptRowView()
            self.rows_box.insertWidget(len(self.attempt_rows), view)
            self.attempt_rows.append(view)
        for view, row in zip(self.attempt_rows, rows, strict=True):
            if view.row != row:
                view.show_row(row)
        self.history_stack.setCurrentIndex(1 if rows else 0)

    def _button_text(self) -> None:
        text = Label.COURSE_CONTINUE_ATTEMPT if self._open_attempt else None
        self.start_button.setText(tr(text or Label.COURSE_START_EVALUATION))

    def _say_counts(self) -> None:
        if self._counts is None:
            self.counts.setText("")
            return
        graded, waiting = self._counts
        self.counts.setText(
            tr(Label.COURSE_ATTEMPT_COUNTS, graded=number(graded), waiting=number(waiting))
        )

    def retranslate(self) -> None:
        self.title.setText(tr(Label.COURSE_EVALUATION))
        self.score_title.setText(tr(Label.COURSE_FINAL_SCORE))
        self._say_counts()
        self.history_title.setText(tr(Label.COURSE_HISTORY))
        self.no_attempts.setText(tr(Label.COURSE_NO_ATTEMPTS))
        self._button_text()
        for view in self.attempt_rows:
            if view.row is not None:
                view.show_row(view.row)
