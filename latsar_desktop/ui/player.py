"""``VideoPlayer``: a local clip with play/pause, a position bar and the time.

One widget for every clip of the app (the welcome video, the course's microlearning
clips): ``QMediaPlayer`` with a ``QAudioOutput`` (none offscreen: it still plays) into
a ``QVideoWidget``, and below it the controls, which never change size while the clip
plays (the layout does not move). Keyboard, wherever the focus is inside the player:
Space plays or pauses, Left and Right seek 5 seconds back or forward.

``load(path)`` then ``play()``; ``ended`` when the clip reached its end
(``EndOfMedia``), ``failed(detail)`` when it cannot be played (``InvalidMedia`` or a
player error; ``detail`` is for the logs); ``stop()`` stops and releases the file.
``seeking`` just before the position is moved (the bar, the keys, ``seek``, the start
again after the end, the hold on the last picture): a clip's watch tracker
(``domain/watching.py``) must not count the jump as played.

``full_controls=True`` (the course's clips) adds, on a row of their own under the
position bar, at its right, the sound:
a mute button (an icon, its name "Bisukan"/"Bunyikan") and a small volume bar
(``QAudioOutput.setVolume``), and the speed: a list of ``SPEEDS`` (1×, 1,25×, 1,5×: the
language's decimal sign; ``setPlaybackRate``, kept from clip to clip), defined in
``domain/watching.py``, whose watch rule counts on its fastest. They keep their
own keys (the arrows move the volume, Space presses the mute button) and their sizes.
The welcome video has none of them: four seconds of greeting, where the computer's own
volume is enough.

At the end the last picture stays (a stopped ``QMediaPlayer`` shows black): the player
is paused on the clip's last millisecond (``at_end``); "Putar" (or Space) then plays it
again from the start.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.domain.watching import SPEEDS
from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.texts import tr

__all__ = ["SEEK_MS", "SPEEDS", "VideoPlayer", "clock_time"]

SEEK_MS = 5_000  # Left/Right, and a click on the bar beside the handle
VOLUME_WIDTH = 80  # the volume bar: small, and the same whatever plays
SMALL_PICTURE = (192, 108)  # a course clip's smallest picture (16:9)
SLIDER_MIN = 160  # the position bar never gets narrower (the full controls move under it)
_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right)
log = logging.getLogger(__name__)


def _nothing(*_args: object) -> None:
    pass


def _settle_virtuals(*objects: QObject) -> None:
    """Let PySide learn, on the GUI thread, that ``objects`` override no virtual.

    PySide looks a Python override of a virtual up the first time the virtual is called,
    holding the GIL, from whichever thread calls it; then it remembers "none" and calls
    the C++ one without the GIL. QtMultimedia's FFmpeg threads disconnect from the player
    and its audio output when their renderers end (``stop``, another source): the first
    ``disconnectNotify`` then waited for the GIL, which the GUI thread held while it
    waited for those threads inside ``QMediaPlayer.stop``, for good (seen in
    test_clip.py, a hang in about one run of four; gdb: the ``QFFmpeg::AudioRenderer``
    thread in ``Sbk_GetPyOverride`` under ``~QObject``, the GUI thread in ``stop``).
    One connect and disconnect here settles ``connectNotify`` and ``disconnectNotify``.
    """
    for obj in objects:
        obj.objectNameChanged.connect(_nothing)
        obj.objectNameChanged.disconnect(_nothing)


def clock_time(ms: int) -> str:
    """A position as people read it: ``0:12``, ``12:05``, ``1:02:03``."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02}:{seconds:02}"
    return f"{minutes}:{seconds:02}"


class VideoPlayer(QWidget):
    """A clip and its controls; see the module docstring."""

    ended = Signal()
    failed = Signal(str)
    seeking = Signal()

    def __init__(self, parent: QWidget | None = None, *, full_controls: bool = False) -> None:
        super().__init__(parent)
        self.full_controls = full_controls
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        _settle_virtuals(self.player, self.audio)
        self.video = QVideoWidget(self)
        self.video.setMinimumSize(320, 180)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        screen = self.video.palette()  # black around the picture, and before it shows
        screen.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.video.setPalette(screen)
        self.video.setAutoFillBackground(True)
        self.player.setVideoOutput(self.video)

        self.play_button = QPushButton(self)
        self.play_button.setObjectName("playPause")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.setSingleStep(SEEK_MS)
        self.slider.setPageStep(SEEK_MS)
        self.slider.setMinimumWidth(SLIDER_MIN)
        self.time = QLabel(self)
        self.time.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(12)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        self.mute_button: QPushButton | None = None
        self.volume_slider: QSlider | None = None
        self.speed_combo: QComboBox | None = None
        self.extras: QWidget | None = None  # the full controls, in one holder
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)
        if full_controls:
            layout.addLayout(self._add_full_controls())
            # a course clip shares a short pane with its title: the picture gives way first
            self.video.setMinimumSize(*SMALL_PICTURE)
        self.setFocusProxy(self.play_button)  # focusing the player focuses its controls

        self._failed = False  # ``failed`` is emitted once per clip
        self.at_end = False  # played to its end: paused on the last picture
        self.play_button.clicked.connect(self.toggle)
        self.slider.actionTriggered.connect(self._slider_action)
        self.player.positionChanged.connect(self._position_changed)
        self.player.durationChanged.connect(self._duration_changed)
        self.player.playbackStateChanged.connect(self._show_state)
        self.player.mediaStatusChanged.connect(self._status_changed)
        self.player.errorOccurred.connect(self._error)
        # the video's surface is a window container: a platform that activates it (the
        # offscreen one does, on show) would take the focus from the controls
        self._surfaces = self.video.findChildren(QWidget)
        for widget in (self, self.play_button, self.slider):
            widget.installEventFilter(self)
        for surface in self._surfaces:
            surface.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            surface.installEventFilter(self)
        self.retranslate()
        self._fit_time()
        self._show_time()

    # ---------------------------------------------------------------- what screens call

    def load(self, path: Path) -> None:
        """Open a local clip (not playing yet)."""
        self._failed = False
        self.at_end = False
        self.slider.setRange(0, 0)
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.setPlaybackRate(float(self.speed()))  # the speed chosen stays

    def play(self) -> None:
        """Play on; after the end, from the start again."""
        if self.at_end:
            self.at_end = False
            self._go(0)
        self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def toggle(self) -> None:
        """Play when paused or stopped (from the start after the end), else pause."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def seek(self, delta_ms: int) -> None:
        """Move by ``delta_ms`` (negative: back), within the clip."""
        duration = self.player.duration()
        if duration <= 0:
            return
        self.at_end = False  # moved away from the end: "Putar" plays on from there
        self._go(min(max(0, self.player.position() + delta_ms), duration))

    def stop(self) -> None:
        """Stop and release the file (it may be deleted or replaced afterwards)."""
        self.at_end = False
        self.player.stop()
        self.player.setSource(QUrl())
        self.slider.setRange(0, 0)
        self._show_time()

    @property
    def playing(self) -> bool:
        return self.player.playbackState() is QMediaPlayer.PlaybackState.PlayingState

    def speed(self) -> Decimal:
        """The playback speed chosen (1 without the full controls)."""
        if self.speed_combo is None:
            return SPEEDS[0]
        return SPEEDS[max(0, self.speed_combo.currentIndex())]

    def set_speed(self, speed: Decimal) -> None:
        """Play at ``speed``, one of ``SPEEDS`` (the full controls only)."""
        if self.speed_combo is None:
            raise RuntimeError("the speed is a full control")
        self.speed_combo.setCurrentIndex(SPEEDS.index(speed))  # _speed_chosen applies it

    def retranslate(self) -> None:
        # wide enough for both texts: the button keeps its size when it changes
        widths = []
        for label in (Label.PLAYER_PLAY, Label.PLAYER_PAUSE):
            self.play_button.setText(tr(label))
            widths.append(self.play_button.sizeHint().width())
        self.play_button.setMinimumWidth(max(widths))
        self.slider.setAccessibleName(tr(Label.PLAYER_POSITION))
        self._show_state()
        if self.volume_slider is not None:
            self.volume_slider.setAccessibleName(tr(Label.PLAYER_VOLUME))
            self.volume_slider.setToolTip(tr(Label.PLAYER_VOLUME))
        if self.speed_combo is not None:
            for index, speed in enumerate(SPEEDS):
                self.speed_combo.setItemText(index, tr(Label.PLAYER_SPEED_ITEM, speed=speed))
            self.speed_combo.setAccessibleName(tr(Label.PLAYER_SPEED))
            self.speed_combo.setToolTip(tr(Label.PLAYER_SPEED))
        self._show_sound()

    # ---------------------------------------------------------------- the full controls

    def _add_full_controls(self) -> QHBoxLayout:
        """The mute button, the volume bar and the speed list: a row of their own under
        the position bar, at its right (beside it, the bar would be squeezed in a narrow
        pane; a row that moved with the width made the player taller than the pane)."""
        extras = QWidget(self)
        self.extras = extras
        self.mute_button = QPushButton(extras)
        self.mute_button.setObjectName("mute")
        self.mute_button.setCheckable(True)
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, extras)
        self.volume_slider.setObjectName("volume")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setSingleStep(5)
        self.volume_slider.setPageStep(10)
        self.volume_slider.setValue(round(self.audio.volume() * 100))
        self.volume_slider.setFixedWidth(VOLUME_WIDTH)
        self.speed_combo = QComboBox(extras)
        self.speed_combo.setObjectName("speed")
        self.speed_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for speed in SPEEDS:
            self.speed_combo.addItem("", str(speed))
        row = QHBoxLayout(extras)
        row.setContentsMargins(8, 0, 0, 0)
        row.setSpacing(12)
        row.addWidget(self.mute_button)
        row.addWidget(self.volume_slider)
        row.addSpacing(8)
        row.addWidget(self.speed_combo)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addStretch(1)
        second.addWidget(extras)
        self.mute_button.toggled.connect(self.audio.setMuted)
        self.audio.mutedChanged.connect(self._show_sound)
        self.volume_slider.valueChanged.connect(self._volume_chosen)
        self.speed_combo.currentIndexChanged.connect(self._speed_chosen)
        return second

    def _volume_chosen(self, value: int) -> None:
        self.audio.setVolume(value / 100)
        if value > 0 and self.audio.isMuted():  # turning the sound up unmutes it
            self.audio.setMuted(False)

    def _speed_chosen(self, _index: int) -> None:
        self.player.setPlaybackRate(float(self.speed()))

    def _show_sound(self) -> None:
        """The mute button shows the sound's state; its name says what a press does."""
        button = self.mute_button
        if button is None:
            return
        muted = self.audio.isMuted()
        button.setChecked(muted)
        pixmap = QStyle.StandardPixmap
        icon = pixmap.SP_MediaVolumeMuted if muted else pixmap.SP_MediaVolume
        button.setIcon(self.style().standardIcon(icon))
        name = tr(Label.PLAYER_UNMUTE if muted else Label.PLAYER_MUTE)
        button.setAccessibleName(name)
        button.setToolTip(name)

    # ---------------------------------------------------------------- keyboard

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Space, Left and Right act on the clip wherever the focus is in the player (the
        button would take Space as a click, the bar the arrows as a small step)."""
        kind = event.type()
        if kind is QEvent.Type.FocusIn and watched in self._surfaces:
            self.play_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent):
            key = event.key()
            plain = event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if key in _KEYS and plain:
                if kind is QEvent.Type.KeyPress:
                    if key == Qt.Key.Key_Space:
                        if not event.isAutoRepeat():
                            self.toggle()
                    else:
                        self.seek(-SEEK_MS if key == Qt.Key.Key_Left else SEEK_MS)
                return True  # the release too: the button never sees half a click
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------- the player's news

    def _slider_action(self, _action: int) -> None:
        """The participant moved the bar (drag, click, wheel): go there."""
        self.at_end = False
        self._go(self.slider.sliderPosition())

    def _go(self, position: int) -> None:
        """Move to ``position`` (every move the player makes goes through here)."""
        self.seeking.emit()
        self.player.setPosition(position)

    def _position_changed(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(self.slider.maximum() if self.at_end else position)
        self._show_time()

    def _duration_changed(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self._fit_time()
        self._show_time()

    def _fit_time(self) -> None:
        """As wide as the longest time this clip shows: the layout never moves."""
        widest = re.sub(r"\d", "0", self._time_text(self.player.duration()))
        self.time.setMinimumWidth(self.time.fontMetrics().horizontalAdvance(widest) + 4)

    def _time_text(self, position: int) -> str:
        return f"{clock_time(position)} / {clock_time(self.player.duration())}"

    def _show_time(self) -> None:
        position = self.player.duration() if self.at_end else self.player.position()
        self.time.setText(self._time_text(position))

    def _show_state(self) -> None:
        playing = self.playing
        self.play_button.setText(tr(Label.PLAYER_PAUSE if playing else Label.PLAYER_PLAY))
        pixmap = QStyle.StandardPixmap
        icon = pixmap.SP_MediaPause if playing else pixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status is QMediaPlayer.MediaStatus.EndOfMedia:
            stopped = QMediaPlayer.PlaybackState.StoppedState
            if self.player.playbackState() is not stopped:
                return  # the pause on the last picture reached the end: not played again
            self._hold_last_picture()
            self.ended.emit()
        elif status is QMediaPlayer.MediaStatus.InvalidMedia:
            self._fail(self.player.errorString() or "invalid media")

    def _hold_last_picture(self) -> None:
        """Paused on the clip's last millisecond: its last picture stays on the screen."""
        self.at_end = True
        duration = self.player.duration()
        if duration > 0:
            self.player.pause()
            self._go(duration - 1)
        self.slider.setValue(self.slider.maximum())
        self._show_time()

    def _error(self, error: QMediaPlayer.Error, detail: str) -> None:
        if error is not QMediaPlayer.Error.NoError:
            self._fail(detail or error.name)

    def _fail(self, detail: str) -> None:
        if self._failed:
            return
        self._failed = True
        log.warning("video %s cannot be played: %s", self.player.source().toString(), detail)
        self.failed.emit(detail)
