"""SIGKILL a writer at random moments: the journal and the local state never disagree."""

from __future__ import annotations

import mmap
import os
import random
import signal
import sqlite3
import time
import uuid
from collections import Counter
from pathlib import Path

from latsar_desktop.store.profile import ProfileStore, consistency_problems
from tests import factories
from tests.integration.crash_writer import run_writer

KILLS = 20
PHASE_NAMES = {0: "idle", 1: "begun", 2: "event written", 3: "state written", 4: "committed"}


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.005)


def test_sigkill_loop_leaves_journal_and_state_consistent(tmp_path: Path) -> None:
    db, device = tmp_path / "profile.db", uuid.uuid4()
    seed = ProfileStore(db, device)
    seed.save_package(factories.package())
    seed.close()
    flag = tmp_path / "flag"
    flag.write_bytes(bytes(16))
    rng = random.Random(20261129)
    phases: Counter[str] = Counter()
    total_events = 0
    with flag.open("r+b") as handle:
        shared = mmap.mmap(handle.fileno(), 16)
        for _ in range(KILLS):
            shared[:] = bytes(16)
            pid = os.fork()
            if pid == 0:  # the child writes until it is killed, and never returns to pytest
                try:
                    random.seed(os.getpid())
                    run_writer(db, device, shared)
                finally:
                    os._exit(1)
            try:
                wait_for(lambda: shared[1] == 1 and int.from_bytes(shared[4:8], "little") > 0)
                time.sleep(rng.uniform(0.0, 0.1))
            finally:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            phases[PHASE_NAMES[shared[0]]] += 1

            store = ProfileStore(db, device)
            assert consistency_problems(store) == []
            journal = store.journal()
            assert [e.seq for e in journal] == list(range(1, len(journal) + 1))
            assert len(journal) > total_events
            total_events = len(journal)
            store.close()
        shared.close()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    inside = phases["begun"] + phases["event written"] + phases["state written"]
    print(f"kills by phase: {dict(phases)}; events written: {total_events}")
    assert sum(phases.values()) == KILLS
    assert inside > 0, phases
