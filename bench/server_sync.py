"""Sync requests per second: batches of 20 events from 1,000 participants.

Runs ``latsar-server serve`` with 1 and 2 workers, on SQLite and on PostgreSQL (a
throwaway cluster, as the tests make), each on a fresh database. Baseline, measured in
the same run against the same server: ``GET /health`` at the same concurrency. Set-up
(participants, devices, tokens) is written straight into the database: signing in a
thousand people would measure scrypt, not sync.

    .venv/bin/python bench/server_sync.py [--participants 1000] [--concurrency 16]

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityCompletedEvent,
    EventEnvelope,
    SyncRequest,
)
from latsar_server.database import make_engine, migrate
from latsar_server.imports import import_course
from latsar_server.security import hash_nik, new_token, token_hash
from latsar_server.tables import Device, Participant, Token
from tests.integration.serverkit import DEMO_PACKAGE, HEADERS, demo_package
from tests.servers import PostgresCluster, PostgresUnavailable, free_port

EVENTS_PER_BATCH = 20


def populate(url: str, data_dir: Path, count: int) -> list[tuple[str, str, list[str]]]:
    """Participants with one device and one access token each; returns (token, device, body)."""
    migrate(url)
    engine = make_engine(url)
    package = import_course(engine, data_dir / "content", DEMO_PACKAGE)
    activities = [a.id for _, a in package.activities() if a.kind.value != "practice_quiz"]
    now = datetime.now(UTC)
    shared_hash = hash_nik("3273011405900001")
    with engine.begin() as connection:
        connection.execute(
            insert(Participant),
            [
                {
                    "nip": f"1990010120260119{i:02d}"[:14] + f"{i:04d}",
                    "nik_hash": shared_hash,
                    "name": f"Peserta {i}",
                    "agency": "Instansi",
                    "course_id": package.course_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        connection.execute(
            insert(Device),
            [
                {
                    "participant_id": i + 1,
                    "device_id": str(uuid.UUID(int=i + 1)),
                    "name": "bench",
                    "registered_at": now,
                    "last_seen_at": now,
                }
                for i in range(count)
            ],
        )
        tokens = [new_token("access") for _ in range(count)]
        connection.execute(
            insert(Token),
            [
                {
                    "hash": token_hash(t),
                    "kind": "access",
                    "device_pk": i + 1,
                    "expires_at": now + timedelta(hours=8),
                }
                for i, t in enumerate(tokens)
            ],
        )
    engine.dispose()
    work = []
    for i, token in enumerate(tokens):
        device = uuid.UUID(int=i + 1)
        bodies = []
        for batch in range(len(activities) // EVENTS_PER_BATCH):
            events = [
                EventEnvelope.of(
                    ActivityCompletedEvent(
                        id=uuid.uuid4(),
                        device_id=device,
                        seq=batch * EVENTS_PER_BATCH + n + 1,
                        at=now,
                        payload=ActivityCompleted(
                            activity_id=activities[
                                (batch * EVENTS_PER_BATCH + n) % len(activities)
                            ],
                            package_version=package.version,
                        ),
                    )
                )
                for n in range(EVENTS_PER_BATCH)
            ]
            bodies.append(SyncRequest(device_id=device, events=events).model_dump_json())
        work.append((token, str(device), bodies[:1]))
    return work


def serve(url: str, data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "latsar_server.cli",
            "--database-url",
            url,
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def hammer(base: str, jobs: list[tuple[dict[str, str], str | None]], concurrency: int) -> float:
    """Requests per second for ``jobs`` of (headers, body or None for /health)."""

    def one(client: httpx.Client, job: tuple[dict[str, str], str | None]) -> None:
        headers, body = job
        if body is None:
            response = client.get("/health")
        else:
            response = client.post(
                "/api/v1/sync",
                content=body,
                headers={**headers, "Content-Type": "application/json"},
            )
        assert response.status_code == 200, response.text[:300]

    limits = httpx.Limits(max_connections=concurrency)
    with httpx.Client(base_url=base, headers=HEADERS, timeout=120, limits=limits) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda job: one(client, job), jobs))
        return len(jobs) / (time.perf_counter() - started)


def measure(url: str, workers: int, count: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        work = populate(url, data_dir, count)
        process, base = serve(url, data_dir, workers)
        try:
            health = hammer(base, [({}, None)] * count, concurrency)
            jobs = [
                ({"Authorization": f"Bearer {token}"}, body)
                for token, _device, bodies in work
                for body in bodies
            ]
            sync = hammer(base, jobs, concurrency)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return {
        "sync_per_second": round(sync, 1),
        "events_per_second": round(sync * 20, 1),
        "health_per_second": round(health, 1),
        "ratio_to_health": round(sync / health, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    assert demo_package().course_id
    results: dict[str, object] = {
        "participants": args.participants,
        "events_per_request": EVENTS_PER_BATCH,
        "concurrency": args.concurrency,
        "cores": os.cpu_count(),
    }
    cluster = None
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        results["postgresql"] = f"unavailable: {exc}"
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            results[f"sqlite_{workers}_worker"] = measure(
                f"sqlite:///{folder}/bench.db", workers, args.participants, args.concurrency
            )
        if cluster is not None:
            results[f"postgresql_{workers}_worker"] = measure(
                cluster.new_database(), workers, args.participants, args.concurrency
            )
    if cluster is not None:
        cluster.stop()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
