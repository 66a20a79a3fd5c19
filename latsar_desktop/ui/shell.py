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
clip stopped) and closes an attempt being taken.

The evaluation (``ui/evaluation.py``): Course's "Mulai evaluasi" reads the outlook off the
GUI thread, shows ``StartDialog`` (the attempt's number and cap), and on "Mulai percobaan"
starts the attempt on the attempt page (a page of the stack, not in the side bar, which is
disabled while the attempt runs: one thing at a time, the timer in view). When the attempt
ends (submitted, the time ran out, or "Lanjutkan nanti") Course shows the evaluation entry
with the attempt's row; a submission asks for a sync at once. After sign-in, an attempt left
open (the app closed or killed) is offered to continue (``ResumeDialog``); its timer stood
still meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from latsar_desktop.session.evaluation import AttemptRun, EvaluationOutlook
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.session.profiles import group_nip
from latsar_desktop.ui.course import CoursePage
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.evaluation import AttemptView, ResumeDialog, StartDialog
from latsar_desktop.ui.home import HomePage
from latsar_desktop.ui.main_window import SIGN_OUT_SHORTCUT  # the window's, on every screen
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
EVALUATION = PageInfo(Label.SHELL_EVALUATION, Label.SHELL_EVALUATION_INTRO)  # not in the bar


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
        self.start_dialog: StartDialog | None = None
        self.resume_dialog: ResumeDialog | None = None
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
        self.pages.addWidget(self._build_attempt())
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
        self.home.evaluation_requested.connect(self._open_evaluation)
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
        self.course.evaluation_requested.connect(self._ask_start)
        return self.course

    def _build_attempt(self) -> QWidget:
        self.attempt = AttemptView(self.session, self.runner)
        self.attempt.ended.connect(self._attempt_ended)
        return self.attempt

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

    def _open_evaluation(self) -> None:
        """Course with its evaluation entry shown (Beranda's "Buka evaluasi")."""
        self._jump(PAGES.index(COURSE))
        self.course.show_evaluation()

    def _jump(self, index: int) -> None:
        self.show_page(index)
        self.nav_buttons[index].setFocus(Qt.FocusReason.ShortcutFocusReason)

    @property
    def current(self) -> PageInfo:
        if self.pages.currentWidget() is self.attempt:
            return EVALUATION
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
        self.attempt.retranslate()
        self.header_sign_out.setText(tr(Label.SHELL_SIGN_OUT))
        self._say_status()

    # ------------------------------------------------------------------ the status bar

    def start(self) -> None:
        """Start the background sync (its progress and results reach the status bar),
        read the notifications, and offer to continue an attempt left open."""
        self.status.start()
        self.bell.refresh()
        self._read_outlook(self._offer_resume)

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
        """The sign-out runs: nothing here can be used meanwhile; the status says so. An
        attempt being taken is closed (its time and answers saved: offered again at the
        next sign-in)."""
        self._signing_out = True
        for dialog in (self.start_dialog, self.resume_dialog):
            if dialog is not None:
                dialog.reject()
        self.attempt.stop()
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

    # ------------------------------------------------------------------ the evaluation

    def _read_outlook(self, then: Callable[[EvaluationOutlook], None]) -> None:
        """``session.evaluation()`` off the GUI thread, then ``then(outlook)`` on it unless
        the participant is signing out meanwhile."""

        def read(_cancel: object, _progress: object) -> EvaluationOutlook:
            return self.session.evaluation()

        def done(outlook: EvaluationOutlook) -> None:
            if not self._signing_out and self.session.signed_in:
                then(outlook)

        self.runner.run(read, done=done, name="evaluation outlook", parent=self)

    def _attempt_busy(self) -> bool:
        """An attempt runs, or its confirmation or the offer to continue is open."""
        return (
            self._signing_out
            or self.start_dialog is not None
            or self.resume_dialog is not None
            or self.pages.currentWidget() is self.attempt
        )

    def _ask_start(self) -> None:
        """Course's "Mulai evaluasi" (or "Lanjutkan percobaan")."""
        if not self._attempt_busy():
            self._read_outlook(self._confirm_start)

    def _confirm_start(self, outlook: EvaluationOutlook) -> None:
        """The confirmation of a new attempt; an attempt already open goes on at once."""
        if self._attempt_busy():
            return
        if outlook.open_attempt is not None:
            self._resume(outlook)
            return
        if not outlook.state.unlocked:  # locked since the button was shown: it says why
            self.course.refresh()
            return
        dialog = self.start_dialog = StartDialog(outlook, self)
        dialog.accepted.connect(lambda: self._begin(outlook))
        dialog.finished.connect(self._start_dialog_closed)
        dialog.open()

    def _start_dialog_closed(self) -> None:
        dialog, self.start_dialog = self.start_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _begin(self, outlook: EvaluationOutlook) -> None:
        """ "Mulai percobaan": the attempt started (a draft saved) and shown."""
        if self._signing_out:
            return
        try:
            run = self.session.start_attempt()
        except Exception as error:  # locked meanwhile, or the store failed
            show_error(self, error)
            return
        self._show_attempt(run, outlook)

    def _offer_resume(self, outlook: EvaluationOutlook) -> None:
        """After sign-in: an attempt left open is offered to continue. Its run is opened
        only to read the time left and the answers, and closed again at once: the timer
        does not run while the question is on screen."""
        if outlook.open_attempt is None or self._attempt_busy():
            return
        run = self.session.open_attempt()
        if run is None:
            return
        facts = (run.remaining_seconds, len(run.answers), len(run.questions))
        run.close()
        remaining, answered, total = facts
        dialog = self.resume_dialog = ResumeDialog(
            outlook.next_number, remaining, answered, total, self
        )
        dialog.accepted.connect(lambda: self._resume(outlook))
        dialog.finished.connect(self._resume_dialog_closed)
        dialog.open()

    def _resume_dialog_closed(self) -> None:
        dialog, self.resume_dialog = self.resume_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _resume(self, outlook: EvaluationOutlook) -> None:
        """The open attempt continued, its answers and time as last saved."""
        if self._signing_out:
            return
        try:
            run = self.session.open_attempt()
        except Exception as error:
            show_error(self, error)
            return
        if run is None:  # submitted meanwhile: Course shows it
            self.course.refresh()
            return
        self._show_attempt(run, outlook)

    def _show_attempt(self, run: AttemptRun, outlook: EvaluationOutlook) -> None:
        """The attempt page, the side bar disabled while it runs."""
        self.attempt.begin(run, outlook.next_number, outlook.next_cap, outlook.estimated)
        for button in self.nav_buttons:
            button.setEnabled(False)
        self.pages.setCurrentWidget(self.attempt)
        self._say_page()
        self.page_changed.emit()
        self.attempt.focus_choices()

    def _attempt_ended(self, submitted: bool) -> None:
        """Back to Course's evaluation entry, which shows the attempt's row; a submitted
        attempt is sent at once when there is a connection."""
        if self._signing_out:
            return
        for button in self.nav_buttons:
            button.setEnabled(True)
        self.show_page(PAGES.index(COURSE))
        self.course.show_evaluation()
        self.data_changed()
        if submitted:
            self._sync_now()
