"""``HomePage``: Beranda, the participant's progress at a glance (DESIGN §4).

At the top, always in view, the next step (one sentence) and its button: "Buka Course"
while there is something to do in Course, "Buka Profil" once the certificate is issued
(``profile_requested``; it is downloaded there), none while a passed participant waits
for the issuance (the ``Beranda``'s ``action``). Under it, a scroll area (a Tab stop
after the button, and only while it can scroll) with the panels. On a page at least
``STACK_WIDTH`` wide, two columns, split 3:2 by the page's width alone (what they hold
never widens one): on the left the trophies, the academic evaluation, the progress per
material; on the right the certificate's conditions and the last sync. Narrower (a
1366×768 screen at 125 % gives about 890 px), the same two columns one above the other,
so one column in the order a participant reads them: trophies, evaluation, materials,
conditions, sync (the panels never move between layouts: that left a column's height
stale, the panels squeezed to nothing). Every text wraps or fits at either width, in
both languages.

The panels: the trophies, large, with "dari 50 trofi" beside them, how many of them wait
for a sync (``Progress.provisional_trophies``; no line when none) and the
``TrophyMeter`` under them, as wide as the panel (so its marks' labels are placed by the
page's width only, never by the numbers); the progress per material (a narrow mark
column first, "✓" once the material's required activities are all done, empty but as
wide before, so nothing moves; the title; required activities done; trophies earned of
possible); the last sync and the changes still waiting to be sent; the academic
evaluation (its state and reason; the final score and, while the evaluation is not
closed, the next attempt's cap, large, "perkiraan" when the number is estimated; the
attempts graded, waiting for a sync or for a later day's grading; the gradings left
today under the course's daily limit, and when the next attempt would be graded on a
later day); the certificate's conditions, each met or not, with what is missing.

Everything comes from ONE read of the session, ``session.beranda()`` (a ``Beranda``,
``session/beranda.py``), made off the GUI thread by ``refresh()`` through a
``CoalescedRead`` and applied on it. The page decides nothing: which conditions are met,
the next step and its page, the trophy hint and its numbers, the score's state, the
evaluation's stage and whether the next attempt is graded on a later day are the
``Beranda``'s; the page maps its enums to labels and shows its numbers and the core's
messages. A refresh asked while one runs runs once more after it (however many were
asked); a result that arrives after the sign-out is dropped, and a read the sign-out
interrupts ends quietly (the read's own guard: it returns nothing when the session was
closed under it). Nothing changes on the page while a read runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QMargins, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
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
    NextAction,
    NextStep,
    ScoreState,
    TrophyGoal,
)
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.ui import texts
from latsar_desktop.ui.meter import TrophyMeter
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import CoalescedRead, TaskRunner, session_read
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

__all__ = ["HomePage", "condition_texts"]

log = logging.getLogger(__name__)
CONTENT_WIDTH = 1200  # the page's widest, on a large screen
STACK_WIDTH = 960  # a page narrower than this shows its panels in one column
NO_NUMBER = "—"
MET, NOT_MET = "✓", "○"
DONE_MARK = "✓"  # a complete material's mark

# ---------------------------------------------------------------------- enums to labels

_NEXT: dict[NextStep, Label] = {
    NextStep.WELCOME: Label.HOME_NEXT_WELCOME,
    NextStep.CONTINUE: Label.HOME_NEXT_CONTINUE,
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
    evaluation_requested = Signal()  # Course's evaluation entry
    profile_requested = Signal()

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.snapshot: Beranda | None = None  # the last one applied
        self.stacked = False  # one column (a narrow page), else two
        self.material_rows: list[MaterialRow] = []
        self.condition_rows: list[ConditionRow] = []
        self._reader: CoalescedRead[Beranda | None] = session_read(
            runner, session, self._read, self._loaded, name="home.refresh", parent=self
        )
        self._build()
        self.retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        # the next step, always in view (outside the scroll area: its button is the
        # page's first Tab stop, the scroll area the next)
        self.next_text = label("", "notice", wrap=True)
        self.next_button = Button("")
        self.next_button.clicked.connect(self._next_clicked)
        self.open_course = self.next_button  # its first and usual page
        banner = QHBoxLayout()
        banner.setSpacing(16)
        banner.addWidget(self.next_text, 1)
        banner.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(self._centred(banner, QMargins(32, 20, 32, 4)))

        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a stop only while it scrolls
        self.scroller.verticalScrollBar().rangeChanged.connect(self._scroll_range)
        outer.addWidget(self.scroller, 1)

        content = QWidget()
        self.left_column, left = self._column()
        self.right_column, right = self._column()
        columns = self._columns_box = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        columns.setSpacing(16)
        columns.addWidget(self.left_column, 3)
        columns.addWidget(self.right_column, 2)
        self.trophies_panel = self._build_trophies()
        self.materials_panel = self._build_materials()
        self.sync_panel = self._build_sync()
        self.evaluation_panel = self._build_evaluation()
        self.checklist_panel = self._build_checklist()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(self._centred(columns, QMargins(32, 12, 32, 24)))
        body.addStretch(1)
        # each panel stays in its column (once the columns have their parent: never a
        # window); moving panels between layouts left a column's height stale, the panels
        # squeezed to nothing, so a narrow page turns the columns' direction instead
        for panel in (self.trophies_panel, self.evaluation_panel, self.materials_panel):
            left.addWidget(panel)
        for panel in (self.checklist_panel, self.sync_panel):
            right.addWidget(panel)
        left.addStretch(1)
        right.addStretch(1)
        self.scroller.setWidget(content)

    @staticmethod
    def _centred(inner: QBoxLayout, margins: QMargins) -> QHBoxLayout:
        """``inner`` at most ``CONTENT_WIDTH`` wide, centred on a wide page."""
        holder = QWidget()
        holder.setMaximumWidth(CONTENT_WIDTH)
        inner.setContentsMargins(0, 0, 0, 0)
        holder.setLayout(inner)
        row = QHBoxLayout()
        row.setContentsMargins(margins)
        row.addWidget(holder)
        return row

    @staticmethod
    def _column() -> tuple[QWidget, QVBoxLayout]:
        """A column whose width the page's width alone decides (its stretch), never
        what it holds: its texts wrap to it."""
        column = QWidget()
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        column.setSizePolicy(policy)
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(16)
        return column, box

    def resizeEvent(self, event: QResizeEvent) -> None:
        stacked = event.size().width() < STACK_WIDTH
        if stacked != self.stacked:
            self.stacked = stacked
            flow = QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
            self._columns_box.setDirection(flow)
        super().resizeEvent(event)

    def _scroll_range(self, low: int, high: int) -> None:
        """The scroll area is a Tab stop (after the button) only while it can scroll."""
        scrolls = high > low
        self.scroller.setFocusPolicy(
            Qt.FocusPolicy.StrongFocus if scrolls else Qt.FocusPolicy.NoFocus
        )

    def _panel(self, beside: QWidget | None = None) -> tuple[QFrame, QVBoxLayout, QLabel]:
        """A panel with its title (and ``beside`` it, on its line, a state)."""
        frame = QFrame()
        set_role(frame, "panel")
        box = QVBoxLayout(frame)
        box.setContentsMargins(20, 16, 20, 18)
        box.setSpacing(8)
        title = label("", "subtitle", wrap=True)
        if beside is None:
            box.addWidget(title)
        else:
            line = QHBoxLayout()
            line.setSpacing(12)
            line.addWidget(title, 1)
            line.addWidget(beside, 0, Qt.AlignmentFlag.AlignVCenter)
            box.addLayout(line)
        return frame, box, title

    def _build_trophies(self) -> QFrame:
        frame, box, self.trophies_title = self._panel()
        figure = QHBoxLayout()
        figure.setSpacing(10)
        self.trophy_count = label(NO_NUMBER, "big")
        self.trophy_total = label("", "muted", wrap=True)
        figure.addWidget(self.trophy_count, 0, Qt.AlignmentFlag.AlignBaseline)
        figure.addWidget(self.trophy_total, 1, Qt.AlignmentFlag.AlignBaseline)
        box.addLayout(figure)
        # of those, the ones that wait for a sync (provisional): a calm line, when any
        self.trophy_provisional = label("", "muted", wrap=True)
        self.trophy_provisional.setVisible(False)
        box.addWidget(self.trophy_provisional)
        self.meter = TrophyMeter()  # the panel's width: its labels placed by that alone
        box.addWidget(self.meter)
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
        # the final score and the next attempt's cap side by side, in a grid: their
        # titles may take two lines, their numbers stay on one line
        figures = QGridLayout()
        figures.setHorizontalSpacing(24)
        figures.setVerticalSpacing(0)
        self.score_title = label("", "field", wrap=True)
        self.final_score = label(NO_NUMBER, "big")
        self.score_caption = label("", "muted", wrap=True)
        self.passing_score = label("", "muted", wrap=True)
        self.cap_title = label("", "field", wrap=True)
        self.next_cap = label(NO_NUMBER, "big")
        self.cap_caption = label("", "muted")
        self.cap_caption.setMinimumHeight(self.cap_caption.fontMetrics().height())
        self.cap_parts = (self.cap_title, self.next_cap, self.cap_caption)  # hidden: closed
        bottom = Qt.AlignmentFlag.AlignBottom
        top = Qt.AlignmentFlag.AlignTop
        for row, part in enumerate(
            (self.score_title, self.final_score, self.score_caption, self.passing_score)
        ):
            figures.addWidget(part, row, 0, bottom if row == 0 else top)
        for row, part in enumerate(self.cap_parts):
            figures.addWidget(part, row, 1, bottom if row == 0 else top)
        figures.setColumnStretch(0, 1)
        figures.setColumnStretch(1, 1)
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
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(key, index, 0)
            grid.addWidget(value, index, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        box.addLayout(grid)
        self.forecast = label("", "muted", wrap=True)
        box.addWidget(self.forecast)
        box.addStretch(1)
        return frame

    def _build_materials(self) -> QFrame:
        frame, box, self.materials_title = self._panel()
        self.materials_grid = QGridLayout()
        self.materials_grid.setHorizontalSpacing(16)
        self.materials_grid.setVerticalSpacing(10)
        # column 0: the narrow "✓" column, its width fixed (so nothing moves when a
        # material becomes complete); then the title (it wraps), required activities,
        # trophies
        self.materials_grid.setColumnMinimumWidth(0, self._mark_size().width())
        self.column_heads = [label("", "column", wrap=True) for _ in range(3)]
        for index, head in enumerate(self.column_heads, start=1):
            if index > 1:
                head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
            self.materials_grid.addWidget(head, 0, index, Qt.AlignmentFlag.AlignBottom)
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
        """A read of the session runs now (or one more is due)."""
        return self._reader.busy

    @property
    def loads(self) -> int:
        """Reads started (a refresh asked during one runs one more after it)."""
        return self._reader.reads

    def refresh(self) -> None:
        """Read the session again, off the GUI thread; shown when it arrives. Asked while
        a read runs, one more read follows it (not one per request)."""
        self._reader.request()

    def _read(self) -> Beranda:
        """The read, off the GUI thread (the session looked up now: tests replace it)."""
        return self.session.beranda()

    def _loaded(self, snapshot: Beranda) -> None:
        self.snapshot = snapshot
        self._apply(snapshot)

    def _next_clicked(self) -> None:
        action = self.snapshot.action if self.snapshot is not None else NextAction.COURSE
        if action is NextAction.PROFILE:
            self.profile_requested.emit()
        elif action is NextAction.COURSE:
            self.course_requested.emit()
        elif action is NextAction.EVALUATION:
            self.evaluation_requested.emit()

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
        self.meter.retranslate()
        self.materials_loading.setText(tr(Label.HOME_LOADING))  # hidden once read
        if self.snapshot is not None:
            self._apply(self.snapshot)
        else:
            self._say_loading()

    def _say_loading(self) -> None:
        self.next_text.setText(tr(Label.HOME_LOADING))
        self.next_button.setText(tr(Label.HOME_OPEN_COURSE))
        self.cap_title.setText("")  # its number comes with the first read

    # ------------------------------------------------------------------ applying a read

    def _apply(self, snapshot: Beranda) -> None:
        view = snapshot.progress
        self.next_text.setText(next_text(snapshot))
        self._apply_action(snapshot.action)
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

    def _apply_action(self, action: NextAction) -> None:
        """The banner's button: the page it opens, or none."""
        if action is NextAction.PROFILE:
            self.next_button.setText(tr(Label.HOME_OPEN_PROFILE))
        elif action is NextAction.EVALUATION:
            self.next_button.setText(tr(Label.HOME_OPEN_EVALUATION))
        else:
            self.next_button.setText(tr(Label.HOME_OPEN_COURSE))
        self.next_button.setVisible(action is not NextAction.NONE)

    def _apply_trophies(self, snapshot: Beranda) -> None:
        view = snapshot.progress
        self.trophy_count.setText(number(view.trophies))
        self.trophy_total.setText(tr(Label.HOME_TROPHIES_OF, total=view.max_trophies))
        waiting = view.provisional_trophies
        self.trophy_provisional.setText(
            tr(Label.HOME_TROPHIES_PROVISIONAL, count=waiting) if waiting else ""
        )
        self.trophy_provisional.setVisible(bool(waiting))
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

        # the next attempt's cap: none once the evaluation is closed
        for part in self.cap_parts:
            part.setVisible(snapshot.stage is not EvaluationStage.CLOSED)
        self.cap_title.setText(tr(Label.HOME_CAP_TITLE, number=view.next_attempt))
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
