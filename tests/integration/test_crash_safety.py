"""SIGKILL a writer at random moments: every append it saw committed survives, nothing else.

The writer is a forked child running real ProfileStore appends; it reports in shared
memory each append the store returned (its event id and seq) and the one under way
(see crash_writer). After each kill the profile is reopened and its journal must be
exactly the confirmed appends, plus at most the one that was in progress at the kill.
"""

from __future__ import annotations

import json
import mmap
import os
import random
import signal
import sqlite3
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path

from latsar_desktop.store.profile import ProfileStore, consistency_problems
from tests import factories
from tests.integration import crash_writer
from tests.integration.crash_writer import Report, run_writer

KILLS = 20
PHASE_NAMES = {
    crash_writer.IDLE: "idle",
    crash_writer.BEGUN: "begun",
    crash_writer.EVENT_WRITTEN: "event written",
    crash_writer.STATE_WRITTEN: "state written",
    crash_writer.COMMITTED: "committed",
}


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.005)


def kill_a_writer(db: Path, device: uuid.UUID, report: Report, pause: float) -> None:
    report.reset()
    pid = os.fork()
    if pid == 0:  # the child writes until it is killed, and never returns to pytest
        try:
            random.seed(os.getpid())
            run_writer(db, device, report)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)
    exited: list[int] = []

    def writing() -> bool:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            exited.append(status)
            raise AssertionError("the writer stopped before it was killed (traceback above)")
        return report.ready and len(report.confirmed()) > 0

    try:
        wait_for(writing)
        time.sleep(pause)
    finally:
        if not exited:
            os.kill(pid, signal.SIGKILL)
            exited.append(os.waitpid(pid, 0)[1])
    assert os.WIFSIGNALED(exited[0]), "the writer stopped before it was killed"


def state_problems(db: Path) -> list[str]:
    """Local state that is not what the journal implies (read with plain sqlite3)."""
    problems = []
    with closing(sqlite3.connect(db)) as connection:
        last: dict[str, str] = {}
        best: dict[str, Decimal] = {}
        submitted: dict[str, str] = {}
        for event_id, type_, payload in connection.execute(
            "SELECT id, type, payload FROM journal ORDER BY seq"
        ):
            data = json.loads(payload)
            if type_ == "attempt.submitted":
                submitted[data["attempt_id"]] = event_id
                continue
            last[data["activity_id"]] = event_id
            if "score" in data:
                score = Decimal(data["score"])
                best[data["activity_id"]] = max(best.get(data["activity_id"], score), score)
        for activity, last_event, best_score in connection.execute(
            "SELECT activity_id, last_event_id, best_score FROM activity_record"
        ):
            if last.pop(activity, None) != last_event:
                problems.append(f"{activity}: last event {last_event} is not its last event")
            if best.pop(activity, None) != (best_score and Decimal(best_score)):
                problems.append(f"{activity}: best score {best_score} is not the journal's")
        problems += [f"{activity}: events without state" for activity in last]
        drafts = dict(
            connection.execute(
                "SELECT attempt_id, submitted_event_id FROM attempt_draft "
                "WHERE submitted_event_id IS NOT NULL"
            )
        )
        if drafts != submitted:
            problems.append(f"submitted drafts {drafts} != attempt events {submitted}")
    return problems


def test_sigkill_loop_keeps_every_confirmed_append_and_nothing_else(tmp_path: Path) -> None:
    db, device = tmp_path / "profile.db", uuid.uuid4()
    seed = ProfileStore(db, device)
    seed.save_package(factories.package())
    seed.close()
    shared_file = tmp_path / "report"
    shared_file.write_bytes(bytes(crash_writer.SIZE))
    rng = random.Random(20261129)
    phases: Counter[str] = Counter()
    expected: list[tuple[uuid.UUID, int]] = []  # (id, seq) the journal must hold, in order
    confirmed_total = in_progress_kept = in_progress_lost = 0
    with shared_file.open("r+b") as handle:
        shared = mmap.mmap(handle.fileno(), crash_writer.SIZE)
        report = Report(shared)
        for _ in range(KILLS):
            kill_a_writer(db, device, report, rng.uniform(0.0, 0.1))
            phases[PHASE_NAMES[report.phase]] += 1
            confirmed = [(c.id, c.seq) for c in report.confirmed()]
            in_progress = report.in_progress()
            confirmed_total += len(confirmed)

            store = ProfileStore(db, device)
            journal = [(e.id, e.seq) for e in store.journal()]
            assert [seq for _, seq in journal] == list(range(1, len(journal) + 1)), "seq gap"
            # every append the writer saw committed is there, in order, with its seq
            assert journal[: len(expected) + len(confirmed)] == expected + confirmed
            # and nothing else, but the one append in progress at the kill
            rest = [event_id for event_id, _ in journal[len(expected) + len(confirmed) :]]
            if in_progress is not None and rest == [in_progress]:
                in_progress_kept += 1
            else:
                assert rest == [], f"events nobody confirmed: {rest}"
                in_progress_lost += in_progress is not None
            expected = journal
            assert consistency_problems(store) == []
            assert state_problems(db) == []
            store.close()
        report.release()
        shared.close()
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    inside = phases["begun"] + phases["event written"] + phases["state written"]
    print(
        f"kills by phase: {dict(phases)}; confirmed appends: {confirmed_total}; "
        f"in progress at the kill, then found committed: {in_progress_kept}, "
        f"found rolled back: {in_progress_lost}; journal: {len(expected)} events"
    )
    assert sum(phases.values()) == KILLS
    assert inside > 0, phases
