"""The course's clip player (ui/clip.py, ui/player.py's full controls), offscreen with the
demo course's real clips: played to its end it emits ``watched`` once; seeked to its end
it does not, nor after only its last second; at 1,5× it still completes; the volume bar
and the mute button drive the audio output; a clip not on this computer offers the
browser (online) or says it needs a connection (offline)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt, QUrl, SignalInstance
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.protocol import Activity, ActivityKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.clip import ClipPlayer, Showing
from latsar_desktop.ui.player import SPEEDS
from latsar_desktop.ui.texts import tr
from tests.ui.steps import LEFT, WAIT_MS
from tools import demo_course as demo

pytestmark = pytest.mark.usefixtures("styled", "indonesian")

PACKAGE = demo.load_package()
CLIP = "manajemen-asn-1-video"  # 3 s, mp4 with sound
LONG_CLIP = "kebijakan-1-video"  # 8 s, mp4 with sound: room to pause half-way on a busy machine
OTHER_CLIP = "berakhlak-3-video"  # 3 s, webm with sound
PAUSED = QMediaPlayer.PlaybackState.PausedState


def activity(activity_id: str) -> Activity:
    found = [a for _, a in PACKAGE.activities() if a.id == activity_id]
    assert len(found) == 1
    assert found[0].kind is ActivityKind.VIDEO
    assert found[0].url
    return found[0]


def clip_path(activity_id: str) -> Path:
    content = activity(activity_id).content
    assert content is not None
    return demo.content_dir() / content.name


def url_of(activity_id: str) -> str:
    url = activity(activity_id).url
    assert url is not None
    return url


@pytest.fixture
def clip(qtbot: QtBot) -> Iterator[ClipPlayer]:
    widget = ClipPlayer()
    qtbot.addWidget(widget)
    widget.resize(700, 520)  # the Course page's activity pane at 1366×768, 125 %
    widget.show()
    yield widget
    widget.stop()


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """``QDesktopServices.openUrl`` recorded, never a real browser."""
    opened: list[QUrl] = []

    def record(url: QUrl) -> bool:
        opened.append(QUrl(url))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", record)
    return opened


def open_clip(
    qtbot: QtBot, clip: ClipPlayer, activity_id: str = CLIP, *, already_done: bool = False
) -> int:
    """Open a stored clip (online) and wait for its duration; returns it."""
    clip.open(clip_path(activity_id), url_of(activity_id), True, already_done=already_done)
    qtbot.waitUntil(lambda: clip.player.player.duration() > 0, timeout=WAIT_MS)
    return clip.player.player.duration()


def count(signal: SignalInstance) -> list[object]:
    calls: list[object] = []
    signal.connect(lambda *args: calls.append(args))
    return calls


def geometries(clip: ClipPlayer) -> list[QRect]:
    player = clip.player
    controls: list[QWidget | None] = [
        player.play_button,
        player.slider,
        player.time,
        player.mute_button,
        player.volume_slider,
        player.speed_combo,
        clip.stack,
        clip.line,
    ]
    return [QRect(widget.geometry()) for widget in controls if widget is not None]


def test_playing_a_clip_to_its_end_emits_watched_once(qtbot: QtBot, clip: ClipPlayer) -> None:
    open_clip(qtbot, clip, LONG_CLIP)
    watched = count(clip.watched)
    assert clip.showing is Showing.VIDEO
    clip.setFocus()
    assert clip.focusWidget() is clip.player.play_button
    assert clip.line.text() == "Ditonton 0 % · kegiatan selesai setelah 90 % ditonton"
    before = geometries(clip)

    # played for a while, paused: the line says how much, nothing watched yet
    qtbot.mouseClick(clip.player.play_button, LEFT)
    qtbot.waitUntil(lambda: clip.player.player.position() > 1000, timeout=WAIT_MS)
    qtbot.mouseClick(clip.player.play_button, LEFT)
    qtbot.waitUntil(lambda: clip.player.player.playbackState() is PAUSED)
    percent = clip.tracker.percent(clip.player.player.duration())
    assert 10 <= percent < 90
    assert clip.line.text() == f"Ditonton {percent} % · kegiatan selesai setelah 90 % ditonton"
    assert watched == []

    # played on to the end: watched, once
    with qtbot.waitSignal(clip.watched, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)
    assert clip.line.text() == "✓ Selesai ditonton"
    qtbot.waitUntil(lambda: clip.player.at_end, timeout=WAIT_MS)
    assert watched == [()]
    assert geometries(clip) == before  # nothing moved while it played

    # its last second played again: not watched again
    clip.player.seek(-1000)
    with qtbot.waitSignal(clip.player.ended, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)
    assert watched == [()]
    assert clip.line.text() == "✓ Selesai ditonton"


def test_seeking_to_the_end_does_not_emit_watched_nor_does_its_last_second(
    qtbot: QtBot, clip: ClipPlayer
) -> None:
    duration = open_clip(qtbot, clip)
    watched = count(clip.watched)
    # the bar's End key: the clip's end, never played
    qtbot.keyClick(clip.player.slider, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: clip.player.player.position() >= duration - 1, timeout=WAIT_MS)
    assert clip.tracker.played_ms == 0
    assert clip.line.text() == "Ditonton 0 % · kegiatan selesai setelah 90 % ditonton"

    # back one second, then play that last second to the end
    clip.player.seek(-1000)
    qtbot.waitUntil(lambda: clip.player.player.position() <= duration - 999, timeout=WAIT_MS)
    with qtbot.waitSignal(clip.player.ended, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)
    assert watched == []
    assert 0 < clip.tracker.played_ms <= 1000 + 250  # the last second (and a step's slack)
    percent = clip.tracker.percent(duration)
    assert clip.line.text() == f"Ditonton {percent} % · kegiatan selesai setelah 90 % ditonton"


def test_speed_one_and_a_half_sets_the_rate_and_still_completes(
    qtbot: QtBot, clip: ClipPlayer
) -> None:
    combo = clip.player.speed_combo
    assert combo is not None
    assert [combo.itemText(i) for i in range(combo.count())] == ["1×", "1,25×", "1,5×"]
    assert combo.accessibleName() == "Kecepatan putar"
    open_clip(qtbot, clip)
    width = combo.width()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "1,5×"
    assert clip.player.speed() == Decimal("1.5")
    assert clip.player.player.playbackRate() == 1.5
    assert combo.width() == width
    with qtbot.waitSignal(clip.watched, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)
    assert clip.line.text() == "✓ Selesai ditonton"

    # the speed chosen stays for the next clip
    open_clip(qtbot, clip, OTHER_CLIP)
    assert clip.player.player.playbackRate() == 1.5
    clip.player.set_speed(SPEEDS[0])
    assert clip.player.player.playbackRate() == 1.0


def test_the_volume_bar_and_the_mute_button_drive_the_audio_output(
    qtbot: QtBot, clip: ClipPlayer
) -> None:
    open_clip(qtbot, clip)
    volume, mute, audio = clip.player.volume_slider, clip.player.mute_button, clip.player.audio
    assert volume is not None
    assert mute is not None
    assert volume.accessibleName() == "Volume"
    assert (volume.value(), audio.volume()) == (100, 1.0)
    qtbot.keyClick(volume, Qt.Key.Key_Home)
    assert audio.volume() == 0.0
    for _ in range(3):
        qtbot.keyClick(volume, Qt.Key.Key_PageUp)
    assert volume.value() == 30
    assert audio.volume() == pytest.approx(0.3)
    assert clip.player.player.position() == 0  # the arrows moved the volume, not the clip

    assert mute.accessibleName() == "Bisukan"
    qtbot.mouseClick(mute, LEFT)
    assert audio.isMuted()
    assert mute.isChecked()
    assert mute.accessibleName() == "Bunyikan"
    assert audio.volume() == pytest.approx(0.3)  # kept for when it is unmuted
    qtbot.keyClick(volume, Qt.Key.Key_PageUp)  # turning it up unmutes
    assert not audio.isMuted()
    assert not mute.isChecked()
    assert mute.accessibleName() == "Bisukan"


def test_not_downloaded_and_online_the_link_opens_in_the_browser(
    qtbot: QtBot, clip: ClipPlayer, opened_urls: list[QUrl]
) -> None:
    url = url_of(CLIP)
    clip.open(None, url, True)
    assert clip.showing is Showing.NOT_DOWNLOADED
    assert clip.stack.currentWidget() is clip.panel
    assert clip.panel_title.text() == "Video ini belum diunduh"
    assert clip.browser_button.isVisible()
    assert clip.browser_button.text() == "Buka di peramban"
    assert clip.download_button.isVisible()
    assert clip.download_button.text() == "Unduh untuk offline"
    assert clip.line.text() == ""
    clip.setFocus()
    assert clip.focusWidget() is clip.browser_button
    qtbot.mouseClick(clip.browser_button, LEFT)
    assert opened_urls == [QUrl(url)]
    assert not clip.fallback.isVisible(), "the browser opened: no link to copy"
    with qtbot.waitSignal(clip.download_requested, timeout=1000):
        qtbot.mouseClick(clip.download_button, LEFT)
    assert opened_urls == [QUrl(url)]


def test_when_no_browser_starts_the_link_shows_to_copy(
    qtbot: QtBot, clip: ClipPlayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``openUrl`` says no (no browser on this computer): a calm line says so, the link
    is selectable text, and "Salin tautan" puts it on the clipboard."""
    tried: list[QUrl] = []

    def refuse(url: QUrl) -> bool:
        tried.append(QUrl(url))
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", refuse)
    clipboard = QGuiApplication.clipboard()
    kept = clipboard.text()
    url = url_of(CLIP)
    clip.open(None, url, True)
    assert not clip.fallback.isVisible()
    clip.setFocus()
    title = clip.panel_title.text()
    qtbot.keyClick(clip.browser_button, Qt.Key.Key_Return)
    assert tried == [QUrl(url)]
    assert clip.fallback.isVisible()
    assert clip.panel_title.text() == title
    assert clip.fallback_text.text() == tr(Label.CLIP_BROWSER_FAILED)
    assert clip.fallback_text.text().startswith("Peramban tidak dapat dibuka")
    assert clip.link_text.text() == url
    for text in (clip.fallback_text, clip.link_text):  # whole: as tall as their lines
        assert text.height() >= text.heightForWidth(text.width()), text.text()
    assert clip.link_text.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert clip.copy_button.text() == "Salin tautan"
    assert clip.focusWidget() is clip.copy_button, "the keyboard goes on to the copy"
    width = clip.copy_button.width()
    try:
        clipboard.setText("sesuatu yang lain")
        qtbot.keyClick(clip.copy_button, Qt.Key.Key_Return)
        assert clipboard.text() == url
    finally:
        clipboard.setText(kept)
    assert clip.copy_button.text() == "✓ Tautan disalin"
    assert clip.copy_button.width() == width, "the button does not grow once it copied"

    clip.open(None, url, True)  # another clip (or the same, again): a fresh panel
    assert not clip.fallback.isVisible()
    assert clip.copy_button.text() == "Salin tautan"


def test_not_downloaded_and_offline_a_clear_message_and_no_link(
    qtbot: QtBot, clip: ClipPlayer, opened_urls: list[QUrl]
) -> None:
    clip.open(None, url_of(CLIP), False)
    assert clip.showing is Showing.OFFLINE
    assert clip.stack.currentWidget() is clip.panel
    assert clip.panel_title.text() == "Video ini belum ada di komputer ini"
    assert clip.panel_text.text() == tr(Label.CLIP_OFFLINE_HINT)
    assert "sambungkan ke internet" in clip.panel_text.text()
    assert not clip.browser_button.isVisible()
    assert not clip.download_button.isVisible()
    assert opened_urls == []


def test_a_stored_clip_that_does_not_play_says_so_with_the_link(
    qtbot: QtBot, clip: ClipPlayer, opened_urls: list[QUrl], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all " * 64)
    clip.open(broken, url_of(CLIP), True)
    qtbot.waitUntil(lambda: clip.showing is Showing.CANNOT_PLAY, timeout=WAIT_MS)
    assert clip.panel_title.text() == "Video ini tidak dapat diputar di komputer ini"
    assert clip.player.player.source().isEmpty()  # the file released
    assert not clip.download_button.isVisible()
    qtbot.mouseClick(clip.browser_button, LEFT)
    assert opened_urls == [QUrl(url_of(CLIP))]


def test_a_clip_watched_before_says_so_and_does_not_emit_again(
    qtbot: QtBot, clip: ClipPlayer
) -> None:
    open_clip(qtbot, clip, already_done=True)
    watched = count(clip.watched)
    assert clip.line.text() == "✓ Selesai ditonton"
    with qtbot.waitSignal(clip.player.ended, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)
    assert clip.tracker.complete(clip.player.player.duration())
    assert watched == []

    # the same clip opened again, not done: watched anew
    open_clip(qtbot, clip)
    assert clip.line.text().startswith("Ditonton 0 %")
    with qtbot.waitSignal(clip.watched, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)


def test_the_controls_speak_english_when_chosen(
    clip: ClipPlayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from latsar_desktop.ui import texts

    monkeypatch.setattr(texts, "_language", "id")  # restored after the test
    texts.set_language("en")
    clip.open(None, url_of(CLIP), True)
    clip.retranslate()
    combo = clip.player.speed_combo
    assert combo is not None
    assert [combo.itemText(i) for i in range(combo.count())] == ["1×", "1.25×", "1.5×"]
    assert clip.player.mute_button is not None
    assert clip.player.mute_button.accessibleName() == "Mute"
    assert clip.panel_title.text() == "This video is not downloaded yet"
    assert clip.browser_button.text() == "Open in browser"
