"""``HomePage``: Beranda, the participant's progress at a glance (DESIGN §4).

At the top, the next step (one sentence, with "Buka Course"). Then two columns in a
scroll area (the page area of a 1366×768 screen at 125 % shows the top of both). On the
left: the trophies, large, beside the ``TrophyMeter`` with its unlock and pass marks;
the progress per material (required activities done, trophies earned of possible; a
complete one marked "✓ Selesai"); the last sync and the changes still waiting to be
sent. On the right: the academic evaluation (its state and reason; the final score and
the next attempt's cap, large, "perkiraan" when the number is estimated; the attempts
graded, waiting for a sync or for a later day's grading; the gradings left today under
the course's daily limit, and when the next attempt would be graded on a later day);
the certificate's conditions, each met or not, with what is missing.

Everything comes from ONE read of the session (``read_snapshot``: ``view()``,
``evaluation()``, ``sync_status().last_sync_at``, ``pending_count()``), made off the GUI
thread by ``refresh()`` and applied on it. A refresh asked while one runs runs once more
after it (however many were asked); a result that arrives after the sign-out is dropped.
Nothing changes on the page while a read runs. The page decides nothing about the
training: which conditions are missing is the core's checklist (``Progress.checklist``,
its messages grouped here by code under the condition they are about), and the texts are
the core's messages and the page's labels. ``course_requested`` when the participant
chooses "Buka Course" (the window opens that page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
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
from latsar_desktop.domain.messages import Code, Message, ParamValue
from latsar_desktop.domain.progress import Progress
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.evaluation import EvaluationOutlook
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.ui import texts
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.meter import TrophyMeter
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import Task, TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

__all__ = ["Condition", "HomePage", "HomeSnapshot", "conditions", "next_step", "read_snapshot"]

log = logging.getLogger(__name__)
CONTENT_WIDTH = 1200  # the page's widest, on a large screen
NO_NUMBER = "—"
MET, NOT_MET = "✓", "○"


# ---------------------------------------------------------------------- what the page shows


@dataclass(frozen=True)
class HomeSnapshot:
    """One read of everything Beranda shows."""

    progress: Progress
    outlook: EvaluationOutlook
    last_sync_at: datetime | None
    pending: int  # events not confirmed by the server yet
    min_attempts: int  # graded attempts the course requires


def read_snapshot(session: ParticipantSession) -> HomeSnapshot:
    """Beranda's data, read from the session (any thread: short reads)."""
    progress = session.view()
    outlook = session.evaluation()
    last_sync_at = session.sync_status().last_sync_at
    pending = session.pending_count()
    rules = session.package().rules
    return HomeSnapshot(progress, outlook, last_sync_at, pending, rules.min_attempts)


Text = tuple[Label, Mapping[str, ParamValue]]


@dataclass(frozen=True)
class Condition:
    """One condition of the certificate: its name, met or not, and what the participant
    reads under it (the core's messages of what is missing, or a state)."""

    name: Text | Message
    met: bool
    details: tuple[Text | Message, ...] = field(default=())


# the core's checklist messages, by the condition they are about
_ABOUT: dict[Code, str] = {
    Code.CHECKLIST_WELCOME_NOT_WATCHED: "welcome",
    Code.CHECKLIST_MATERIAL_INCOMPLETE: "materials",
    Code.CHECKLIST_TROPHIES_BELOW_PASS: "trophies",
    Code.CHECKLIST_NO_GRADED_ATTEMPT: "attempt",
    Code.CHECKLIST_ATTEMPT_AWAITING_SYNC: "attempt",
    Code.CHECKLIST_ATTEMPT_AWAITING_GRADING: "attempt",
    Code.CHECKLIST_SCORE_BELOW_PASSING: "score",
    Code.CHECKLIST_AWAITING_ISSUANCE: "certificate",
}


def conditions(snapshot: HomeSnapshot) -> list[Condition]:
    """Every condition of the certificate, met or not: a condition is met when the core's
    checklist says nothing is missing for it. A checklist message this version does not
    group (a newer core) is a condition of its own, not met."""
    view = snapshot.progress
    missing: dict[str, list[Message]] = {}
    for message in view.checklist:
        missing.setdefault(_ABOUT.get(message.code, ""), []).append(message)

    def condition(about: str, name: Label, **params: ParamValue) -> Condition:
        found = missing.get(about, [])
        if found:
            return Condition((name, params), False, tuple(found))
        return Condition((name, params), True, ((Label.HOME_CONDITION_MET, {}),))

    score = condition("score", Label.HOME_CONDITION_SCORE, passing=view.passing_score)
    if view.final_score is None:  # no graded attempt yet: the attempt's row says why
        score = Condition(score.name, False, ((Label.HOME_CONDITION_NOT_MET, {}),))
    certificate_name: Text = (Label.HOME_CONDITION_CERTIFICATE, {})
    if view.certificate_issued:
        certificate = Condition(certificate_name, True, ((Label.HOME_CERTIFICATE_ISSUED, {}),))
    else:
        waiting = tuple(missing.get("certificate", ()))
        later: tuple[Text | Message, ...] = ((Label.HOME_CERTIFICATE_LATER, {}),)
        certificate = Condition(certificate_name, False, waiting or later)
    found = [
        condition("welcome", Label.HOME_CONDITION_WELCOME),
        condition("materials", Label.HOME_CONDITION_MATERIALS),
        condition("trophies", Label.HOME_CONDITION_TROPHIES, needed=view.pass_trophies),
        condition("attempt", Label.HOME_CONDITION_ATTEMPT, needed=snapshot.min_attempts),
        score,
        certificate,
    ]
    found += [Condition(message, False) for message in missing.get("", ())]
    return found


def next_step(snapshot: HomeSnapshot) -> Text:
    """The page's one sentence of what to do next."""
    view = snapshot.progress
    codes = {message.code for message in view.checklist}
    if view.certificate_issued:
        return Label.HOME_NEXT_ISSUED, {}
    if view.passed:
        if view.expected_issue_at is not None:
            return Label.HOME_NEXT_PASSED, {"date": view.expected_issue_at}
        return Label.HOME_NEXT_PASSED_SOON, {}
    if Code.CHECKLIST_WELCOME_NOT_WATCHED in codes:
        return Label.HOME_NEXT_WELCOME, {}
    if not view.evaluation.unlocked:
        return Label.HOME_NEXT_LEARN, {"unlock": view.unlock_trophies}
    if view.attempts_graded == 0:
        if view.attempts_pending or view.attempts_awaiting_grading:
            return Label.HOME_NEXT_WAITING, {}
        return Label.HOME_NEXT_EVALUATION, {}
    return Label.HOME_NEXT_CHECKLIST, {}


def number(value: int | Decimal) -> str:
    """A number as the participant's language writes it (``64,50``, ``64.50``)."""
    return i18n.format_param(value, texts.language())


def _say(text: Text | Message) -> str:
    if isinstance(text, Message):
        return say(text)
    code, params = text
    return tr(code, **params)


# ---------------------------------------------------------------------- the page


@dataclass
class MaterialRow:
    """One material's line in the progress table."""

    material_id: str
    title: QLabel
    required: QLabel
    trophies: QLabel
    done: QLabel


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
        self.snapshot: HomeSnapshot | None = None  # the last one applied
        self.loads = 0  # reads started (a refresh asked during one runs one more after it)
        self._task: Task[HomeSnapshot | None] | None = None
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
        self.column_heads = [label("", "column") for _ in range(3)]
        for index, head in enumerate(self.column_heads):
            if index:
                head.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.materials_grid.addWidget(head, 0, index)
        self.materials_grid.setColumnStretch(0, 1)
        box.addLayout(self.materials_grid)
        self.materials_loading = label("", "muted")
        box.addWidget(self.materials_loading)
        return frame

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

        def read_home(
            cancel: CancelToken, progress: Callable[[int, int], None]
        ) -> HomeSnapshot | None:
            try:
                return read_snapshot(session)
            except Exception:
                if not session.signed_in:  # closed under the read: not an error to log
                    return None
                raise

        self.loads += 1
        task = self.runner.run(
            read_home, done=self._loaded, failed=self._failed, name="home.refresh", parent=self
        )
        task.finished.connect(self._finished)
        self._task = task

    def _loaded(self, snapshot: HomeSnapshot | None) -> None:
        if snapshot is None or not self.session.signed_in:  # signed out meanwhile
            return
        self.snapshot = snapshot
        self._apply(snapshot)

    def _failed(self, error: BaseException) -> None:
        if not self.session.signed_in:  # the sign-out closed the store under the read
            log.info("Beranda: a read ended by the sign-out: %r", error)
            return
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

    def _apply(self, snapshot: HomeSnapshot) -> None:
        view = snapshot.progress
        code, params = next_step(snapshot)
        self.next_text.setText(tr(code, **params))
        self._apply_trophies(view)
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

    def _apply_trophies(self, view: Progress) -> None:
        self.trophy_count.setText(number(view.trophies))
        self.trophy_total.setText(tr(Label.HOME_TROPHIES_OF, total=view.max_trophies))
        self.meter.set_values(
            view.trophies, view.max_trophies, view.unlock_trophies, view.pass_trophies
        )
        below_pass = any(m.code is Code.CHECKLIST_TROPHIES_BELOW_PASS for m in view.checklist)
        if not view.evaluation.unlocked and not view.evaluation.closed:
            hint = tr(Label.HOME_TROPHIES_TO_UNLOCK, missing=view.unlock_trophies - view.trophies)
        elif below_pass:
            hint = tr(Label.HOME_TROPHIES_TO_PASS, missing=view.pass_trophies - view.trophies)
        else:
            hint = tr(Label.HOME_TROPHIES_ENOUGH)
        self.trophy_hint.setText(hint)

    def _apply_evaluation(self, snapshot: HomeSnapshot) -> None:
        view, outlook = snapshot.progress, snapshot.outlook
        state = view.evaluation
        if state.closed:
            chip = Label.HOME_EVALUATION_CLOSED
        elif state.unlocked:
            chip = Label.HOME_EVALUATION_OPEN
        else:
            chip = Label.HOME_EVALUATION_LOCKED
        self.evaluation_state.setText(tr(chip))
        self.evaluation_state.setVisible(True)
        set_flag(self.evaluation_state, "on", state.unlocked)
        self.evaluation_reason.setText(say(state.reason))

        codes = {message.code for message in view.checklist}
        if view.final_score is None:
            self.final_score.setText(NO_NUMBER)
            caption = tr(Label.HOME_SCORE_NONE)
        else:
            self.final_score.setText(number(view.final_score))
            if view.passed:
                caption = tr(Label.HOME_SCORE_PASSED)
            elif Code.CHECKLIST_SCORE_BELOW_PASSING in codes:
                caption = tr(Label.HOME_SCORE_BELOW)
            else:
                caption = tr(Label.HOME_SCORE_REACHED)
        self.passing_score.setText(tr(Label.HOME_PASSING_SCORE, passing=view.passing_score))
        self.score_caption.setText(caption)

        self.cap_title.setText(tr(Label.HOME_NEXT_CAP, number=view.next_attempt))
        if state.closed:
            self.next_cap.setText(NO_NUMBER)
            self.cap_caption.setText("")
        else:
            self.next_cap.setText(number(view.next_cap))
            self.cap_caption.setText(tr(Label.HOME_ESTIMATE) if view.next_cap_estimated else "")

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
        later = state.unlocked and outlook.grading.later
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
            row.done.setText(tr(Label.HOME_MATERIAL_DONE) if material.complete else "")

    def _rebuild_materials(self, ids: list[str]) -> None:
        for row in self.material_rows:
            for part in (row.title, row.required, row.trophies, row.done):
                self.materials_grid.removeWidget(part)
                part.deleteLater()
        self.material_rows = []
        for index, material_id in enumerate(ids, start=1):
            row = MaterialRow(
                material_id,
                label("", None, wrap=True),
                label("", "field"),
                label("", "field"),
                label("", "done"),
            )
            row.title.setMinimumWidth(160)
            for column, part in enumerate((row.title, row.required, row.trophies, row.done)):
                if column in (1, 2):
                    part.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                self.materials_grid.addWidget(part, index, column, Qt.AlignmentFlag.AlignTop)
            self.material_rows.append(row)

    def _apply_checklist(self, snapshot: HomeSnapshot) -> None:
        found = conditions(snapshot)
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
            row.name.setText(_say(condition.name))
            row.detail.setText("\n".join(_say(detail) for detail in condition.details))
            row.detail.setVisible(bool(condition.details))

    def _add_condition_row(self) -> None:
        index = len(self.condition_rows)
        row = ConditionRow(label("", "check"), label("", "field", wrap=True), label("", "muted"))
        row.detail.setWordWrap(True)
        row.detail.setContentsMargins(0, 0, 0, 6)
        self.checklist_box.addWidget(row.mark, index * 2, 0, Qt.AlignmentFlag.AlignTop)
        self.checklist_box.addWidget(row.name, index * 2, 1)
        self.checklist_box.addWidget(row.detail, index * 2 + 1, 1)
        self.condition_rows.append(row)
