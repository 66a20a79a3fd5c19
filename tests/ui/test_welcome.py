"""The welcome video after a first sign-in: real widgets offscreen, the real server.

A first online sign-in (``ParticipantSession.sign_in``), the ``WelcomePage`` fetches the
clip from the server with its progress bar in place, plays it; pause and play again with
the button and with Space; "Lanjut" stays disabled until the clip's end, which journals
one ``welcome.watched`` (a second showing to the end adds none); "Lanjut" goes on.
Watched before: "Lewati" works at once. The clip out of reach (offline, not stored) or
unplayable: a calm message, the link to the browser, and "Lanjut" enabled. The player's
Left/Right seek 5 seconds.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import EventType
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui.player import SEEK_MS, VideoPlayer
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.welcome import WelcomePage
from tests.servers import dead_url
from tests.ui.steps import WAIT_MS, open_session
from tools import demo_course as demo

DOWNLOADING, PLAYING, PROBLEM = 0, 1, 2  # the pages of the video's place
PAUSED = QMediaPlayer.PlaybackState.PausedState
PLAYING_STATE = QMediaPlayer.PlaybackState.PlayingState


def welcome_events(session: ParticipantSession) -> int:
    return sum(e.type is EventType.WELCOME_WATCHED for e in session.store.journal())


def page_for(qtbot: QtBot, session: ParticipantSession, runner: TaskRunner) -> WelcomePage:
    page = WelcomePage(session, runner)
    qtbot.addWidget(page)
    page.resize(1093, 614)  # 1366×768 at 125 %
    page.show()
    return page


def wait_playing(qtbot: QtBot, page: WelcomePage) -> None:
    qtbot.waitUntil(lambda: page.player.playing, timeout=WAIT_MS)


def focused(page: WelcomePage, widget: QWidget) -> bool:
    """The page's focus is on ``widget`` (offscreen the window need not be active)."""
    return page.focusWidget() is widget


def test_first_sign_in_plays_the_welcome_video_to_its_end_then_lanjut(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions)
    assert session.online
    assert not session.view().welcome_watched
    ref = session.package().welcome_video.content
    assert ref is not None
    assert not machine.content_path(ref.sha256).exists()
    page = page_for(qtbot, session, runner)
    page.start()
    try:
        # the download's progress bar stands where the video will be
        assert page.stack.currentIndex() == DOWNLOADING
        assert page.title.text() == "Selamat datang di Pelatihan Dasar PPPK"
        assert page.next_button.text() == "Lanjut"
        assert not page.next_button.isEnabled()

        wait_playing(qtbot, page)
        assert page.stack.currentIndex() == PLAYING
        assert machine.content_path(ref.sha256).is_file()  # fetched from the server
        assert (page.download_bar.value(), page.download_bar.maximum()) == (ref.size, ref.size)
        assert focused(page, page.player.play_button)
        assert page.player.play_button.text() == tr(Label.PLAYER_PAUSE)

        # pause and play with the button, then with Space
        qtbot.mouseClick(page.player.play_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.player.player.playbackState() is PAUSED)
        assert page.player.play_button.text() == tr(Label.PLAYER_PLAY)
        qtbot.mouseClick(page.player.play_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.player.player.playbackState() is PLAYING_STATE)
        qtbot.keyClick(page.player.play_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: page.player.player.playbackState() is PAUSED)
        qtbot.waitUntil(lambda: not runner.busy)  # a record started by now has finished
        assert not page.next_button.isEnabled()  # paused is not the end
        assert welcome_events(session) == 0
        qtbot.keyClick(page.player.play_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: page.player.player.playbackState() is PLAYING_STATE)

        # played to its end: recorded once, then "Lanjut" enabled; the focus stays in
        # the player and its last picture on the screen (not black)
        qtbot.waitUntil(page.next_button.isEnabled, timeout=WAIT_MS)
        assert page.player.at_end
        assert welcome_events(session) == 1
        assert session.view().welcome_watched
        assert page.next_button.text() == "Lanjut"
        assert focused(page, page.player.play_button)
        assert page.player.time.text() == "0:04 / 0:04"
        sink = page.player.video.videoSink()
        qtbot.waitUntil(lambda: sink.videoFrame().isValid(), timeout=WAIT_MS)
        assert page.player.player.playbackState() is PAUSED
        assert not page.player.playing

        # Space there plays it again from the start (the page stays): to its end once
        # more, and nothing more is journaled
        with qtbot.waitSignal(page.player.ended, timeout=WAIT_MS):
            qtbot.keyClick(page.player.play_button, Qt.Key.Key_Space)
            assert page.player.player.position() < 1000  # from the start
        assert page.isVisible()
        assert focused(page, page.player.play_button)
        # a second record would have been started by the page's slot (it runs first)
        qtbot.waitUntil(lambda: not runner.busy)
        assert welcome_events(session) == 1

        # Return, with the focus still in the player, presses "Lanjut"
        with qtbot.waitSignal(page.done, timeout=1000):
            qtbot.keyClick(page.player.play_button, Qt.Key.Key_Return)
        assert page.player.player.source().isEmpty()  # the file released
    finally:
        page.stop()


def test_watched_before_lewati_goes_on_before_the_end(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[1], sessions)
    session.watch_welcome()  # an earlier sitting
    page = page_for(qtbot, session, runner)
    page.start()
    try:
        assert page.next_button.text() == "Lewati"
        assert page.next_button.isEnabled()
        assert page.intro.text() == tr(Label.WELCOME_INTRO_WATCHED)
        wait_playing(qtbot, page)
        assert page.player.player.mediaStatus() is not QMediaPlayer.MediaStatus.EndOfMedia
        with qtbot.waitSignal(page.done, timeout=1000):
            qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        assert not page.player.playing
        assert page.player.player.source().isEmpty()
        assert welcome_events(session) == 1  # the earlier one only
    finally:
        page.stop()


def test_offline_and_not_stored_a_calm_message_the_link_and_lanjut(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    open_session(machine, people[2], sessions).sign_out()  # the first sign-in: online
    machine.set_setting(SERVER_URL_SETTING, dead_url())  # unreachable
    session = open_session(machine, people[2], sessions)
    assert not session.online
    url = session.package().welcome_video.url
    assert url
    page = page_for(qtbot, session, runner)
    opened: list[QUrl] = []
    page.open_url = opened.append
    page.start()
    try:
        qtbot.waitUntil(lambda: page.stack.currentIndex() == PROBLEM, timeout=WAIT_MS)
        assert say(msg(Code.SYNC_ERROR_OFFLINE)) in page.problem_text.text()
        assert tr(Label.WELCOME_GO_ON) in page.problem_text.text()
        assert page.next_button.isEnabled()
        assert page.next_button.text() == "Lanjut"
        assert focused(page, page.next_button)
        assert page.link_button.isVisible()
        qtbot.mouseClick(page.link_button, Qt.MouseButton.LeftButton)
        assert opened == [QUrl(url)]
        with qtbot.waitSignal(page.done, timeout=1000):
            qtbot.keyClick(page.next_button, Qt.Key.Key_Return)
        assert welcome_events(session) == 0  # not watched: nothing recorded
    finally:
        page.stop()


def test_a_clip_that_does_not_play_says_so_and_lanjut_is_enabled(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions)
    ref = session.package().welcome_video.content
    assert ref is not None
    broken = machine.content_path(ref.sha256)
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"not a video at all " * 64)  # stored, but no clip
    page = page_for(qtbot, session, runner)
    page.start()
    try:
        qtbot.waitUntil(lambda: page.stack.currentIndex() == PROBLEM, timeout=WAIT_MS)
        assert tr(Label.WELCOME_CANNOT_PLAY) in page.problem_text.text()
        assert page.link_button.isVisible()
        assert page.next_button.isEnabled()
        assert page.player.player.source().isEmpty()  # the file released
        assert welcome_events(session) == 0
    finally:
        page.stop()


def test_left_and_right_seek_five_seconds(qtbot: QtBot) -> None:
    player = VideoPlayer()
    qtbot.addWidget(player)
    player.show()
    player.load(demo.content_dir() / demo.large_clip().name)  # 8 s
    try:
        qtbot.waitUntil(lambda: player.player.duration() > SEEK_MS, timeout=WAIT_MS)
        qtbot.keyClick(player.slider, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: player.player.position() == SEEK_MS)
        assert player.time.text() == "0:05 / 0:08"
        qtbot.keyClick(player.play_button, Qt.Key.Key_Left)
        qtbot.waitUntil(lambda: player.player.position() == 0)
        assert player.time.text() == "0:00 / 0:08"
        assert not player.playing
    finally:
        player.stop()


def test_the_page_speaks_english_when_chosen(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from latsar_desktop.ui import texts

    session = open_session(machine, people[1], sessions)
    page = page_for(qtbot, session, runner)
    monkeypatch.setattr(texts, "_language", "id")  # restored after the test
    texts.set_language("en")
    page.retranslate()
    assert page.title.text() == "Welcome to the PPPK Basic Training"
    assert page.next_button.text() == "Continue"
    assert page.player.play_button.text() == "Play"
