"""Sync through a bad link: each fault leaves the client consistent with a specific error,
and the next clean try completes with every event on the server exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from latsar_desktop.store.profile import consistency_problems
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_server.tables import EventRow
from resources import build_demo_course as demo
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import demo_people, engine_for, load_demo, offline_store, play
from tests.servers import RunningServer

BUDI = demo_people()[0]


@pytest.fixture
def proxied(sqlite_server: RunningServer) -> Iterator[tuple[RunningServer, FaultProxy]]:
    server = sqlite_server
    load_demo(server)
    upstream = urlsplit(server.url)
    with FaultProxy(upstream.hostname or "127.0.0.1", upstream.port or 80) as proxy:
        yield server, proxy


FAULTS: dict[str, tuple[Callable[[FaultProxy], None], SyncErrorKind, str]] = {
    "cut mid-request": (lambda p: p.cut_up(400), SyncErrorKind.OFFLINE, ""),
    "cut mid-response": (lambda p: p.cut_down(200), SyncErrorKind.OFFLINE, ""),
    "delay past the timeout": (lambda p: p.delay(2.5), SyncErrorKind.OFFLINE, "Timeout"),
    "500": (lambda p: p.http_error(500), SyncErrorKind.SERVER_ERROR, "500"),
    "502": (lambda p: p.http_error(502), SyncErrorKind.SERVER_ERROR, "502"),
    "503": (lambda p: p.http_error(503), SyncErrorKind.SERVER_ERROR, "503"),
    "truncated body": (lambda p: p.truncated_json(), SyncErrorKind.OFFLINE, "Protocol"),
    "captive portal": (lambda p: p.captive_portal(), SyncErrorKind.BAD_RESPONSE, "text/html"),
    "reset": (lambda p: p.reset(), SyncErrorKind.OFFLINE, ""),
    "reset after the server answered": (lambda p: p.reset(forward=True), SyncErrorKind.OFFLINE, ""),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_then_clean_retry(
    proxied: tuple[RunningServer, FaultProxy], tmp_path: Path, fault: str
) -> None:
    server, proxy = proxied
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))
    _, engine = engine_for(server, store, BUDI, url=proxy.url, timeout=2.0)
    inject, kind, detail = FAULTS[fault]
    inject(proxy)
    journal = store.journal()
    with pytest.raises(SyncError) as info:
        engine.run()
    assert info.value.kind is kind
    assert detail in info.value.detail
    assert info.value.retryable
    # consistent: nothing confirmed that the client did not see confirmed
    assert len(store.unconfirmed()) == len(journal)
    assert consistency_problems(store) == []
    proxy.clear()
    report = engine.run()
    assert report.consistent
    assert store.unconfirmed() == []
    with server.engine.connect() as connection:
        ids = [r[0] for r in connection.execute(select(EventRow.event_id))]
    assert sorted(ids) == sorted(str(e.id) for e in journal)
