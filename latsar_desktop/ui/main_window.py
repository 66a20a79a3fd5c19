"""The main window: sign-in, then the welcome video (until it has been watched), then
the shell (side bar and pages). Its title names the screen ("Masuk · Latsar Desktop").

A profile that has never synced (a first sign-in on this computer) knows nothing of
what its participant did elsewhere (the welcome video watched on another computer):
after an ONLINE sign-in of such a profile, one ``session.sync`` runs on the runner
first, while a calm page says so ("Mengambil kemajuan Anda dari server…"); then the
view decides between the welcome video and the shell. A sync that fails is logged and
the local view decides (no error dialog: the background sync tries again later).

The size and position are kept in machine.db (``saveGeometry`` as base64 text) and
restored at the start; the first time, a size that fits an old 1366×768 laptop at
125 %. Signing out ("Keluar" on the Profil page, or Ctrl+Shift+L) runs the session's
``sign_out`` off the GUI thread and returns to the sign-in screen. Closing the window
hides it first, then signs the session out with a short wait on the GUI thread (the
window is gone meanwhile, never frozen on the screen; the runner is stopped by the
caller).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.ui.report import ReportAction
from latsar_desktop.ui.signin import SignInPage
from latsar_desktop.ui.style import set_role
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr

if TYPE_CHECKING:  # the shell's pages (QtMultimedia, QtPdf, reportlab, httpx) and the
    # session are imported once signed in, not before the sign-in screen shows
    from latsar_desktop.session.participant import ParticipantSession
    from latsar_desktop.ui.shell import Shell

log = logging.getLogger(__name__)

SIGN_OUT_SHORTCUT = "Ctrl+Shift+L"  # the window's shortcut for "Keluar", on every screen
GEOMETRY_SETTING = "window_geometry"
FIRST_SIZE = QSize(1120, 720)  # the first start's size, when the screen has room
CLOSE_WAIT = 5.0  # seconds the sign-out at close waits for work still running


class FetchingPage(QWidget):
    """The first sync's page: a title, one sentence, a progress bar (busy until the
    first report); nothing on it moves while the sync runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        set_role(self.title, "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(self)
        set_role(self.text, "intro")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(360)
        self.bar.setTextVisible(False)
        column = QVBoxLayout(self)
        column.setContentsMargins(40, 32, 40, 32)
        column.setSpacing(16)
        column.addStretch(1)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        self.reset()
        self.retranslate()

    def reset(self) -> None:
        self.bar.setRange(0, 0)

    def progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def retranslate(self) -> None:
        self.title.setText(tr(Label.MAIN_PREPARING))
        self.text.setText(tr(Label.MAIN_FETCHING))


class MainWindow(QMainWindow):
    def __init__(
        self,
        machine: MachineStore,
        runner: TaskRunner,
        demo_people: Sequence[Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.machine = machine
        self.runner = runner
        self.session: ParticipantSession | None = None
        self.welcome: Any = None  # ui.welcome.WelcomePage while it shows
        self.shell: Shell | None = None
        self._closed = False
        self._shown = False
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.signin = SignInPage(machine, runner, demo_people, self)
        self.signin.signed_in.connect(self._signed_in)
        self.signin.language_changed.connect(lambda _: self.retranslate())
        self.stack.addWidget(self.signin)
        self.fetching = FetchingPage(self)
        self.stack.addWidget(self.fetching)
        self.stack.currentChanged.connect(lambda _: self._say_title())
        self.sign_out_action = QAction(self)
        self.sign_out_action.setShortcut(QKeySequence(SIGN_OUT_SHORTCUT))
        self.sign_out_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.sign_out_action.setEnabled(False)
        self.sign_out_action.triggered.connect(self.sign_out)
        self.addAction(self.sign_out_action)
        # "Bantuan → Buat laporan…" on every screen, the sign-in's too (ui/report.py)
        self.report = ReportAction(machine.root, runner, self)
        self.help_menu = self.menuBar().addMenu("")
        self.help_menu.addAction(self.report.action)
        self.restore_geometry()
        self.retranslate()
        self.signin.focus_start()

    # ------------------------------------------------------------------ the screens

    def current_screen(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _signed_in(self, session: ParticipantSession) -> None:
        self.session = session
        self.sign_out_action.setEnabled(True)
        if session.online and session.sync_status().last_sync_at is None:
            self._first_sync(session)
        else:
            self._go_on(session)

    def _first_sync(self, session: ParticipantSession) -> None:
        """Never synced: what the server knows first (see the module docstring)."""
        self.fetching.reset()
        self.stack.setCurrentWidget(self.fetching)

        def work(cancel: CancelToken, progress: Any) -> object:
            return session.sync(cancel, progress)

        def failed(error: BaseException) -> None:
            log.warning("first sync after the sign-in failed (the local view decides): %s", error)
            self._synced(session)

        self.runner.run(
            work,
            done=lambda _report: self._synced(session),
            failed=failed,
            progress=self.fetching.progress,
            name="first_sync",
            parent=self,
        )

    def _synced(self, session: ParticipantSession) -> None:
        if self._closed or self.session is not session or not session.signed_in:
            return  # signed out (or closed) meanwhile
        self._go_on(session)

    def _go_on(self, session: ParticipantSession) -> None:
        """The welcome video when it has not been watched, else the shell."""
        if not session.view().welcome_watched:
            self._show_welcome(session)
        else:
            self._show_shell()

    def _show_welcome(self, session: ParticipantSession) -> None:
        from latsar_desktop.ui.welcome import WelcomePage

        self.welcome = WelcomePage(session, self.runner, self)
        self.welcome.done.connect(self._welcome_done)
        self.stack.addWidget(self.welcome)
        self.stack.setCurrentWidget(self.welcome)
        self.welcome.start()

    def _welcome_done(self) -> None:
        self._drop_welcome()
        if self.session is not None:
            self._show_shell()

    def _drop_welcome(self) -> None:
        welcome, self.welcome = self.welcome, None
        if welcome is not None:
            welcome.stop()
            self.stack.removeWidget(welcome)
            welcome.deleteLater()

    def _show_shell(self) -> None:
        from latsar_desktop.ui.shell import Shell

        assert self.session is not None
        self.shell = Shell(self.session, self.runner, self)
        self.shell.sign_out_requested.connect(self.sign_out)
        self.shell.page_changed.connect(self._say_title)
        self.shell.texts_changed.connect(self.retranslate)
        self.stack.addWidget(self.shell)
        self.stack.setCurrentWidget(self.shell)
        self.shell.nav_buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)
        self.shell.start()

    def sign_out(self) -> None:
        """Back to the sign-in screen; the session's ``sign_out`` (which may wait for its
        work to stop) runs on the runner."""
        session = self.session
        if session is None or self._closed:
            return
        self.session = None
        self.sign_out_action.setEnabled(False)
        if self.welcome is not None:  # stays shown, stopped, until the session is closed
            self.welcome.stop()
            self.welcome.setEnabled(False)
        if self.shell is not None:
            self.shell.signing_out()

        def work(cancel: CancelToken, progress: Any) -> None:
            session.sign_out()

        self.runner.run(
            work,
            done=lambda _: self._signed_out(),
            failed=self._sign_out_failed,
            name="sign_out",
            parent=self,
        )

    def _sign_out_failed(self, error: BaseException) -> None:
        # the session is closed as far as it could be: back to the sign-in screen anyway
        self._signed_out()
        from latsar_desktop.ui.errors import show_error

        show_error(self, error)

    def _signed_out(self) -> None:
        if self._closed:
            return
        self.signin.reset()
        self.stack.setCurrentWidget(self.signin)
        self.signin.focus_start()
        self._drop_welcome()
        shell, self.shell = self.shell, None
        if shell is not None:
            self.stack.removeWidget(shell)
            shell.deleteLater()

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        """Every text again in the language (and time zone) now chosen, on every screen."""
        self.sign_out_action.setText(tr(Label.SHELL_SIGN_OUT))
        self.help_menu.setTitle(tr(Label.HELP_MENU))
        self.report.retranslate()
        for page in (self.signin, self.fetching, self.welcome, self.shell):
            if page is not None:
                page.retranslate()
        self._say_title()

    def _say_title(self) -> None:
        screen = self.stack.currentWidget()
        if screen is self.signin:
            name = self.signin.screen_name()
        elif screen is self.shell and self.shell is not None:
            name = self.shell.screen_name()
        elif screen is self.fetching:
            name = tr(Label.MAIN_PREPARING)
        else:
            name = tr(Label.MAIN_WELCOME)
        self.setWindowTitle(tr(Label.APP_TITLE_ON, screen=name))

    # ------------------------------------------------------------------ size and position

    def restore_geometry(self) -> None:
        """The size and position kept from the last run, or a first size that fits."""
        kept = self.machine.setting(GEOMETRY_SETTING)
        if isinstance(kept, str) and kept:
            data = QByteArray.fromBase64(kept.encode("ascii"))
            if self.restoreGeometry(data):
                return
            log.info("window geometry not restorable; using the first size")
        self.resize(first_size(self.minimumSizeHint()))
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            frame = self.frameGeometry()
            frame.moveCenter(screen.availableGeometry().center())
            self.move(frame.topLeft())

    def save_geometry(self) -> None:
        data = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        self.machine.set_setting(GEOMETRY_SETTING, data)

    # ------------------------------------------------------------------ closing

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown and self.stack.currentWidget() is self.signin:
            self._shown = True  # the demo's start is timed to this line (bench/demo_start.py)
            log.info(
                "sign-in screen shown: %d profiles, %d demo people",
                len(self.signin.cards),
                len(self.signin.demo_people),
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Keep the size and position; hide the window; stop what runs on this window's
        behalf; sign the session out with a short wait. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            self.save_geometry()
        except Exception:  # never in the way of closing
            log.exception("window geometry not kept")
        self.hide()  # gone from the screen before the sign-out's wait, not frozen on it
        self.signin.shutdown()
        if self.shell is not None:
            self.shell.signing_out()  # the Course page's downloads cancelled, its clip stopped
        self._drop_welcome()
        session, self.session = self.session, None
        if session is not None:
            try:
                session.sign_out(timeout=CLOSE_WAIT)
            except Exception:
                log.exception("sign-out at close failed")


def first_size(minimum: QSize) -> QSize:
    """The first start's window size: ``FIRST_SIZE`` where the screen has room, else the
    screen's free area less a margin for the window's frame (never below ``minimum``)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return FIRST_SIZE
    room = screen.availableGeometry().size() - QSize(24, 48)
    return FIRST_SIZE.boundedTo(room).expandedTo(minimum)
