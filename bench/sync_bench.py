"""Client sync figures, in one run, against the real server through the byte-counting proxy.

1. Push of 10,000 events: time, requests, bytes on the wire (both ways, headers
   included) against the gzip size of the raw events (the baseline: what any transfer of
   the same events would at least cost). Its time against the issue's baseline, measured
   in the same run in the server's process (the server runs in a thread of this one) on
   the server's own database: the same 10,000 events, as the request bodies the client
   sent, parsed with the protocol models (``SyncRequest``) and bulk-inserted into the
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
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
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
            "payload": json.dumps(e.payload, sort_keys=True, ensure_ascii=False),
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
    """The store's unconfirmed events as sync request bodies of ``per_request`` events."""
    envelopes = [EventEnvelope.of(e) for e in store.unconfirmed()]
    return [
        SyncRequest(
            device_id=store.device_id, events=envelopes[start : start + per_request], cursor=0
        )
        .model_dump_json()
        .encode()
        for start in range(0, len(envelopes), per_request)
    ]


def baseline_insert(server: RunningServer, bodies: list[bytes], nip: str, runs: int = 3) -> float:
    """Seconds to parse ``bodies`` with ``SyncRequest`` and insert every event row in one
    transaction, in this (the server's) process, into the server's events table, as
    another participant's (``nip``: the same event ids are unique per participant); the
    best of ``runs``, the rows deleted after each."""
    events = EventRow.__table__  # type: ignore[attr-defined]
    with server.engine.connect() as connection:
        owner = connection.execute(
            select(Participant.id).where(Participant.nip == nip)
        ).scalar_one()
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        requests = [SyncRequest.model_validate_json(body) for body in bodies]
        moment = datetime.now(UTC)
        rows = event_rows(requests, owner, moment)
        with server.engine.begin() as connection:
            connection.execute(insert(events), rows)
        best = min(best, time.perf_counter() - started)
        with server.engine.begin() as connection:
            connection.execute(delete(events).where(events.c.participant_id == owner))
    return best


def measured_sync(proxy: FaultProxy, engine: SyncEngine) -> dict[str, float]:
    proxy.reset_counters()
    started = time.perf_counter()
    report = engine.run()
    seconds = time.perf_counter() - started
    assert report.consistent
    return {
        "seconds": round(seconds, 3),
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
                bodies = request_bodies(store, engine.batch_size)  # as the engine sends them
                push = measured_sync(proxy, engine)
                push["raw_events_gzip_bytes"] = baseline
                push["wire_to_gzip_ratio"] = round(
                    (push["bytes_up"] + push["bytes_down"]) / baseline, 3
                )
                inserted = baseline_insert(server, bodies, parse_nip(other["nip"]).value)
                push["baseline_parse_insert_seconds"] = round(inserted, 3)
                push["ratio_to_baseline"] = round(push["seconds"] / inserted, 2)
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
