"""The window's status bar once signed in: where the sync stands, "Sinkronkan sekarang",
and "Rincian" with the last error and the events the server refused.

One state at a time, with a coloured dot (``SyncState``):

- offline: the server was not reached (``session.online`` False at the sign-in, or a
  sync's ``SyncError.link_down``): "Luring — perubahan disimpan di komputer ini", or
  "Luring — 3 perubahan menunggu; …" when changes wait; why (``session.offline_reason``
  or ``session.message_for(error)``: refused, not our server, a server error…) is read
  in "Rincian", shown whenever the reason is known, and in the tool tip;
- syncing: a background sync runs, "Menyinkronkan… 12/40" and a small progress bar in
  the slot "Rincian" has otherwise (as wide as the wider: nothing moves while it runs);
- error: the server was reached and refused (``session.message_for(error)``); a sync
  stopped or not run (``SyncError.inconclusive``) is no news and changes nothing;
- pending: "N perubahan menunggu sinkronisasi";
- done: "Tersinkron · <time>" ("Terhubung ke server" before any sync).

The sentence stays on one line: a long one is cut with "…" at its end, elided again on
every resize (``status_message()``, the accessible name and "Rincian" keep it whole;
so does the tool tip when there is no other).

"Sinkronkan sekarang" (``session.sync_now()``) reads "Batalkan" while a sync runs
(``session.cancel_sync()``; the sync ends quietly, the state is what it was before it);
its width is the wider of the two texts, so the bar never shifts. "Rincian" shows when
there is something to read: why the server is not reached, the last sync's error, or
events the server refused (a refusal is permanent). It opens ``SyncDetailsDialog``
(``details_dialog`` while open, window-modal through ``open()``, a child of the bar's
window): at the top the reason (calm when offline), the last sync's time and the
changes waiting; then the refused events from ``session.rejected_events()`` (the UI
only maps an event's type or its activity's kind to a label, with the activity's title).

Threads. ``start()`` starts the session's background sync; its progress and results
arrive on the sync thread and are re-posted to the GUI thread with signals (a result
carries the counts read right after it on that thread, so "done" shows its time at
once). ``refresh()`` re-reads the pending count, the last sync's time and the number of
refusals on the ``TaskRunner`` (``tasks.session_read``: asked while one runs, one more
after it, not N; one begun before a sync's result is thrown away and read again). The
details (the counts and the refused events) are read on the runner too before the
dialog opens. ``synced`` is emitted on the GUI thread after each successful sync.
``history`` lists the states shown, in order.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
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
from latsar_desktop.domain.protocol import ActivityKind, EventType
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.views import RefusedEvent
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.engine import SyncReport
from latsar_desktop.sync.errors import SyncError
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.style import set_property, set_role
from latsar_desktop.ui.tasks import TaskRunner, session_read
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


# what a refused activity's event was, by the activity's kind: "Video: <title>"
_KIND_LABELS: dict[ActivityKind, Label] = {
    ActivityKind.VIDEO: Label.SYNC_DETAILS_VIDEO,
    ActivityKind.READING: Label.SYNC_DETAILS_READING,
    ActivityKind.PRACTICE_QUIZ: Label.SYNC_DETAILS_PRACTICE,
    ActivityKind.REFLECTION: Label.SYNC_DETAILS_REFLECTION,
}


def describe(event: RefusedEvent) -> tuple[Label, dict[str, ParamValue]]:
    """What a refused event was, as a label and its parameters: the welcome video, an
    evaluation attempt, or an activity named by its kind and title (its id when the
    course has no such activity any more; its number when the journal lost it)."""
    if event.type is None:
        return Label.SYNC_DETAILS_UNKNOWN, {"seq": event.seq}
    if event.type is EventType.WELCOME_WATCHED:
        return Label.SYNC_DETAILS_WELCOME, {}
    if event.type is EventType.ATTEMPT_SUBMITTED:
        return Label.SYNC_DETAILS_ATTEMPT, {}
    if event.activity_title is not None and event.activity_kind is not None:
        return _KIND_LABELS[event.activity_kind], {"title": event.activity_title}
    return Label.SYNC_DETAILS_ACTIVITY, {"activity": event.activity_id or ""}


def what_text(event: RefusedEvent) -> str:
    what, params = describe(event)
    return tr(what, **params)


@dataclass(frozen=True)
class Details:
    """What "Rincian" shows, read on the runner: the counts and the refused events."""

    counts: Counts
    refused: list[RefusedEvent]


def read_details(session: ParticipantSession) -> Details:
    """The counts and the refused events, oldest first (worker)."""
    return Details(read_counts(session), session.rejected_events())


class _StateText(QLabel):
    """The state's sentence on one line, cut with "…" at its end when the bar is too
    narrow for it (elided again on every resize); ``full`` keeps it whole, and so do the
    accessible name, "Rincian" and the tool tip. It never widens the window."""

    def __init__(self) -> None:
        super().__init__()
        self.full = self.tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)

    def set_full(self, text: str, tip: str) -> None:
        """The sentence, and its tool tip (none: the sentence itself when it is cut)."""
        self.full = " ".join(text.split())  # one line: a line break would be cut apart
        self.tip = tip
        self.setAccessibleName(self.full)
        self._elide()

    def elided(self) -> bool:
        return self.text() != self.full

    def _elide(self) -> None:
        width = self.contentsRect().width()
        elide = Qt.TextElideMode.ElideRight
        self.setText(self.fontMetrics().elidedText(self.full, elide, max(width, 0)))
        self.setToolTip(self.tip or (self.full if self.elided() else ""))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()


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
        self._counts_read = session_read(
            runner,
            session,
            lambda: read_counts(session),
            self._counts_read_done,
            name="status_counts",
            parent=self,
            alive=lambda: not self._signing_out,
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
            if counts is not None and counts.pending:
                text = tr(Label.STATUS_OFFLINE_PENDING, count=counts.pending)
            else:
                text = tr(Label.STATUS_OFFLINE)
            return SyncState.OFFLINE, text, "\n".join(lines)
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
        self.text.set_full(text, tip)
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
        self.details_button.setVisible(self._worth_details(state, rejected))

    def _worth_details(self, state: SyncState, rejected: int) -> bool:
        """ "Rincian" when there is something to read there: the last sync's error, why
        the server is not reached (offline with a known reason), or refused events."""
        if state is SyncState.SIGNING_OUT:
            return False
        offline = state is SyncState.OFFLINE and self._link_reason is not None
        return offline or self._problem is not None or rejected > 0

    def status_message(self) -> str:
        """The state's sentence, whole (the bar may show it cut short with "…")."""
        return self.text.full

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

        def work(cancel: CancelToken, progress: Any) -> Details:
            return read_details(session)

        def done(details: Details) -> None:
            self._loading_details = False
            if self._signing_out or not self.session.signed_in:
                return
            self._counts = details.counts  # just read: the bar says the same as the dialog
            self._show()
            offline = not self._online
            if offline:
                problem = self._link_reason
            else:
                problem = self.session.message_for(self._problem) if self._problem else None
            if self.details_dialog is not None:
                self.details_dialog.reject()
            # the window's child: the status bar's label style is not the dialog's
            dialog = SyncDetailsDialog(
                details.refused, problem, self.window(), offline=offline, counts=details.counts
            )
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
    """At the top, why the server is not reached (``offline``) or the last sync's error,
    with the last sync's time and the changes waiting; then the events the server
    refused, each with what it was, when it was recorded and the server's reason (see
    the module docstring)."""

    def __init__(
        self,
        refused: list[RefusedEvent],
        problem: Message | None,
        parent: QWidget | None = None,
        *,
        offline: bool = False,
        counts: Counts | None = None,
    ) -> None:
        super().__init__(parent)
        self.refused = refused
        self.problem = problem
        self.offline = offline
        self.counts = counts
        self.setFixedWidth(DETAILS_WIDTH)
        column = self.column = QVBoxLayout(self)
        # the height is ours (``_fit``): a wrapped label's minimum is for a narrow width
        column.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        column.setContentsMargins(24, 20, 24, 16)
        column.setSpacing(10)
        self.title = label("", "subtitle", wrap=True)
        column.addWidget(self.title)
        self.error_heading = label("", "field", wrap=True)
        # offline is no fault: told calmly; an error the server answered, as an error
        self.error_text = label("", "notice" if offline else "error", wrap=True)
        self.error_text.setTextFormat(Qt.TextFormat.RichText)
        self.error_text.setOpenExternalLinks(True)
        for part in (self.error_heading, self.error_text):
            part.setVisible(problem is not None)
            column.addWidget(part)
        # the last sync's time and the changes waiting (when the counts were read)
        self.last_sync = label("", "muted", wrap=True)
        self.pending = label("", "muted", wrap=True)
        column.addWidget(self.last_sync)
        column.addWidget(self.pending)
        self.last_sync.setVisible(counts is not None)
        self.pending.setVisible(counts is not None and counts.pending > 0)
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
        heading = Label.SYNC_DETAILS_OFFLINE if self.offline else Label.SYNC_DETAILS_ERROR
        self.error_heading.setText(tr(heading))
        self.error_text.setText(rich_text(say(self.problem)) if self.problem else "")
        counts = self.counts
        last = counts.last_sync_at if counts is not None else None
        self.last_sync.setText(
            tr(Label.STATUS_SYNCED, time=last) if last else tr(Label.SYNC_DETAILS_NEVER)
        )
        self.pending.setText(tr(Label.STATUS_PENDING, count=counts.pending if counts else 0))
        count = len(self.refused)
        self.refused_heading.setText(tr(Label.SYNC_DETAILS_REJECTED, count=count))
        self.refused_heading.setVisible(bool(count))
        self.refused_intro.setText(
            tr(Label.SYNC_DETAILS_REJECTED_INTRO if count else Label.SYNC_DETAILS_NONE)
        )
        for (what, when, reason), event in zip(self.rows, self.refused, strict=True):
            what.setText(what_text(event))
            at = event.recorded_at
            when.setText(tr(Label.SYNC_DETAILS_WHEN, time=at) if at else "")
            when.setVisible(at is not None)
            reason.setText(say(event.reason))
        self.close_button.setText(tr(Label.CLOSE))
        self._fit()

    def texts(self) -> list[str]:
        """What the participant reads in it, top to bottom (for tests and tools)."""
        parts = [self.title.text()]
        if self.problem is not None:
            parts += [self.error_heading.text(), say(self.problem)]
        parts += [part.text() for part in (self.last_sync, self.pending) if part.isVisibleTo(self)]
        if self.refused:
            parts.append(self.refused_heading.text())
        parts.append(self.refused_intro.text())
        for what, when, reason in self.rows:
            parts += [what.text(), *([when.text()] if when.text() else []), reason.text()]
        return parts
