"""The main window's inside once signed in: the side bar, the page area, the status bar.

The side bar has Beranda and Course at the top, Pengaturan and Profil at the bottom
(Tab and the arrow keys move along it, Ctrl+1…4 jump). The header says where the
participant is: the course, the page, one sentence about it; on the right the
notification bell (``ui/notifications.py``), the participant's name and "Keluar" (the
last stop of Tab; Profil has its own "Keluar" too). Beranda is ``ui/home.py``,
Course ``ui/course.py``, Pengaturan ``ui/settings.py``, Profil ``ui/profile.py``.
The status bar is ``ui/sync_status.py``'s ``SyncStatusBar``: the sync's state,
"Sinkronkan sekarang" and "Rincian". Beranda and the bell are read again after each
sync (``synced``), and Course or Profil when shown; Beranda and the pending count after
each thing recorded here (Course's ``data_changed``), all off the GUI thread; a page is
read again when it is opened. A language or time zone chosen in Pengaturan is
``texts_changed``: the window re-says every text. Signing out (or closing the window)
first stops the Course page's work (``CoursePage.shutdown``: downloads cancelled, the
clip stopped). "Mulai evaluasi" stays hidden until the evaluation screen exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.session.profiles import group_nip
from latsar_desktop.ui.course import CoursePage
from latsar_desktop.ui.home import HomePage
from latsar_desktop.ui.notifications import NotificationBell
from latsar_desktop.ui.profile import ProfilePage
from latsar_desktop.ui.settings import SettingsPage
from latsar_desktop.ui.style import set_role
from latsar_desktop.ui.sync_status import SyncStatusBar
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import Button, label

log = logging.getLogger(__name__)

SIDEBAR_WIDTH = 200
SIGN_OUT_SHORTCUT = "Ctrl+Shift+L"  # the window's shortcut for "Keluar", on every screen


@dataclass(frozen=True)
class PageInfo:
    name: Label  # the side bar's entry and the header's title
    intro: Label  # the header's one sentence


HOME, COURSE, SETTINGS, PROFILE = (
    PageInfo(Label.SHELL_HOME, Label.SHELL_HOME_INTRO),
    PageInfo(Label.SHELL_COURSE, Label.SHELL_COURSE_INTRO),
    PageInfo(Label.SETTINGS_TITLE, Label.SETTINGS_INTRO),
    PageInfo(Label.SHELL_PROFILE, Label.SHELL_PROFILE_INTRO),
)
PAGES = (HOME, COURSE, SETTINGS, PROFILE)


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
    texts_changed = Signal()  # the language or the time zone changed: re-say everything

    def __init__(
        self,
        session: ParticipantSession,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self._signing_out = False
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
        self.pages.addWidget(self._build_settings())
        self.pages.addWidget(self._build_profile())
        right.addWidget(self.pages, 1)
        right.addWidget(self._build_status())
        row.addLayout(right, 1)
        # Tab: the side bar, the page's controls (Profil's "Keluar" is the last page's
        # last), then the header's bell and "Keluar", then the status bar
        self.setTabOrder(self.profile.sign_out_button, self.bell)
        self.setTabOrder(self.bell, self.header_sign_out)

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
            if PAGES[index] is SETTINGS:
                column.addStretch(1)  # Pengaturan and Profil at the bottom
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
        self.bell = NotificationBell(self.session, self.runner)
        row.addWidget(self.bell, 0, Qt.AlignmentFlag.AlignTop)
        row.addSpacing(12)
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

    def _build_home(self) -> QWidget:
        self.home = HomePage(self.session, self.runner)
        self.home.course_requested.connect(lambda: self._jump(PAGES.index(COURSE)))
        self.home.profile_requested.connect(lambda: self._jump(PAGES.index(PROFILE)))
        return self.home

    def _build_settings(self) -> QWidget:
        machine = self.session.machine
        assert machine is not None  # a signed-in session has its computer's store
        self.settings = SettingsPage(self.session, self.runner, machine)
        self.settings.language_changed.connect(lambda _: self.texts_changed.emit())
        self.settings.display_changed.connect(self.texts_changed)
        self.settings.connection_saved.connect(self._sync_now)
        return self.settings

    def _build_course(self) -> QWidget:
        self.course = CoursePage(self.session, self.runner)
        self.course.data_changed.connect(self.data_changed)
        # the evaluation screen comes with the next part of the app (issue 18): until it
        # connects ``evaluation_requested``, the entry shows the state and scores only
        self.course.evaluation.start_button.hide()
        return self.course

    def _build_profile(self) -> QWidget:
        self.profile = ProfilePage(self.session, self.runner)
        self.profile.sign_out_requested.connect(self.sign_out_requested)
        shortcut = QKeySequence(SIGN_OUT_SHORTCUT)
        self.profile.sign_out_button.setToolTip(
            shortcut.toString(QKeySequence.SequenceFormat.NativeText)
        )
        return self.profile

    def _build_status(self) -> SyncStatusBar:
        self.status = SyncStatusBar(self.session, self.runner)
        self.status.synced.connect(self._on_synced)
        return self.status

    # ------------------------------------------------------------------ pages

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.nav_buttons[index].setChecked(True)
        if PAGES[index] is HOME:
            self.home.refresh()
        elif PAGES[index] is COURSE:
            self.course.refresh()
        elif PAGES[index] is SETTINGS:
            self.settings.refresh()
        elif PAGES[index] is PROFILE:
            self.profile.refresh()
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

    def _sync_now(self) -> None:
        """A sync at once (new connection settings), unless the session is closing."""
        if not self._signing_out and self.session.signed_in:
            self.session.sync_now()

    def data_changed(self) -> None:
        """Something was recorded on this computer (an activity, an answer): Beranda and
        the pending count are read again, off the GUI thread."""
        self.home.refresh()
        self.status.refresh()
        if self.current is PROFILE:
            self.profile.refresh()

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
        self.home.retranslate()
        self.bell.retranslate()
        self.settings.retranslate()
        self.course.retranslate()
        self.profile.retranslate()
        self.header_sign_out.setText(tr(Label.SHELL_SIGN_OUT))
        self._say_status()

    # ------------------------------------------------------------------ the status bar

    def start(self) -> None:
        """Start the background sync (its progress and results reach the status bar)
        and read the notifications."""
        self.status.start()
        self.bell.refresh()

    def _on_synced(self) -> None:
        if self._signing_out or not self.session.signed_in:
            return
        self.home.refresh()
        self.bell.refresh()
        if self.current is COURSE:
            self.course.refresh()
        elif self.current is PROFILE:
            self.profile.refresh()

    def _say_status(self) -> None:
        if self._signing_out:
            self.status.signing_out()
        else:
            self.status.retranslate()

    def signing_out(self) -> None:
        """The sign-out runs: nothing here can be used meanwhile; the status says so."""
        self._signing_out = True
        self.course.shutdown()
        self.profile.sign_out_button.setEnabled(False)
        self.header_sign_out.setEnabled(False)
        self.pages.setEnabled(False)
        for button in self.nav_buttons:
            button.setEnabled(False)
        self._say_status()

    def status_message(self) -> str:
        """The status bar's sentence (the sync's state), as the participant reads it."""
        return self.status.status_message()
