"""The writer of the crash test: appends events forever, reporting its phase.

The test forks a child that runs :func:`run_writer` (forking skips the slow imports of
a fresh interpreter), then SIGKILLs it. ``shared`` is shared memory (mmap): byte 0 is
the phase (0 idle, 1 transaction begun, 2 event row written, 3 state row written,
4 committed), byte 1 is set to 1 once the writer runs, bytes 4..8 count appends.
"""

from __future__ import annotations

import mmap
import random
import time
import uuid
from pathlib import Path
from typing import NoReturn

from sqlalchemy import event
from sqlmodel import Session

from latsar_desktop.store import profile as profile_module
from latsar_desktop.store.profile import ProfileStore

PHASES = {"begin": 1, "event-written": 2, "state-written": 3}


def run_writer(path: Path, device: uuid.UUID, shared: mmap.mmap) -> NoReturn:
    store = ProfileStore(path, device)

    def probe(phase: str) -> None:
        shared[0] = PHASES[phase]
        time.sleep(random.uniform(0, 0.003))  # widen the window a kill can land in

    def committed(_session: Session) -> None:
        shared[0] = 4

    profile_module.transaction_probe = probe
    event.listen(Session, "after_commit", committed)
    package = store.package()
    assert package is not None
    plain = [a.id for _, a in package.activities() if a.kind.value != "practice_quiz"]
    quizzes = [a for _, a in package.activities() if a.kind.value == "practice_quiz"]
    shared[1] = 1
    count = 0
    while True:
        choice = random.random()
        if choice < 0.4:
            store.complete_activity(random.choice(plain))
        elif choice < 0.8:
            quiz = random.choice(quizzes)
            store.record_practice(quiz.id, {q.id: random.choice("ab") for q in quiz.questions})
        else:
            attempt = store.start_attempt(["e0", "e1"])
            store.save_draft(attempt, {"e0": "a"}, 5)
            store.submit_attempt(attempt)
        shared[0] = 0
        count += 1
        shared[4:8] = count.to_bytes(4, "little")
