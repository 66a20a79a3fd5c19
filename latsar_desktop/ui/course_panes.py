"""The Course page's right side (``ui/course.py`` hosts them): a material's overview
with its download box, an activity's pane (its kind, title and state over the widget
that shows it, or a status panel while its file is fetched or cannot be), and the
academic evaluation's entry. They show what the page gives them and decide nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.progress import ActivityProgress, MaterialProgress, Progress
from latsar_desktop.domain.protocol import Activity, MaterialKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.ui import texts
from latsar_desktop.ui.course_tree import KIND_LABELS, STAGE_LABELS
from latsar_desktop.ui.downloads import DownloadBox, ProgressRow, SwapSlot, left_aligned
from latsar_desktop.ui.style import set_flag
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

if TYPE_CHECKING:
    from latsar_desktop.ui.activity import PracticeQuiz, ReflectionEditor
    from latsar_desktop.ui.clip import ClipPlayer
    from latsar_desktop.ui.reader import ModuleReader

__all__ = ["NO_NUMBER", "ActivityPane", "EvaluationPanel", "MaterialOverview", "StatusPanel"]

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


class EvaluationPanel(QWidget):
    """The academic evaluation's entry: its state, reason, scores and "Mulai evaluasi"."""

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
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(2)
        self.score_title = label("", "field")
        self.final_score = label(NO_NUMBER, "big")
        self.graded_title = label("", "field", wrap=True)
        self.graded = label(NO_NUMBER, "big")
        self.pending_title = label("", "field", wrap=True)
        self.pending = label(NO_NUMBER, "big")
        for column, (head, value) in enumerate(
            (
                (self.score_title, self.final_score),
                (self.graded_title, self.graded),
                (self.pending_title, self.pending),
            )
        ):
            grid.addWidget(head, 0, column, Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(value, 1, column, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(column, 1)
        box.addLayout(grid)
        box.addSpacing(12)
        self.start_button = Button("", "primary")
        box.addWidget(left_aligned(self.start_button))
        box.addStretch(1)

    def show_view(self, view: Progress) -> None:
        state = view.evaluation
        self.chip.setText(tr(STAGE_LABELS[state.stage]))
        set_flag(self.chip, "on", state.unlocked)
        self.reason.setText(say(state.reason))
        score = view.final_score
        self.final_score.setText(NO_NUMBER if score is None else number(score))
        self.graded.setText(number(view.attempts_graded))
        self.pending.setText(number(view.attempts_pending))
        self.start_button.setEnabled(state.unlocked)

    def retranslate(self) -> None:
        self.title.setText(tr(Label.COURSE_EVALUATION))
        self.score_title.setText(tr(Label.COURSE_FINAL_SCORE))
        self.graded_title.setText(tr(Label.COURSE_ATTEMPTS_GRADED))
        self.pending_title.setText(tr(Label.COURSE_ATTEMPTS_PENDING))
        self.start_button.setText(tr(Label.COURSE_START_EVALUATION))
