"""Stopping work and ending slow calls, against the real server on 127.0.0.1.

A sync cancelled between batches or in flight, a download cancelled half way, a package
refresh cancelled while it arrives; an answer trickled through the fault proxy ending at
its deadline; one token refresh for a sync and two downloads at once; the connectivity
probe and its watcher. After each, the next clean try completes, every event on the
server exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from latsar_desktop.domain.protocol import ContentRef
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.downloader import Downloader
from latsar_desktop.sync.engine import Backoff, SyncEngine, SyncReport, SyncScheduler
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_desktop.sync.probe import ConnectivityWatcher, probe
from latsar_desktop.sync.refresh import refresh_package
from latsar_server.tables import EventRow, Token
from tests import recipes
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import demo_people, load_demo, offline_store, play
from tests.servers import RunningServer
from tools import demo_course

BUDI = demo_people()[0]
COURSE = "latsar-pppk-2026"
BIG = demo_course.large_clip()


@pytest.fixture
def proxy(sqlite_server: RunningServer) -> Iterator[FaultProxy]:
    """The demo server behind a fault proxy."""
    load_demo(sqlite_server)
    with FaultProxy("127.0.0.1", urlsplit(sqlite_server.url).port or 80) as running:
        yield running


def signed_in(url: str, store: ProfileStore, **options: float) -> ApiClient:
    api = ApiClient(url, store.device_id, **options)  # type: ignore[arg-type]
    api.login(BUDI["nip"], BUDI["nik"], "PC uji")
    return api


def server_event_ids(server: RunningServer) -> list[str]:
    with server.engine.connect() as connection:
        return sorted(r[0] for r in connection.execute(select(EventRow.event_id)))


def each_once(server: RunningServer, store: ProfileStore) -> bool:
    return server_event_ids(server) == sorted(str(e.id) for e in store.journal())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- a sync


def test_sync_cancelled_between_batches_then_finished_once(
    proxy: FaultProxy, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path)
    play(store, recipes.recipe_steps("28"))
    total = len(store.journal())
    assert total > 20  # three batches of 10
    api = signed_in(proxy.url, store)
    cancel = CancelToken()

    def progress(done: int, total: int) -> None:
        if done >= 10:  # the first batch is applied: stop before the second
            cancel.cancel()

    engine = SyncEngine(api, store, batch_size=10, progress=progress)
    proxy.reset_counters()
    with pytest.raises(SyncError) as info:
        engine.run(cancel)
    assert info.value.kind is SyncErrorKind.CANCELLED
    assert not info.value.retryable
    assert proxy.requests == 1  # the second batch was never sent
    assert len(store.unconfirmed()) == total - 10  # the first batch is confirmed, whole
    assert not engine.running
    engine.progress = None
    report = engine.run()
    assert report.pushed == total - 10
    assert report.consistent
    assert store.unconfirmed() == []
    assert each_once(sqlite_server, store)
    api.close()


def test_sync_cancelled_in_flight_applies_nothing(
    proxy: FaultProxy, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    """The server has answered, the answer is on its way: cancelled, nothing is applied
    (the server took the events; the next sync sends them again, harmlessly)."""
    store = offline_store(tmp_path)
    play(store, recipes.recipe_steps("27")[:3])
    # no timeout nor deadline could end the call before the test stops waiting for it
    api = signed_in(proxy.url, store, timeout=120.0, deadline_margin=120.0)
    engine = SyncEngine(api, store)
    cursor = store.sync_status().cursor
    cancel = CancelToken()
    outcome: queue.Queue[object] = queue.Queue()

    def run() -> None:
        try:
            outcome.put(engine.run(cancel))
        except SyncError as error:
            outcome.put(error)

    proxy.hold_response()  # the answer is kept until release(): the call is in flight
    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert proxy.response_held.wait(30)
        cancel.cancel()
        result = outcome.get(timeout=30)
    finally:
        proxy.release()
        worker.join(30)
    assert isinstance(result, SyncError), result
    assert result.kind is SyncErrorKind.CANCELLED
    assert "before any answer" in result.detail
    assert len(store.unconfirmed()) == 3  # nothing of the answer was applied
    assert store.sync_status().cursor == cursor
    proxy.clear()
    report = engine.run()
    assert report.consistent
    assert store.unconfirmed() == []
    assert each_once(sqlite_server, store)
    api.close()


def test_trickled_answer_ends_at_its_deadline(
    proxy: FaultProxy, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    """At 200 B/s through the proxy the exchange (~1.1 KB up, ~0.6 KB down, in pieces of
    at most 1 KB) takes about 9 s, and no gap reaches the 30 s read timeout: without an
    overall deadline the sync would simply finish. With 3 s + bytes at 2000 B/s the
    deadline (about 4.5 s) ends it first, as a timeout, and nothing is applied."""
    store = offline_store(tmp_path)
    play(store, recipes.recipe_steps("28")[:3])
    api = signed_in(proxy.url, store, timeout=30.0, deadline_margin=3.0, slowest_link=2000.0)
    engine = SyncEngine(api, store)
    proxy.rate(200)
    with pytest.raises(SyncError) as info:
        engine.run()
    assert info.value.kind is SyncErrorKind.OFFLINE
    assert info.value.retryable  # the scheduler backs off as for any timeout
    assert "deadline of " in info.value.detail
    assert "bytes at 2000 B/s + 3 s" in info.value.detail
    assert len(store.unconfirmed()) == 3
    proxy.clear()
    report = engine.run()
    assert report.consistent
    assert store.unconfirmed() == []
    assert each_once(sqlite_server, store)
    api.close()


# ----------------------------------------------------------------------------- content


class Profile:
    """A signed-in profile on a PC, with its package and its downloader."""

    def __init__(self, machine: MachineStore, url: str, **options: float) -> None:
        self.profile = machine.add_profile(BUDI["nip"], BUDI["name"])
        self.store = machine.open_profile(self.profile)
        self.api = signed_in(url, self.store, **options)
        self.downloader = Downloader(self.api, machine, self.profile.id)


def test_download_cancelled_half_way_then_resumed(proxy: FaultProxy, tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    budi = Profile(machine, proxy.url)
    cancel = CancelToken()

    def progress(done: int, total: int) -> None:
        if done >= total // 2:
            cancel.cancel()

    # At a link's pace (500 KB/s) the proxy cannot run ahead of the client: unpaced on
    # loopback it would fill the kernel's socket buffers, hundreds of KB that the
    # cancelled client never reads but the proxy counts as sent.
    proxy.rate(500_000)
    proxy.reset_counters()
    with pytest.raises(SyncError) as info:
        budi.downloader.download([BIG], progress, cancel)
    assert info.value.kind is SyncErrorKind.CANCELLED
    partial = budi.downloader.partial(BIG)
    kept = partial.stat().st_size  # what arrived stays, for resuming
    assert BIG.size // 2 <= kept < BIG.size
    assert not machine.content_path(BIG.sha256).exists()
    budi.downloader.download([BIG])  # resumes from the partial file
    assert sha(machine.content_path(BIG.sha256)) == BIG.sha256
    assert not partial.exists()
    assert budi.downloader.received <= 1.02 * BIG.size
    assert proxy.bytes_down <= 1.02 * BIG.size + 2 * 1024  # plus two response heads
    budi.api.close()


def test_package_refresh_cancelled_while_it_arrives(proxy: FaultProxy, tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    budi = Profile(machine, proxy.url)
    cancel = CancelToken()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if 0 < done < total:  # part of the package is here
            cancel.cancel()

    proxy.rate(20_000)  # the package (~12 KB gzipped) arrives in pieces of 1 KB
    with pytest.raises(SyncError) as info:
        refresh_package(budi.api, budi.store, COURSE, cancel=cancel, progress=progress)
    assert info.value.kind is SyncErrorKind.CANCELLED
    assert "while receiving the answer" in info.value.detail
    assert budi.store.package() is None  # nothing stored
    total = seen[0][1]
    assert total > 0  # the package's Content-Length
    assert seen[0] == (0, total)
    assert seen[-1][0] < total
    seen.clear()
    result = refresh_package(budi.api, budi.store, COURSE, progress=progress)
    assert result.changed
    assert budi.store.package() is not None
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    budi.api.close()


# ----------------------------------------------------------------------------- one refresh


class RefreshCounter(logging.Handler):
    """Counts the server's request log lines for POST /api/v1/auth/refresh."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.refreshes = 0

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", {})
        if fields.get("path") == "/api/v1/auth/refresh":
            self.refreshes += 1


@pytest.fixture
def refreshes() -> Iterator[RefreshCounter]:
    logger = logging.getLogger("latsar_server")
    counter, level = RefreshCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


class TogetherOn401(httpx.BaseTransport):
    """The real transport, but each answer 401 waits until ``parties`` calls have one: so
    every call has found its access token expired before any of them refreshes."""

    def __init__(self, parties: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.barrier = threading.Barrier(parties)
        self.expired = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code == 401:
            response.read()
            self.expired += 1
            self.barrier.wait(timeout=30)
        return response

    def close(self) -> None:
        self.inner.close()


def test_one_refresh_for_a_sync_and_two_downloads(
    sqlite_server: RunningServer, tmp_path: Path, refreshes: RefreshCounter
) -> None:
    load_demo(sqlite_server)
    machine = MachineStore(tmp_path / "pc")
    together = TogetherOn401(parties=3)
    profile = machine.add_profile(BUDI["nip"], BUDI["name"])
    store = machine.open_profile(profile)
    api = ApiClient(sqlite_server.url, store.device_id, transport=together)
    api.login(BUDI["nip"], BUDI["nik"], "PC uji")
    refresh_package(api, store, COURSE, machine, profile.id)
    package = store.package()
    assert package is not None
    play(store, recipes.recipe_steps("27")[:3])
    small: list[ContentRef] = sorted(package.content_refs(), key=lambda r: r.size)[:2]
    downloader = Downloader(api, machine, profile.id)
    engine = SyncEngine(api, store)
    with sqlite_server.engine.begin() as connection:  # every access token has expired
        connection.execute(
            update(Token)
            .where(Token.kind == "access")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    before = api.tokens
    assert before is not None
    results: queue.Queue[object] = queue.Queue()

    def work(job: str) -> None:
        try:
            if job == "sync":
                results.put(engine.run())
            else:
                results.put(downloader.download([small[int(job)]]))
        except Exception as error:  # reported to the test thread
            results.put(error)

    threads = [threading.Thread(target=work, args=(job,)) for job in ("sync", "0", "1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    outcomes = [results.get_nowait() for _ in threads]
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert together.expired == 3  # all three found the token expired, together
    assert refreshes.refreshes == 1  # and it was refreshed once
    assert api.tokens is not None
    assert api.tokens.access_token != before.access_token
    assert store.unconfirmed() == []
    assert all(machine.content_path(r.sha256).is_file() for r in small)
    api.close()


# ----------------------------------------------------------------------------- the probe


def test_probe_tells_the_server_from_a_captive_portal(proxy: FaultProxy, tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    profile = machine.add_profile(BUDI["nip"], BUDI["name"])
    api = ApiClient(proxy.url, machine.open_profile(profile).device_id)
    assert probe(api)
    proxy.captive_portal()  # 200, text/html: an office Wi-Fi's login page
    assert not probe(api)
    proxy.respond(200, b'{"status": "ok"}', "application/json")  # JSON, not our server's
    assert not probe(api)
    proxy.http_error(503)
    assert not probe(api)
    proxy.reset()
    assert not probe(api)
    proxy.clear()
    assert probe(api)
    api.close()


def test_the_watcher_brings_the_scheduler_back_when_the_link_returns(
    proxy: FaultProxy, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    """Offline, the scheduler backs off for an hour; the watcher's probes fail while the
    proxy resets everything, and the first one that reaches the server starts a sync."""
    store = offline_store(tmp_path)
    play(store, recipes.recipe_steps("27")[:3])
    api = signed_in(proxy.url, store)
    engine = SyncEngine(api, store)
    results: queue.Queue[SyncReport | SyncError] = queue.Queue()
    probes: queue.Queue[bool] = queue.Queue()

    def check() -> bool:
        reached = probe(api)
        probes.put(reached)
        return reached

    scheduler = SyncScheduler(
        engine.run,
        interval=3600,
        backoff=Backoff(base=3600, cap=3600, rng=lambda: 1.0),
        on_result=results.put,
    )
    watcher = ConnectivityWatcher(check, scheduler.connection_appeared, interval=0.05, cap=0.1)
    scheduler.on_link = watcher.link
    proxy.reset()  # the network is down: every request is reset
    watcher.start()
    scheduler.start()
    try:
        offline = results.get(timeout=30)  # the sync on start
        assert isinstance(offline, SyncError)
        assert offline.kind is SyncErrorKind.OFFLINE
        assert probes.get(timeout=30) is False  # the watcher probes, and fails
        proxy.clear()
        while not probes.get(timeout=30):  # until a probe reaches the server
            pass
        report = results.get(timeout=30)  # the sync it started
    finally:
        watcher.stop()
        scheduler.stop()
    assert isinstance(report, SyncReport), report
    assert report.pushed == 3
    assert not watcher.down  # the scheduler's success told it too
    assert store.unconfirmed() == []
    assert each_once(sqlite_server, store)
    api.close()
