"""The writer of the crash test: appends events forever and reports what it saw committed.

The test forks a child that runs :func:`run_writer` (forking skips the slow imports of
a fresh interpreter), then SIGKILLs it. The child reports through a :class:`Report`,
shared memory (an mmap'd file) that outlives it:

* before each append it writes the number of the append it starts ("in progress") and
  clears the in-progress event id; when the store flushes the journal row, still before
  the commit, it writes that row's id there;
* after the store call returns, it writes the returned event's id and seq as the next
  confirmed record and only then raises the confirmed count.

So after a kill every append counted as confirmed had returned from ProfileStore, and at
most one more append (the one in progress) can have reached the database; if it did, its
id was written before its commit. Each counter is one aligned 4-byte store, which a kill
cannot tear.
"""

from __future__ import annotations

import mmap
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlmodel import Session

from latsar_desktop.domain.protocol import JournalEvent
from latsar_desktop.store.database import READ_ONLY
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.store.profile_tables import JournalRow

# phases of the writer, for the test's report of where the kills landed
IDLE, BEGUN, EVENT_WRITTEN, STATE_WRITTEN, COMMITTED = range(5)
# the statements after which an append is in each phase (seen from the store's engine)
STATE_STATEMENTS = ("INSERT INTO activity_record", "UPDATE activity_record", "UPDATE attempt_draft")

# layout: 4-byte words, then the in-progress id, then one record per confirmed append
_READY, _PHASE, _CONFIRMED, _IN_PROGRESS = range(4)
_PENDING_ID = slice(32, 48)
_RECORDS = 64
_RECORD = 32  # event id (16 bytes), seq (4 bytes), padding
CAPACITY = 8192
SIZE = _RECORDS + CAPACITY * _RECORD


@dataclass(frozen=True)
class Confirmed:
    id: uuid.UUID
    seq: int


class Report:
    """What one writer process saw, in shared memory (written by it, read by the test)."""

    def __init__(self, shared: mmap.mmap) -> None:
        self.shared = shared
        self.words = memoryview(shared).cast("I")

    def reset(self) -> None:
        self.shared[:] = bytes(SIZE)

    def release(self) -> None:
        self.words.release()

    # --- the test's side

    @property
    def ready(self) -> bool:
        return self.words[_READY] == 1

    @property
    def phase(self) -> int:
        return self.words[_PHASE]

    def confirmed(self) -> list[Confirmed]:
        found = []
        for index in range(self.words[_CONFIRMED]):
            start = _RECORDS + index * _RECORD
            seq = int.from_bytes(self.shared[start + 16 : start + 20], "little")
            found.append(Confirmed(uuid.UUID(bytes=self.shared[start : start + 16]), seq))
        return found

    def in_progress(self) -> uuid.UUID | None:
        """The id of the append under way at the kill, if its journal row was flushed."""
        if self.words[_IN_PROGRESS] != self.words[_CONFIRMED] + 1:
            return None  # no append started after the last confirmed one
        raw = self.shared[_PENDING_ID]
        return None if raw == bytes(16) else uuid.UUID(bytes=raw)

    # --- the writer's side

    def set_phase(self, phase: int) -> None:
        self.words[_PHASE] = phase

    def starting(self) -> None:
        count = self.words[_CONFIRMED]
        self.shared[_PENDING_ID] = bytes(16)
        self.words[_IN_PROGRESS] = count + 1

    def flushed(self, event_id: str) -> None:
        self.shared[_PENDING_ID] = uuid.UUID(event_id).bytes

    def returned(self, journal_event: JournalEvent) -> None:
        count = self.words[_CONFIRMED]
        if count >= CAPACITY:
            raise RuntimeError("crash report full")
        start = _RECORDS + count * _RECORD
        self.shared[start : start + 16] = journal_event.id.bytes
        self.shared[start + 16 : start + 20] = journal_event.seq.to_bytes(4, "little")
        self.words[_CONFIRMED] = count + 1  # only now is it reported as committed


def run_writer(path: Path, device: uuid.UUID, report: Report) -> NoReturn:
    store = ProfileStore(path, device)

    def phase(value: int) -> None:
        report.set_phase(value)
        time.sleep(random.uniform(0, 0.003))  # widen the window a kill can land in

    def begun(connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            phase(BEGUN)  # a write transaction: BEGIN IMMEDIATE has taken the lock

    def executed(
        _conn: Connection, _cursor: Any, sql: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if sql.startswith("INSERT INTO journal"):
            phase(EVENT_WRITTEN)
        elif sql.startswith(STATE_STATEMENTS):
            phase(STATE_WRITTEN)

    def flushed(session: Session, _context: Any) -> None:
        for row in session.new:
            if isinstance(row, JournalRow):
                report.flushed(row.id)

    def committed(_session: Session) -> None:
        report.set_phase(COMMITTED)

    event.listen(store.engine, "begin", begun)
    event.listen(store.engine, "after_cursor_execute", executed)
    event.listen(Session, "after_flush", flushed)
    event.listen(Session, "after_commit", committed)
    package = store.package()
    assert package is not None
    plain = [a.id for _, a in package.activities() if a.kind.value != "practice_quiz"]
    quizzes = [a for _, a in package.activities() if a.kind.value == "practice_quiz"]
    report.words[_READY] = 1
    while True:
        choice = random.random()
        if choice < 0.4:
            activity = random.choice(plain)
            report.starting()
            appended = store.complete_activity(activity)
        elif choice < 0.8:
            quiz = random.choice(quizzes)
            answers = {q.id: random.choice("ab") for q in quiz.questions}
            report.starting()
            appended = store.record_practice(quiz.id, answers)
        else:
            attempt = store.start_attempt()
            store.save_draft(attempt, {"e0": "a"}, 5)
            report.starting()
            appended = store.submit_attempt(attempt)
        report.returned(appended)
        report.set_phase(IDLE)
