"""The header's bell and its list of notifications (DESIGN §4; the core keeps them:
``store/notifications.py``).

``NotificationBell(session, runner)`` is a flat button with a bell drawn in the text
colour and, over its top right corner, a small badge in the accent colour with the
number of notifications not seen yet (hidden at 0: the button keeps its size, nothing
moves). Its accessible name says the number ("Pemberitahuan (2 belum dibaca)").
``refresh()`` reads the notifications off the GUI thread (``runner.run``); a refresh
asked while one runs is not queued again and again: one more runs after it, with the
newest data. The bell does not read by itself: its owner calls ``refresh()`` when it
is shown and after every sync.

A click, Space or Enter opens the ``NotificationList`` (``bell.notification_list``): a
popup under the bell, newest first, each notification's text (wrapping) with its time
under it; those not seen yet carry an accent dot and bold text. Esc, "Tutup" or a click
elsewhere closes it, and the focus returns to the bell. The list opens at once with
what the last refresh read (the same data as the count); only before the first refresh
has delivered does it say "Memuat…" until the read is back. Once shown, the unseen ones
shown are marked seen (``session.mark_seen``, off the GUI thread), then the bell reads
again: its count goes to 0. A notification that arrives while the list is open is not
slipped into it (nothing moves under the participant's eyes): the badge counts it, the
next opening shows it.

UI only: the data comes from ``session.notifications()``, the texts from the catalogs
(``texts.say`` of each notification's message, ``tr(Label.NOTIFY_TIME, time=…)``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import shiboken6
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.views import Notification
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.style import TEXT, set_flag, set_role
from latsar_desktop.ui.tasks import TaskRunner, session_read
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label, rule

log = logging.getLogger(__name__)

BELL_SIZE = QSize(44, 40)  # the button (logical px): the badge sits inside its top right
ICON_SIZE = 22
BADGE_HEIGHT = 20  # with its white ring (style.py)
BADGE_MOST = 99  # more than this shows as "99+"
LIST_WIDTH = 400
LIST_MAX_HEIGHT = 440  # fits under the header in a 1366×768 window at 125 %
LIST_MARGIN = 8  # between the bell and the list, and the list and the screen's edge
UNSEEN_DOT = "●"


def bell_icon(color: str = TEXT, size: int = ICON_SIZE, ratio: float = 2.0) -> QIcon:
    """A bell drawn with a path (no font has to carry a bell character)."""
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)  # drawn on a 24 × 24 grid
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    body = QPainterPath()
    body.moveTo(6, 16.5)
    body.lineTo(6, 11)
    body.cubicTo(6, 7.4, 8.6, 4.8, 12, 4.8)
    body.cubicTo(15.4, 4.8, 18, 7.4, 18, 11)
    body.lineTo(18, 16.5)
    body.lineTo(20, 18.5)
    body.lineTo(4, 18.5)
    body.closeSubpath()
    painter.drawPath(body)
    painter.drawEllipse(QPointF(12, 4.2), 1.6, 1.6)  # the loop on top
    clapper = QPainterPath()
    clapper.moveTo(9.6, 19.6)
    clapper.arcTo(QRectF(9.6, 17.6, 4.8, 4.8), 180, 180)
    clapper.closeSubpath()
    painter.drawPath(clapper)
    painter.end()
    return QIcon(pixmap)


def badge_text(count: int) -> str:
    return f"{BADGE_MOST}+" if count > BADGE_MOST else str(count)


class _Item(QWidget):
    """One notification in the list: the dot when not seen yet, the text, the time."""

    def __init__(self, notification: Notification, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notification = notification
        self.unseen = notification.seen_at is None
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(8)
        self.dot = label(UNSEEN_DOT if self.unseen else "", "unseen-dot")
        self.dot.setFixedWidth(12)
        row.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.text = label("", "notification", wrap=True)
        set_flag(self.text, "unseen", self.unseen)
        self.time = label("", "muted")
        column.addWidget(self.text)
        column.addWidget(self.time)
        row.addLayout(column, 1)
        self.retranslate()

    def retranslate(self) -> None:
        text = say(self.notification.message.to_message())
        self.text.setText(text)
        self.time.setText(tr(Label.NOTIFY_TIME, time=self.notification.created_at))
        spoken = tr(Label.NOTIFY_NEW, text=text) if self.unseen else text
        self.setAccessibleName(tr(Label.NOTIFY_ITEM_NAME, text=spoken, time=self.time.text()))


class NotificationList(QFrame):
    """The popup list. It only shows what it is given (``show_items``, ``show_loading``);
    the bell reads and marks. ``closed`` when it closes, whatever closed it."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        set_role(self, "popup")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(LIST_WIDTH)
        self.anchor: QWidget | None = None  # what it opened under (the bell)
        self.items: list[_Item] = []
        self.loading = False
        column = self.column = QVBoxLayout(self)
        column.setContentsMargins(1, 1, 1, 1)
        column.setSpacing(0)
        head = self.head = QHBoxLayout()
        head.setContentsMargins(16, 12, 10, 10)
        self.title = label("", "subtitle")
        self.close_button = Button("", "link")
        self.close_button.clicked.connect(self.close)
        head.addWidget(self.title, 1)
        head.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        column.addLayout(head)
        column.addWidget(rule())
        self.area = QScrollArea()
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.area.setWidgetResizable(True)
        self.area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows and pages scroll
        column.addWidget(self.area, 1)
        self.state = label("", "muted", wrap=True)  # empty, or loading
        self.state.setContentsMargins(16, 14, 16, 16)
        column.addWidget(self.state)
        self._fill([])
        self.retranslate()

    # ------------------------------------------------------------------ contents

    def show_loading(self) -> None:
        self.loading = True
        self._fill([])

    def show_items(self, notifications: Sequence[Notification]) -> None:
        """Newest first, as the session lists them."""
        self.loading = False
        self._fill(notifications)

    def _fill(self, notifications: Sequence[Notification]) -> None:
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.items = []
        for index, notification in enumerate(notifications):
            if index:
                column.addWidget(rule())
            item = _Item(notification)
            self.items.append(item)
            column.addWidget(item)
        column.addStretch(1)
        self.area.setWidget(inner)  # the previous contents are deleted with it
        self.area.setVisible(bool(self.items))
        self.state.setVisible(not self.items)
        self._say_state()
        self._fit()

    def _fit(self) -> None:
        """As tall as the contents, up to ``LIST_MAX_HEIGHT`` (then the list scrolls)."""
        self.ensurePolished()  # the fonts the stylesheet gives (bold wraps sooner)
        inner = self.area.widget()
        layout = inner.layout() if inner is not None else None
        if inner is None or layout is None or not self.items:
            self.area.setFixedHeight(0)
        else:
            inner.ensurePolished()
            needed = layout.totalHeightForWidth(LIST_WIDTH - 2)
            self.area.setFixedHeight(needed)
            # the rest (the frame, the heading, the rule) as the popup's layout adds it
            rest = self._needed() - needed
            self.area.setFixedHeight(min(needed, LIST_MAX_HEIGHT - rest))
        self.setFixedHeight(min(self._needed(), LIST_MAX_HEIGHT))

    def _needed(self) -> int:
        """The height the popup's layout asks for at its width."""
        self.column.invalidate()
        if self.column.hasHeightForWidth():
            return self.column.totalHeightForWidth(LIST_WIDTH)
        return self.column.totalSizeHint().height()

    def _say_state(self) -> None:
        self.state.setText(tr(Label.NOTIFY_LOADING if self.loading else Label.NOTIFY_EMPTY))

    def retranslate(self) -> None:
        self.title.setText(tr(Label.NOTIFY_TITLE))
        self.setAccessibleName(tr(Label.NOTIFY_TITLE))
        self.close_button.setText(tr(Label.NOTIFY_CLOSE))
        self._say_state()
        for item in self.items:
            item.retranslate()
        self._fit()

    # ------------------------------------------------------------------ showing

    def popup_under(self, anchor: QWidget) -> None:
        """Show under ``anchor``, its right edge on the anchor's, inside the screen."""
        below = anchor.mapToGlobal(QPoint(anchor.width(), anchor.height() + LIST_MARGIN))
        place = QPoint(below.x() - self.width(), below.y())
        screen = anchor.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry().adjusted(
                LIST_MARGIN, LIST_MARGIN, -LIST_MARGIN, -LIST_MARGIN
            )
            place.setX(max(room.left(), min(place.x(), room.right() - self.width())))
            place.setY(max(room.top(), min(place.y(), room.bottom() - self.height())))
        self.anchor = anchor
        self.move(place)
        self.show()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A press outside closes the list and goes on to what was pressed, except a
        press on the bell: that one only closes (it would open the list again)."""
        anchor = self.anchor
        on_anchor = (
            anchor is not None
            and not self.rect().contains(event.position().toPoint())
            and anchor.rect().contains(anchor.mapFromGlobal(event.globalPosition().toPoint()))
        )
        self.setAttribute(Qt.WidgetAttribute.WA_NoMouseReplay, on_anchor)
        super().mousePressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.area.verticalScrollBar().setValue(0)
        target = self.area if self.items else self.close_button
        target.setFocus(Qt.FocusReason.PopupFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


class NotificationBell(Button):
    """The header's bell (see the module docstring). ``opened`` once the list shows;
    ``count`` is the number of unseen notifications the last refresh read."""

    opened = Signal()

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__("", "bell", parent)
        self.session = session
        self.runner = runner
        self.count = 0
        self.notifications: list[Notification] | None = None  # None: not read yet
        self._reader = session_read(  # signed out meanwhile: nothing to show
            runner,
            session,
            lambda: session.notifications(),  # looked up at each read (tests count them)
            self._read_done,
            name="notifications",
            parent=self,
        )
        self._waiting_list = False  # the list is open, saying "Memuat…"
        self.setFixedSize(BELL_SIZE)
        self.setIcon(bell_icon())
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.badge = QLabel(self)
        set_role(self.badge, "badge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.badge.hide()
        self.notification_list = NotificationList(self)
        self.notification_list.closed.connect(self._list_closed)
        self.clicked.connect(self.open_list)
        self.retranslate()

    # ------------------------------------------------------------------ reading

    def refresh(self) -> None:
        """Read the notifications again, off the GUI thread (coalesced)."""
        self._reader.request()

    def _read_done(self, notifications: list[Notification]) -> None:
        self.notifications = notifications
        self._show_count(sum(n.seen_at is None for n in notifications))
        if self._waiting_list and self.notification_list.isVisible():
            self._waiting_list = False
            self._show_list(notifications)

    def _report(self, error: BaseException) -> None:
        if not self.session.signed_in:  # signed out meanwhile: nothing to show
            log.info("notifications: %r after the sign-out", error)
            return
        show_error(self, error)

    def _show_count(self, count: int) -> None:
        self.count = count
        self.badge.setText(badge_text(count))
        self.badge.setVisible(count > 0)
        self._place_badge()
        self._say_count()

    def _place_badge(self) -> None:
        """On the bell's right shoulder: from just right of its middle, inside the button."""
        width = max(BADGE_HEIGHT, self.badge.sizeHint().width())
        left = min(self.width() // 2 + 1, self.width() - width)
        self.badge.setGeometry(left, 3, width, BADGE_HEIGHT)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_badge()

    # ------------------------------------------------------------------ the list

    def open_list(self) -> None:
        """Show the list under the bell, then mark the unseen ones shown as seen."""
        if self.notification_list.isVisible():
            return
        if self.notifications is None:  # not read yet: "Memuat…" until it is
            self._waiting_list = True
            self.notification_list.show_loading()
            self.notification_list.popup_under(self)
            self.refresh()
            return
        self.notification_list.show_items(self.notifications)
        self.notification_list.popup_under(self)
        self._shown(self.notifications)

    def _show_list(self, notifications: list[Notification]) -> None:
        self.notification_list.show_items(notifications)
        self.notification_list.popup_under(self)  # its height changed: placed again
        self._shown(notifications)

    def _shown(self, notifications: list[Notification]) -> None:
        self.opened.emit()
        unseen = [n.id for n in notifications if n.seen_at is None]
        if not unseen or not self.session.signed_in:
            return
        self.runner.run(
            lambda _cancel, _progress: self.session.mark_seen(unseen),
            done=self._marked,
            failed=self._report,  # still unseen: counted, and marked at the next opening
            name="mark_seen",
        )

    def _marked(self, _count: int) -> None:
        self.refresh()

    def _list_closed(self) -> None:
        self._waiting_list = False
        if shiboken6.isValid(self) and self.isVisible():
            self.setFocus(Qt.FocusReason.PopupFocusReason)

    # ------------------------------------------------------------------ texts

    def _say_count(self) -> None:
        self.setAccessibleName(tr(Label.NOTIFY_BELL, count=self.count))

    def retranslate(self) -> None:
        self._say_count()
        self.setToolTip(tr(Label.NOTIFY_BELL_TIP))
        self.notification_list.retranslate()
