"""``HomePage``: Beranda, the participant's progress at a glance (DESIGN §4).

At the top, the next step (one sentence, with "Buka Course"). Then two columns in a
scroll area (the page area of a 1366×768 screen at 125 % shows the top of both). On the
left: the trophies, large, beside the ``TrophyMeter`` with its unlock and pass marks;
the progress per material (a narrow mark column first, "✓" once the material's required
activities are all done, empty but as wide before, so nothing moves; the title; required
activities done; trophies earned of possible); the last sync and the changes still
waiting to be sent. On the right: the academic evaluation (its state and reason; the
final score and the next attempt's cap, large, "perkiraan" when the number is estimated;
the attempts graded, waiting for a sync or for a later day's grading; the gradings left
today under the course's daily limit, and when the next attempt would be graded on a
later day); the certificate's conditions, each met or not, with what is missing.

Everything comes from ONE read of the session, ``session.beranda()`` (a ``Beranda``,
``session/beranda.py``), made off the GUI thread by ``refresh()`` and applied on it. The
page decides nothing: which conditions are met, the next step, the trophy hint and its
numbers, the score's state, the evaluation's stage and whether the next attempt is graded
on a later day are the ``Beranda``'s; the page maps its enums to labels and shows its
numbers and the core's messages. A refresh asked while one runs runs once more after it
(however many were asked); a result that arrives after the sign-out is dropped, and a
read the sign-out interrupts ends quietly (the read's own guard: it returns nothing when
the session was closed under it). Nothing changes on the page while a read runs.
``course_requested`` when the participant chooses "Buka Course" (the window opens that
page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.progress import Progress
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.beranda import (
    Beranda,
    Condition,
    ConditionKind,
    EvaluationStage,
    NextStep,
    ScoreState,
    TrophyGoal,
)
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.ui import texts
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.meter import TrophyMeter
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import Task, TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

__all__ = ["HomePage", "condition_texts"]

log = logging.getLogger(__name__)
CONTENT_WIDTH = 1200  # the page's widest, on a large screen
NO_NUMBER = "—"
MET, NOT_MET = "✓", "○"
DONE_MARK = "✓"  # a complete material's mark

# ---------------------------------------------------------------------- enums to labels

_NEXT: dict[NextStep, Label] = {
    NextStep.WELCOME: Label.HOME_NEXT_WELCOME,
    NextStep.LEARN: Label.HOME_NEXT_COLLECT,
    NextStep.EVALUATION: Label.HOME_NEXT_EVALUATION,
    NextStep.WAITING: Label.HOME_NEXT_WAITING,
    NextStep.CHECKLIST: Label.HOME_NEXT_CHECKLIST,
    NextStep.PASSED: Label.HOME_NEXT_PASSED,
    NextStep.PASSED_SOON: Label.HOME_NEXT_PASSED_SOON,
    NextStep.ISSUED: Label.HOME_NEXT_ISSUED,
}
_STAGE: dict[EvaluationStage, Label] = {
    EvaluationStage.LOCKED: Label.HOME_EVALUATION_LOCKED,
    EvaluationStage.OPEN: Label.HOME_EVALUATION_OPEN,
    EvaluationStage.CLOSED: Label.HOME_EVALUATION_CLOSED,
}
_SCORE: dict[ScoreState, Label] = {
    ScoreState.NONE: Label.HOME_SCORE_NONE,
    ScoreState.PASSED: Label.HOME_SCORE_PASSED,
    ScoreState.BELOW: Label.HOME_SCORE_BELOW,
    ScoreState.REACHED: Label.HOME_SCORE_REACHED,
}
_CONDITION: dict[ConditionKind, Label] = {
    ConditionKind.WELCOME: Label.HOME_CONDITION_WELCOME,
    ConditionKind.MATERIALS: Label.HOME_CONDITION_MATERIALS,
    ConditionKind.TROPHIES: Label.HOME_CONDITION_TROPHIES,
    ConditionKind.ATTEMPT: Label.HOME_CONDITION_ATTEMPT,
    ConditionKind.SCORE: Label.HOME_CONDITION_SCORE,
    ConditionKind.CERTIFICATE: Label.HOME_CONDITION_CERTIFICATE,
}
# the name's number, by the parameter its label takes
_THRESHOLD = {
    ConditionKind.TROPHIES: "needed",
    ConditionKind.ATTEMPT: "needed",
    ConditionKind.SCORE: "passing",
}


def next_text(page: Beranda) -> str:
    """The next step's sentence."""
    step = page.next_step
    if step is NextStep.PASSED and page.progress.expected_issue_at is not None:
        return tr(_NEXT[step], date=page.progress.expected_issue_at)
    return tr(_NEXT[step])


def trophy_hint(page: Beranda) -> str:
    if page.trophy_goal is TrophyGoal.UNLOCK:
        return tr(Label.HOME_TROPHIES_TO_UNLOCK, missing=page.to_unlock)
    if page.trophy_goal is TrophyGoal.PASS:
        return tr(Label.HOME_TROPHIES_TO_PASS, missing=page.to_pass)
    return tr(Label.HOME_TROPHIES_ENOUGH)


def condition_texts(condition: Condition) -> tuple[str, str]:
    """A condition's name and what is under it (one line per missing thing)."""
    if condition.kind is ConditionKind.OTHER:  # a newer core's message: its own name
        return "\n".join(say(m) for m in condition.missing), ""
    name_label = _CONDITION[condition.kind]
    key = _THRESHOLD.get(condition.kind)
    if key is not None and condition.threshold is not None:
        name = tr(name_label, **{key: condition.threshold})
    else:
        name = tr(name_label)
    certificate = condition.kind is ConditionKind.CERTIFICATE
    if condition.missing:
        detail = "\n".join(say(m) for m in condition.missing)
    elif condition.met:
        detail = tr(Label.HOME_CERTIFICATE_ISSUED if certificate else Label.HOME_CONDITION_MET)
    else:
        detail = tr(Label.HOME_CERTIFICATE_LATER if certificate else Label.HOME_CONDITION_NOT_MET)
    return name, detail


def number(value: int | Decimal) -> str:
    """A number as the participant's language writes it (``64,50``, ``64.50``)."""
    return i18n.format_param(value, texts.language())


# ---------------------------------------------------------------------- the page


@dataclass
class MaterialRow:
    """One material's line in the progress table."""

    material_id: str
    mark: QLabel  # "✓" once complete, else empty (the column keeps its width)
    title: QLabel
    required: QLabel
    trophies: QLabel


@dataclass
class ConditionRow:
    """One certificate condition: its mark, its name, what is missing or its state."""

    mark: QLabel
    name: QLabel
    detail: QLabel


class HomePage(QWidget):
    """Beranda for one session; see the module docstring."""

    course_requested = Signal()

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.snapshot: Beranda | None = None  # the last one applied
        self.loads = 0  # reads started (a refresh asked during one runs one more after it)
        self._task: Task[Beranda | None] | None = None
        self._again = False
        self.material_rows: list[MaterialRow] = []
        self.condition_rows: list[ConditionRow] = []
        self._build()
        self.retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroller)

        content = QWidget()
        row = QHBoxLayout(content)
        row.setContentsMargins(32, 20, 32, 24)
        holder = QWidget(content)
        holder.setMaximumWidth(CONTENT_WIDTH)
        row.addWidget(holder)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)

        top = QHBoxLayout()
        top.setSpacing(16)
        self.next_text = label("", "notice", wrap=True)
        self.open_course = Button("")
        self.open_course.clicked.connect(self.course_requested)
        top.addWidget(self.next_text, 1)
        top.addWidget(self.open_course, 0, Qt.AlignmentFlag.AlignVCenter)
        column.addLayout(top)

        columns = QHBoxLayout()  # two columns, each as tall as its own panels
        columns.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(16)
        left.addWidget(self._build_trophies())
        left.addWidget(self._build_materials())
        left.addWidget(self._build_sync())
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(16)
        right.addWidget(self._build_evaluation())
        right.addWidget(self._build_checklist())
        right.addStretch(1)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        column.addLayout(columns)
        column.addStretch(1)
        self.scroller.setWidget(content)

    def _panel(self, beside: QWidget | None = None) -> tuple[QFrame, QVBoxLayout, QLabel]:
        """A panel with its title (and ``beside`` it, on its line, a state)."""
        frame = QFrame()
        set_role(frame, "panel")
        box = QVBoxLayout(frame)
        box.setContentsMargins(20, 16, 20, 18)
        box.setSpacing(8)
        title = label("", "subtitle")
        if beside is None:
            box.addWidget(title)
        else:
            line = QHBoxLayout()
            line.setSpacing(12)
            line.addWidget(title)
            line.addWidget(beside, 0, Qt.AlignmentFlag.AlignVCenter)
            line.addStretch(1)
            box.addLayout(line)
        return frame, box, title

    def _build_trophies(self) -> QFrame:
        frame, box, self.trophies_title = self._panel()
        line = QHBoxLayout()
        line.setSpacing(20)
        figure = QVBoxLayout()
        figure.setSpacing(0)
        self.trophy_count = label(NO_NUMBER, "big")
        self.trophy_total = label("", "muted")
        figure.addWidget(self.trophy_count)
        figure.addWidget(self.trophy_total)
        line.addLayout(figure)
        self.meter = TrophyMeter()
        line.addWidget(self.meter, 1, Qt.AlignmentFlag.AlignVCenter)
        box.addLayout(line)
        self.trophy_hint = label("", "muted", wrap=True)
        box.addWidget(self.trophy_hint)
        box.addStretch(1)
        return frame

    def _build_evaluation(self) -> QFrame:
        self.evaluation_state = label("", "chip")
        self.evaluation_state.setVisible(False)  # until the first read says which
        frame, box, self.evaluation_title = self._panel(self.evaluation_state)
        self.evaluation_reason = label("", "muted", wrap=True)
        box.addWidget(self.evaluation_reason)

        box.addSpacing(4)
        figures = QHBoxLayout()
        figures.setSpacing(24)
        score = QVBoxLayout()
        score.setSpacing(0)
        self.score_title = label("", "field", wrap=True)
        self.final_score = label(NO_NUMBER, "big")
        self.score_caption = label("", "muted", wrap=True)
        self.passing_score = label("", "muted", wrap=True)
        for part in (self.score_title, self.final_score, self.score_caption, self.passing_score):
            score.addWidget(part)
        score.addStretch(1)
        cap = QVBoxLayout()
        cap.setSpacing(0)
        self.cap_title = label("", "field", wrap=True)
        self.next_cap = label(NO_NUMBER, "big")
        self.cap_caption = label("", "muted")
        self.cap_caption.setMinimumHeight(self.cap_caption.fontMetrics().height())
        for part in (self.cap_title, self.next_cap, self.cap_caption):
            cap.addWidget(part)
        cap.addStretch(1)
        figures.addLayout(score, 1)
        figures.addLayout(cap, 1)
        box.addLayout(figures)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        self.attempt_keys = [label("", "muted", wrap=True) for _ in range(4)]
        self.attempt_values = [label("", "field") for _ in range(4)]
        (self.graded_value, self.unsent_value, self.later_value, self.today_value) = (
            self.attempt_values
        )
        for index, (key, value) in enumerate(
            zip(self.attempt_keys, self.attempt_values, strict=True)
        ):
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(key, index, 0)
            grid.addWidget(value, index, 1)
        grid.setColumnStretch(0, 1)
        box.addLayout(grid)
        self.forecast = label("", "muted", wrap=True)
        box.addWidget(self.forecast)
        box.addStretch(1)
        return frame

    def _build_materials(self) -> QFrame:
        frame, box, self.materials_title = self._panel()
        self.materials_grid = QGridLayout()
        self.materials_grid.setHorizontalSpacing(20)
        self.materials_grid.setVerticalSpacing(10)
        # column 0: the narrow "✓" column, its width fixed (so nothing moves when a
        # material becomes complete); then the title, required activities, trophies
        self.materials_grid.setColumnMinimumWidth(0, self._mark_size().width())
        self.column_heads = [label("", "column") for _ in range(3)]
        for index, head in enumerate(self.column_heads, start=1):
            if index > 1:
                head.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.materials_grid.addWidget(head, 0, index)
        self.materials_grid.setColumnStretch(1, 1)
        box.addLayout(self.materials_grid)
        self.materials_loading = label("", "muted")
        box.addWidget(self.materials_loading)
        return frame

    def _mark_size(self) -> QSize:
        """The "✓" column's cell: as the mark needs (its glyph may come from another
        font, a pixel taller), held when it is empty."""
        probe = label(DONE_MARK, "done")
        size = probe.sizeHint()
        probe.deleteLater()
        return QSize(size.width() + 4, size.height())

    def _build_checklist(self) -> QFrame:
        frame, box, self.checklist_title = self._panel()
        self.checklist_box = QGridLayout()
        self.checklist_box.setHorizontalSpacing(10)
        self.checklist_box.setVerticalSpacing(2)
        self.checklist_box.setColumnStretch(1, 1)
        box.addLayout(self.checklist_box)
        return frame

    def _build_sync(self) -> QFrame:
        frame, box, self.sync_title = self._panel()
        self.last_sync = label("", None, wrap=True)
        self.pending = label("", "muted", wrap=True)
        box.addWidget(self.last_sync)
        box.addWidget(self.pending)
        return frame

    # ------------------------------------------------------------------ refreshing

    @property
    def busy(self) -> bool:
        """A read of the session runs now."""
        return self._task is not None

    def refresh(self) -> None:
        """Read the session again, off the GUI thread; shown when it arrives. Asked while
        a read runs, one more read follows it (not one per request)."""
        if not self.session.signed_in:
            return
        if self._task is not None:
            self._again = True
            return
        self._again = False
        session = self.session

        def read_home(cancel: CancelToken, progress: Callable[[int, int], None]) -> Beranda | None:
            try:
                return session.beranda()
            except Exception:
                if not session.signed_in:  # the sign-out closed it under the read: nothing
                    return None
                raise

        self.loads += 1
        task = self.runner.run(
            read_home, done=self._loaded, failed=self._failed, name="home.refresh", parent=self
        )
        task.finished.connect(self._finished)
        self._task = task

    def _loaded(self, snapshot: Beranda | None) -> None:
        if snapshot is None or not self.session.signed_in:  # signed out meanwhile
            return
        self.snapshot = snapshot
        self._apply(snapshot)

    def _failed(self, error: BaseException) -> None:
        show_error(self, error)

    def _finished(self) -> None:
        task, self._task = self._task, None
        if task is not None and task.dropped:  # the runner shut down: the app closes
            self._again = False
            return
        if self._again:
            self.refresh()

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        self.trophies_title.setText(tr(Label.HOME_TROPHIES_TITLE))
        self.evaluation_title.setText(tr(Label.HOME_EVALUATION_TITLE))
        self.score_title.setText(tr(Label.HOME_FINAL_SCORE))
        self.materials_title.setText(tr(Label.HOME_MATERIALS_TITLE))
        for head, text in zip(
            self.column_heads,
            (Label.HOME_COLUMN_MATERIAL, Label.HOME_COLUMN_REQUIRED, Label.HOME_TROPHIES_TITLE),
            strict=True,
        ):
            head.setText(tr(text))
        for key, text in zip(
            self.attempt_keys,
            (
                Label.HOME_ATTEMPTS_GRADED,
                Label.HOME_ATTEMPTS_UNSENT,
                Label.HOME_ATTEMPTS_LATER,
                Label.HOME_GRADED_TODAY,
            ),
            strict=True,
        ):
            key.setText(tr(text))
        self.checklist_title.setText(tr(Label.HOME_CHECKLIST_TITLE))
        self.sync_title.setText(tr(Label.HOME_SYNC_TITLE))
        self.open_course.setText(tr(Label.HOME_OPEN_COURSE))
        self.meter.retranslate()
        self.materials_loading.setText(tr(Label.HOME_LOADING))  # hidden once read
        if self.snapshot is not None:
            self._apply(self.snapshot)
        else:
            self._say_loading()

    def _say_loading(self) -> None:
        self.next_text.setText(tr(Label.HOME_LOADING))
        self.cap_title.setText("")  # its number comes with the first read

    # ------------------------------------------------------------------ applying a read

    def _apply(self, snapshot: Beranda) -> None:
        view = snapshot.progress
        self.next_text.setText(next_text(snapshot))
        self._apply_trophies(snapshot)
        self._apply_evaluation(snapshot)
        self._apply_materials(view)
        self._apply_checklist(snapshot)
        if snapshot.last_sync_at is not None:
            self.last_sync.setText(tr(Label.HOME_SYNC_LAST, time=snapshot.last_sync_at))
        else:
            self.last_sync.setText(tr(Label.HOME_SYNC_NEVER))
        if snapshot.pending:
            self.pending.setText(tr(Label.HOME_PENDING, count=snapshot.pending))
        else:
            self.pending.setText(tr(Label.HOME_PENDING_NONE))

    def _apply_trophies(self, snapshot: Beranda) -> None:
        view = snapshot.progress
        self.trophy_count.setText(number(view.trophies))
        self.trophy_total.setText(tr(Label.HOME_TROPHIES_OF, total=view.max_trophies))
        self.meter.set_values(
            view.trophies, view.max_trophies, view.unlock_trophies, view.pass_trophies
        )
        self.trophy_hint.setText(trophy_hint(snapshot))

    def _apply_evaluation(self, snapshot: Beranda) -> None:
        view, outlook = snapshot.progress, snapshot.outlook
        self.evaluation_state.setText(tr(_STAGE[snapshot.stage]))
        self.evaluation_state.setVisible(True)
        set_flag(self.evaluation_state, "on", snapshot.stage is EvaluationStage.OPEN)
        self.evaluation_reason.setText(say(view.evaluation.reason))

        score = view.final_score
        self.final_score.setText(NO_NUMBER if score is None else number(score))
        self.score_caption.setText(tr(_SCORE[snapshot.score]))
        self.passing_score.setText(tr(Label.HOME_PASSING_SCORE, passing=view.passing_score))

        self.cap_title.setText(tr(Label.HOME_NEXT_CAP, number=view.next_attempt))
        cap = snapshot.next_cap
        self.next_cap.setText(NO_NUMBER if cap is None else number(cap))
        estimated = cap is not None and view.next_cap_estimated
        self.cap_caption.setText(tr(Label.HOME_ESTIMATE) if estimated else "")

        self.graded_value.setText(number(view.attempts_graded))
        self.unsent_value.setText(number(view.attempts_pending))
        self.later_value.setText(number(view.attempts_awaiting_grading))
        today = outlook.graded_left_today
        if today is None:
            self.today_value.setText(tr(Label.HOME_GRADED_TODAY_ANY))
        else:
            left, limit = today
            self.today_value.setText(tr(Label.HOME_GRADED_TODAY_LEFT, left=left, limit=limit))
        # the next attempt graded on a later day (the daily limit is used up): said
        later = snapshot.later
        forecast = say(outlook.grading.message) if later else ""
        self.forecast.setText(
            tr(Label.HOME_FORECAST, number=view.next_attempt, forecast=forecast) if later else ""
        )
        self.forecast.setVisible(later)

    def _apply_materials(self, view: Progress) -> None:
        ids = [m.material_id for m in view.materials]
        if ids != [row.material_id for row in self.material_rows]:
            self._rebuild_materials(ids)
        self.materials_loading.setVisible(False)
        for row, material in zip(self.material_rows, view.materials, strict=True):
            row.title.setText(material.title)
            row.required.setText(
                tr(Label.HOME_FRACTION, done=material.required_done, total=material.required_total)
            )
            row.trophies.setText(
                tr(Label.HOME_FRACTION, done=material.trophies, total=material.max_trophies)
            )
            done = tr(Label.HOME_MATERIAL_COMPLETE) if material.complete else ""
            row.mark.setText(DONE_MARK if material.complete else "")
            row.mark.setAccessibleName(done)
            row.mark.setToolTip(done)

    def _rebuild_materials(self, ids: list[str]) -> None:
        for row in self.material_rows:
            for part in (row.mark, row.title, row.required, row.trophies):
                self.materials_grid.removeWidget(part)
                part.deleteLater()
        self.material_rows = []
        for index, material_id in enumerate(ids, start=1):
            row = MaterialRow(
                material_id,
                label("", "done"),
                label("", None, wrap=True),
                label("", "field"),
                label("", "field"),
            )
            row.title.setMinimumWidth(160)
            row.mark.setFixedSize(self._mark_size())
            for column, part in enumerate((row.mark, row.title, row.required, row.trophies)):
                if column in (2, 3):
                    part.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                self.materials_grid.addWidget(part, index, column, Qt.AlignmentFlag.AlignTop)
            self.material_rows.append(row)

    def _apply_checklist(self, snapshot: Beranda) -> None:
        found = snapshot.conditions
        while len(self.condition_rows) < len(found):
            self._add_condition_row()
        while len(self.condition_rows) > len(found):
            row = self.condition_rows.pop()
            for part in (row.mark, row.name, row.detail):
                self.checklist_box.removeWidget(part)
                part.deleteLater()
        for row, condition in zip(self.condition_rows, found, strict=True):
            row.mark.setText(MET if condition.met else NOT_MET)
            set_flag(row.mark, "on", condition.met)
            state = tr(Label.HOME_CONDITION_MET if condition.met else Label.HOME_CONDITION_NOT_MET)
            row.mark.setAccessibleName(state)
            name, detail = condition_texts(condition)
            row.name.setText(name)
            row.detail.setText(detail)
            row.detail.setVisible(bool(detail))

    def _add_condition_row(self) -> None:
        index = len(self.condition_rows)
        row = ConditionRow(label("", "check"), label("", "field", wrap=True), label("", "muted"))
        row.detail.setWordWrap(True)
        row.detail.setContentsMargins(0, 0, 0, 6)
        self.checklist_box.addWidget(row.mark, index * 2, 0, Qt.AlignmentFlag.AlignTop)
        self.checklist_box.addWidget(row.name, index * 2, 1)
        self.checklist_box.addWidget(row.detail, index * 2 + 1, 1)
        self.condition_rows.append(row)
