"""Every clip of the demo course loads in QtMultimedia (offscreen) and has its duration."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import ActivityKind
from tools import demo_course as demo

pytestmark = pytest.mark.qt

PACKAGE = demo.load_package()
CLIPS = [
    activity.content
    for activity in [PACKAGE.welcome_video] + [a for _, a in PACKAGE.activities()]
    if activity.kind is ActivityKind.VIDEO and activity.content is not None
]
SECONDS = {clip.name: clip.seconds for clip in demo.CLIPS}
LOAD_TIMEOUT_MS = 15_000
DONE = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.InvalidMedia)


def test_every_clip_is_tested() -> None:
    assert len(CLIPS) == 13
    assert {clip.name for clip in CLIPS} == set(SECONDS)


@pytest.mark.parametrize("name", [clip.name for clip in CLIPS])
def test_clip_loads_and_has_a_duration(qtbot: QtBot, name: str) -> None:
    path = demo.content_dir() / name
    player = QMediaPlayer()
    player.setSource(QUrl.fromLocalFile(str(path)))
    qtbot.waitUntil(lambda: player.mediaStatus() in DONE, timeout=LOAD_TIMEOUT_MS)
    assert player.mediaStatus() is QMediaPlayer.MediaStatus.LoadedMedia, player.errorString()
    assert player.error() is QMediaPlayer.Error.NoError
    qtbot.waitUntil(lambda: player.duration() > 0, timeout=LOAD_TIMEOUT_MS)
    assert player.hasVideo()
    assert abs(player.duration() - SECONDS[name] * 1000) < 500, player.duration()
    player.setSource(QUrl())
