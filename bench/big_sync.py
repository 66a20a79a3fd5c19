"""One participant's big sync, and the sign-ins that arrive while it runs.

A demo participant (Budi) unlocks the evaluation (recipe "28", sent and confirmed first),
then sends ``--attempts`` ``attempt.submitted`` events (default 1,000) the way a client
with a large batch does: every unconfirmed event in one request (at most 1,000, the
protocol's limit), and again from ``acked_seq`` + 1 while the server acks only part of
them, until all are acked. While that runs, another participant (Siti) signs in again
and again on a new device, one sign-in after the other, each timed, until the big sync
is done.

Baselines, measured in the same run against the same server before the big sync: a sync
of one ``attempt.submitted`` event (the participant already has the unlock events), and
an uncontended sign-in. The ratios say how many one-attempt syncs the big one costs
(``big_sync_ratio_to_one``: ideally about ``attempts``, more when an event's cost grows
with the history), and how much slower a sign-in is while the big sync runs.

Runs ``latsar-server serve`` (1 worker by default) on a fresh SQLite database, as the
default installation does. Every answer is checked: the sync answers 200 with no
rejection, every attempt is graded in order, and the database holds one attempt row per
attempt sent.

    .venv/bin/python bench/big_sync.py [--attempts 1000] [--workers 1]

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from latsar_desktop.domain.protocol import (
    AttemptSubmitted,
    AttemptSubmittedEvent,
    EventEnvelope,
    JournalEvent,
    SyncRequest,
    SyncResponse,
)
from latsar_server.database import migrate
from latsar_server.settings import Settings
from latsar_server.tables import Attempt
from tests import recipes as demo
from tests.integration.serverkit import (
    DEMO,
    HEADERS,
    demo_package,
    demo_people,
    load_demo,
    offline_store,
    play,
)
from tests.servers import RunningServer, ServerProcess

# the demo's test variant: every question in each attempt and no daily grading limit, so
# every attempt is graded as it comes (the demo course grades 5 a day)
VARIANT = DEMO / "package-200.json"


def sign_in(http: httpx.Client, person: dict[str, str], device: uuid.UUID) -> httpx.Response:
    return http.post(
        "/api/v1/auth/login",
        json={
            "nip": person["nip"],
            "nik": person["nik"],
            "device_id": str(device),
            "device_name": "bench",
        },
    )


def attempts(first_seq: int, device: uuid.UUID, count: int) -> list[JournalEvent]:
    """``count`` evaluation attempts (half the answers right), seq ``first_seq`` onward."""
    package = demo_package(VARIANT)
    questions = package.evaluation.questions
    at = datetime.now(UTC)
    events: list[JournalEvent] = []
    for i in range(count):
        answers = {
            q.id: (
                q.answer if (j + i) % 2 == 0 else next(c.id for c in q.choices if c.id != q.answer)
            )
            for j, q in enumerate(questions)
        }
        events.append(
            AttemptSubmittedEvent(
                id=uuid.uuid4(),
                device_id=device,
                seq=first_seq + i,
                at=at,
                payload=AttemptSubmitted(
                    attempt_id=uuid.uuid4(),
                    package_version=package.version,
                    question_order=[q.id for q in questions],
                    answers=answers,
                    elapsed_seconds=600,
                    started_at=at - timedelta(seconds=600),
                ),
            )
        )
    return events


MAX_EVENTS = 1000  # a SyncRequest carries at most this many events


class Pusher:
    """Sends events as a client with the largest batch does: all that is unconfirmed, up to
    the protocol's 1,000 events per request."""

    def __init__(self, http: httpx.Client, token: str, device: uuid.UUID) -> None:
        self.http, self.device, self.cursor = http, device, 0
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def push(self, events: list[JournalEvent]) -> tuple[list[float], list[int]]:
        """Every event until acked; each request's seconds and acked_seq."""
        seconds: list[float] = []
        acked_seqs: list[int] = []
        remaining = events
        while remaining:
            body = SyncRequest(
                device_id=self.device,
                events=[EventEnvelope.of(e) for e in remaining[:MAX_EVENTS]],
                cursor=self.cursor,
            ).model_dump_json()
            started = time.perf_counter()
            response = self.http.post("/api/v1/sync", content=body, headers=self.headers)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text[:300]
            answer = SyncResponse.model_validate_json(response.content)
            assert answer.rejections == [], answer.rejections[:1]
            assert answer.acked_seq >= remaining[0].seq, (answer.acked_seq, remaining[0].seq)
            acked_seqs.append(answer.acked_seq)
            self.cursor = answer.cursor
            while answer.more:  # pull the rest of the change log, as the client does
                page = self.http.post(
                    "/api/v1/sync",
                    content=SyncRequest(
                        device_id=self.device, events=[], cursor=self.cursor
                    ).model_dump_json(),
                    headers=self.headers,
                )
                assert page.status_code == 200, page.text[:300]
                answer = SyncResponse.model_validate_json(page.content)
                self.cursor = answer.cursor
            remaining = [e for e in remaining if e.seq > acked_seqs[-1]]
        return seconds, acked_seqs


def measure(args: argparse.Namespace) -> dict[str, Any]:
    budi, siti = demo_people()[:2]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = Settings(
            database_url=f"sqlite:///{root / 'server.db'}", data_dir=root / "server-data"
        )
        migrate(settings.database_url)
        loader = RunningServer("unused", settings)
        load_demo(loader, VARIANT)
        store = offline_store(root, VARIANT)
        play(store, demo.recipe_steps("28"))
        unlock = store.unconfirmed()
        device = store.device_id
        one = attempts(len(unlock) + 1, device, 1)
        big = attempts(len(unlock) + 2, device, args.attempts)

        served = ServerProcess.start(settings.database_url, settings.data_dir, args.workers)
        base = served.url
        try:
            with httpx.Client(base_url=base, headers=HEADERS, timeout=300) as http:
                answer = sign_in(http, budi, device)
                assert answer.status_code == 200, answer.text[:300]
                pusher = Pusher(http, answer.json()["tokens"]["access_token"], device)
                pusher.push(unlock)
                one_seconds, _ = pusher.push(one)

                sign_in_alone = []
                for _ in range(3):
                    started = time.perf_counter()
                    alone = sign_in(http, siti, uuid.uuid4())
                    sign_in_alone.append(time.perf_counter() - started)
                    assert alone.status_code == 200, alone.text[:300]

            done = threading.Event()
            contended: list[tuple[int, float, str]] = []

            def sign_ins() -> None:
                with httpx.Client(base_url=base, headers=HEADERS, timeout=300) as other:
                    time.sleep(0.5)  # the big request is in the server by then
                    while not done.is_set():
                        started = time.perf_counter()
                        try:
                            response = sign_in(other, siti, uuid.uuid4())
                            code = response.status_code
                            error = "" if code == 200 else response.text[:200]
                        except httpx.HTTPError as exc:
                            code, error = 0, repr(exc)
                        contended.append((code, time.perf_counter() - started, error))

            thread = threading.Thread(target=sign_ins)
            with httpx.Client(base_url=base, headers=HEADERS, timeout=300) as http:
                pusher.http = http
                thread.start()
                started = time.perf_counter()
                try:
                    big_seconds, acked = pusher.push(big)
                finally:
                    total = time.perf_counter() - started
                    done.set()
                    thread.join()
        finally:
            served.stop()
        engine = loader.engine
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(Attempt)).scalar_one()
            numbers = connection.execute(select(func.max(Attempt.number))).scalar_one()
        engine.dispose()
        assert stored == numbers == args.attempts + 1, (stored, numbers)

    alone_median = statistics.median(sign_in_alone)
    codes = sorted({code for code, _, _ in contended})
    latencies = [s for _, s, _ in contended]
    return {
        "attempts": args.attempts,
        "workers": args.workers,
        "one_attempt_sync_seconds": round(one_seconds[0], 3),
        "big_sync_seconds": round(total, 2),
        "big_sync_requests": len(big_seconds),
        "big_sync_events_per_request_max": max(
            b - a for a, b in zip([len(unlock) + 1, *acked], acked, strict=False)
        ),
        "big_sync_slowest_request_seconds": round(max(big_seconds), 3),
        "big_sync_ratio_to_one": round(total / one_seconds[0], 1),
        "sign_in_alone_seconds": round(alone_median, 3),
        "sign_ins_during": len(contended),
        "sign_in_during_statuses": codes,
        "sign_ins_during_failed": sum(1 for code, _, _ in contended if code != 200),
        "sign_in_during_max_seconds": round(max(latencies), 2) if latencies else None,
        "sign_in_during_ratio_to_alone": round(max(latencies) / alone_median, 1)
        if latencies
        else None,
        "sign_in_during_errors": sorted({e for _, _, e in contended if e})[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 1),
    }
    started = time.perf_counter()
    results.update(measure(args))
    results["load_average_at_end"] = round(os.getloadavg()[0], 1)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
