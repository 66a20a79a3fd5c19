"""A server process works on at most ``sync_threads`` sync requests at once; the others wait
their turn in the queue of the process's sync threads and are answered after
(``latsar_server/api/sync.py``, ``ServerRuntime.sync_threads``).

More threads than that only take turns at Python's interpreter lock, each running slower
(docs/decisions.md). Here each sync's work is held for a moment, so that requests sent
together overlap, and the most at work at once is counted in the server's own process."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import latsar_server.api.sync as sync_api
from latsar_desktop.domain.protocol import SyncRequest
from tests.integration.serverkit import (
    bearer,
    client,
    demo_people,
    login,
    post_sync,
    sqlite_demo_server,
)

REQUESTS = 4


def most_at_work(folder: Path, monkeypatch: pytest.MonkeyPatch, sync_threads: int) -> int:
    """Send ``REQUESTS`` syncs at once (one device each); the most at work at once."""
    at_work, most = 0, 0
    lock = threading.Lock()
    answer = sync_api._answer

    def held(*args: Any) -> Any:
        nonlocal at_work, most
        with lock:
            at_work += 1
            most = max(most, at_work)
        time.sleep(0.3)  # long enough for every request sent at once to arrive
        try:
            return answer(*args)
        finally:
            with lock:
                at_work -= 1

    with sqlite_demo_server(folder, sync_threads=sync_threads) as server, client(server) as http:
        person = demo_people()[0]
        devices = [uuid.uuid4() for _ in range(REQUESTS)]
        auths = [bearer(login(http, person, device)) for device in devices]
        monkeypatch.setattr(sync_api, "_answer", held)

        def pull(device: uuid.UUID, auth: dict[str, str]) -> int:
            with client(server) as own:
                body = SyncRequest(device_id=device, events=[], cursor=0)
                return post_sync(own, auth, body).status_code

        with ThreadPoolExecutor(REQUESTS) as pool:
            statuses = list(pool.map(pull, devices, auths))
    assert statuses == [200] * REQUESTS  # every request waited its turn and was answered
    return most


def test_one_sync_thread_works_on_one_request_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert most_at_work(tmp_path, monkeypatch, sync_threads=1) == 1


def test_two_sync_threads_work_on_two_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert most_at_work(tmp_path, monkeypatch, sync_threads=2) == 2
