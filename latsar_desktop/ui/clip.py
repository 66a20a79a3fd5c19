"""``ClipPlayer``: a course video (a microlearning clip) in the Course page's activity pane.

``open(path, url, online, already_done=False)``:

- with ``path`` (the clip is on this computer): the ``VideoPlayer`` with its full controls
  (volume, mute, speed), not playing yet; a ``WatchTracker`` (``domain/watching.py``) is
  fed every position update, every change between playing and paused, and every seek.
  Under the video one calm line says how much was actually played ("Ditonton 45 % · …"),
  then "Selesai ditonton" once the tracker says complete, when ``watched`` is emitted:
  ONCE per opened clip, and never when it was ``already_done`` (the line says so from
  the start). The Course page records the completion through the session.
- without ``path`` (not downloaded): a calm panel where the picture would be. Online: the
  clip can be watched through its link, "Buka di peramban" (``QDesktopServices.openUrl``),
  and "Unduh untuk offline" asks the page for the download (``download_requested``: the
  Course page downloads the material, with its size first). When the system cannot start
  a browser (``openUrl`` says no), a calm line under the buttons says so, with the link
  as selectable text and "Salin tautan" (the link to the clipboard). Offline: the clip is
  not on this computer and needs a connection, or a download while connected; no button.
- a stored file that does not play: the same panel says so, with the link when online.

Focusing the widget focuses the player's "Putar", or the panel's "Buka di peramban".
``stop()`` stops and releases the file (before it is deleted or replaced); ``retranslate()``
re-reads every text. The widget decides nothing about completion: the tracker's rule is
the core's (``COMPLETE_SHARE``).

The video's place keeps its size whichever of the two shows, and the line under it keeps
its height: nothing moves while the clip plays or when it is watched.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from latsar_desktop.domain.watching import COMPLETE_SHARE, WatchTracker
from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.player import VideoPlayer
from latsar_desktop.ui.style import set_property, set_role
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import Button, label

__all__ = ["ClipPlayer", "Showing"]

NEEDED_PERCENT = int(COMPLETE_SHARE * 100)
PANEL_WIDTH = 520  # the missing clip's text: a short paragraph, not a line across the pane


class Showing(Enum):
    """What the clip's place shows."""

    NOTHING = "nothing"  # nothing opened, or stopped
    VIDEO = "video"  # the clip, in the player
    NOT_DOWNLOADED = "not_downloaded"  # online, not on this computer: link and download
    OFFLINE = "offline"  # offline, not on this computer
    CANNOT_PLAY = "cannot_play"  # on this computer, but it does not play


class ClipPlayer(QWidget):
    """A course clip, or what to do when it is not here; see the module docstring."""

    watched = Signal()
    download_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracker = WatchTracker()
        self.showing = Showing.NOTHING
        self.url: str | None = None
        self.online = False
        self.done = False  # watched (now or before): the line says so, no more ``watched``
        self._percent = -1  # the percent the line shows (-1: none yet)

        self.stack = QStackedWidget(self)
        self.player = VideoPlayer(self.stack, full_controls=True)
        self.panel = QFrame(self.stack)
        set_role(self.panel, "clip-missing")
        self.panel_title = label("", "subtitle", wrap=True)
        self.panel_text = label("", "muted", wrap=True)
        for text in (self.panel_title, self.panel_text):
            text.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.browser_button = Button("", "primary")
        self.download_button = Button("")
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addStretch(1)
        buttons.addWidget(self.browser_button)
        buttons.addWidget(self.download_button)
        buttons.addStretch(1)
        # the browser would not start: the link to copy (hidden until then)
        self.fallback = QWidget(self.panel)
        self.fallback_text = label("", "muted", wrap=True)
        self.link_text = label("", wrap=True)
        self.link_text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.copy_button = Button("")
        fallback = QVBoxLayout(self.fallback)
        fallback.setContentsMargins(0, 8, 0, 0)
        fallback.setSpacing(8)
        for text in (self.fallback_text, self.link_text):
            text.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            text.setMaximumWidth(PANEL_WIDTH)
            line = QHBoxLayout()  # as the texts above: their height follows their width
            line.addStretch(1)
            line.addWidget(text, 100)
            line.addStretch(1)
            fallback.addLayout(line)
        fallback.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.fallback.hide()
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(24, 24, 24, 24)
        box.setSpacing(12)
        box.addStretch(1)
        for text in (self.panel_title, self.panel_text):
            line = QHBoxLayout()  # a narrow paragraph, its height following its width
            line.addStretch(1)
            line.addWidget(text, 100)
            line.addStretch(1)
            text.setMaximumWidth(PANEL_WIDTH)
            box.addLayout(line)
        box.addSpacing(8)
        box.addLayout(buttons)
        box.addWidget(self.fallback)
        box.addStretch(1)
        self.stack.addWidget(self.player)
        self.stack.addWidget(self.panel)

        self.line = label("", "clip-line")
        self.line.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.line)

        media = self.player.player
        media.positionChanged.connect(self._sample)
        media.playbackStateChanged.connect(self._sample)
        self.player.seeking.connect(self.tracker.seeked)
        self.player.failed.connect(self._cannot_play)
        self.browser_button.clicked.connect(self.open_in_browser)
        self.download_button.clicked.connect(self.download_requested)
        self.copy_button.clicked.connect(self.copy_link)
        self.retranslate()
        self._keep_line_height()

    # ---------------------------------------------------------------- what the page calls

    def open(
        self, path: Path | None, url: str | None, online: bool, *, already_done: bool = False
    ) -> None:
        """Show a clip: its file ``path`` (None: not on this computer), its ``url`` (the
        link), whether the server is reachable (``online``), and ``already_done`` (the
        activity was completed before: no ``watched`` again)."""
        self.player.stop()
        self.tracker.reset()
        self.url, self.online, self.done = url, online, already_done
        self._percent = -1
        if path is not None:
            self._show(Showing.VIDEO)
            self.player.load(path)
        else:
            self._show(Showing.NOT_DOWNLOADED if online else Showing.OFFLINE)

    def stop(self) -> None:
        """Stop and release the file (it may be deleted or replaced afterwards)."""
        self.player.stop()
        self.tracker.reset()
        self.showing = Showing.NOTHING
        self._show_line()

    def open_in_browser(self) -> None:
        """The clip's link in the system's browser (online, a link known); when no
        browser starts, the link to copy instead."""
        if not self.url:
            return
        if QDesktopServices.openUrl(QUrl(self.url)):
            return
        self.link_text.setText(self.url)
        self.copy_button.setText(tr(Label.CLIP_COPY_LINK))
        had_focus = self.browser_button.hasFocus()
        self.fallback.show()
        if had_focus:
            self.copy_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def copy_link(self) -> None:
        """The clip's link to the clipboard (the browser would not start)."""
        clipboard = QGuiApplication.clipboard()
        if self.url and clipboard is not None:
            clipboard.setText(self.url)
            self.copy_button.setText(tr(Label.CLIP_LINK_COPIED))

    def retranslate(self) -> None:
        self.player.retranslate()
        self.browser_button.setText(tr(Label.CLIP_OPEN_BROWSER))
        self.download_button.setText(tr(Label.CLIP_DOWNLOAD))
        self.fallback_text.setText(tr(Label.CLIP_BROWSER_FAILED))
        self.copy_button.setText(tr(Label.CLIP_COPY_LINK))
        self._keep_copy_width()
        self._show_panel_texts()
        self._show_line()

    # ---------------------------------------------------------------- what shows

    def _show(self, showing: Showing) -> None:
        self.showing = showing
        self.stack.setCurrentWidget(self.player if showing is Showing.VIDEO else self.panel)
        has_link = self.online and bool(self.url)
        self.browser_button.setVisible(showing is not Showing.OFFLINE and has_link)
        self.download_button.setVisible(showing is Showing.NOT_DOWNLOADED)
        self.fallback.hide()  # until the browser fails again
        self.copy_button.setText(tr(Label.CLIP_COPY_LINK))
        # focusing the clip (the page's Tab, or its setFocus) lands on what acts on it
        # (offline the link is hidden: nothing on the panel takes the focus)
        self.setFocusProxy(self.player if showing is Showing.VIDEO else self.browser_button)
        self._show_panel_texts()
        self._show_line()

    def _show_panel_texts(self) -> None:
        texts = {
            Showing.NOT_DOWNLOADED: (Label.CLIP_NOT_DOWNLOADED, Label.CLIP_NOT_DOWNLOADED_HINT),
            Showing.OFFLINE: (Label.CLIP_OFFLINE, Label.CLIP_OFFLINE_HINT),
            Showing.CANNOT_PLAY: (Label.CLIP_CANNOT_PLAY, Label.CLIP_CANNOT_PLAY_HINT),
        }.get(self.showing)
        if texts is not None:
            self.panel_title.setText(tr(texts[0]))
            self.panel_text.setText(tr(texts[1]))

    def _show_line(self) -> None:
        """Under the video: how much was played, or that it was watched."""
        if self.done:
            text = tr(Label.CLIP_WATCHED)
        elif self.showing is Showing.VIDEO:
            percent = max(0, self._percent)
            text = tr(Label.CLIP_WATCHING, percent=percent, needed=NEEDED_PERCENT)
        else:
            text = ""
        self.line.setText(text)
        set_property(self.line, "done", self.done)

    def _keep_copy_width(self) -> None:
        """The copy button as wide as its "copied" text: it does not grow once clicked."""
        metrics = self.copy_button.fontMetrics()
        texts = (tr(Label.CLIP_COPY_LINK), tr(Label.CLIP_LINK_COPIED))
        extra = self.copy_button.sizeHint().width() - metrics.horizontalAdvance(
            self.copy_button.text()
        )
        widest = max(metrics.horizontalAdvance(text) for text in texts)
        self.copy_button.setMinimumWidth(widest + extra)

    def _keep_line_height(self) -> None:
        """The line keeps one line's height, shown or empty: nothing below it moves."""
        self.line.ensurePolished()
        self.line.setMinimumHeight(self.line.sizeHint().height())

    # ---------------------------------------------------------------- the player's news

    def _sample(self, *_news: object) -> None:
        """A position update or a change of state: fed to the tracker."""
        if self.showing is not Showing.VIDEO:
            return
        media = self.player.player
        self.tracker.sample(media.position(), self.player.playing)
        if self.done:
            return
        duration = media.duration()
        if self.tracker.complete(duration):
            self.done = True
            self._show_line()
            self.watched.emit()
            return
        percent = self.tracker.percent(duration)
        if percent != self._percent:
            self._percent = percent
            self._show_line()

    def _cannot_play(self, _detail: str) -> None:
        self.player.stop()  # the file released: it may be downloaded again
        self._show(Showing.CANNOT_PLAY)
