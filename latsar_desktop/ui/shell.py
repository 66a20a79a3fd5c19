"""The main window's inside once signed in: the side bar, the page area, the status bar.

The side bar has Beranda and Course at the top and Profil at the bottom (Tab and the
arrow keys move along it, Ctrl+1/2/3 jump). The header says where the participant is:
the course, the page, one sentence about it; the participant's name on the right, with
"Keluar" beside it (the last stop of Tab; Profil has its own "Keluar" too). The
pages are placeholders the later issues fill: each says what will be there and what to
do next. The status bar shows the connection: the sign-in's (``session.online``), then
each background sync's result, re-posted from the sync thread to the GUI thread: offline
when the server was not reached (``SyncError.link_down``), the error's message when it
was and refused, nothing new for a sync stopped or not run (``SyncError.inconclusive``).
The participant's name, NIP and agency come from the session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.session.profiles import group_nip
from latsar_desktop.sync.engine import SyncReport
from latsar_desktop.sync.errors import SyncError
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, label

log = logging.getLogger(__name__)

SIDEBAR_WIDTH = 200
SIGN_OUT_SHORTCUT = "Ctrl+Shift+L"  # the window's shortcut for "Keluar", on every screen


@dataclass(frozen=True)
class PageInfo:
    name: Label  # the side bar's entry and the header's title
    intro: Label  # the header's one sentence


HOME, COURSE, PROFILE = (
    PageInfo(Label.SHELL_HOME, Label.SHELL_HOME_INTRO),
    PageInfo(Label.SHELL_COURSE, Label.SHELL_COURSE_INTRO),
    PageInfo(Label.SHELL_PROFILE, Label.SHELL_PROFILE_INTRO),
)
PAGES = (HOME, COURSE, PROFILE)


class _ArrowKeys(QObject):
    """Up and Down move along the side bar's buttons (and open the page)."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell)
        self.shell = shell

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
            buttons = self.shell.nav_buttons
            if step is not None and watched in buttons:
                index = (buttons.index(watched) + step) % len(buttons)
                self.shell.show_page(index)
                buttons[index].setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return False


class Shell(QWidget):
    """The signed-in part of the window for one session. ``sign_out_requested`` when
    the participant chooses "Keluar"; ``page_changed`` when another page shows (the
    window's title names it)."""

    sign_out_requested = Signal()
    page_changed = Signal()
    sync_result = Signal(object)  # SyncReport | SyncError, re-posted to the GUI thread

    def __init__(
        self,
        session: ParticipantSession,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.online = session.online
        self._link_message = session.offline_reason  # why offline, when known
        self._problem = None  # type: SyncError | None
        self._signing_out = False
        self.sync_result.connect(self._on_sync_result)
        self._build()
        self.retranslate()
        self.show_page(0)

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._build_sidebar())
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self._build_header())
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_home())
        self.pages.addWidget(self._build_course())
        self.pages.addWidget(self._build_profile())
        right.addWidget(self.pages, 1)
        right.addWidget(self._build_status())
        row.addLayout(right, 1)
        # Tab: the side bar, the page's controls, then the header's "Keluar"
        self.setTabOrder(self.sign_out_button, self.header_sign_out)

    def _build_sidebar(self) -> QWidget:
        bar = self.sidebar = QWidget()
        set_role(bar, "sidebar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        bar.setFixedWidth(SIDEBAR_WIDTH)
        column = QVBoxLayout(bar)
        column.setContentsMargins(0, 20, 0, 12)
        column.setSpacing(2)
        self.brand = label("", "eyebrow")
        self.brand.setContentsMargins(22, 0, 12, 16)
        column.addWidget(self.brand)
        self.nav_group = QButtonGroup(self)
        self.nav_buttons: list[Button] = []
        arrows = _ArrowKeys(self)
        for index in range(len(PAGES)):
            button = Button("", "nav")
            button.setCheckable(True)
            button.installEventFilter(arrows)
            button.clicked.connect(lambda _=False, i=index: self.show_page(i))
            self.nav_group.addButton(button, index)
            self.nav_buttons.append(button)
            if PAGES[index] is PROFILE:
                column.addStretch(1)  # Profil at the bottom
            column.addWidget(button)
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda i=index: self._jump(i))
        return bar

    def _build_header(self) -> QWidget:
        header = QWidget()
        set_role(header, "header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(header)
        row.setContentsMargins(32, 18, 32, 14)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.course_line = label("", "eyebrow")
        self.page_title = label("", "title")
        self.page_intro = label("", "intro", wrap=True)
        for part in (self.course_line, self.page_title, self.page_intro):
            column.addWidget(part)
        row.addLayout(column, 1)
        who = QVBoxLayout()
        who.setSpacing(2)
        self.who_name = label(self.session.name or "", "field")
        self.who_nip = label("", "muted")
        for part in (self.who_name, self.who_nip):
            part.setAlignment(Qt.AlignmentFlag.AlignRight)
            who.addWidget(part)
        who.addStretch(1)
        row.addLayout(who)
        row.addSpacing(16)
        self.header_sign_out = Button("")
        self.header_sign_out.clicked.connect(self.sign_out_requested)
        shortcut = QKeySequence(SIGN_OUT_SHORTCUT)
        self.header_sign_out.setToolTip(shortcut.toString(QKeySequence.SequenceFormat.NativeText))
        row.addWidget(self.header_sign_out, 0, Qt.AlignmentFlag.AlignTop)
        return header

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(32, 24, 32, 24)
        column.setSpacing(12)
        return page, column

    def _next_step(self) -> QLabel:
        step = label("", "notice", wrap=True)
        return step

    def _build_home(self) -> QWidget:
        page, column = self._page()
        self.greeting = label("", "subtitle", wrap=True)
        column.addWidget(self.greeting)
        trophies = QHBoxLayout()
        trophies.setSpacing(10)
        self.trophy_count = label("", "big")
        self.trophy_caption = label("", "muted")
        trophies.addWidget(self.trophy_count, 0, Qt.AlignmentFlag.AlignBottom)
        trophies.addWidget(self.trophy_caption, 0, Qt.AlignmentFlag.AlignBottom)
        trophies.addStretch(1)
        column.addLayout(trophies)
        self.home_later = label("", "muted", wrap=True)
        self.home_next = self._next_step()
        column.addWidget(self.home_later)
        column.addWidget(self.home_next)
        column.addStretch(1)
        return page

    def _build_course(self) -> QWidget:
        page, column = self._page()
        self.course_later = label("", "muted", wrap=True)
        self.course_next = self._next_step()
        column.addWidget(self.course_later)
        column.addWidget(self.course_next)
        column.addStretch(1)
        return page

    def _build_profile(self) -> QWidget:
        page, column = self._page()
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(8)
        self.profile_keys = [label("", "muted") for _ in range(3)]
        values = (
            self.session.name or "",
            group_nip(self.session.nip or ""),
            self.session.agency or "",
        )
        self.profile_values = [label(value, "field") for value in values]
        for row, (key, value) in enumerate(
            zip(self.profile_keys, self.profile_values, strict=True)
        ):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(key, row, 0)
            grid.addWidget(value, row, 1)
        grid.setColumnStretch(2, 1)
        column.addLayout(grid)
        self.profile_later = label("", "muted", wrap=True)
        column.addWidget(self.profile_later)
        column.addSpacing(12)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        set_role(line, "rule")
        column.addWidget(line)
        column.addSpacing(4)
        self.sign_out_hint = label("", "muted", wrap=True)
        column.addWidget(self.sign_out_hint)
        self.sign_out_button = Button("")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        shortcut = QKeySequence(SIGN_OUT_SHORTCUT)
        self.sign_out_button.setToolTip(shortcut.toString(QKeySequence.SequenceFormat.NativeText))
        column.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        return page

    def _build_status(self) -> QStatusBar:
        self.status = QStatusBar()
        self.status.setSizeGripEnabled(False)
        connection = QWidget()
        row = QHBoxLayout(connection)
        row.setContentsMargins(8, 0, 0, 0)
        row.setSpacing(0)
        self.status_dot = label("●", "status-dot")
        self.status_text = label("")
        row.addWidget(self.status_dot)
        row.addWidget(self.status_text, 1)
        self.status_synced = label("")
        self.status.addWidget(connection, 1)
        self.status.addPermanentWidget(self.status_synced)
        return self.status

    # ------------------------------------------------------------------ pages

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.nav_buttons[index].setChecked(True)
        if PAGES[index] is HOME:
            self._refresh_home()
        self._say_page()
        self.page_changed.emit()

    def _jump(self, index: int) -> None:
        self.show_page(index)
        self.nav_buttons[index].setFocus(Qt.FocusReason.ShortcutFocusReason)

    @property
    def current(self) -> PageInfo:
        return PAGES[self.pages.currentIndex()]

    def screen_name(self) -> str:
        return tr(self.current.name)

    def _say_page(self) -> None:
        self.page_title.setText(tr(self.current.name))
        self.page_intro.setText(tr(self.current.intro))

    def _refresh_home(self) -> None:
        if not self.session.signed_in:
            return
        view = self.session.view()
        self.trophy_count.setText(str(view.trophies))
        self.trophy_caption.setText(tr(Label.SHELL_TROPHIES, total=view.max_trophies))

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        self.brand.setText(tr(Label.APP_TITLE).upper())
        for button, page in zip(self.nav_buttons, PAGES, strict=True):
            button.setText(tr(page.name))
        self.sidebar.setAccessibleName(tr(Label.SHELL_NAV))
        package = self.session.package() if self.session.signed_in else None
        self.course_line.setText(package.title if package is not None else "")
        self.who_nip.setText(tr(Label.SIGNIN_CARD_NIP, nip=group_nip(self.session.nip or "")))
        self._say_page()
        self.greeting.setText(tr(Label.SHELL_HOME_GREETING, name=self.session.name or ""))
        self._refresh_home()
        self.home_later.setText(tr(Label.SHELL_HOME_LATER))
        self.home_next.setText(tr(Label.SHELL_HOME_NEXT))
        self.course_later.setText(tr(Label.SHELL_COURSE_LATER))
        self.course_next.setText(tr(Label.SHELL_COURSE_NEXT))
        for key, text in zip(
            self.profile_keys,
            (Label.SHELL_PROFILE_NAME, Label.SIGNIN_NIP, Label.SHELL_PROFILE_AGENCY),
            strict=True,
        ):
            key.setText(tr(text))
        self.profile_later.setText(tr(Label.SHELL_PROFILE_LATER))
        self.sign_out_hint.setText(tr(Label.SHELL_SIGN_OUT_HINT))
        self.sign_out_button.setText(tr(Label.SHELL_SIGN_OUT))
        self.header_sign_out.setText(tr(Label.SHELL_SIGN_OUT))
        self._say_status()

    # ------------------------------------------------------------------ the status bar

    def start(self) -> None:
        """Start the background sync; its results reach the status bar."""
        self.session.start_background(self.sync_result.emit)

    def _on_sync_result(self, result: SyncReport | SyncError) -> None:
        if self._signing_out or not self.session.signed_in:
            return
        if isinstance(result, SyncError):
            if result.inconclusive:  # stopped by the sign-out, or one already running
                return
            log.info("background sync: %s", result)
            self.online = not result.link_down  # not reached: the participant works offline
            self._problem = None if result.link_down else result
            self._link_message = self.session.message_for(result)
        else:
            self.online, self._problem, self._link_message = True, None, None
            if self.pages.currentIndex() == PAGES.index(HOME):
                self._refresh_home()
        self._say_status()

    def _say_status(self) -> None:
        if self._signing_out:
            self.status_text.setText(tr(Label.SHELL_SIGNING_OUT))
            return
        if self._problem is not None:
            text = say(self.session.message_for(self._problem))
        else:
            text = tr(Label.STATUS_ONLINE if self.online else Label.STATUS_OFFLINE)
        self.status_text.setText(text)
        reason = self._link_message
        self.status_text.setToolTip(say(reason) if reason is not None and not self.online else "")
        set_flag(self.status_dot, "online", self.online and self._problem is None)
        synced = self.session.sync_status().last_sync_at if self.session.signed_in else None
        self.status_synced.setText(tr(Label.STATUS_SYNCED, time=synced) if synced else "")

    def signing_out(self) -> None:
        """The sign-out runs: nothing here can be used meanwhile; the status says so."""
        self._signing_out = True
        self.sign_out_button.setEnabled(False)
        self.header_sign_out.setEnabled(False)
        self.pages.setEnabled(False)
        for button in self.nav_buttons:
            button.setEnabled(False)
        self._say_status()

    def status_message(self) -> str:
        """The status bar's connection text, as the participant reads it."""
        return self.status_text.text()
