"""The client sync engine against the real server on 127.0.0.1."""

from __future__ import annotations

import queue
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from latsar_desktop.domain.progress import progress
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.engine import Backoff, SyncReport, SyncScheduler
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_server.tables import EventRow, Token
from tests import recipes as demo
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import (
    demo_people,
    engine_for,
    load_demo,
    offline_store,
    play,
    server_view,
    take_attempt,
)
from tests.servers import RunningServer

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]


def server_event_ids(server: RunningServer) -> list[str]:
    with server.engine.connect() as connection:
        return [r[0] for r in connection.execute(select(EventRow.event_id))]


def test_offline_study_then_sync(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("32-retake"))
    take_attempt(store, 14)
    take_attempt(store, 17)
    journal = store.journal()
    seen: list[tuple[int, int]] = []
    api, engine = engine_for(demo_server, store, BUDI)
    engine.progress = lambda done, total: seen.append((done, total))
    engine.batch_size = 10
    report = engine.run()
    assert report.pushed == len(journal)
    assert report.rejected == 0
    assert report.consistent
    assert report.requests == -(-len(journal) // 10)
    assert seen[0] == (0, len(journal))
    assert seen[-1] == (len(journal), len(journal))
    assert store.unconfirmed() == []
    ids = server_event_ids(demo_server)
    assert sorted(ids) == sorted(str(e.id) for e in journal)  # each exactly once
    # the client's view equals the server's standing
    view = server_view(demo_server, BUDI["nip"])
    assert store.standing() == view.standing
    assert store.progress() == progress(view.package, view.standing)
    assert store.progress().passed
    # a second run has nothing to do: one request
    again = engine.run()
    assert (again.pushed, again.requests, again.changes) == (0, 1, 0)
    assert len(server_event_ids(demo_server)) == len(journal)
    api.close()


def test_access_token_is_refreshed_automatically(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("27")[:3])
    api, engine = engine_for(demo_server, store, BUDI)
    saved = []
    api.on_tokens = saved.append
    old = api.tokens
    with demo_server.engine.begin() as connection:
        connection.execute(
            update(Token)
            .where(Token.kind == "access")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    report = engine.run()
    assert report.pushed == 3
    assert len(saved) == 1
    assert saved[0].access_token != old.access_token
    # a revoked session needs a new sign-in: a typed error, nothing lost
    with demo_server.engine.begin() as connection:
        connection.execute(update(Token).values(revoked_at=datetime.now(UTC)))
    store.complete_activity("kebijakan-2-video")
    with pytest.raises(SyncError) as info:
        engine.run()
    assert info.value.kind is SyncErrorKind.AUTH_EXPIRED
    assert len(store.unconfirmed()) == 1


def test_two_devices_of_one_participant_merge(demo_server: RunningServer, tmp_path: Path) -> None:
    laptop = offline_store(tmp_path / "laptop")
    office = offline_store(tmp_path / "office")
    unlocked, rest = demo.recipe_steps("28"), demo.RECIPES["31"].own_steps()
    play(laptop, unlocked + rest[: len(rest) // 2])  # both did the first part
    play(office, unlocked + rest[len(rest) // 2 :])
    take_attempt(laptop, 12)
    take_attempt(office, 19)
    engines = [engine_for(demo_server, store, BUDI)[1] for store in (laptop, office)]
    for engine in engines:
        assert engine.run().rejected == 0
    engines[0].run()  # the laptop pulls what the office sent
    views = [store.progress() for store in (laptop, office)]
    assert views[0] == views[1]
    assert views[0].attempts_graded == 2
    assert views[0].trophies == 31
    assert laptop.standing() == office.standing()
    view = server_view(demo_server, BUDI["nip"])
    assert laptop.standing() == view.standing
    assert sorted(a.number for a in view.standing.attempts) == [1, 2]
    total = len(laptop.journal()) + len(office.journal())
    assert len(server_event_ids(demo_server)) == total


def test_two_participants_on_one_installation(demo_server: RunningServer, tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    package = offline_store(tmp_path).package()
    profiles = [machine.add_profile(p["nip"], p["name"]) for p in (BUDI, SITI)]
    stores = [machine.open_profile(p) for p in profiles]
    for store in stores:
        store.save_package(package)
    play(stores[0], demo.recipe_steps("27")[:5])
    play(stores[1], demo.recipe_steps("27")[:8])
    engines = [engine_for(demo_server, s, p)[1] for s, p in zip(stores, (BUDI, SITI), strict=True)]
    assert engines[0].api.tokens != engines[1].api.tokens
    for engine in engines:
        engine.run()
    budi_view, siti_view = (server_view(demo_server, p["nip"]) for p in (BUDI, SITI))
    assert len(budi_view.standing.completed_activities) == 4
    assert len(siti_view.standing.completed_activities) == 7
    assert stores[0].standing() == budi_view.standing
    assert stores[1].standing() == siti_view.standing
    with demo_server.engine.connect() as connection:
        devices = dict(
            connection.execute(
                select(EventRow.device_id, func.count()).group_by(EventRow.device_id)
            ).all()
        )
    assert devices == {profiles[0].device_id: 5, profiles[1].device_id: 8}


def test_never_twice_at_once(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    api, engine = engine_for(demo_server, store, BUDI)
    entered, release = threading.Event(), threading.Event()
    original = api.sync

    def slow_sync(request, **options):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(10)
        return original(request, **options)

    api.sync = slow_sync  # type: ignore[method-assign]
    worker = threading.Thread(target=engine.run)
    worker.start()
    assert entered.wait(10)
    with pytest.raises(SyncError) as info:
        engine.run()
    assert info.value.kind is SyncErrorKind.BUSY
    release.set()
    worker.join(10)
    assert not engine.running


def test_scheduler_backs_off_and_recovers() -> None:
    now = [0.0]
    outcomes: list[object] = [SyncError(SyncErrorKind.OFFLINE)] * 3 + ["ok"]
    results = []

    def run():  # type: ignore[no-untyped-def]
        outcome = outcomes.pop(0)
        if isinstance(outcome, SyncError):
            raise outcome
        return outcome

    scheduler = SyncScheduler(
        run,
        interval=300,
        backoff=Backoff(base=5, cap=60, rng=lambda: 1.0),
        on_result=results.append,
        clock=lambda: now[0],
    )
    delays = []
    for _ in range(4):
        scheduler.run_once()
        delays.append(scheduler.next_delay())
    assert delays == [5.0, 10.0, 20.0, 300.0]
    assert scheduler.failures == 0
    scheduler.sync_now()
    assert scheduler.next_delay() == 0
    jitter = Backoff(base=5, cap=60, rng=lambda: 0.0)
    assert [jitter.delay(n) for n in (1, 4, 10)] == [2.5, 20.0, 30.0]


def test_scheduler_survives_an_unexpected_error() -> None:
    """On its real thread: a bug in a sync is logged and backed off, and the thread lives on."""
    outcomes: list[object] = [ValueError("a header that does not parse"), "ok"]
    ran_in: list[threading.Thread] = []

    def run():  # type: ignore[no-untyped-def]
        ran_in.append(threading.current_thread())
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    results: queue.Queue[object] = queue.Queue()
    scheduler = SyncScheduler(
        run,
        backoff=Backoff(base=5, cap=60, rng=lambda: 1.0),
        on_result=results.put,
        clock=lambda: 0.0,  # time stands still: only sync_now() brings the next run
    )
    scheduler.start()
    try:
        result = results.get(timeout=30)
        assert isinstance(result, SyncError)
        assert result.kind is SyncErrorKind.BAD_RESPONSE
        assert scheduler.failures == 1
        assert scheduler.next_delay() == 5.0
        scheduler.sync_now()
        assert results.get(timeout=30) == "ok"
    finally:
        scheduler.stop()
    assert scheduler.failures == 0
    assert ran_in[0] is ran_in[1]  # the same thread ran both syncs
    assert ran_in[0].name == "latsar-sync"
    assert not ran_in[0].is_alive()


def test_scheduler_thread_syncs_when_the_connection_appears(
    sqlite_server: RunningServer, tmp_path: Path
) -> None:
    """The scheduler's own thread: offline at start it backs off for an hour; when the
    connection appears it syncs at once, and the events are pushed and confirmed."""
    load_demo(sqlite_server)
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("27")[:3])
    results: queue.Queue[SyncReport | SyncError] = queue.Queue()
    with FaultProxy("127.0.0.1", urlsplit(sqlite_server.url).port or 80) as proxy:
        api, engine = engine_for(sqlite_server, store, BUDI, url=proxy.url)
        proxy.reset()  # the network goes down: every request is reset
        scheduler = SyncScheduler(
            engine.run,
            interval=3600,
            backoff=Backoff(base=3600, cap=3600, rng=lambda: 1.0),
            on_result=results.put,
        )
        scheduler.start()
        try:
            offline = results.get(timeout=30)  # the sync on start
            assert isinstance(offline, SyncError)
            assert offline.kind is SyncErrorKind.OFFLINE
            assert scheduler.failures == 1
            assert scheduler.next_delay() > 0  # backed off: the next try is an hour away
            assert len(store.unconfirmed()) == 3
            proxy.clear()
            scheduler.connection_appeared()
            report = results.get(timeout=30)
        finally:
            scheduler.stop()
        api.close()
    assert isinstance(report, SyncReport), report
    assert report.pushed == 3
    assert report.rejected == 0
    assert report.consistent
    assert scheduler.failures == 0
    assert store.unconfirmed() == []
    assert sorted(server_event_ids(sqlite_server)) == sorted(str(e.id) for e in store.journal())
    assert "latsar-sync" not in {t.name for t in threading.enumerate()}


def test_the_client_is_configured_from_settings(demo_server: RunningServer, tmp_path: Path) -> None:
    from latsar_desktop.sync.api import HTTP_PROXY_SETTING, SERVER_URL_SETTING, client_for

    machine = MachineStore(tmp_path / "pc")
    profile = machine.add_profile(BUDI["nip"], BUDI["name"])
    with pytest.raises(SyncError) as info:
        client_for(machine, uuid.UUID(profile.device_id))
    assert info.value.kind is SyncErrorKind.NO_SERVER
    assert not info.value.retryable
    machine.set_setting(SERVER_URL_SETTING, demo_server.url)
    api = client_for(machine, uuid.UUID(profile.device_id))
    assert api.proxy is None
    assert api.login(BUDI["nip"], BUDI["nik"], "PC kantor").participant.name == BUDI["name"]
    machine.set_setting(HTTP_PROXY_SETTING, "http://127.0.0.1:3128")
    assert client_for(machine, uuid.UUID(profile.device_id)).proxy == "http://127.0.0.1:3128"
