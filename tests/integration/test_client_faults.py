"""Sync through a bad link: each fault leaves the client consistent with a specific error,
and the next clean try completes with every event on the server exactly once."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from latsar_desktop.store.profile import consistency_problems
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_server.tables import EventRow
from tests import recipes as demo
from tests.faultproxy import TRUNCATED_JSON_BODY, FaultProxy
from tests.integration.serverkit import demo_people, engine_for, load_demo, offline_store, play
from tests.servers import RunningServer

BUDI = demo_people()[0]


@pytest.fixture
def proxied(server: RunningServer) -> Iterator[tuple[RunningServer, FaultProxy]]:
    """The demo server (SQLite and PostgreSQL) behind a fault proxy."""
    load_demo(server)
    upstream = urlsplit(server.url)
    with FaultProxy(upstream.hostname or "127.0.0.1", upstream.port or 80) as proxy:
        yield server, proxy


HALF = len(TRUNCATED_JSON_BODY) // 2  # what truncated_json() sends of its body

# fault -> (inject it, the kind, a piece of the detail that names this fault)
FAULTS: dict[str, tuple[Callable[[FaultProxy], None], SyncErrorKind, str]] = {
    # 400 bytes: the request head (~350) and the start of its body reach the server
    "cut mid-request": (
        lambda p: p.cut_up(400),
        SyncErrorKind.OFFLINE,
        "connection closed before any answer",
    ),
    # 400 bytes: the answer's head (~200) and part of its body (~770) reach the client
    "cut mid-response": (
        lambda p: p.cut_down(400),
        SyncErrorKind.OFFLINE,
        "connection cut while receiving the answer (received ",
    ),
    "delay past the timeout": (
        lambda p: p.delay(2.5),
        SyncErrorKind.OFFLINE,
        "no answer within 2.0 s",
    ),
    "500": (lambda p: p.http_error(500), SyncErrorKind.SERVER_ERROR, "HTTP 500 Internal"),
    "502": (lambda p: p.http_error(502), SyncErrorKind.SERVER_ERROR, "HTTP 502 Bad Gateway"),
    "503": (lambda p: p.http_error(503), SyncErrorKind.SERVER_ERROR, "HTTP 503 Service"),
    # a response cut short is a link failure, like a cut mid-response (see errors.py)
    "truncated body": (
        lambda p: p.truncated_json(),
        SyncErrorKind.OFFLINE,
        "connection cut while receiving the answer "
        f"(received {HALF} of {len(TRUNCATED_JSON_BODY)} bytes)",
    ),
    "captive portal": (
        lambda p: p.captive_portal(),
        SyncErrorKind.BAD_RESPONSE,
        "text/html; charset=utf-8 answer, not JSON",
    ),
    # The proxy resets as soon as the request head arrives: the client may still be writing
    # the body ("connection reset while sending the request") or be done with it ("...
    # before any answer"), a race of microseconds. After the server answered, the client had
    # long sent everything: only the server knows it committed; a retry is safe either way.
    "reset": (lambda p: p.reset(), SyncErrorKind.OFFLINE, "connection reset "),
    "reset after the server answered": (
        lambda p: p.reset(forward=True),
        SyncErrorKind.OFFLINE,
        "connection reset before any answer",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_then_clean_retry(
    proxied: tuple[RunningServer, FaultProxy], tmp_path: Path, fault: str
) -> None:
    server, proxy = proxied
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))
    # a short time limit only where it is the fault: the others must not pass for a slow
    # answer on a busy machine
    timeout = 2.0 if fault == "delay past the timeout" else 30.0
    _, engine = engine_for(server, store, BUDI, url=proxy.url, timeout=timeout)
    inject, kind, detail = FAULTS[fault]
    inject(proxy)
    journal = store.journal()
    with pytest.raises(SyncError) as info:
        engine.run()
    assert info.value.kind is kind
    assert detail, "every fault names its own error"
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


def test_no_server_listening_is_could_not_connect() -> None:
    with socket.socket() as probe:  # a free port on 127.0.0.1, closed again: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = ApiClient(f"http://127.0.0.1:{port}", uuid.uuid4(), timeout=2.0)
    with pytest.raises(SyncError) as info:
        api.login(BUDI["nip"], BUDI["nik"], "PC uji")
    assert info.value.kind is SyncErrorKind.OFFLINE
    assert "could not connect: " in info.value.detail
    assert "refused" in info.value.detail.lower()
    assert info.value.retryable
