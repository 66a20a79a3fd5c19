"""The participant's view right after an append, at 0, 500 and 5,000 unconfirmed events.

For each size, a fresh profile with the demo package and that many unconfirmed events
(completions, practice quizzes and evaluation attempts, written in one transaction: the
set-up, not measured), whose view is read once, as a running app has it. Then ``--rounds``
times: one new event is appended through the store (not timed), and ``store.progress()``
is timed; the baseline is timed next to it, on the same profile: one indexed SQLite read
of a single journal row (by ``(device_id, seq)``, through the store's engine like every
read of the store). For comparison, the view computed from scratch as before issue 14
(``progress(package, standing, unconfirmed events)``), a few rounds.

Target: at 5,000 unconfirmed events, the view's median at most 10 × the baseline's and
under one frame (16 ms).

    .venv/bin/python bench/view_bench.py [--rounds 40]

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from latsar_desktop.domain.progress import progress
from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityKind,
    AttemptSubmitted,
    EventPayload,
    EventType,
    PracticeGraded,
)
from latsar_desktop.store import journal
from latsar_desktop.store.database import read, write
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.store.profile_tables import JournalRow
from tests.integration.serverkit import offline_store

SIZES = (0, 500, 5_000)
FROM_SCRATCH_ROUNDS = 3
TARGET_RATIO = 10
TARGET_MS = 16


def add_events(store: ProfileStore, count: int) -> None:
    """``count`` unconfirmed events of every kind, in one transaction (set-up)."""
    package = store.package()
    assert package is not None
    done = [a.id for _, a in package.activities() if a.kind is not ActivityKind.PRACTICE_QUIZ]
    quizzes = [a for _, a in package.activities() if a.kind is ActivityKind.PRACTICE_QUIZ]
    questions = [q.id for q in package.evaluation.questions]
    with write(store.engine) as session:
        for i in range(count):
            payload: EventPayload
            if i % 100 == 99:
                payload = AttemptSubmitted(
                    attempt_id=uuid.uuid4(),
                    package_version=package.version,
                    question_order=questions,
                    answers={},
                    elapsed_seconds=600,
                    started_at=store.clock(),
                )
                kind = EventType.ATTEMPT_SUBMITTED
            elif i % 4 == 3:
                quiz = quizzes[i % len(quizzes)]
                payload = PracticeGraded(
                    activity_id=quiz.id,
                    package_version=package.version,
                    answers={},
                    correct=i % (len(quiz.questions) + 1),
                    total=len(quiz.questions),
                    score=Decimal(i % 101),
                )
                kind = EventType.PRACTICE_GRADED
            else:
                payload = ActivityCompleted(
                    activity_id=done[i % len(done)], package_version=package.version
                )
                kind = EventType.ACTIVITY_COMPLETED
            journal.append(session, store.device_id, store.clock, payload, kind)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def one_row(store: ProfileStore, seq: int) -> Callable[[], object]:
    """The baseline: one indexed read of a single journal row."""

    def read_row() -> object:
        with read(store.engine) as session:
            query = select(JournalRow).where(
                JournalRow.device_id == str(store.device_id), JournalRow.seq == seq
            )
            return session.exec(query).one()

    return read_row


def raw_row(db: sqlite3.Connection, device_id: uuid.UUID, seq: int) -> Callable[[], object]:
    """For comparison: the same read on a plain sqlite3 connection kept open (no new
    connection per transaction, as the store's engine makes)."""

    def read_row() -> object:
        query = "SELECT * FROM journal WHERE device_id = ? AND seq = ?"
        return db.execute(query, (str(device_id), seq)).fetchone()

    return read_row


def measure(folder: Path, size: int, rounds: int) -> dict[str, object]:
    store = offline_store(folder)
    add_events(store, size)
    package = store.package()
    assert package is not None
    done = [a.id for _, a in package.activities() if a.kind is not ActivityKind.PRACTICE_QUIZ]
    store.progress()  # the app's first view after opening: the summary is built once
    views: list[float] = []
    baselines: list[float] = []
    raws: list[float] = []
    db = sqlite3.connect(store.path)
    for i in range(rounds):
        event = store.complete_activity(done[i % len(done)]) if i % 2 else store.watch_welcome()
        views.append(timed(store.progress))
        baselines.append(timed(one_row(store, event.seq)))
        raws.append(timed(raw_row(db, store.device_id, event.seq)))
    db.close()
    assert store.count_unconfirmed() == size + rounds
    assert store.progress() == progress(package, store.standing(), store.unconfirmed())
    scratch = [
        timed(lambda: progress(package, store.standing(), store.unconfirmed()))
        for _ in range(FROM_SCRATCH_ROUNDS)
    ]
    store.close()
    reopened = ProfileStore(store.path, store.device_id)
    first = timed(reopened.progress)  # the summary built from the database
    reopened.close()
    view_ms = statistics.median(views) * 1000
    baseline_ms = statistics.median(baselines) * 1000
    return {
        "pending": size,
        "view_median_ms": round(view_ms, 3),
        "view_max_ms": round(max(views) * 1000, 3),
        "baseline_median_ms": round(baseline_ms, 3),
        "ratio_to_baseline": round(view_ms / baseline_ms, 2),
        "raw_sqlite_read_median_ms": round(statistics.median(raws) * 1000, 4),
        "from_scratch_median_ms": round(statistics.median(scratch) * 1000, 1),
        "first_view_after_open_ms": round(first * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            results[f"pending_{size}"] = measure(Path(folder), size, args.rounds)
    top = results[f"pending_{SIZES[-1]}"]
    assert isinstance(top, dict)
    results["target"] = {"ratio_to_baseline": TARGET_RATIO, "view_ms": TARGET_MS}
    results["meets_target"] = (
        top["ratio_to_baseline"] <= TARGET_RATIO and top["view_median_ms"] < TARGET_MS
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
