"""SIGKILL the syncing client 20 times, at points spread over the whole sync.

The client is a forked child running the real engine; the parent watches its phase in
shared memory and kills it. For the phase "the server committed, the client has not read
the answer", the fault proxy holds the server's complete response back. After a final
clean sync, the server holds every event exactly once and the client has nothing
unconfirmed that the server already has.
"""

from __future__ import annotations

import mmap
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select

from latsar_desktop.domain.protocol import SyncRequest, SyncResponse
from latsar_desktop.store.profile import ProfileStore, consistency_problems
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
from latsar_server.tables import EventRow
from resources import build_demo_course as demo
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import demo_people, load_demo, offline_store, play
from tests.servers import RunningServer

KILLS = 20
# phase byte written by the child
READING, IN_FLIGHT, APPLYING, APPLIED = 1, 2, 3, 4
TARGETS = [
    "before the request",
    "request in flight",
    "server committed, answer held",
    "applying the answer",
    "after applying",
]


def child(
    store_path: Path,
    device,
    tokens,
    url: str,
    shared: mmap.mmap,  # type: ignore[no-untyped-def]
    steps,
) -> None:
    """Make a few offline events, then sync with the phases reported; never returns."""
    store = ProfileStore(store_path, device)
    play(store, steps)
    api = ApiClient(url, device, tokens=tokens, timeout=30)
    engine = SyncEngine(api, store, batch_size=4)
    real_sync, real_apply = api.sync, store.apply_sync

    def sync(request: SyncRequest) -> SyncResponse:
        shared[0] = READING
        time.sleep(0.05)  # reading the journal and building the request
        shared[0] = IN_FLIGHT
        answer = real_sync(request)
        shared[0] = APPLYING
        time.sleep(0.05)
        return answer

    def apply_sync(**kwargs) -> None:  # type: ignore[no-untyped-def]
        real_apply(**kwargs)
        shared[0] = APPLIED
        time.sleep(0.05)

    api.sync = sync  # type: ignore[method-assign]
    store.apply_sync = apply_sync  # type: ignore[method-assign]
    engine.run()
    shared[1] = 1  # finished without being killed


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def server_events(server: RunningServer) -> tuple[int, int]:
    with server.engine.connect() as connection:
        rows = connection.execute(select(func.count(), func.count(EventRow.event_id.distinct())))
        total, distinct = rows.one()
    return int(total), int(distinct)


def test_kill_loop(sqlite_server: RunningServer, tmp_path: Path) -> None:
    load_demo(sqlite_server)
    budi = demo_people()[0]
    store = offline_store(tmp_path)
    path, device = store.path, store.device_id
    api = ApiClient(sqlite_server.url, device)
    tokens = api.login(budi["nip"], budi["nik"], "PC uji").tokens
    store.close()
    steps = demo.recipe_steps("50")
    upstream = urlsplit(sqlite_server.url)
    hits: Counter[str] = Counter()
    flag = tmp_path / "flag"
    flag.write_bytes(bytes(8))
    with FaultProxy("127.0.0.1", upstream.port or 80) as proxy, flag.open("r+b") as handle:
        shared = mmap.mmap(handle.fileno(), 8)
        for kill in range(KILLS):
            target = TARGETS[kill % len(TARGETS)]
            shared[:] = bytes(8)
            proxy.clear()
            proxy.response_held.clear()
            if target == "server committed, answer held":
                proxy.hold_response()
            elif target == "request in flight":
                proxy.latency(0.4)
            chunk = steps[kill * 3 % len(steps) :][:3] or steps[:3]
            pid = os.fork()
            if pid == 0:
                try:
                    child(path, device, tokens, proxy.url, shared, chunk)
                finally:
                    os._exit(0)
            try:
                if target == "before the request":
                    assert wait_for(lambda: shared[0] == READING)
                elif target == "request in flight":
                    assert wait_for(lambda: shared[0] == IN_FLIGHT)
                    time.sleep(0.1)
                elif target == "server committed, answer held":
                    assert wait_for(proxy.response_held.is_set)
                elif target == "applying the answer":
                    assert wait_for(lambda: shared[0] == APPLYING)
                else:
                    assert wait_for(lambda: shared[0] == APPLIED)
            finally:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            assert shared[1] == 0, "the child finished before it was killed"
            observed = {
                READING: "before the request",
                APPLYING: "applying the answer",
                APPLIED: "after applying",
            }.get(shared[0])
            if shared[0] == IN_FLIGHT:
                observed = (
                    "server committed, answer held"
                    if proxy.response_held.is_set()
                    else "request in flight"
                )
            hits[observed or "unknown"] += 1
            proxy.release()
            check = ProfileStore(path, device)
            assert consistency_problems(check) == []
            check.close()
        shared.close()
    print("kills by phase:", dict(hits))
    assert sum(hits.values()) == KILLS
    assert hits["server committed, answer held"] >= 3
    for target in TARGETS:
        assert hits[target] >= 2, hits

    # a final clean sync
    final = ProfileStore(path, device)
    before = final.unconfirmed()
    engine = SyncEngine(ApiClient(sqlite_server.url, device, tokens=tokens), final)
    report = engine.run()
    assert report.consistent
    assert final.unconfirmed() == []
    journal = final.journal()
    total, distinct = server_events(sqlite_server)
    assert total == distinct == len(journal)  # each event exactly once
    assert report.pushed == len(before)
