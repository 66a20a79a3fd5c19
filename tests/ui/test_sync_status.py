"""The status bar (``SyncStatusBar``) through its real widgets, around a real session
against the real server on 127.0.0.1: a sync goes from pending, to syncing, to done
(the proxy holds the server's answer, so "syncing" is seen without a clock); "Batalkan"
during a sync ends it calmly; an event the server refuses is listed in "Rincian" with
its reason in Indonesian, the last sync's error too; with the server stopped the state
is offline, and once it runs again on the same port the probe brings a sync without a
click. The button is reached and pressed from the keyboard; nothing moves while a sync
runs; the texts follow the language.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import ActivityKind, EventType
from latsar_desktop.i18n import text
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession, SessionOptions
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.views import RefusedEvent
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.errors import SyncError, SyncErrorKind, error_message
from latsar_desktop.ui import texts
from latsar_desktop.ui.sync_status import SyncState, SyncStatusBar, what_text
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import sqlite_demo_server, sqlite_settings, take_attempt
from tests.servers import RunningServer, running_server
from tests.ui.steps import LEFT, WAIT_MS, Person, open_session

pytestmark = pytest.mark.usefixtures("styled", "indonesian")

SYNC_NOW, CANCEL = "Sinkronkan sekarang", "Batalkan"
OFFLINE = "Luring — perubahan disimpan di komputer ini"
QUIET = SessionOptions(sync_interval=3600.0, retry_base=3600.0, probe_interval=0.2)
"""No periodic sync and no retry within a test: a sync comes from start(), a click, or
the connectivity probe (every 0.2 s at first while the link is down)."""


@pytest.fixture
def proxy(ui_server: RunningServer, machine: MachineStore) -> Iterator[FaultProxy]:
    """A proxy between this computer and the server, to hold the server's answers."""
    with FaultProxy("127.0.0.1", urlsplit(ui_server.url).port or 80) as running:
        machine.set_setting(SERVER_URL_SETTING, running.url)
        yield running
        running.clear()


def record_activities(session: ParticipantSession, count: int, skip: int = 0) -> None:
    """``count`` videos and readings completed, after the first ``skip`` of them."""
    kinds = (ActivityKind.VIDEO, ActivityKind.READING)
    ids = [a.id for _, a in session.package().activities() if a.kind in kinds]
    for activity_id in ids[skip : skip + count]:
        session.complete_activity(activity_id)


class Host(QWidget):
    """A window of the page area's width (1366×768 at 125 %) with the bar at its foot and
    a field above it (where the keyboard comes from)."""

    def __init__(self, session: ParticipantSession, runner: TaskRunner) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.field = QLineEdit()
        column.addWidget(self.field)
        column.addStretch(1)
        self.bar = SyncStatusBar(session, runner)
        column.addWidget(self.bar)


HOSTS: list[Host] = []  # qtbot keeps weak references only


@pytest.fixture(autouse=True)
def _hosts() -> Iterator[None]:
    yield
    HOSTS.clear()


def bar_for(qtbot: QtBot, session: ParticipantSession, runner: TaskRunner) -> SyncStatusBar:
    host = Host(session, runner)
    HOSTS.append(host)
    qtbot.addWidget(host)
    host.resize(1093, 120)
    host.show()
    qtbot.waitExposed(host)
    return host.bar


def wait_state(qtbot: QtBot, bar: SyncStatusBar, state: SyncState) -> None:
    qtbot.waitUntil(lambda: bar.state is state, timeout=WAIT_MS)


def seen_in_order(history: Sequence[SyncState], states: Sequence[SyncState]) -> bool:
    """``states`` appear in ``history`` in this order (others may come between)."""
    rest = iter(history)
    return all(any(seen is state for seen in rest) for state in states)


def places(bar: SyncStatusBar) -> list[QRect]:
    """Where the bar's parts are: nothing may move while a sync runs."""
    parts = (bar.dot, bar.text, bar.slot, bar.sync_button)  # the slot: Rincian or progress
    return [part.geometry().translated(part.parentWidget().pos()) for part in parts]


def done_text(session: ParticipantSession) -> str:
    last = session.sync_status().last_sync_at
    assert last is not None
    return tr(Label.STATUS_DONE, time=last)


def test_a_sync_goes_from_pending_to_syncing_to_done(
    qtbot: QtBot,
    proxy: FaultProxy,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions, QUIET)
    session.watch_welcome()
    record_activities(session, 2)
    bar = bar_for(qtbot, session, runner)
    wait_state(qtbot, bar, SyncState.PENDING)
    assert bar.status_message() == "3 perubahan menunggu sinkronisasi"
    assert bar.dot.property("state") == "pending"
    assert not bar.details_button.isVisible()
    assert not bar.progress.isVisible()
    assert not bar.sync_button.isEnabled()  # until the background sync is started
    before = places(bar)
    # the background sync starts with a sync; the server's answer waits in the proxy
    proxy.hold_response(once=True)
    with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
        bar.start()
        wait_state(qtbot, bar, SyncState.SYNCING)
        assert bar.status_message() == "Menyinkronkan… 0/3"
        assert bar.progress.isVisible()
        assert (bar.progress.minimum(), bar.progress.maximum()) == (0, 3)
        assert bar.sync_button.text() == CANCEL
        assert bar.dot.property("state") == "syncing"
        assert places(bar) == before  # the progress bar in its slot, the button as wide
        proxy.release()
        wait_state(qtbot, bar, SyncState.DONE)
    assert bar.status_message() == done_text(session)
    assert bar.status_message().startswith("Tersinkron · ")
    assert bar.dot.property("state") == "done"
    assert bar.sync_button.text() == SYNC_NOW
    assert not bar.progress.isVisible()
    assert seen_in_order(bar.history, [SyncState.PENDING, SyncState.SYNCING, SyncState.DONE])
    assert SyncState.ERROR not in bar.history
    assert SyncState.OFFLINE not in bar.history
    assert session.pending_count() == 0
    # another change, then "Sinkronkan sekarang" from the keyboard: Tab reaches it
    record_activities(session, 1, skip=2)
    bar.refresh()
    wait_state(qtbot, bar, SyncState.PENDING)
    assert bar.status_message() == "1 perubahan menunggu sinkronisasi"
    host = HOSTS[0]
    host.field.setFocus()
    qtbot.keyClick(host.field, Qt.Key.Key_Tab)
    assert host.focusWidget() is bar.sync_button
    with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
        qtbot.keyClick(bar.sync_button, Qt.Key.Key_Space)
    wait_state(qtbot, bar, SyncState.DONE)
    assert session.pending_count() == 0


def test_batalkan_during_a_slow_sync_ends_it_calmly(
    qtbot: QtBot,
    proxy: FaultProxy,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions, QUIET)
    bar = bar_for(qtbot, session, runner)
    with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
        bar.start()
    record_activities(session, 4)
    bar.refresh()
    wait_state(qtbot, bar, SyncState.PENDING)
    first = len(bar.history)
    proxy.hold_response(once=True)  # this sync's answer does not come
    qtbot.mouseClick(bar.sync_button, LEFT)
    wait_state(qtbot, bar, SyncState.SYNCING)
    assert bar.sync_button.text() == CANCEL
    qtbot.mouseClick(bar.sync_button, LEFT)  # "Batalkan"
    wait_state(qtbot, bar, SyncState.PENDING)
    assert bar.history[first:] == [SyncState.SYNCING, SyncState.PENDING]  # no error
    assert bar.status_message() == "4 perubahan menunggu sinkronisasi"
    assert not bar.details_button.isVisible()
    assert bar.sync_button.text() == SYNC_NOW
    assert bar.sync_button.isEnabled()
    assert session.pending_count() == 4  # nothing of the answer was applied
    proxy.release()
    # and a sync asked for again goes through
    with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
        qtbot.mouseClick(bar.sync_button, LEFT)
    wait_state(qtbot, bar, SyncState.DONE)
    assert session.pending_count() == 0


def test_a_refused_event_is_listed_in_rincian_with_its_reason_in_indonesian(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions, QUIET)
    record_activities(session, 1)
    attempt = take_attempt(session.store, 20)  # locked on the server at 1 trophy: refused
    bar = bar_for(qtbot, session, runner)
    bar.start()
    qtbot.waitUntil(lambda: bar.details_button.isVisible(), timeout=WAIT_MS)
    # the sync itself succeeded: done, with "Rincian" for the refusal
    assert bar.state is SyncState.DONE
    assert bar.details_button.text() == "Rincian (1 ditolak)"
    (refused,) = session.rejections()
    assert refused.message.code == "sync.evaluation_locked"
    qtbot.mouseClick(bar.details_button, LEFT)
    qtbot.waitUntil(lambda: bar.details_dialog is not None, timeout=WAIT_MS)
    dialog = bar.details_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.isModal()
    reason = text("sync.evaluation_locked", "id", refused.message.to_message().params)
    assert reason.startswith("Evaluasi dikerjakan sebelum terbuka: server mencatat 1 trofi")
    when = tr(Label.SYNC_DETAILS_WHEN, time=attempt.at)
    assert dialog.texts() == [
        "Rincian sinkronisasi",
        tr(Label.STATUS_SYNCED, time=session.sync_status().last_sync_at),
        "Catatan yang ditolak server (1)",
        "Penolakan ini bersifat tetap: catatan di bawah tidak dikirim lagi dan tidak "
        "dihitung. Kemajuan Anda yang lain tidak terpengaruh.",
        "Percobaan evaluasi",
        when,
        reason,
    ]
    assert not dialog.error_text.isVisible()  # the last sync had no error
    qtbot.mouseClick(dialog.close_button, LEFT)
    qtbot.waitUntil(lambda: bar.details_dialog is None, timeout=WAIT_MS)


def test_an_error_the_server_answers_shows_with_its_text_and_in_rincian(
    qtbot: QtBot,
    proxy: FaultProxy,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions, QUIET)
    proxy.respond(426, b"upgrade", once=True)  # the server no longer serves this version
    bar = bar_for(qtbot, session, runner)
    bar.start()
    wait_state(qtbot, bar, SyncState.ERROR)
    too_old = say(error_message(SyncError(SyncErrorKind.CLIENT_TOO_OLD)))
    assert bar.status_message() == too_old
    assert bar.text.toolTip() == too_old  # whole, though the bar cuts it short
    assert bar.dot.property("state") == "error"
    assert bar.details_button.isVisible()
    assert bar.details_button.text() == "Rincian"
    qtbot.mouseClick(bar.details_button, LEFT)
    qtbot.waitUntil(lambda: bar.details_dialog is not None, timeout=WAIT_MS)
    dialog = bar.details_dialog
    assert dialog is not None
    assert dialog.texts() == [
        "Rincian sinkronisasi",
        "Sinkronisasi terakhir tidak berhasil",
        too_old,
        "Belum pernah sinkron dengan server.",
        "Tidak ada catatan yang ditolak server.",
    ]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bar.details_dialog is None, timeout=WAIT_MS)
    # the next sync succeeds: the error is gone
    with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
        qtbot.mouseClick(bar.sync_button, LEFT)
    assert bar.state is SyncState.DONE
    assert not bar.details_button.isVisible()


def test_offline_with_the_server_stopped_then_a_sync_without_a_click_when_it_is_back(
    qtbot: QtBot,
    tmp_path: Path,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    machine = MachineStore(tmp_path / "pc")
    try:
        with sqlite_demo_server(tmp_path, machine) as server:
            port = urlsplit(server.url).port
            assert port is not None
            session = open_session(machine, people[0], sessions, QUIET)
            bar = bar_for(qtbot, session, runner)
            with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
                bar.start()
        # the server is stopped: "Sinkronkan sekarang" cannot reach it
        qtbot.mouseClick(bar.sync_button, LEFT)
        wait_state(qtbot, bar, SyncState.OFFLINE)
        assert bar.status_message() == OFFLINE
        # a change made offline: what waits is in the sentence itself
        session.watch_welcome()
        bar.refresh()
        pending = "Luring — 1 perubahan menunggu; tersimpan di komputer ini"
        qtbot.waitUntil(lambda: bar.status_message() == pending, timeout=WAIT_MS)
        assert bar.state is SyncState.OFFLINE
        assert bar.dot.property("state") == "offline"
        why = say(session.message_for(SyncError(SyncErrorKind.OFFLINE)))
        last = tr(Label.STATUS_SYNCED, time=session.sync_status().last_sync_at)
        waiting = "1 perubahan menunggu sinkronisasi"
        assert bar.text.toolTip().splitlines() == [why, last, waiting]
        # why, read without hovering: "Rincian", reached from the keyboard
        assert bar.details_button.isVisible()
        assert bar.details_button.text() == "Rincian"
        host = HOSTS[0]
        host.field.setFocus()
        qtbot.keyClick(host.field, Qt.Key.Key_Tab)
        assert host.focusWidget() is bar.details_button
        qtbot.keyClick(bar.details_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: bar.details_dialog is not None, timeout=WAIT_MS)
        dialog = bar.details_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        assert dialog.texts() == [
            "Rincian sinkronisasi",
            "Tidak terhubung ke server",
            why,
            last,
            waiting,
            "Tidak ada catatan yang ditolak server.",
        ]
        assert dialog.error_text.isVisible()
        assert dialog.error_text.property("role") == "notice"  # calm: offline is no fault
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: bar.details_dialog is None, timeout=WAIT_MS)
        synced_before = session.sync_status().last_sync_at
        # the server again, on the same port: the probe sees it, and the sync follows (no
        # click; no retry either: the test's retry comes after an hour)
        with running_server(sqlite_settings(tmp_path), port=port):
            with qtbot.waitSignal(bar.synced, timeout=WAIT_MS):
                pass
            wait_state(qtbot, bar, SyncState.DONE)
            assert not bar.details_button.isVisible()  # reached again: nothing to read
            assert session.pending_count() == 0
            assert session.sync_status().last_sync_at != synced_before
            assert bar.status_message() == done_text(session)
            session.stop_background()
    finally:
        for session in sessions:
            session.sign_out()
        machine.close()


def test_the_texts_follow_the_language(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions, QUIET)
    record_activities(session, 2)
    bar = bar_for(qtbot, session, runner)
    wait_state(qtbot, bar, SyncState.PENDING)
    width = bar.sync_button.width()
    texts.set_language("en")
    bar.retranslate()
    assert bar.status_message() == "Changes waiting to sync: 2"
    assert bar.sync_button.text() == "Sync now"
    assert bar.sync_button.toolTip().startswith("Send your changes")
    assert bar.progress.accessibleName() == "Sync progress"
    assert bar.sync_button.width() != width  # fitted to the English texts
    texts.set_language("id")
    bar.retranslate()
    assert bar.status_message() == "2 perubahan menunggu sinkronisasi"
    assert bar.sync_button.text() == SYNC_NOW
    assert bar.sync_button.width() == width


def test_a_long_error_is_cut_with_an_ellipsis_and_read_whole_in_rincian(
    qtbot: QtBot,
    proxy: FaultProxy,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
) -> None:
    session = open_session(machine, people[0], sessions, QUIET)
    proxy.respond(426, b"upgrade", once=True)  # a long sentence: update the app
    bar = bar_for(qtbot, session, runner)
    host = HOSTS[0]
    host.resize(700, 120)  # narrow: the sentence cannot fit
    bar.start()
    wait_state(qtbot, bar, SyncState.ERROR)
    whole = say(error_message(SyncError(SyncErrorKind.CLIENT_TOO_OLD)))
    qtbot.waitUntil(lambda: bar.text.text() != whole, timeout=WAIT_MS)
    shown = bar.text.text()
    assert shown.endswith("…")
    assert whole.startswith(shown.removesuffix("…"))  # cut at its end, not in its middle
    assert bar.text.fontMetrics().horizontalAdvance(shown) <= bar.text.contentsRect().width()
    assert bar.status_message() == whole
    assert bar.text.toolTip() == whole
    assert bar.text.accessibleName() == whole
    # wider: cut again on the resize, showing more of it
    host.resize(1093, 120)
    qtbot.waitUntil(lambda: len(bar.text.text()) > len(shown), timeout=WAIT_MS)
    # the whole sentence in "Rincian"
    qtbot.mouseClick(bar.details_button, LEFT)
    qtbot.waitUntil(lambda: bar.details_dialog is not None, timeout=WAIT_MS)
    dialog = bar.details_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert whole in dialog.texts()
    assert dialog.error_text.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bar.details_dialog is None, timeout=WAIT_MS)


def refused(kind: ActivityKind | None, event_type: EventType | None, **fields: Any) -> RefusedEvent:
    return RefusedEvent(
        event_id=uuid.uuid4(),
        seq=7,
        type=event_type,
        recorded_at=None,
        activity_id=fields.get("activity_id"),
        activity_title=fields.get("title"),
        activity_kind=kind,
        reason=msg(Code.SYNC_ERROR_REJECTED),
    )


def test_a_refused_event_is_named_by_its_type_or_its_activitys_kind_and_title() -> None:
    done = EventType.ACTIVITY_COMPLETED
    video = refused(ActivityKind.VIDEO, done, activity_id="v1", title="Nilai Dasar ASN")
    reading = refused(ActivityKind.READING, done, activity_id="r1", title="Modul 1")
    quiz = refused(ActivityKind.PRACTICE_QUIZ, EventType.PRACTICE_GRADED, title="Kuis 1")
    reflection = refused(ActivityKind.REFLECTION, done, title="Refleksi diri")
    assert what_text(video) == "Video: Nilai Dasar ASN"
    assert what_text(reading) == "Bacaan: Modul 1"
    assert what_text(quiz) == "Latihan soal: Kuis 1"
    assert what_text(reflection) == "Refleksi: Refleksi diri"
    assert what_text(refused(None, EventType.WELCOME_WATCHED)) == "Video sambutan ditonton"
    assert what_text(refused(None, EventType.ATTEMPT_SUBMITTED)) == "Percobaan evaluasi"
    gone = refused(None, done, activity_id="lama-1")  # removed by a course update
    assert what_text(gone) == tr(Label.SYNC_DETAILS_ACTIVITY, activity="lama-1")
    assert what_text(refused(None, None)) == tr(Label.SYNC_DETAILS_UNKNOWN, seq=7)
