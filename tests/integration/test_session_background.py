"""The session's background sync as the status bar drives it, without Qt, against the
real server on 127.0.0.1: ``start_background(on_result, on_progress)`` reports each
sync's progress from the sync thread, ``(0, total)`` first; ``pending_count()`` counts
the events the server has not processed yet (a refused one is processed, not pending);
``cancel_sync()`` stops the background sync running now (and says False when none
runs), which ends as CANCELLED with nothing applied, and the background sync goes on at
its next time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.session import ParticipantSession, SessionOptions
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.engine import SyncReport
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import demo_people, sign_in, sqlite_demo_server, take_attempt
from tests.servers import RunningServer

PEOPLE = demo_people()
WAIT = 30.0  # seconds: a bound on a failure, never a timing
Result = SyncReport | SyncError


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with sqlite_demo_server(tmp_path) as running:
        yield running


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", urlsplit(server.url).port or 80) as running:
        yield running


def record_activities(session: ParticipantSession, count: int) -> None:
    """``count`` activities completed (videos and readings), through the session."""
    kinds = (ActivityKind.VIDEO, ActivityKind.READING)
    ids = [a.id for _, a in session.package().activities() if a.kind in kinds]
    for activity_id in ids[:count]:
        session.complete_activity(activity_id)


def test_the_background_sync_reports_its_progress_from_its_thread_and_nothing_stays_pending(
    server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    options = SessionOptions(batch_size=2, sync_interval=3600.0)
    session = sign_in(MachineStore(tmp_path / "pc"), server.url, PEOPLE[0], options=options)
    sessions.append(session)
    session.watch_welcome()
    record_activities(session, 4)
    assert session.pending_count() == 5
    results: queue.Queue[Result] = queue.Queue()
    seen: list[tuple[int, int, str]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total, threading.current_thread().name))

    session.start_background(results.put, progress)
    report = results.get(timeout=WAIT)
    assert isinstance(report, SyncReport)
    assert report.pushed == 5
    assert [(done, total) for done, total, _ in seen] == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert {name for _, _, name in seen} == {"latsar-sync"}  # the sync thread, not ours
    assert session.pending_count() == 0


def test_pending_count_counts_what_the_server_has_not_processed_a_refused_event_is_not(
    server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    session = sign_in(MachineStore(tmp_path / "pc"), server.url, PEOPLE[0])
    sessions.append(session)
    assert session.pending_count() == 0
    record_activities(session, 2)
    take_attempt(session.store, 20)  # the evaluation is locked at 2 trophies: refused
    assert session.pending_count() == 3
    report = session.sync()
    assert (report.pushed, report.rejected) == (3, 1)
    assert session.pending_count() == 0
    (refused,) = session.rejections()
    assert refused.message.code == "sync.evaluation_locked"


def test_cancel_sync_stops_the_running_background_sync_and_the_next_one_goes_on(
    proxy: FaultProxy, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    options = SessionOptions(sync_interval=0.5, retry_base=3600.0)
    session = sign_in(MachineStore(tmp_path / "pc"), proxy.url, PEOPLE[0], options=options)
    sessions.append(session)
    assert not session.cancel_sync()  # no background sync at all
    record_activities(session, 3)
    results: queue.Queue[Result] = queue.Queue()
    started = threading.Event()
    proxy.hold_response(once=True)  # the first sync's answer waits in the proxy
    session.start_background(results.put, lambda done, total: started.set())
    assert started.wait(WAIT)
    assert proxy.response_held.wait(WAIT)  # the server has answered; we have not read it
    assert session.cancel_sync()
    stopped = results.get(timeout=WAIT)
    assert isinstance(stopped, SyncError)
    assert stopped.kind is SyncErrorKind.CANCELLED
    assert session.pending_count() == 3  # the answer was not applied
    assert session.sync_status().last_sync_at is None
    # no click: the background sync goes on at its next time, and sends them again
    proxy.release()
    again = results.get(timeout=WAIT)
    assert isinstance(again, SyncReport)
    assert again.consistent  # each event counted once by the server
    assert session.pending_count() == 0
    session.stop_background()
    assert not session.cancel_sync()  # none runs
