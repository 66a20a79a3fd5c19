"""Two devices of one participant syncing at the same moment through 2 uvicorn workers.

The course is the test variant of the demo (``package-200.json``): no daily grading limit,
so all eight attempts are graded as they come."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_server.database import migrate
from latsar_server.settings import Settings
from latsar_server.tables import Attempt
from tests import recipes as demo
from tests.integration.serverkit import (
    DEMO,
    HEADERS,
    bearer,
    demo_people,
    load_demo,
    login,
    offline_store,
    play,
    push,
    take_attempt,
)
from tests.servers import RunningServer, ServerProcess

ATTEMPTS_PER_DEVICE = 4
VARIANT = DEMO / "package-200.json"  # every question in each attempt, no daily limit
ROUNDS = 2


@pytest.fixture
def two_worker_server(server_settings: Settings) -> Iterator[RunningServer]:
    migrate(server_settings.database_url)
    loader = RunningServer("not served yet", server_settings)
    load_demo(loader, VARIANT)
    loader.engine.dispose()
    served = ServerProcess.start(server_settings.database_url, server_settings.data_dir, 2)
    running = RunningServer(served.url, server_settings)
    try:
        yield running
    finally:
        served.stop()
        running.engine.dispose()


def test_concurrent_attempts_get_numbers_without_gaps(
    two_worker_server: RunningServer, tmp_path: Path
) -> None:
    budi = demo_people()[0]
    devices = [offline_store(tmp_path, VARIANT) for _ in range(2)]
    for store in devices:
        play(store, demo.recipe_steps("28"))
    clients = [
        httpx.Client(base_url=two_worker_server.url, headers=HEADERS, timeout=60) for _ in devices
    ]
    auths = [
        bearer(login(http, budi, store.device_id))
        for http, store in zip(clients, devices, strict=True)
    ]
    errors: list[BaseException] = []
    for round_number in range(ROUNDS):
        for store in devices:
            for i in range(ATTEMPTS_PER_DEVICE // ROUNDS):
                take_attempt(store, 10 + round_number * 4 + i, keys_from=VARIANT)
        barrier = threading.Barrier(len(devices))

        def send(index: int, barrier: threading.Barrier) -> None:
            try:
                barrier.wait(timeout=30)
                result = push(clients[index], auths[index], devices[index])
                assert result.rejections == []
                devices[index].apply_response(result)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=send, args=(i, barrier)) for i in range(len(devices))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
    for http, auth, store in zip(clients, auths, devices, strict=True):
        final = push(http, auth, store, cursor=store.sync_status().cursor)  # pull the rest
        store.apply_response(final)
        http.close()
    with two_worker_server.engine.connect() as connection:
        attempts = connection.execute(select(Attempt).order_by(Attempt.number)).all()
    total = len(devices) * ATTEMPTS_PER_DEVICE
    assert [a.number for a in attempts] == list(range(1, total + 1))
    for attempt in attempts:
        assert attempt.cap == cap_for_attempt(attempt.number)
        assert attempt.score == min(attempt.raw_score, attempt.cap)
    assert attempts[-1].cap == Decimal("70.01")
    for store in devices:
        assert store.unconfirmed() == []
        assert len(store.standing().attempts) == total
