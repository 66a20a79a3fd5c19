"""Sync throughput: every participant pushes their whole course journal, in batches.

Each participant's journal is the demo course done once on one device: the welcome video,
every video, reading and reflection (``activity.completed``) and every practice quiz
answered right (``practice.graded``), 45 events, sent in batches of ``--batch-size``
(default 20: 20 + 20 + 5). A participant's batches go one after another, each with the
cursor of the previous answer, as the desktop client sends them; ``--concurrency``
participants sync at once. Every answer is checked (200, ``acked_seq`` is the batch's
last seq, no rejection) and at the end the server must hold exactly one event row per
event sent, so the figures count requests and events that were really sent, processed
and timed.

Runs ``latsar-server serve`` with 1 and 2 workers, on SQLite and on PostgreSQL (a
throwaway cluster, as the tests make), each on a fresh database. Baseline, measured in
the same run against the same server: as many ``GET /health`` requests at the same
concurrency. Set-up (participants, devices, tokens, and the state row and change a
sign-in leaves) is written straight into the database: signing in a thousand people
would measure scrypt, not sync.

    .venv/bin/python bench/server_sync.py [--participants 300] [--rounds 3] [--concurrency 16]
        [--batch-size 20] [--workers 1,2] [--databases sqlite,postgresql]

The defaults take about a minute on 2 cores; use ``--participants 1000`` for a big run.
Each configuration is measured in ``--rounds`` rounds, ``/health`` (at least
``HEALTH_REQUESTS`` requests) then sync (a share of the participants), each round over new
connections, the same ones for both; the rates printed are the rounds' medians, the ratio
the median of the rounds' ratios. With 2 workers, how 16 connections fall to the two
processes moved a round's ``/health`` rate between 500 and 950 per second: a round's two
rates share that luck, the three rounds need not.

``--preload N`` (PostgreSQL): does the cost stay flat as the data grows? After the runs
above, the same workload runs twice more with the largest ``--workers``, each on a fresh
database: on an empty one, then on one that first gets N events of other participants
(whole course histories, bulk-loaded by ``tests/preload.py``, then VACUUM ANALYZE and a
CHECKPOINT). ``postgresql_preload.loaded_to_empty`` is the ratio of the two sync rates
(``loaded_to_empty_against_health``: of the two ``ratio_to_health``, which cancels what
the machine's own speed moved between the runs); the load's own time is in
``loaded.preloaded``. For the figure alone:

    .venv/bin/python bench/server_sync.py --databases postgresql --workers 2 --preload 1000000

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import TypeAdapter
from sqlalchemy import func, insert, select, text

from latsar_desktop.domain.grading import grade
from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityCompletedEvent,
    ActivityKind,
    ChangeType,
    CoursePackage,
    DevicesChangedChange,
    EventEnvelope,
    JournalEvent,
    PracticeGraded,
    PracticeGradedEvent,
    SyncRequest,
    WelcomeWatched,
    WelcomeWatchedEvent,
)
from latsar_server.accounts.passwords import hash_nik
from latsar_server.accounts.tokens import new_token, token_hash
from latsar_server.courses.imports import import_course
from latsar_server.database import make_engine, migrate
from latsar_server.tables import (
    ChangeRow,
    Device,
    EventRow,
    Participant,
    ParticipantProgress,
    Token,
)
from tests.integration.serverkit import DEMO_PACKAGE, HEADERS
from tests.preload import analyze, preload
from tests.servers import PostgresCluster, PostgresUnavailable, ServerProcess

ENVELOPES = TypeAdapter(list[EventEnvelope])
HEALTH_REQUESTS = 1000  # at least, each round, for the baseline rate (about two seconds)
WARM_UP = 4  # participants per connection, whose syncs come first and are not counted


@dataclass
class Batch:
    events_json: str  # the JSON array of the batch's events
    count: int
    last_seq: int


@dataclass
class Work:
    """One participant: their access token, device and journal in batches."""

    token: str
    device: str
    batches: list[Batch]

    def body(self, batch: Batch, cursor: int) -> str:
        return f'{{"device_id":"{self.device}","events":{batch.events_json},"cursor":{cursor}}}'


def journal(package: CoursePackage, device: uuid.UUID, at: datetime) -> list[JournalEvent]:
    """The course done once on one device, in course order, seq 1, 2, 3 …"""
    payloads: list[WelcomeWatched | ActivityCompleted | PracticeGraded] = [
        WelcomeWatched(package_version=package.version)
    ]
    for _, activity in package.activities():
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            answers = {q.id: q.answer for q in activity.questions if q.answer is not None}
            result = grade(activity.questions, answers)
            payloads.append(
                PracticeGraded(
                    activity_id=activity.id,
                    package_version=package.version,
                    answers=answers,
                    correct=result.correct,
                    total=result.total,
                    score=result.score,
                )
            )
        else:
            text = "Refleksi peserta." if activity.kind is ActivityKind.REFLECTION else None
            payloads.append(
                ActivityCompleted(
                    activity_id=activity.id,
                    package_version=package.version,
                    reflection_text=text,
                )
            )
    events: list[JournalEvent] = []
    for seq, payload in enumerate(payloads, start=1):
        if isinstance(payload, WelcomeWatched):
            event: JournalEvent = WelcomeWatchedEvent(
                id=uuid.uuid4(), device_id=device, seq=seq, at=at, payload=payload
            )
        elif isinstance(payload, PracticeGraded):
            event = PracticeGradedEvent(
                id=uuid.uuid4(), device_id=device, seq=seq, at=at, payload=payload
            )
        else:
            event = ActivityCompletedEvent(
                id=uuid.uuid4(), device_id=device, seq=seq, at=at, payload=payload
            )
        events.append(event)
    return events


def populate(url: str, data_dir: Path, count: int, batch_size: int) -> list[Work]:
    """Participants with one device and one access token each, and their journals."""
    migrate(url)
    engine = make_engine(url)
    package = import_course(engine, data_dir / "content", DEMO_PACKAGE)
    now = datetime.now(UTC)
    shared_hash = hash_nik("3273011405900001")
    with engine.begin() as connection:
        connection.execute(
            insert(Participant),
            [
                {
                    "nip": f"199001012026{i:06d}",
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
                    "family": f"bench-{i + 1}",
                    "expires_at": now + timedelta(hours=8),
                }
                for i, t in enumerate(tokens)
            ],
        )
        # what signing in leaves besides the device (accounts.devices.devices_changed):
        # the state row, and the change that tells the devices how many are registered
        connection.execute(
            insert(ParticipantProgress),
            [
                {"participant_id": i + 1, "registered_devices": 1, "last_cursor": 1}
                for i in range(count)
            ],
        )
        connection.execute(
            insert(ChangeRow),
            [
                {
                    "participant_id": i + 1,
                    "cursor": 1,
                    "type": ChangeType.DEVICES_CHANGED.value,
                    "body": DevicesChangedChange(
                        cursor=1, at=now, registered_devices=1
                    ).model_dump_json(),
                }
                for i in range(count)
            ],
        )
    engine.dispose()
    work = []
    for i, token in enumerate(tokens):
        device = uuid.UUID(int=i + 1)
        events = [EventEnvelope.of(e) for e in journal(package, device, now)]
        batches = [
            Batch(
                ENVELOPES.dump_json(chunk).decode(),
                len(chunk),
                chunk[-1].seq,
            )
            for chunk in (
                events[start : start + batch_size] for start in range(0, len(events), batch_size)
            )
        ]
        work.append(Work(token, str(device), batches))
    # what is sent is a valid SyncRequest
    SyncRequest.model_validate_json(work[0].body(work[0].batches[0], 0))
    return work


def client(base: str, concurrency: int) -> httpx.Client:
    limits = httpx.Limits(max_connections=concurrency)
    return httpx.Client(base_url=base, headers=HEADERS, timeout=120, limits=limits)


def health(http: httpx.Client, requests: int, concurrency: int) -> float:
    """``GET /health`` per second, ``requests`` of them."""

    def one() -> None:
        response = http.get("/health")
        assert response.status_code == 200, response.text[:300]

    with ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        list(pool.map(lambda _: one(), range(requests)))
        return requests / (time.perf_counter() - started)


def push_all(http: httpx.Client, work: list[Work], concurrency: int) -> tuple[float, list[float]]:
    """Every batch of every participant; returns the seconds taken and each request's."""

    def participant(http: httpx.Client, item: Work) -> list[float]:
        cursor, latencies = 0, []
        for batch in item.batches:
            started = time.perf_counter()
            response = http.post(
                "/api/v1/sync",
                content=item.body(batch, cursor),
                headers={
                    "Authorization": f"Bearer {item.token}",
                    "Content-Type": "application/json",
                },
            )
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text[:300]
            answer = response.json()
            assert answer["acked_seq"] == batch.last_seq, (answer["acked_seq"], batch.last_seq)
            assert answer["rejections"] == [], answer["rejections"][:1]
            assert not answer["more"]
            cursor = answer["cursor"]
        return latencies

    with ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        latencies = [s for each in pool.map(lambda w: participant(http, w), work) for s in each]
        return time.perf_counter() - started, latencies


def stored_events(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(EventRow)).scalar_one())
    finally:
        engine.dispose()


def measure(
    url: str, workers: int, args: argparse.Namespace, preload_events: int = 0
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        # the first participants warm the server up, not counted: each worker reads and
        # parses the course's package once, and the driver prepares a statement on a
        # connection after its fifth run
        warm = WARM_UP * args.concurrency
        work = populate(url, data_dir, warm + args.participants, args.batch_size)
        warming, work = work[:warm], work[warm:]
        loaded = preloaded(url, preload_events) if preload_events else {"events": 0}
        requests = sum(len(w.batches) for w in work)
        events = sum(b.count for w in work for b in w.batches)
        served = ServerProcess.start(url, data_dir, workers, log=data_dir / "server.log")
        base = served.url
        health_rates, sync_rates, latencies, seconds = [], [], [], 0.0
        try:
            with client(base, args.concurrency) as http:  # warm-up, not counted
                health(http, 4 * args.concurrency, args.concurrency)
                push_all(http, warming, args.concurrency)
            # in rounds, /health then sync, each round with new connections, the same for
            # both: how they fall to the workers differs from one round to the next (it
            # moved a 2-worker /health rate between 500 and 950 per second), not between the
            # two rates of a round
            for part in (work[start :: args.rounds] for start in range(args.rounds)):
                sent = sum(len(w.batches) for w in part)
                with client(base, args.concurrency) as http:
                    asked = max(sent, HEALTH_REQUESTS)
                    health_rates.append(health(http, asked, args.concurrency))
                    taken, each = push_all(http, part, args.concurrency)
                sync_rates.append(sent / taken)
                seconds += taken
                latencies += each
        except AssertionError:
            log = (data_dir / "server.log").read_text(errors="replace")
            print(f"server log ({url.split(':')[0]}, {workers} workers):\n{log[-6000:]}")
            raise
        finally:
            served.stop()
        stored = stored_events(url) - int(loaded["events"])
        sent_in_all = events + sum(b.count for w in warming for b in w.batches)
        assert stored == sent_in_all, f"{sent_in_all} events sent, {stored} stored"
    sync_rate, health_rate = statistics.median(sync_rates), statistics.median(health_rates)
    ratios = [s / h for s, h in zip(sync_rates, health_rates, strict=True)]
    return {
        "requests": requests,
        "events": events,
        "seconds": round(seconds, 2),
        "sync_per_second": round(sync_rate, 1),  # the median of the rounds'
        "events_per_second": round(events / seconds, 1),
        "sync_median_ms": round(statistics.median(latencies) * 1000, 1),
        "sync_p95_ms": round(statistics.quantiles(latencies, n=20)[-1] * 1000, 1),
        "health_per_second": round(health_rate, 1),  # the median of the rounds'
        "ratio_to_health": round(statistics.median(ratios), 3),  # of the rounds' ratios
        "rounds": {
            "sync_per_second": [round(r, 1) for r in sync_rates],
            "health_per_second": [round(r, 1) for r in health_rates],
            "ratio_to_health": [round(r, 3) for r in ratios],
        },
        **({"preloaded": loaded} if preload_events else {}),
    }


def preloaded(url: str, events: int) -> dict[str, float | int]:
    """``--preload``: ``events`` events of other participants who synced their whole course,
    bulk-loaded (``tests/preload.py``: COPY on PostgreSQL), then VACUUM ANALYZE and a
    CHECKPOINT, as autovacuum and the checkpointer would have left a database that grew
    this big (and so that neither runs during the measurement)."""
    engine = make_engine(url)
    try:
        loaded = preload(engine, events)
        started = time.perf_counter()
        postgresql = engine.dialect.name == "postgresql"
        analyze(engine, vacuum=postgresql)
        if postgresql:
            with engine.connect() as connection:
                connection.execute(text("CHECKPOINT"))
        settle = time.perf_counter() - started
        with engine.connect() as connection:
            size = connection.execute(
                text("SELECT pg_database_size(current_database())")
                if postgresql
                else text("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
            ).scalar_one()
    finally:
        engine.dispose()
    return {
        "events": loaded.events,
        "participants": loaded.participants,
        "load_seconds": loaded.seconds,
        "vacuum_analyze_checkpoint_seconds": round(settle, 1),
        "database_mb": round(int(size) / 2**20),
    }


def measure_preloaded(
    cluster: PostgresCluster, workers: int, args: argparse.Namespace
) -> dict[str, object]:
    """Sync on an empty PostgreSQL database, then on one with ``--preload`` events of other
    participants (the same workload, each on a fresh database), one after the other."""
    empty = measure(cluster.new_database(), workers, args)
    loaded = measure(cluster.new_database(), workers, args, preload_events=args.preload)

    def loaded_to_empty(key: str) -> float:
        loaded_figure, empty_figure = loaded[key], empty[key]
        assert isinstance(loaded_figure, float)
        assert isinstance(empty_figure, float)
        return round(loaded_figure / empty_figure, 3)

    return {
        "workers": workers,
        "empty": empty,
        "loaded": loaded,
        "loaded_to_empty": loaded_to_empty("sync_per_second"),
        # the same, each sync rate taken against its own run's /health rate (which the
        # data's size does not touch): what the machine's speed moved between the two
        # runs cancels out
        "loaded_to_empty_against_health": loaded_to_empty("ratio_to_health"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument(
        "--rounds", type=int, default=3, help="/health then sync, each this many times"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=20, help="events per request")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts, e.g. 1,2,4")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        metavar="N",
        help="PostgreSQL: also sync with N events of other participants preloaded, against"
        " an empty database in the same run (the largest --workers)",
    )
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers.split(",")]
    databases = args.databases.split(",")
    assert set(databases) <= {"sqlite", "postgresql"}, databases
    results: dict[str, object] = {
        "participants": args.participants,
        "events_per_request": args.batch_size,
        "concurrency": args.concurrency,
        "cores": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 1),
    }
    cluster = None
    if "postgresql" in databases:
        try:
            cluster = PostgresCluster.start()
        except PostgresUnavailable as exc:
            results["postgresql"] = f"unavailable: {exc}"
    started = time.perf_counter()
    try:
        for workers in worker_counts:
            if "sqlite" in databases:
                with tempfile.TemporaryDirectory() as folder:
                    results[f"sqlite_{workers}_worker"] = measure(
                        f"sqlite:///{folder}/bench.db", workers, args
                    )
            if cluster is not None:
                results[f"postgresql_{workers}_worker"] = measure(
                    cluster.new_database(), workers, args
                )
        if cluster is not None and args.preload:
            results["postgresql_preload"] = measure_preloaded(cluster, max(worker_counts), args)
    finally:
        if cluster is not None:
            cluster.stop()
    results["load_average_at_end"] = round(os.getloadavg()[0], 1)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
