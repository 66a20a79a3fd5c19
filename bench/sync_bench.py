"""Client sync figures, in one run, against the real server through the byte-counting proxy.

1. Push of 10,000 events: time (and CPU: the process's, the client thread's), requests,
   bytes on the wire (both ways, headers included) against the gzip size of the raw
   events (the baseline: what any transfer of the same events would at least cost). Its
   time (and CPU, steadier on a shared machine) against the issue's baseline, measured
   in the same run in the server's process (the server runs in a thread of this one) on
   the server's own database: the same 10,000 events, as the request bodies the client
   sends (``engine.request_body``, as many events per body as the server takes per
   request), parsed with the protocol models (``SyncRequest``) and bulk-inserted into the
   events table in one transaction (SQLAlchemy Core ``insert()``, many rows), the best of
   three (target: push ≤ 4 × baseline).
2. A sync with nothing to do: requests and bytes each way (target: 1 request, < 1 KB).
3. A day's sync (200 events) through a 64 kbit/s link with a 300 ms round trip, against
   the ideal: bytes ÷ bandwidth + round trips × RTT.

    .venv/bin/python bench/sync_bench.py

Prints one JSON object on its last line.
"""

from __future__ import annotations

import gzip
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic_core import to_json
from sqlalchemy import delete, insert, select

from latsar_desktop.domain.identity import parse_nip
from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    EventEnvelope,
    EventType,
    SyncRequest,
)
from latsar_desktop.store import journal
from latsar_desktop.store.database import write
from latsar_desktop.store.journal import Outgoing
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine, request_body
from latsar_server.settings import Settings
from latsar_server.tables import EventRow, Participant
from tests.faultproxy import Fault, FaultProxy
from tests.integration.serverkit import demo_people, load_demo, offline_store
from tests.servers import RunningServer, running_server

BANDWIDTH = 64_000 / 8  # bytes per second
RTT = 0.3


def event_rows(requests: list[SyncRequest], owner: int, moment: datetime) -> list[dict[str, Any]]:
    """The events table's rows for the events of ``requests``, accepted, owned by the
    participant ``owner`` (the baseline's insert; also bench/profile_sync.py's)."""
    return [
        {
            "participant_id": owner,
            "device_id": str(request.device_id),
            "seq": e.seq,
            "event_id": str(e.id),
            "type": e.type,
            "device_time": e.at,
            "payload": to_json(e.payload).decode(),  # as the server writes it (sync.py)
            "outcome": "accepted",
            "reason": None,
            "received_at": moment,
        }
        for request in requests
        for e in request.events
    ]


def add_events(store: ProfileStore, count: int) -> None:
    """Journal ``count`` completions in one transaction (set-up, not what is measured)."""
    package = store.package()
    assert package is not None
    ids = [a.id for _, a in package.activities() if a.kind.value != "practice_quiz"]
    with write(store.engine) as session:
        for i in range(count):
            payload = ActivityCompleted(
                activity_id=ids[i % len(ids)], package_version=package.version
            )
            event = journal.append(
                session, store.device_id, store.clock, payload, EventType.ACTIVITY_COMPLETED
            )
            journal.touch_activity(session, payload.activity_id, event, None)


def raw_gzip_size(store: ProfileStore) -> int:
    lines = "\n".join(EventEnvelope.of(e).model_dump_json() for e in store.unconfirmed())
    return len(gzip.compress(lines.encode()))


def request_bodies(store: ProfileStore, per_request: int) -> list[bytes]:
    """The store's unconfirmed events as the engine's sync request bodies
    (``engine.request_body``, the protocol models' JSON) of ``per_request`` events."""
    events = store.outgoing()
    return [
        request_body(
            store.device_id,
            Outgoing(
                events.seqs[start : start + per_request],
                events.envelopes[start : start + per_request],
                cursor=0,
            ),
        )
        for start in range(0, len(events.seqs), per_request)
    ]


def baseline_insert(
    server: RunningServer, bodies: list[bytes], nip: str, runs: int = 3
) -> tuple[float, float]:
    """Seconds (wall, and this process's CPU) to parse ``bodies`` with ``SyncRequest`` and
    insert every event row in one transaction, in this (the server's) process, into the
    server's events table, as another participant's (``nip``: the same event ids are
    unique per participant); the best of ``runs`` each, the rows deleted after each."""
    events = EventRow.__table__  # type: ignore[attr-defined]
    with server.engine.connect() as connection:
        owner = connection.execute(
            select(Participant.id).where(Participant.nip == nip)
        ).scalar_one()
    best = best_cpu = float("inf")
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        requests = [SyncRequest.model_validate_json(body) for body in bodies]
        moment = datetime.now(UTC)
        rows = event_rows(requests, owner, moment)
        with server.engine.begin() as connection:
            connection.execute(insert(events), rows)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
        with server.engine.begin() as connection:
            connection.execute(delete(events).where(events.c.participant_id == owner))
    return best, best_cpu


def measured_sync(proxy: FaultProxy, engine: SyncEngine) -> dict[str, float]:
    proxy.reset_counters()
    started = time.perf_counter()
    started_cpu, started_client = time.process_time(), time.thread_time()
    report = engine.run()
    seconds = time.perf_counter() - started
    cpu, client = time.process_time() - started_cpu, time.thread_time() - started_client
    assert report.consistent
    return {
        "seconds": round(seconds, 3),
        # CPU of this process (client, server and proxy threads), and of this thread
        # alone (the client's SyncEngine): less moved by other processes than the time
        "cpu_seconds": round(cpu, 3),
        "client_cpu_seconds": round(client, 3),
        "requests": proxy.requests,
        "bytes_up": proxy.bytes_up,
        "bytes_down": proxy.bytes_down,
        "events": report.pushed,
    }


def main() -> None:
    person, other = demo_people()[:2]
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = Settings(
            database_url=f"sqlite:///{root / 'server.db'}", data_dir=root / "server-data"
        )
        with running_server(settings) as server:
            load_demo(server)
            port = urlsplit(server.url).port or 80
            with FaultProxy("127.0.0.1", port) as proxy:
                store = offline_store(root)
                api = ApiClient(proxy.url, store.device_id, timeout=120)
                api.login(person["nip"], person["nik"], "bench")
                engine = SyncEngine(api, store)

                add_events(store, 10_000)
                baseline = raw_gzip_size(store)
                # as the engine sends them once the first answer says how many the server
                # takes per request (the first request carries batch_size)
                per_request = min(engine.batch_size, settings.sync_max_events)
                bodies = request_bodies(store, per_request)
                push = measured_sync(proxy, engine)
                push["raw_events_gzip_bytes"] = baseline
                push["wire_to_gzip_ratio"] = round(
                    (push["bytes_up"] + push["bytes_down"]) / baseline, 3
                )
                inserted, inserted_cpu = baseline_insert(
                    server, bodies, parse_nip(other["nip"]).value
                )
                push["baseline_parse_insert_seconds"] = round(inserted, 3)
                push["baseline_cpu_seconds"] = round(inserted_cpu, 3)
                push["ratio_to_baseline"] = round(push["seconds"] / inserted, 2)
                push["cpu_ratio_to_baseline"] = round(push["cpu_seconds"] / inserted_cpu, 2)
                push["target_ratio"] = 4
                results["push_10000"] = push

                results["nothing_to_do"] = measured_sync(proxy, engine)

                add_events(store, 200)
                proxy.set_fault(Fault(rate=BANDWIDTH, latency=RTT))
                day = measured_sync(proxy, engine)
                proxy.clear()
                ideal = (day["bytes_up"] + day["bytes_down"]) / BANDWIDTH + day["requests"] * RTT
                day["ideal_seconds"] = round(ideal, 3)
                day["ratio_to_ideal"] = round(day["seconds"] / ideal, 3)
                results["day_200_at_64kbit_300ms"] = day
                api.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
