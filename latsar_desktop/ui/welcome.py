"""``WelcomePage``: the welcome video ("video sambutan") after the first sign-in.

The page fetches the clip through the session (``welcome_video``, on the runner: a
progress bar stands where the video will be while it downloads), then plays it in a
``VideoPlayer``. One button: "Lewati" when the participant has watched it before (the
view says so), else "Lanjut", enabled once the clip has played to its end and
``session.watch_welcome()`` has recorded that (once, on the runner). At the end the
focus stays in the player (Space plays the clip again, as before) and Return or Enter
anywhere on the page presses the enabled button. When the clip
cannot be fetched or played, a calm message says so, with a link to open the video in
the browser when the activity has one, and "Lanjut" is enabled: a participant is never
stuck here. ``done`` asks the window to go on to the main window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.domain.messages import DomainError, Message
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.errors import SyncError
from latsar_desktop.ui.player import VideoPlayer
from latsar_desktop.ui.style import set_role
from latsar_desktop.ui.tasks import Task, TaskRunner
from latsar_desktop.ui.texts import say_all, tr

__all__ = ["WelcomePage"]

log = logging.getLogger(__name__)
CONTENT_WIDTH = 960  # the column's widest, on a large screen (the video 16:9 inside it)
_DOWNLOADING, _PLAYING, _PROBLEM = 0, 1, 2  # the pages of the video's place


class WelcomePage(QWidget):
    """The welcome video; see the module docstring."""

    done = Signal()

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        # how the link opens (the browser); a test replaces it
        self.open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl
        self.watched_before = False
        self.recorded = False  # this showing recorded the watching (once)
        self.finished = False  # this showing ended (or failed): "Lanjut", enabled
        self._running = False  # between start() and stop(): late results are ignored
        self._task: Task[Path | None] | None = None
        self._problem: list[Label | Message] = []  # what the problem page says

        self.title = QLabel(self)
        set_role(self.title, "title")
        self.title.setWordWrap(True)
        self.intro = QLabel(self)
        set_role(self.intro, "intro")
        self.intro.setWordWrap(True)

        # the video's place: the download, the player or the problem, one size for all
        self.stack = QStackedWidget(self)
        downloading = QWidget(self.stack)
        self.download_text = QLabel(downloading)
        self.download_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.download_bar = QProgressBar(downloading)
        self.download_bar.setFixedWidth(360)
        box = QVBoxLayout(downloading)
        box.addStretch(1)
        box.addWidget(self.download_text)
        box.addWidget(self.download_bar, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(1)
        self.player = VideoPlayer(self.stack)
        problem = QWidget(self.stack)
        self.problem_text = QLabel(problem)
        set_role(self.problem_text, "notice")
        self.problem_text.setWordWrap(True)
        self.problem_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem_text.setMaximumWidth(600)
        self.link_button = QPushButton(problem)
        set_role(self.link_button, "link")
        box = QVBoxLayout(problem)
        box.addStretch(1)
        line = QHBoxLayout()  # a narrower paragraph, its height following its width
        line.addStretch(1)
        line.addWidget(self.problem_text, 100)
        line.addStretch(1)
        box.addLayout(line)
        box.addSpacing(8)
        box.addWidget(self.link_button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(1)
        for page in (downloading, self.player, problem):
            self.stack.addWidget(page)
        # no taller than a 16:9 video of the column's width with its controls below
        controls = self.player.play_button.sizeHint().height() + 24
        self.stack.setMaximumHeight(CONTENT_WIDTH * 9 // 16 + controls)

        self.next_button = QPushButton(self)
        set_role(self.next_button, "primary")
        self.next_button.setAutoDefault(True)  # Enter on it goes on
        self.next_button.setDefault(True)
        self.next_button.setMinimumWidth(140)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # anywhere on the page
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._enter)

        column = QVBoxLayout()
        column.setSpacing(16)
        column.addWidget(self.title)
        column.addWidget(self.intro)
        column.addSpacing(8)
        column.addWidget(self.stack, 100)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        column.addSpacing(8)
        column.addLayout(buttons)
        column.addStretch(1)  # what a tall screen has beyond a 16:9 video
        holder = QWidget(self)
        holder.setLayout(column)
        holder.setMaximumWidth(CONTENT_WIDTH)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 32, 40, 32)
        outer.addStretch(1)  # the column in the middle, as wide as it may be
        outer.addWidget(holder, 100)
        outer.addStretch(1)
        self.setTabOrder(self.player, self.player.slider)
        self.setTabOrder(self.player.slider, self.link_button)
        self.setTabOrder(self.link_button, self.next_button)

        self.player.ended.connect(self._ended)
        self.player.failed.connect(self._cannot_play)
        self.link_button.clicked.connect(self._open_link)
        self.next_button.clicked.connect(self._leave)
        self.retranslate()

    # ---------------------------------------------------------------- what the window calls

    def start(self) -> None:
        """Fetch the clip (in the background), then play it."""
        self.stop()
        self._running = True
        self.recorded = self.finished = False
        self.watched_before = self.session.view().welcome_watched
        self.next_button.setEnabled(self.watched_before)
        self.download_bar.setRange(0, 0)  # busy until the first progress report
        self.stack.setCurrentIndex(_DOWNLOADING)
        self.retranslate()
        task = self.runner.run(
            self._fetch,
            done=self._loaded,
            failed=self._not_loaded,
            progress=self._progress,
            name="welcome_video",
            parent=self,
        )
        self._task = task

    def stop(self) -> None:
        """Stop the download and the player, and release the file."""
        self._running = False
        if self._task is not None and self._task.running:
            self._task.cancel()
        self._task = None
        self.player.stop()

    def retranslate(self) -> None:
        self.title.setText(tr(Label.WELCOME_TITLE))
        self.intro.setText(
            tr(Label.WELCOME_INTRO_WATCHED if self.watched_before else Label.WELCOME_INTRO)
        )
        self.download_text.setText(tr(Label.WELCOME_DOWNLOADING))
        self.problem_text.setText(say_all(self._problem))
        self.link_button.setText(tr(Label.WELCOME_OPEN_LINK))
        self.next_button.setText(
            tr(Label.WELCOME_SKIP if self._skippable() else Label.WELCOME_CONTINUE)
        )
        self.player.retranslate()

    # ---------------------------------------------------------------- the clip

    def _fetch(self, cancel: CancelToken, progress: Callable[[int, int], None]) -> Path | None:
        """On the runner's thread."""
        return self.session.welcome_video(cancel, progress)

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.download_bar.setRange(0, total)
            self.download_bar.setValue(done)

    def _loaded(self, path: Path | None) -> None:
        if not self._running:
            return
        if path is None:  # the package has no clip: its link, if any
            url = self._url()
            self._show_problem(Label.WELCOME_LINK_ONLY if url else Label.WELCOME_NONE)
            return
        self.stack.setCurrentIndex(_PLAYING)
        self.player.load(path)
        self.player.play()
        self.player.setFocus(Qt.FocusReason.OtherFocusReason)

    def _not_loaded(self, error: BaseException) -> None:
        if not self._running:
            return
        if isinstance(error, SyncError | DomainError):
            reason: Label | Message = self.session.message_for(error)
            log.warning("welcome video not available: %s", error)
        else:  # a bug: logged in full, and the participant still goes on
            reason = Label.WELCOME_CANNOT_PLAY
            log.error("welcome video failed", exc_info=error)
        self._show_problem(reason)

    def _cannot_play(self, _detail: str) -> None:
        if not self._running:
            return
        self.player.stop()
        self._show_problem(Label.WELCOME_CANNOT_PLAY)

    def _show_problem(self, reason: Label | Message) -> None:
        self._problem = [reason, Label.WELCOME_GO_ON]
        self.link_button.setVisible(bool(self._url()))
        self.stack.setCurrentIndex(_PROBLEM)
        self.retranslate()
        self._can_go_on()

    def _url(self) -> str | None:
        return self.session.package().welcome_video.url

    def _open_link(self) -> None:
        url = self._url()
        if url:
            self.open_url(QUrl(url))

    # ---------------------------------------------------------------- watched to the end

    def _ended(self) -> None:
        if not self._running:
            return
        if self.watched_before or self.recorded:
            self._can_go_on(focus=False)
            return
        self.recorded = True
        task = self.runner.run(
            lambda _cancel, _progress: self.session.watch_welcome(),
            done=lambda _event: self._recorded(),
            name="watch_welcome",
            parent=self,
        )  # a failure: the standard error dialog, and the participant still goes on
        task.failed.connect(lambda _error: self._recorded())

    def _recorded(self) -> None:
        """The record of the watching is done (or failed): "Lanjut", unless the page was
        stopped meanwhile (a sign-out: the page may be deleted already)."""
        if self._running:
            self._can_go_on(focus=False)

    def _can_go_on(self, focus: bool = True) -> None:
        """The button enabled; the focus on it unless the participant is still in the
        player (its end: Space there plays the clip again, never leaves the page)."""
        self.finished = True
        self.retranslate()
        self.next_button.setEnabled(True)
        if focus:
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _enter(self) -> None:
        """Return or Enter anywhere on the page: the button, when it can be pressed."""
        if self.next_button.isEnabled() and self.next_button.isVisible():
            self.next_button.click()

    def _skippable(self) -> bool:
        """ "Lewati": watched before, and this showing has not ended yet."""
        return self.watched_before and not self.finished

    def _leave(self) -> None:
        self.stop()
        self.done.emit()
