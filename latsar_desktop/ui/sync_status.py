"""The window's status bar once signed in: where the sync stands, "Sinkronkan sekarang",
and "Rincian" with the last error and the events the server refused.

One state at a time, with a coloured dot (``SyncState``):

- offline: the server was not reached (``session.online`` False at the sign-in, or a
  sync's ``SyncError.link_down``); why, the last sync and what waits are in the tool tip;
- syncing: a background sync runs, "Menyinkronkan… 12/40" and a small progress bar in
  the slot "Rincian" has otherwise (as wide as the wider: nothing moves while it runs);
- error: the server was reached and refused (``session.message_for(error)``); a sync
  stopped or not run (``SyncError.inconclusive``) is no news and changes nothing;
- pending: "N perubahan menunggu sinkronisasi";
- done: "Tersinkron · <time>" ("Terhubung ke server" before any sync).

"Sinkronkan sekarang" (``session.sync_now()``) reads "Batalkan" while a sync runs
(``session.cancel_sync()``; the sync ends quietly, the state is what it was before it);
its width is the wider of the two texts, so the bar never shifts. "Rincian" shows when
the last sync failed or the server refused events (a refusal is permanent); it opens
``SyncDetailsDialog`` (``details_dialog`` while open, window-modal through ``open()``,
a child of the bar's window). Which event a refusal was is read from the journal
(``session.store.journal()``, on the runner): the session has no method for it yet.

Threads. ``start()`` starts the session's background sync; its progress and results
arrive on the sync thread and are re-posted to the GUI thread with signals (a result
carries the counts read right after it on that thread, so "done" shows its time at
once). ``refresh()`` re-reads the pending count, the last sync's time and the number of
refusals on the ``TaskRunner`` (``tasks.CoalescedRead``: asked while one runs, one more
after it, not N; one begun before a sync's result is thrown away and read again). The
details are read on the runner too before the dialog opens. ``synced`` is emitted on the
GUI thread after each successful sync. ``history`` lists the states shown, in order.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QStackedLayout,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.domain.messages import Message, ParamValue
from latsar_desktop.domain.protocol import EventType, JournalEvent
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.engine import SyncReport
from latsar_desktop.sync.errors import SyncError
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.style import set_property, set_role
from latsar_desktop.ui.tasks import CoalescedRead, TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label, rich_text

log = logging.getLogger(__name__)

PROGRESS_WIDTH = 120  # the progress bar's slot, in logical pixels
DETAILS_WIDTH = 560  # the details dialog's width
LIST_HEIGHT = 280  # its list of refused events at most, then it scrolls (fits 768 at 125 %)
SCROLL_BAR_ROOM = 12  # the list's scroll bar, when it shows
HISTORY = 200  # states kept in ``history``


class SyncState(StrEnum):
    OFFLINE = "offline"
    PENDING = "pending"
    SYNCING = "syncing"
    DONE = "done"
    ERROR = "error"
    SIGNING_OUT = "signing_out"


@dataclass(frozen=True)
class Counts:
    """What the status bar reads from the profile: events not yet confirmed, the last
    sync's time, and the events the server refused."""

    pending: int
    last_sync_at: datetime | None
    rejected: int


def read_counts(session: ParticipantSession) -> Counts:
    """The counts (any thread; ``RuntimeError`` once signed out)."""
    return Counts(
        session.pending_count(),
        session.sync_status().last_sync_at,
        len(session.rejections()),
    )


@dataclass(frozen=True)
class RejectedEvent:
    """One refused event as the details list shows it: what it was (a label and its
    parameters), when it was recorded on this computer, and the server's reason."""

    what: Label | None  # None: ``title`` says it (an activity of the course)
    title: str
    params: dict[str, ParamValue]
    at: datetime | None
    reason: Message

    def what_text(self) -> str:
        return tr(self.what, **self.params) if self.what is not None else self.title


_What = tuple[Label | None, str, dict[str, ParamValue]]


def _describe(event: JournalEvent | None, seq: int, session: ParticipantSession) -> _What:
    """What a refused event was: a label and its parameters, or an activity's title."""
    if event is None:
        return Label.SYNC_DETAILS_UNKNOWN, "", {"seq": seq}
    if event.type is EventType.WELCOME_WATCHED:
        return Label.SYNC_DETAILS_WELCOME, "", {}
    if event.type is EventType.ATTEMPT_SUBMITTED:
        return Label.SYNC_DETAILS_ATTEMPT, "", {}
    activity_id = str(getattr(event.payload, "activity_id", ""))
    activity = session.package().activity(activity_id)
    if activity is None:
        return Label.SYNC_DETAILS_ACTIVITY, "", {"activity": activity_id}
    return None, activity.title, {}


def read_rejected(session: ParticipantSession) -> list[RejectedEvent]:
    """The events the server refused, oldest first, with what each was (worker: the
    journal is read whole to find them)."""
    rejections = session.rejections()
    if not rejections:
        return []
    wanted = {rejection.event_id for rejection in rejections}
    events: dict[uuid.UUID, JournalEvent] = {
        event.id: event for event in session.store.journal() if event.id in wanted
    }
    found = []
    for rejection in rejections:
        event = events.get(rejection.event_id)
        what, title, params = _describe(event, rejection.seq, session)
        at = event.at if event is not None else None
        found.append(RejectedEvent(what, title, params, at, rejection.message.to_message()))
    return found


class _StateText(QLabel):
    """The state's sentence on one line, cut with "…" when the bar is narrow (``text()``
    and the tool tip keep it whole); it never widens the window."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        elide = Qt.TextElideMode.ElideRight
        shown = self.fontMetrics().elidedText(self.text(), elide, rect.width())
        self.style().drawItemText(
            painter,
            rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            shown,
            self.foregroundRole(),
        )


class _Relay(QObject):
    """The sync thread's callbacks, re-posted to the GUI thread (queued signals)."""

    result = Signal(object, object)  # SyncReport | SyncError, Counts | None
    progress = Signal()  # a progress value waits in ``latest``

    def __init__(self, session: ParticipantSession, parent: QObject) -> None:
        super().__init__(parent)
        self.session = session
        self._lock = threading.Lock()
        self.latest: tuple[int, int] | None = None

    def on_result(self, result: SyncReport | SyncError) -> None:
        """From the sync thread: never raises (the scheduler's thread must go on)."""
        try:
            counts = read_counts(self.session) if self.session.signed_in else None
        except Exception:  # signed out meanwhile, or the profile unreadable: no counts
            log.debug("status bar: counts after a sync not read", exc_info=True)
            counts = None
        with contextlib.suppress(RuntimeError):  # the bar is gone (its window closed)
            self.result.emit(result, counts)

    def on_progress(self, done: int, total: int) -> None:
        """From the sync thread: at most one delivery waits, carrying the latest value."""
        with self._lock:
            waiting = self.latest is not None
            self.latest = (done, total)
        if not waiting:
            with contextlib.suppress(RuntimeError):
                self.progress.emit()

    def take(self) -> tuple[int, int] | None:
        with self._lock:
            latest, self.latest = self.latest, None
        return latest


class SyncStatusBar(QStatusBar):
    """The status bar of one session (see the module docstring)."""

    synced = Signal()  # after each successful sync, on the GUI thread

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.state = SyncState.DONE
        self.history: list[SyncState] = []
        self.details_dialog: SyncDetailsDialog | None = None
        self._online = session.online
        self._link_reason: Message | None = session.offline_reason  # why offline
        self._problem: SyncError | None = None  # the last sync's error, when it was reached
        self._counts: Counts | None = None
        self._syncing = False
        self._progress: tuple[int, int] = (0, 0)
        self._cancelling = False
        self._started = False
        self._signing_out = False
        # the counts, read on the runner; a sync's result brings counts of its own: a
        # read begun before it is stale (``invalidate``), thrown away and read again
        self._counts_read = CoalescedRead(
            runner,
            lambda: read_counts(session),
            self._counts_read_done,
            name="status_counts",
            parent=self,
            alive=lambda: not self._signing_out and session.signed_in,
            failed=self._counts_failed,
        )
        self._loading_details = False
        self._relay = _Relay(session, self)
        self._relay.result.connect(self._on_result, Qt.ConnectionType.QueuedConnection)
        self._relay.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._build()
        self.retranslate()
        self.refresh()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.setSizeGripEnabled(False)
        state = QWidget()
        row = QHBoxLayout(state)
        row.setContentsMargins(8, 0, 0, 0)
        row.setSpacing(0)
        self.dot = label("●", "status-dot")
        self.text = _StateText()
        row.addWidget(self.dot)
        row.addWidget(self.text, 1)
        self.addWidget(state, 1)
        # one slot beside the button: "Rincian", or the progress bar while a sync runs
        # (as wide as the wider of the two: the button never moves)
        self.slot = QWidget()
        self._slot = QStackedLayout(self.slot)
        self.details_button = Button("", "link")
        self.details_button.clicked.connect(self.show_details)
        self.details_button.hide()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(PROGRESS_WIDTH)
        for part in (self.details_button, self.progress):
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            row.addStretch(1)
            row.addWidget(part, 0, Qt.AlignmentFlag.AlignVCenter)
            self._slot.addWidget(page)
        self.sync_button = Button("", "status-action")
        self.sync_button.clicked.connect(self._sync_or_cancel)
        self.sync_button.setEnabled(False)  # until start()
        self.addPermanentWidget(self.slot)
        self.addPermanentWidget(self.sync_button)

    # ------------------------------------------------------------------ the session

    def start(self) -> None:
        """Start the session's background sync (now, periodically, when the link comes
        back); its progress and results reach this bar."""
        self.session.start_background(self._relay.on_result, self._relay.on_progress)
        self._started = True
        self._show()

    def refresh(self) -> None:
        """Read the counts again, off the GUI thread (after a local action, say)."""
        self._counts_read.request()

    def _counts_read_done(self, counts: Counts) -> None:
        self._counts = counts
        self._show()

    def _counts_failed(self, error: BaseException) -> None:
        log.warning("status bar: the counts could not be read: %r", error)

    def _sync_or_cancel(self) -> None:
        if self._signing_out or not self.session.signed_in or not self._started:
            return
        if self._syncing:
            if self.session.cancel_sync():
                self._cancelling = True  # the result comes within a moment
                self._show()
        else:
            self.session.sync_now()

    def _on_progress(self) -> None:
        latest = self._relay.take()
        if latest is None or self._signing_out or not self.session.signed_in:
            return
        self._syncing = True
        self._progress = latest
        self._show()

    def _on_result(self, result: SyncReport | SyncError, counts: Counts | None) -> None:
        if self._signing_out or not self.session.signed_in:
            return
        self._relay.take()  # a progress value still waiting is of this sync: spent
        self._syncing = self._cancelling = False
        self._counts_read.invalidate()
        if counts is not None:
            self._counts = counts
        else:
            self.refresh()
        if isinstance(result, SyncError):
            log.info("background sync: %s", result)
            if not result.inconclusive:  # one stopped or not run (inconclusive): no news
                self._online = not result.link_down  # not reached: offline, not a problem
                self._problem = None if result.link_down else result
                self._link_reason = self.session.message_for(result)
            self._show()
            return
        self._online, self._problem, self._link_reason = True, None, None
        self._show()
        self.synced.emit()

    # ------------------------------------------------------------------ what it shows

    def _current(self) -> tuple[SyncState, str, str]:
        """The state, its sentence and its tool tip."""
        counts = self._counts
        if self._signing_out:
            return SyncState.SIGNING_OUT, tr(Label.SHELL_SIGNING_OUT), ""
        if self._syncing:
            done, total = self._progress
            if total > 0:
                return SyncState.SYNCING, tr(Label.STATUS_SYNCING, done=done, total=total), ""
            return SyncState.SYNCING, tr(Label.STATUS_SYNCING_START), ""
        if not self._online:
            lines = [say(self._link_reason)] if self._link_reason is not None else []
            if counts is not None and counts.last_sync_at is not None:
                lines.append(tr(Label.STATUS_SYNCED, time=counts.last_sync_at))
            if counts is not None and counts.pending:
                lines.append(tr(Label.STATUS_PENDING, count=counts.pending))
            return SyncState.OFFLINE, tr(Label.STATUS_OFFLINE), "\n".join(lines)
        if self._problem is not None:
            text = say(self.session.message_for(self._problem))
            return SyncState.ERROR, text, text
        if counts is not None and counts.pending:
            return SyncState.PENDING, tr(Label.STATUS_PENDING, count=counts.pending), ""
        if counts is not None and counts.last_sync_at is not None:
            return SyncState.DONE, tr(Label.STATUS_DONE, time=counts.last_sync_at), ""
        return SyncState.DONE, tr(Label.STATUS_ONLINE), ""

    def _show(self) -> None:
        state, text, tip = self._current()
        self.text.setText(text)
        self.text.setToolTip(tip)
        set_property(self.dot, "state", state.value)
        if state is not self.state or not self.history:
            self.state = state
            self.history.append(state)
            if len(self.history) > HISTORY:  # a long session's syncs: the recent ones
                del self.history[: HISTORY // 2]
        syncing = state is SyncState.SYNCING
        self._slot.setCurrentIndex(1 if syncing else 0)
        if syncing:
            done, total = self._progress
            self.progress.setRange(0, max(total, 0))  # 0, 0: busy, its size not known yet
            self.progress.setValue(min(done, total))
        active = self._started and not self._signing_out and self.session.signed_in
        self.sync_button.setEnabled(active and not self._cancelling)
        self.sync_button.setText(tr(Label.STATUS_CANCEL if syncing else Label.STATUS_SYNC_NOW))
        self.sync_button.setToolTip(
            tr(Label.STATUS_CANCEL_TIP if syncing else Label.STATUS_SYNC_NOW_TIP)
        )
        rejected = self._counts.rejected if self._counts is not None else 0
        self.details_button.setText(
            tr(Label.STATUS_DETAILS_REJECTED, count=rejected)
            if rejected
            else tr(Label.STATUS_DETAILS)
        )
        worth = (self._problem is not None or rejected > 0) and not self._signing_out
        self.details_button.setVisible(worth)

    def status_message(self) -> str:
        """The state's sentence, as the participant reads it."""
        return self.text.text()

    def retranslate(self) -> None:
        """Every text again in the language now chosen."""
        self.progress.setAccessibleName(tr(Label.STATUS_PROGRESS_NAME))
        self._fit_sync_button()
        self._show()
        if self.details_dialog is not None:
            self.details_dialog.retranslate()

    def _fit_sync_button(self) -> None:
        """The button as wide as its wider text: "Batalkan" in place of "Sinkronkan
        sekarang" moves nothing."""
        button = self.sync_button
        button.ensurePolished()
        shown = button.text()
        widths = []
        for text in (Label.STATUS_SYNC_NOW, Label.STATUS_CANCEL):
            button.setText(tr(text))
            widths.append(button.sizeHint().width())
        button.setText(shown)
        button.setFixedWidth(max(widths))

    def signing_out(self) -> None:
        """The sign-out runs: the bar says so; nothing in it can be used meanwhile."""
        self._signing_out = True
        if self.details_dialog is not None:
            self.details_dialog.reject()
        self._show()

    # ------------------------------------------------------------------ Rincian

    def show_details(self) -> None:
        """Read the refused events off the GUI thread, then open the details (one at a
        time: a dialog still open is closed for the new one, with what is current)."""
        if self._loading_details or self._signing_out or not self.session.signed_in:
            return
        self._loading_details = True
        session = self.session

        def work(cancel: CancelToken, progress: Any) -> list[RejectedEvent]:
            return read_rejected(session)

        def done(rejected: list[RejectedEvent]) -> None:
            self._loading_details = False
            if self._signing_out or not self.session.signed_in:
                return
            problem = self.session.message_for(self._problem) if self._problem else None
            if self.details_dialog is not None:
                self.details_dialog.reject()
            # the window's child: the status bar's label style is not the dialog's
            dialog = SyncDetailsDialog(rejected, problem, self.window())
            self.details_dialog = dialog
            dialog.finished.connect(lambda _result: self._details_closed(dialog))
            dialog.open()

        def failed(error: BaseException) -> None:
            self._loading_details = False
            show_error(self, error)

        self.runner.run(work, done=done, failed=failed, name="sync_details", parent=self)

    def _details_closed(self, dialog: SyncDetailsDialog) -> None:
        if self.details_dialog is dialog:
            self.details_dialog = None
        dialog.deleteLater()


class SyncDetailsDialog(QDialog):
    """The last sync's error and the events the server refused, each with what it was,
    when it was recorded and the server's reason (see the module docstring)."""

    def __init__(
        self,
        refused: list[RejectedEvent],
        problem: Message | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.refused = refused
        self.problem = problem
        self.setFixedWidth(DETAILS_WIDTH)
        column = self.column = QVBoxLayout(self)
        # the height is ours (``_fit``): a wrapped label's minimum is for a narrow width
        column.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        column.setContentsMargins(24, 20, 24, 16)
        column.setSpacing(10)
        self.title = label("", "subtitle", wrap=True)
        column.addWidget(self.title)
        self.error_heading = label("", "field", wrap=True)
        self.error_text = label("", "error", wrap=True)
        self.error_text.setTextFormat(Qt.TextFormat.RichText)
        self.error_text.setOpenExternalLinks(True)
        for part in (self.error_heading, self.error_text):
            part.setVisible(problem is not None)
            column.addWidget(part)
        if problem is not None:
            column.addSpacing(6)
        self.refused_heading = label("", "field", wrap=True)
        self.refused_intro = label("", "muted", wrap=True)
        column.addWidget(self.refused_heading)
        column.addWidget(self.refused_intro)
        self.rows: list[tuple[QLabel, QLabel, QLabel]] = []
        column.addWidget(self._build_list())
        column.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = Button("", "primary")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.close_button)
        column.addLayout(buttons)
        self.retranslate()

    def _build_list(self) -> QWidget:
        inner = QWidget()
        rows = QVBoxLayout(inner)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(8)
        for _ in self.refused:
            card = QFrame()
            set_role(card, "panel")
            lines = QVBoxLayout(card)
            lines.setContentsMargins(12, 8, 12, 10)
            lines.setSpacing(2)
            what = label("", "field", wrap=True)
            when = label("", "muted", wrap=True)
            reason = label("", None, wrap=True)
            for part in (what, when, reason):
                lines.addWidget(part)
            rows.addWidget(card)
            self.rows.append((what, when, reason))
        rows.addStretch(1)
        scroll = self.list_area = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        scroll.setVisible(bool(self.refused))
        self.list_inner = inner
        return scroll

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()  # measured again once shown: every style applied

    def _fit(self) -> None:
        """The list as tall as its cards, up to ``LIST_HEIGHT`` (then it scrolls), and
        the dialog as tall as what it shows."""
        for widget in (self, *self.findChildren(QWidget)):
            widget.ensurePolished()  # the style's fonts and paddings, before measuring
        margins = self.column.contentsMargins()
        width = DETAILS_WIDTH - margins.left() - margins.right() - SCROLL_BAR_ROOM
        wanted = self.list_inner.heightForWidth(width)
        if wanted < 0:
            wanted = self.list_inner.sizeHint().height()
        fits = wanted <= LIST_HEIGHT
        self.list_area.setFixedHeight(min(wanted, LIST_HEIGHT))
        # all of it shown: no scroll bar (a wrapped label's minimum would ask for one)
        self.list_area.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        self.resize(DETAILS_WIDTH, self.column.totalHeightForWidth(DETAILS_WIDTH))

    def retranslate(self) -> None:
        self.setWindowTitle(tr(Label.SYNC_DETAILS_TITLE))
        self.title.setText(tr(Label.SYNC_DETAILS_TITLE))
        self.error_heading.setText(tr(Label.SYNC_DETAILS_ERROR))
        self.error_text.setText(rich_text(say(self.problem)) if self.problem else "")
        count = len(self.refused)
        self.refused_heading.setText(tr(Label.SYNC_DETAILS_REJECTED, count=count))
        self.refused_heading.setVisible(bool(count))
        self.refused_intro.setText(
            tr(Label.SYNC_DETAILS_REJECTED_INTRO if count else Label.SYNC_DETAILS_NONE)
        )
        for (what, when, reason), event in zip(self.rows, self.refused, strict=True):
            what.setText(event.what_text())
            when.setText(tr(Label.SYNC_DETAILS_WHEN, time=event.at) if event.at else "")
            when.setVisible(event.at is not None)
            reason.setText(say(event.reason))
        self.close_button.setText(tr(Label.CLOSE))
        self._fit()

    def texts(self) -> list[str]:
        """What the participant reads in it, top to bottom (for tests and tools)."""
        parts = [self.title.text()]
        if self.problem is not None:
            parts += [self.error_heading.text(), say(self.problem)]
        if self.refused:
            parts.append(self.refused_heading.text())
        parts.append(self.refused_intro.text())
        for what, when, reason in self.rows:
            parts += [what.text(), *([when.text()] if when.text() else []), reason.text()]
        return parts
