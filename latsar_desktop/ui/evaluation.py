"""The academic evaluation's attempt: its confirmation, the attempt itself, the submission's
confirmation, and the offer to continue an attempt left open (DESIGN §2 "Time limit",
§4 "The Evaluation screen").

``StartDialog(outlook)`` is the calm confirmation before an attempt: "Percobaan ke-4", the
maximum score LARGE ("perkiraan" with one sentence why, when the number is a prediction),
the attempts used, the time limit, the number of questions, when the attempt is graded (a
later day under the course's daily limit is set apart in the accent's box, not left grey)
and the gradings left today. "Mulai percobaan" (the default) accepts it, "Batal" rejects.

``AttemptView`` is the attempt page. ``begin(run, number, cap, estimated)`` shows an
``AttemptRun`` (``session.start_attempt()`` or ``open_attempt()``): a top line with the
heading and the time left (large, tabular digits, mm:ss), a warning line whose room is
kept from the start (it shows at 5 minutes left and moves nothing), the question ("Soal 3
dari 20", its text and its choices as radio buttons "A. …" whose text wraps) in a scroll
area, beside it the numbered buttons of every question (answered ones filled with the
accent, the current one ringed, a legend and "12 dari 20 dijawab"), and at the bottom
"Sebelumnya", "Berikutnya", "Lanjutkan nanti" and "Kirim jawaban". Keys (wherever the
focus is inside the page, a radio button included): 1–9 or A–I choose the shown
question's choice of that rank, Left/Right and PageUp/PageDown go to the previous or next
question.

The page decides nothing: every answer goes to ``run.answer()`` at once (the run saves it
as the attempt's draft), a QTimer ticks the run every ``TICK_MS`` (``run.tick()`` saves a
checkpoint) and shows ``run.remaining_seconds``; at ``run.time_over`` (or when the run
refuses an answer with ``Code.EVALUATION_TIME_OVER``) the run is submitted with the
answers given and ``ended(True)`` is emitted. "Kirim jawaban" opens the ``SubmitDialog``
(which names the unanswered questions when there are any); "Kirim" submits the run and
emits ``ended(True)``. "Lanjutkan nanti" closes the run (its timer stops, the draft stays)
and emits ``ended(False)``; ``stop()`` closes it without a signal (sign-out, the window
closed). The run's calls are short store transactions made on the GUI thread, in order
(accepted, see ``session/participant.py``); a failure is shown by ``errors.show_error``.

``ResumeDialog`` offers, after the sign-in, to continue the attempt left open: its number,
the time left and the questions answered; "Lanjutkan percobaan" (the default) or "Nanti".

Every dialog is shown with ``open()`` (never ``exec()``); every widget has
``retranslate()``.
"""

from __future__ import annotations

import itertools
import logging
import string
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.evaluation import AttemptQuestion, AttemptRun, EvaluationOutlook
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

__all__ = [
    "NAV_COLUMNS",
    "TICK_MS",
    "WARNING_SECONDS",
    "AttemptView",
    "ResumeDialog",
    "StartDialog",
    "SubmitDialog",
    "cap_text",
    "time_text",
]

log = logging.getLogger(__name__)

TICK_MS = 250  # the page's timer: it ticks the run and shows the time left
WARNING_SECONDS = 5 * 60  # the warning shows from this much time left
NAV_COLUMNS = 5  # the numbered buttons per row
NAV_SIZE = QSize(40, 32)  # a numbered button
NAV_GAP = 6
NAV_ROWS_SHOWN = 3  # the rows of numbers always in view (more scroll; all when there is room)
DIALOG_WIDTH = 520  # the dialogs' width (logical px): fits 1366×768 at 125 % easily
LETTERS = string.ascii_uppercase
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n - 1 for n in range(1, 10)}
_LETTER_KEYS = {getattr(Qt.Key, f"Key_{c}"): i for i, c in enumerate(LETTERS[:9])}
_PREVIOUS = {Qt.Key.Key_Left, Qt.Key.Key_PageUp}
_NEXT = {Qt.Key.Key_Right, Qt.Key.Key_PageDown}
_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


def cap_text(cap: Decimal) -> str:
    """A maximum score with two decimals, as the language writes it ("90,01", "100,00")."""
    return i18n.format_param(cap.quantize(Decimal("0.01")), texts.language())


def time_text(seconds: int) -> str:
    """A time left: "29:41", "0:05" never; "05:00"; from an hour on "1:02:03"."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def _limit_text(seconds: int) -> str:
    if seconds % 60 == 0:
        return tr(Label.ATTEMPT_TIME_LIMIT, minutes=seconds // 60)
    return tr(Label.ATTEMPT_TIME_LIMIT_CLOCK, time=time_text(seconds))


def _fit(dialog: QDialog, width: int = DIALOG_WIDTH) -> None:
    """``dialog`` ``width`` wide and as tall as its wrapped texts need at that width."""
    layout = dialog.layout()
    assert layout is not None
    # the height is ours: the layout's minimum is its wrapped texts' at a narrow width
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    dialog.setFixedWidth(width)
    layout.activate()
    height = (
        layout.totalHeightForWidth(width)
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    dialog.setFixedHeight(height)


def _answer_buttons(
    dialog: QDialog, reject: QPushButton, accept: QPushButton, default: QPushButton
) -> QHBoxLayout:
    """A dialog's two buttons on the right: ``reject`` then ``accept``; ``default`` (one
    of them) answers Enter, comes first for Tab and has the focus."""
    row = QHBoxLayout()
    row.setSpacing(10)
    row.addStretch(1)
    for button in (reject, accept):
        button.setDefault(button is default)
        button.setAutoDefault(button is default)
        row.addWidget(button)
    accept.clicked.connect(dialog.accept)
    reject.clicked.connect(dialog.reject)
    other = reject if default is accept else accept
    dialog.setTabOrder(default, other)
    default.setFocus(Qt.FocusReason.OtherFocusReason)
    return row


def _message_column(dialog: QDialog, name: str) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """A question's dialog: its column, with a title and a text under it."""
    dialog.setObjectName(name)
    column = QVBoxLayout(dialog)
    column.setContentsMargins(28, 24, 28, 20)
    column.setSpacing(10)
    title = label("", "subtitle", wrap=True)
    column.addWidget(title)
    text = label("", None, wrap=True)
    column.addWidget(text)
    column.addSpacing(10)
    return column, title, text


# ---------------------------------------------------------------------- before an attempt


class StartDialog(QDialog):
    """The confirmation before an attempt (see the module docstring); ``open()`` it."""

    def __init__(self, outlook: EvaluationOutlook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outlook = outlook
        self.setObjectName("start-dialog")
        column = QVBoxLayout(self)
        column.setContentsMargins(28, 24, 28, 20)
        column.setSpacing(6)
        self.eyebrow = label("", "eyebrow")
        column.addWidget(self.eyebrow)
        self.heading = label("", "title")
        column.addWidget(self.heading)
        column.addSpacing(8)
        self.cap_caption = label("", "muted")
        column.addWidget(self.cap_caption)
        self.cap_value = label("", "big")
        column.addWidget(self.cap_value)
        self.estimate_note = label("", "muted", wrap=True)
        self.estimate_note.setVisible(outlook.estimated)
        column.addWidget(self.estimate_note)
        column.addSpacing(10)
        self.used = label("", None, wrap=True)
        self.time_limit = label("", None, wrap=True)
        self.question_count = label("", None, wrap=True)
        for line in (self.used, self.time_limit, self.question_count):
            column.addWidget(line)
        column.addSpacing(8)
        # graded on a later day: in the accent's box, where the eye goes
        self.grading_note = label("", "notice" if outlook.grading.later else None, wrap=True)
        column.addWidget(self.grading_note)
        self.left_today = label("", "muted", wrap=True)
        self.left_today.setVisible(outlook.graded_left_message is not None)
        column.addWidget(self.left_today)
        column.addSpacing(8)
        self.intro = label("", "muted", wrap=True)
        column.addWidget(self.intro)
        column.addSpacing(12)
        self.cancel_button = Button("")
        self.start_button = Button("", "primary")
        column.addLayout(
            _answer_buttons(self, self.cancel_button, self.start_button, self.start_button)
        )
        self.retranslate()

    def retranslate(self) -> None:
        outlook = self.outlook
        self.setWindowTitle(tr(Label.ATTEMPT_START_TITLE))
        self.eyebrow.setText(tr(Label.ATTEMPT_START_TITLE))
        self.heading.setText(tr(Label.ATTEMPT_NUMBER, number=outlook.next_number))
        self.cap_caption.setText(tr(Label.ATTEMPT_CAP_CAPTION))
        self.cap_value.setText(cap_text(outlook.next_cap))
        self.cap_value.setAccessibleName(
            f"{tr(Label.ATTEMPT_CAP_CAPTION)} {cap_text(outlook.next_cap)}"
        )
        self.estimate_note.setText(tr(Label.ATTEMPT_ESTIMATE))
        self.used.setText(tr(Label.ATTEMPT_USED, count=max(0, outlook.next_number - 1)))
        self.time_limit.setText(_limit_text(outlook.time_limit_seconds))
        self.question_count.setText(tr(Label.ATTEMPT_QUESTION_COUNT, count=outlook.question_count))
        self.grading_note.setText(say(outlook.grading.message))
        left = outlook.graded_left_message
        self.left_today.setText(say(left) if left is not None else "")
        self.intro.setText(tr(Label.ATTEMPT_START_INTRO))
        self.start_button.setText(tr(Label.ATTEMPT_START))
        self.cancel_button.setText(tr(Label.ATTEMPT_CANCEL))
        _fit(self)


class ResumeDialog(QDialog):
    """After the sign-in, an attempt left open: continue it now or later; ``open()`` it."""

    def __init__(
        self,
        number: int,
        remaining_seconds: int,
        answered: int,
        total: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.number = number
        self.remaining_seconds = remaining_seconds
        self.answered = answered
        self.total = total
        column, self.title, self.text = _message_column(self, "resume-dialog")
        self.later_button = Button("")
        self.continue_button = Button("", "primary")
        column.addLayout(
            _answer_buttons(self, self.later_button, self.continue_button, self.continue_button)
        )
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr(Label.ATTEMPT_RESUME_TITLE))
        self.title.setText(tr(Label.ATTEMPT_RESUME_TITLE))
        self.text.setText(
            tr(
                Label.ATTEMPT_RESUME_TEXT,
                number=self.number,
                time=time_text(self.remaining_seconds),
                answered=self.answered,
                total=self.total,
            )
        )
        self.continue_button.setText(tr(Label.ATTEMPT_CONTINUE))
        self.later_button.setText(tr(Label.ATTEMPT_NOT_NOW))
        _fit(self)


class SubmitDialog(QDialog):
    """ "Kirim jawaban": names the unanswered questions when there are any; "Kirim" accepts,
    "Kembali ke soal" rejects. ``open()`` it."""

    def __init__(self, number: int, unanswered: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.unanswered = unanswered
        column, self.title, self.text = _message_column(self, "submit-dialog")
        self.back_button = Button("")
        self.send_button = Button("", "primary")
        # with questions unanswered, Enter goes back to them: sending is a deliberate click
        default = self.send_button if unanswered == 0 else self.back_button
        column.addLayout(_answer_buttons(self, self.back_button, self.send_button, default))
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr(Label.ATTEMPT_SUBMIT_TITLE))
        self.title.setText(tr(Label.ATTEMPT_SUBMIT_TITLE))
        if self.unanswered:
            self.text.setText(tr(Label.ATTEMPT_SUBMIT_UNANSWERED, count=self.unanswered))
        else:
            self.text.setText(tr(Label.ATTEMPT_SUBMIT_ALL, number=self.number))
        self.send_button.setText(tr(Label.ATTEMPT_SEND))
        self.back_button.setText(tr(Label.ATTEMPT_BACK))
        _fit(self)


# ---------------------------------------------------------------------- the attempt


class _ChoiceButton(QRadioButton):
    """A choice: a radio button whose text ("A. …") wraps at the button's width (a plain
    radio button's text stays on one line and is clipped); a click anywhere on it chooses
    it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        set_role(self, "attempt-choice")

    def _option(self, width: int, height: int) -> QStyleOptionButton:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        option.rect = QRect(0, 0, width, height)
        return option

    def _text_rect(self, width: int, height: int) -> QRect:
        option = self._option(width, height)
        return (
            self.style()
            .subElementRect(QStyle.SubElement.SE_RadioButtonContents, option, self)
            .adjusted(4, 0, 0, 0)
        )

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        probe = 200
        rect = self._text_rect(width, probe)
        spare = probe - rect.height()  # the box's top and bottom
        text = QFontMetrics(self.font()).boundingRect(
            QRect(0, 0, max(1, rect.width()), 100_000),
            int(Qt.TextFlag.TextWordWrap),
            self.text(),
        )
        indicator = self.style().pixelMetric(
            QStyle.PixelMetric.PM_ExclusiveIndicatorHeight, self._option(width, probe), self
        )
        return max(text.height(), indicator) + spare + 6

    def sizeHint(self) -> QSize:
        width = 420
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        # one line's height: the layout asks ``heightForWidth`` at the real width (a
        # narrow width's height here would make the question's scroll area scroll)
        return QSize(160, self.heightForWidth(100_000))

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = self._option(self.width(), self.height())
        option.rect = self.rect()
        self.style().drawControl(QStyle.ControlElement.CE_RadioButton, option, painter, self)
        rect = self._text_rect(self.width(), self.height())
        group = QPalette.ColorGroup.Normal if self.isEnabled() else QPalette.ColorGroup.Disabled
        painter.setPen(self.palette().color(group, self.foregroundRole()))
        painter.setFont(self.font())
        painter.drawText(
            rect,
            int(
                Qt.AlignmentFlag.AlignLeft
                | Qt.AlignmentFlag.AlignVCenter
                | Qt.TextFlag.TextWordWrap
            ),
            self.text(),
        )
        painter.end()


class _NavButton(QPushButton):
    """A question's numbered button: its style properties ``answered`` and ``current``."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(str(number), parent)
        self.number = number
        set_role(self, "attempt-nav")
        self.setProperty("answered", False)
        self.setProperty("current", False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAutoDefault(False)


class AttemptView(QWidget):
    """The attempt page (see the module docstring)."""

    ended = Signal(bool)  # True: submitted (by the participant or at time out); False: closed

    def __init__(
        self,
        session: ParticipantSession,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.run: AttemptRun | None = None
        self.number = 0
        self.cap = Decimal(0)
        self.estimated = False
        self.current_index = 0
        self.submit_dialog: SubmitDialog | None = None
        self.choice_buttons: list[QRadioButton] = []
        self.nav_buttons: list[QPushButton] = []
        self._pool: list[_ChoiceButton] = []  # every choice button made; the shown first
        self._showing = False  # the shown question's buttons are being set: no answer
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._build()
        self.retranslate()

    # -------------------------------------------------------------- building

    def _build(self) -> None:
        page = QVBoxLayout(self)
        # at 1366×768 and 125 % the page area is about 1093×424: the page fits in it, else
        # the window would grow past the screen
        page.setContentsMargins(28, 10, 28, 10)
        page.setSpacing(8)

        # the top line: the heading on the left; the time left, large, on the right
        top = QHBoxLayout()
        top.setSpacing(16)
        self.heading = label("", "subtitle", wrap=True)
        top.addWidget(self.heading, 1, Qt.AlignmentFlag.AlignVCenter)
        self.timer_caption = label("", "muted")
        top.addWidget(self.timer_caption, 0, Qt.AlignmentFlag.AlignVCenter)
        self.timer_label = label("00:00", "attempt-timer")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        font = QFont(self.timer_label.font())
        font.setFeature(QFont.Tag("tnum"), 1)  # digits of one width: the time never shakes
        self.timer_label.setFont(font)
        top.addWidget(self.timer_label, 0, Qt.AlignmentFlag.AlignVCenter)
        page.addLayout(top)

        # one line under it, its room kept from the start: the keys' hint, replaced at 5
        # minutes left by the warning (in the same place: nothing moves)
        line = QGridLayout()
        line.setContentsMargins(0, 0, 0, 0)
        self.keys_hint = label("", "attempt-hint", wrap=True)
        self.warning = label("", "attempt-warning", wrap=True)
        for part in (self.keys_hint, self.warning):
            part.setIndent(0)  # a label with a padding indents its text by half an "x"
            retain = part.sizePolicy()
            retain.setRetainSizeWhenHidden(True)
            part.setSizePolicy(retain)
            line.addWidget(part, 0, 0)
        self.warning.setVisible(False)
        page.addLayout(line)

        body = QHBoxLayout()
        body.setSpacing(20)
        body.addWidget(self._build_question(), 1)
        body.addWidget(self._build_nav(), 0)
        page.addLayout(body, 1)

        bottom = QHBoxLayout()
        bottom.setSpacing(10)
        self.prev_button = Button("")
        self.next_button = Button("")
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        bottom.addWidget(self.prev_button)
        bottom.addWidget(self.next_button)
        bottom.addStretch(1)
        self.later_button = Button("")
        self.later_button.clicked.connect(self.continue_later)
        self.submit_button = Button("", "primary")
        self.submit_button.clicked.connect(self.ask_submit)
        bottom.addWidget(self.later_button)
        bottom.addWidget(self.submit_button)
        page.addLayout(bottom)
        for widget in (self.prev_button, self.next_button, self.later_button, self.submit_button):
            widget.installEventFilter(self)

    def _build_question(self) -> QScrollArea:
        self.question_area = area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys are the page's
        inside = QWidget()
        column = self.question_column = QVBoxLayout(inside)
        column.setContentsMargins(0, 4, 8, 4)
        column.setSpacing(8)
        self.question_title = label("", "eyebrow")
        column.addWidget(self.question_title)
        self.question_text = label("", "attempt-question", wrap=True)
        self.question_text.setTextFormat(Qt.TextFormat.PlainText)
        self.question_text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        column.addWidget(self.question_text)
        column.addSpacing(4)
        self.choice_group = QButtonGroup(self)
        self.choice_group.setExclusive(True)
        self.choice_group.idClicked.connect(self._choice_clicked)
        self.choices_box = QVBoxLayout()
        self.choices_box.setSpacing(4)
        column.addLayout(self.choices_box)
        clear_row = QHBoxLayout()
        self.clear_button = Button("", "link")
        self.clear_button.clicked.connect(self.clear_answer)
        self.clear_button.installEventFilter(self)
        clear_row.addWidget(self.clear_button)
        clear_row.addStretch(1)
        column.addLayout(clear_row)
        column.addStretch(1)
        area.setWidget(inside)
        return area

    def _build_nav(self) -> QWidget:
        panel = QFrame()
        set_role(panel, "panel")
        panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(panel)
        column.setContentsMargins(14, 12, 14, 12)
        column.setSpacing(8)
        self.nav_title = label("", "field")
        column.addWidget(self.nav_title)
        self.nav_area = QScrollArea()
        self.nav_area.setWidgetResizable(True)
        self.nav_area.setFrameShape(QFrame.Shape.NoFrame)
        self.nav_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.nav_area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        set_role(self.nav_area, "attempt-nav-area")
        grid_holder = QWidget()
        set_role(grid_holder, "attempt-nav-grid")
        self.nav_grid = QGridLayout(grid_holder)
        self.nav_grid.setContentsMargins(0, 0, 0, 0)
        self.nav_grid.setSpacing(NAV_GAP)
        self.nav_grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.nav_area.setWidget(grid_holder)
        column.addWidget(self.nav_area, 1)  # the room left goes to the numbers first
        self.answered_count = label("", "field")
        column.addWidget(self.answered_count)
        legend = QVBoxLayout()
        legend.setSpacing(2)
        self.legend_answered = label("", "muted")
        self.legend_unanswered = label("", "muted")
        for swatch_answered, text in (
            (True, self.legend_answered),
            (False, self.legend_unanswered),
        ):
            row = QHBoxLayout()
            row.setSpacing(6)
            swatch = QLabel()
            set_role(swatch, "attempt-swatch")
            swatch.setProperty("answered", swatch_answered)
            swatch.setFixedSize(14, 14)
            row.addWidget(swatch)
            row.addWidget(text, 1)
            legend.addLayout(row)
        column.addLayout(legend)
        column.addStretch(1)
        width = NAV_COLUMNS * NAV_SIZE.width() + (NAV_COLUMNS - 1) * NAV_GAP + 28 + 16  # + margins
        panel.setFixedWidth(width)
        return panel

    # -------------------------------------------------------------- the run

    def begin(self, run: AttemptRun, number: int, cap: Decimal, estimated: bool) -> None:
        """Show ``run`` (attempt ``number``, its cap, ``estimated``: "perkiraan") and start
        its timer: at its first unanswered question (the first when all are answered)."""
        self.stop()
        self.run = run
        self.number = number
        self.cap = cap
        self.estimated = estimated
        self._make_nav(len(run.questions))
        answers = run.answers
        first = next(
            (i for i, q in enumerate(run.questions) if q.id not in answers),
            0,
        )
        self._set_enabled(True)
        self.retranslate()
        self.show_question(first)
        self._show_time()
        self.timer.start()
        self.focus_choices()

    def stop(self) -> None:
        """Close the run (its timer stops, its time and answers saved; it stays open to
        continue later): sign-out, the window closed. No signal; idempotent."""
        self.timer.stop()
        self._close_submit_dialog()
        run = self.run
        if run is not None and run.running:
            try:
                run.close()
            except Exception as error:  # the save failed: the run ended all the same
                log.exception("closing the attempt failed")
                errors.show_error(self, error)

    @property
    def question(self) -> AttemptQuestion | None:
        if self.run is None or not self.run.questions:
            return None
        return self.run.questions[self.current_index]

    def unanswered(self) -> int:
        if self.run is None:
            return 0
        answers = self.run.answers
        return sum(1 for q in self.run.questions if q.id not in answers)

    # -------------------------------------------------------------- showing

    def _make_nav(self, count: int) -> None:
        for button in self.nav_buttons:
            self.nav_grid.removeWidget(button)
            button.deleteLater()
        self.nav_buttons = []
        for index in range(count):
            button = _NavButton(index + 1)
            button.setFixedSize(NAV_SIZE)
            button.clicked.connect(lambda _=False, i=index: self.show_question(i))
            button.installEventFilter(self)
            self.nav_grid.addWidget(button, index // NAV_COLUMNS, index % NAV_COLUMNS)
            self.nav_buttons.append(button)
        rows = -(-count // NAV_COLUMNS)

        # as tall as its rows at most (the room left goes under the legend); shorter, it
        # scrolls
        def rows_height(rows: int) -> int:
            return max(1, rows * (NAV_SIZE.height() + NAV_GAP) - NAV_GAP)

        self.nav_area.setMaximumHeight(rows_height(rows))
        self.nav_area.setMinimumHeight(rows_height(min(rows, NAV_ROWS_SHOWN)))
        self._order_tabs()

    def _choice_pool(self, count: int) -> list[_ChoiceButton]:
        while len(self._pool) < count:
            button = _ChoiceButton()
            button.installEventFilter(self)
            self.choice_group.addButton(button, len(self._pool))
            self.choices_box.addWidget(button)
            self._pool.append(button)
        return self._pool[:count]

    def show_question(self, index: int) -> None:
        """Show the question at ``index`` (0-based), its answer chosen."""
        run = self.run
        if run is None or not run.questions:
            return
        index = min(max(0, index), len(run.questions) - 1)
        self.current_index = index
        question = run.questions[index]
        focus_rank = self._focused_choice()
        buttons = self._choice_pool(len(question.choices))
        chosen = run.answers.get(question.id)
        self._showing = True
        try:
            self.choice_group.setExclusive(False)
            for rank, button in enumerate(self._pool):
                shown = rank < len(question.choices)
                button.setVisible(shown)
                button.setChecked(shown and question.choices[rank].id == chosen)
                if shown:
                    choice = question.choices[rank]
                    button.setText(f"{LETTERS[rank]}. {choice.text}")
                    button.setAccessibleName(f"{LETTERS[rank]}. {choice.text}")
            self.choice_group.setExclusive(True)
        finally:
            self._showing = False
        self.choice_buttons = list(buttons)
        self.question_area.verticalScrollBar().setValue(0)
        self._show_question_texts()
        self._show_marks()
        self._order_tabs()
        if focus_rank is not None:  # the focus was on a choice: on this question's chosen
            self.focus_choices()  # one, else its first (a framed choice looks chosen)

    def _show_question_texts(self) -> None:
        question = self.question
        if question is None or self.run is None:
            return
        total = len(self.run.questions)
        self.question_title.setText(
            tr(Label.ATTEMPT_QUESTION_TITLE, number=question.number, total=total)
        )
        self.question_text.setText(question.text)

    def _show_marks(self) -> None:
        """The nav buttons' marks, the count answered, the buttons' states."""
        run = self.run
        if run is None:
            return
        answers = run.answers
        for index, (button, question) in enumerate(
            zip(self.nav_buttons, run.questions, strict=True)
        ):
            answered = question.id in answers
            set_flag(button, "answered", answered)
            set_flag(button, "current", index == self.current_index)
            name = Label.ATTEMPT_NAV_ANSWERED if answered else Label.ATTEMPT_NAV_UNANSWERED
            button.setAccessibleName(tr(name, number=question.number))
            button.setToolTip(tr(name, number=question.number))
        total = len(run.questions)
        self.answered_count.setText(
            tr(Label.ATTEMPT_ANSWERED_COUNT, answered=total - self.unanswered(), total=total)
        )
        shown = self.question
        running = run.running and not run.time_over
        self.prev_button.setEnabled(self.current_index > 0)
        self.next_button.setEnabled(self.current_index < total - 1)
        self.clear_button.setEnabled(running and shown is not None and shown.id in answers)

    def _show_time(self) -> None:
        run = self.run
        remaining = run.remaining_seconds if run is not None else 0
        self.timer_label.setText(time_text(remaining))
        self.timer_label.setAccessibleName(f"{tr(Label.ATTEMPT_TIME_LEFT)} {time_text(remaining)}")
        warn = run is not None and remaining <= WARNING_SECONDS
        self.warning.setVisible(warn)
        self.keys_hint.setVisible(not warn)
        set_flag(self.timer_label, "warning", warn)

    def _order_tabs(self) -> None:
        """Tab in reading order: the choices, "Hapus jawaban", the numbers, the buttons."""
        chain: list[QWidget] = [*self.choice_buttons, self.clear_button, *self.nav_buttons]
        chain += [self.prev_button, self.next_button, self.later_button, self.submit_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _focused_choice(self) -> int | None:
        focus = self.focusWidget()
        if isinstance(focus, _ChoiceButton) and focus in self.choice_buttons:
            return self.choice_buttons.index(focus)
        return None

    def focus_choices(self) -> None:
        """The keyboard's focus on the shown question's chosen choice (else its first)."""
        for button in self.choice_buttons:
            if button.isChecked():
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        if self.choice_buttons:
            self.choice_buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_enabled(self, enabled: bool) -> None:
        for button in self._pool:
            button.setEnabled(enabled)
        for widget in (self.clear_button, self.later_button, self.submit_button):
            widget.setEnabled(enabled)

    # -------------------------------------------------------------- acting

    def previous(self) -> None:
        self.show_question(self.current_index - 1)

    def next(self) -> None:
        self.show_question(self.current_index + 1)

    def choose(self, rank: int) -> None:
        """Answer the shown question with its choice at ``rank`` (0-based), as a click."""
        if 0 <= rank < len(self.choice_buttons) and self.choice_buttons[rank].isEnabled():
            self.choice_buttons[rank].click()

    def _choice_clicked(self, rank: int) -> None:
        if self._showing:
            return
        question = self.question
        if question is None or rank >= len(question.choices):
            return
        self._answer(question, question.choices[rank].id)

    def clear_answer(self) -> None:
        """ "Hapus jawaban": the shown question unanswered again."""
        question = self.question
        if question is not None:
            self._answer(question, None)

    def _answer(self, question: AttemptQuestion, choice_id: str | None) -> None:
        run = self.run
        if run is None or not run.running:
            return
        if run.answers.get(question.id) == choice_id:
            self._show_marks()
            return  # the chosen one clicked again: nothing to save
        try:
            run.answer(question.id, choice_id)
        except DomainError as error:
            if any(m.code is Code.EVALUATION_TIME_OVER for m in error.messages):
                self._time_up()
                return
            self._answer_failed(error)
            return
        except Exception as error:
            self._answer_failed(error)
            return
        if choice_id is None:
            self._uncheck_choices()
        self._show_marks()

    def _answer_failed(self, error: BaseException) -> None:
        log.exception("saving an answer failed", exc_info=error)
        self.show_question(self.current_index)  # the answer as saved
        errors.show_error(self, error)

    def _uncheck_choices(self) -> None:
        self._showing = True
        try:
            self.choice_group.setExclusive(False)
            for button in self._pool:
                button.setChecked(False)
            self.choice_group.setExclusive(True)
        finally:
            self._showing = False

    def _tick(self) -> None:
        run = self.run
        if run is None or not run.running:
            self.timer.stop()
            return
        try:
            run.tick()
        except Exception as error:  # a checkpoint not saved: the next tick tries again
            log.exception("saving the attempt's time failed")
            self.timer.stop()
            self._show_time()
            errors.show_error(self, error)
            self.timer.start()
            return
        self._show_time()
        if run.time_over:
            self._time_up()

    def _time_up(self) -> None:
        """The time is over: submitted with the answers given."""
        self.timer.stop()
        self._close_submit_dialog()
        self._set_enabled(False)
        self._show_time()
        self._submit()

    def ask_submit(self) -> None:
        """ "Kirim jawaban": the confirmation (``submit_dialog``), open until answered."""
        if self.run is None or not self.run.running or self.submit_dialog is not None:
            return
        dialog = SubmitDialog(self.number, self.unanswered(), self)
        self.submit_dialog = dialog
        dialog.accepted.connect(self._submit)
        dialog.finished.connect(lambda _result: self._submit_dialog_closed(dialog))
        dialog.open()

    def _submit_dialog_closed(self, dialog: SubmitDialog) -> None:
        if self.submit_dialog is dialog:
            self.submit_dialog = None
        dialog.deleteLater()
        if self.run is not None and self.run.running:
            self.focus_choices()

    def _close_submit_dialog(self) -> None:
        dialog = self.submit_dialog
        if dialog is not None:
            self.submit_dialog = None
            dialog.accepted.disconnect(self._submit)
            dialog.reject()

    def _submit(self) -> None:
        run = self.run
        if run is None or not run.running:
            return
        self.timer.stop()
        try:
            run.submit()
        except Exception as error:  # not submitted: the participant may try again
            log.exception("submitting the attempt failed")
            self.submit_button.setEnabled(True)
            if not run.time_over:
                self.timer.start()
            errors.show_error(self, error)
            return
        self._set_enabled(False)
        self.ended.emit(True)

    def continue_later(self) -> None:
        """ "Lanjutkan nanti": the run closed (the timer stops, the draft stays)."""
        run = self.run
        if run is None or not run.running:
            return
        self.stop()
        self._set_enabled(False)
        self.ended.emit(False)

    # -------------------------------------------------------------- keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The page's keys, wherever its focus is (a radio button eats the arrows)."""
        if (
            event.type() is QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._key(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._key(event):
            super().keyPressEvent(event)

    def _key(self, event: QKeyEvent) -> bool:
        # Shift too: "D" typed with Shift (or the hint read as capitals) answers as "d"
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if self.run is None or modifiers not in _PLAIN:
            return False
        key = Qt.Key(event.key())
        if key in _PREVIOUS:
            self.previous()
        elif key in _NEXT:
            self.next()
        elif key in _DIGITS or key in _LETTER_KEYS:
            rank = _DIGITS.get(key, _LETTER_KEYS.get(key, -1))
            if rank >= len(self.choice_buttons):
                return False
            self.choose(rank)
            self.choice_buttons[rank].setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            return False
        event.accept()
        return True

    # -------------------------------------------------------------- texts

    def retranslate(self) -> None:
        heading = Label.ATTEMPT_HEADING_ESTIMATED if self.estimated else Label.ATTEMPT_HEADING
        self.heading.setText(tr(heading, number=self.number, cap=cap_text(self.cap)))
        self.timer_caption.setText(tr(Label.ATTEMPT_TIME_LEFT))
        self.warning.setText(tr(Label.ATTEMPT_WARNING))
        self.clear_button.setText(tr(Label.ATTEMPT_CLEAR))
        self.nav_title.setText(tr(Label.ATTEMPT_NAV_TITLE))
        self.legend_answered.setText(tr(Label.ATTEMPT_LEGEND_ANSWERED))
        self.legend_unanswered.setText(tr(Label.ATTEMPT_LEGEND_UNANSWERED))
        self.keys_hint.setText(tr(Label.ATTEMPT_KEYS_HINT))
        self.prev_button.setText(tr(Label.ATTEMPT_PREVIOUS))
        self.next_button.setText(tr(Label.ATTEMPT_NEXT))
        self.later_button.setText(tr(Label.ATTEMPT_LATER))
        self.later_button.setToolTip(tr(Label.ATTEMPT_LATER_TIP))
        self.submit_button.setText(tr(Label.ATTEMPT_SUBMIT))
        self._show_question_texts()
        self._show_marks()
        self._show_time()
        if self.submit_dialog is not None:
            self.submit_dialog.retranslate()
