"""SIGKILL the syncing client 20 times: four times in each of five phases of a sync.

The client is a forked child running the real engine against the real server (SQLite and
PostgreSQL) through the fault proxy. Each kill is made to land in its phase by holding
the sync there, and the phase is checked from the test before the kill:

* before the request: the child's store is held at the read of its sync cursor (the
  last read before the request); the proxy has seen no request yet.
* server received the request: a SQLAlchemy listener on the API's engine holds the
  server inside the sync transaction (its first statement, the participant's state
  lock), so the whole request was read and parsed; no byte came back yet.
* server committed, answer held: the proxy read the server's complete answer and holds
  it; the client's store is unchanged.
* applying the answer: a listener on the child's store engine holds the transaction of
  ``apply_sync`` open at its last write (the journal's confirmations are written, the
  acked seq is next); the test sees the store's write lock taken and nothing of the
  answer committed.
* answer applied: an "after_commit" listener holds the child right after that
  transaction committed; the test sees the new acked seq committed and the lock free.

After each kill the profile is consistent, and what it believes the server processed
agrees with its journal (``apply_sync`` is atomic). After a final clean sync the server
holds every event exactly once and the client has nothing unconfirmed.
"""

from __future__ import annotations

import contextlib
import functools
import mmap
import os
import signal
import sqlite3
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from latsar_desktop.store.profile import ProfileStore, consistency_problems
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
from latsar_server.tables import EventRow
from tests import recipes as demo
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import demo_people, load_demo, offline_store, play
from tests.servers import RunningServer

BEFORE_REQUEST = "before the request"
RECEIVED = "server received the request"
ANSWER_HELD = "server committed, answer held"
APPLYING = "applying the answer"
APPLIED = "answer applied"
PHASES = (BEFORE_REQUEST, RECEIVED, ANSWER_HELD, APPLYING, APPLIED)
KILLS_PER_PHASE = 4
KILLS = KILLS_PER_PHASE * len(PHASES)

# shared memory: [0] where the child holds itself (an index into PHASES, plus one),
# [1] how it ended
RUNNING, FINISHED, CRASHED = 0, 1, 2
HOLD_SECONDS = 120.0  # a held child or server waits this long at most for the kill
WAIT_SECONDS = 30.0  # for a phase to be reached


def marker(phase: str) -> int:
    return PHASES.index(phase) + 1


# ------------------------------------------------------------------------- the client


def hold_client(store: ProfileStore, phase: str, shared: mmap.mmap) -> None:
    """In the child: stop the sync for good in ``phase`` if it is one the store can see.

    Listeners on the store's engine (and on sessions bound to it), nothing in the product.
    Only ``apply_sync`` writes ``last_sync`` during a sync, and it does so last (its
    read of last_sync flushes the journal's confirmations first), so a transaction
    that updates last_sync is the one applying an answer.
    """
    applying = False

    def stop_here() -> None:
        shared[0] = marker(phase)
        time.sleep(HOLD_SECONDS)  # the parent kills us here

    def statement(
        conn: Connection, cursor: Any, sql: str, params: Any, context: Any, many: bool
    ) -> None:
        nonlocal applying
        if sql.startswith("UPDATE last_sync"):
            applying = True
            if phase == APPLYING:
                stop_here()  # confirmations written, acked seq next, nothing committed
        elif phase == BEFORE_REQUEST and sql.startswith("SELECT") and "FROM last_sync" in sql:
            stop_here()  # SyncEngine reads the cursor: the request is built next

    def after_commit(session: Session) -> None:
        nonlocal applying
        if session.bind is store.engine and applying:
            applying = False
            if phase == APPLIED:
                stop_here()

    event.listen(store.engine, "before_cursor_execute", statement)
    event.listen(Session, "after_commit", after_commit)  # the forked child only


def child(
    store_path: Path,
    device: uuid.UUID,
    tokens: Any,
    url: str,
    steps: Sequence[demo.Step],
    phase: str,
    shared: mmap.mmap,
) -> None:
    """Make a few offline events, then sync; held in ``phase`` until killed."""
    store = ProfileStore(store_path, device)
    play(store, steps)
    hold_client(store, phase, shared)
    api = ApiClient(url, device, tokens=tokens, timeout=HOLD_SECONDS)
    SyncEngine(api, store, batch_size=4).run()


def fork_child(run: Callable[[], None], shared: mmap.mmap, log: Path) -> int:
    """Run ``run`` in a forked child; shared[1] and ``log`` tell how it ended."""
    pid = os.fork()
    if pid == 0:  # never returns to pytest
        status = CRASHED
        try:
            run()
            status = FINISHED
        except BaseException:
            log.write_text(traceback.format_exc(), encoding="utf-8")
        finally:
            shared[1] = status
            os._exit(0)
    return pid


# ------------------------------------------------------------------------- the server


class ServerHold:
    """Holds the API inside its sync transaction, from a SQLAlchemy listener.

    ``arm()``: the next sync transaction of the API stops at its record of the device's
    new acked seq (after the participant's state lock, before the commit: every sync of
    this test sends events; on SQLite after the request's rows were written, on PostgreSQL
    before the one statement that writes them and that record), sets
    ``received`` and waits for ``release()``; ``ended`` is set when that transaction has
    committed or rolled back. The API's engine is not reachable from the test, so the
    listeners are on every Engine of this process and act only on one of the server's
    database that is not the test's own ``server.engine`` (and not in forked children).
    """

    MARK = "UPDATE device SET last_sync_at"  # with acked_seq: only a sync's write sets both

    def __init__(self, server: RunningServer) -> None:
        self.url = server.engine.url
        self.own = server.engine
        self.pid = os.getpid()
        self.received = threading.Event()
        self.ended = threading.Event()
        self._go = threading.Event()
        self._lock = threading.Lock()
        self._armed = False
        self._held: Connection | None = None

    def __enter__(self) -> ServerHold:
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "commit", self._end)
        event.listen(Engine, "rollback", self._end)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Engine, "commit", self._end)
        event.remove(Engine, "rollback", self._end)

    def arm(self) -> None:
        with self._lock:
            self.received.clear()
            self.ended.clear()
            self._go.clear()
            self._armed = True

    def release(self) -> None:
        with self._lock:
            self._armed = False
        self._go.set()

    def _ours(self, conn: Connection) -> bool:
        engine = conn.engine
        return os.getpid() == self.pid and engine is not self.own and engine.url == self.url

    def _statement(
        self, conn: Connection, cursor: Any, sql: str, params: Any, context: Any, many: bool
    ) -> None:
        if not (self.MARK in sql and "acked_seq" in sql) or not self._ours(conn):
            return
        with self._lock:
            if not self._armed:
                return
            self._armed = False
            self._held = conn
        self.received.set()
        self._go.wait(HOLD_SECONDS)

    def _end(self, conn: Connection) -> None:
        with self._lock:
            if conn is not self._held:
                return
            self._held = None
        self.ended.set()


def server_events(server: RunningServer) -> tuple[int, int]:
    with server.engine.connect() as connection:
        distinct_ids = func.count(col(EventRow.event_id).distinct())
        rows = connection.execute(select(func.count(), distinct_ids))
        total, distinct = rows.one()
    return int(total), int(distinct)


# ------------------------------------------------------------------------- observing the client


@dataclass(frozen=True)
class SyncView:
    """What the profile has committed about the sync: last_sync and journal statuses."""

    acked_seq: int
    processed_count: int
    cursor: int
    statuses: tuple[tuple[int, str], ...]

    @property
    def committed(self) -> tuple[int, int, int, int]:
        """What applying an answer changes (new events of the child are left out)."""
        processed = sum(status != "pending" for _, status in self.statuses)
        return self.acked_seq, self.processed_count, self.cursor, processed

    def problems(self) -> list[str]:
        """``apply_sync`` confirms up to acked_seq and records it in one transaction."""
        problems = [
            f"seq {seq} is {status} but acked_seq is {self.acked_seq}"
            for seq, status in self.statuses
            if (status == "pending") != (seq > self.acked_seq)
        ]
        processed = sum(status != "pending" for _, status in self.statuses)
        if processed != self.processed_count:
            problems.append(f"{processed} processed events, the server said {self.processed_count}")
        return problems


@contextlib.contextmanager
def sqlite_file(path: Path, timeout: float) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def sync_view(path: Path) -> SyncView:
    with sqlite_file(path, 10.0) as db:  # a WAL reader: never waits for the child's writes
        acked, processed, cursor = db.execute(
            "SELECT acked_seq, processed_count, cursor FROM last_sync WHERE id = 1"
        ).fetchone()
        statuses = db.execute("SELECT seq, status FROM journal ORDER BY seq").fetchall()
    return SyncView(acked, processed, cursor, tuple(statuses))


def write_locked(path: Path) -> bool:
    """Whether a transaction holds the profile's write lock (every writer BEGINs IMMEDIATE)."""
    with sqlite_file(path, 0.0) as db:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                return True
            raise
        db.execute("ROLLBACK")
        return False


def wait_for(condition: Callable[[], bool], shared: mmap.mmap) -> bool:
    """Until condition holds (True) or the child ended or time ran out (False)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if shared[1] != RUNNING or time.monotonic() > deadline:
            return condition()
        time.sleep(0.002)
    return True


@dataclass
class Kill:
    phase: str
    path: Path
    proxy: FaultProxy
    hold: ServerHold
    shared: mmap.mmap
    before: SyncView

    def prepare(self) -> None:
        self.shared[:] = bytes(len(self.shared))
        self.proxy.clear()
        self.proxy.reset_counters()
        self.proxy.response_held.clear()
        if self.phase == ANSWER_HELD:
            self.proxy.hold_response()
        elif self.phase == RECEIVED:
            self.hold.arm()

    def reached(self) -> bool:
        if self.phase == RECEIVED:
            return self.hold.received.is_set()
        if self.phase == ANSWER_HELD:
            return self.proxy.response_held.is_set()
        return self.shared[0] == marker(self.phase)

    def landed(self) -> list[str]:
        """What the test sees of the child's sync right now, against the phase."""
        seen: list[str] = []
        if self.phase == BEFORE_REQUEST:
            if self.proxy.requests:
                seen.append(f"{self.proxy.requests} requests reached the proxy")
            return seen
        if self.proxy.requests != 1:
            seen.append(f"{self.proxy.requests} requests reached the proxy, not 1")
        view = sync_view(self.path)
        if self.phase in (RECEIVED, ANSWER_HELD):
            if self.proxy.bytes_down:
                seen.append(f"{self.proxy.bytes_down} answer bytes reached the client")
            if self.phase == RECEIVED and self.hold.ended.is_set():
                seen.append("the server's transaction has ended")
        elif self.phase == APPLYING:
            if not write_locked(self.path):
                seen.append("no transaction is open on the profile")
        elif write_locked(self.path):  # APPLIED
            seen.append("a transaction is still open on the profile")
        if self.phase == APPLIED:
            if view.acked_seq <= self.before.acked_seq:
                seen.append(f"acked_seq still {view.acked_seq}, was {self.before.acked_seq}")
        elif view.committed != self.before.committed:
            seen.append(f"answer committed: {self.before.committed} -> {view.committed}")
        return seen

    def after_kill(self) -> None:
        """Let the server and the proxy go on with the dead client's request."""
        self.hold.release()
        self.proxy.release()
        self.proxy.clear()
        if self.phase == RECEIVED:
            assert self.hold.ended.wait(WAIT_SECONDS), "the held server transaction never ended"
        # the dead child's answer is still on its way: the next kill's counters must not see it
        assert self.proxy.wait_idle(WAIT_SECONDS), "the dead child's connection never closed"


# ------------------------------------------------------------------------- the test


@pytest.mark.slow
def test_kill_loop(server: RunningServer, tmp_path: Path) -> None:
    load_demo(server)
    budi = demo_people()[0]
    store = offline_store(tmp_path)
    path, device = store.path, store.device_id
    store.close()
    login = ApiClient(server.url, device)
    tokens = login.login(budi["nip"], budi["nik"], "PC uji").tokens
    login.close()
    steps = demo.recipe_steps("50")
    upstream = urlsplit(server.url)
    hits: Counter[str] = Counter()
    with (
        mmap.mmap(-1, 2) as shared,  # anonymous, so shared with the forked children
        FaultProxy("127.0.0.1", upstream.port or 80) as proxy,
        ServerHold(server) as hold,
    ):
        for number in range(KILLS):
            phase = PHASES[number % len(PHASES)]
            kill = Kill(phase, path, proxy, hold, shared, sync_view(path))
            kill.prepare()
            chunk = steps[number * 3 % len(steps) :][:3] or steps[:3]
            log = tmp_path / f"child-{number}.txt"
            run = functools.partial(child, path, device, tokens, proxy.url, chunk, phase, shared)
            pid = fork_child(run, shared, log)
            try:
                reached = wait_for(kill.reached, shared)
                seen = kill.landed() if reached else []
            finally:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                kill.after_kill()
            crash = log.read_text(encoding="utf-8") if log.exists() else ""
            assert shared[1] == RUNNING, f"kill {number}: the child ended first\n{crash}"
            assert reached, f"kill {number}: {phase!r} never reached"
            check = ProfileStore(path, device)
            assert consistency_problems(check) == [], f"kill {number} in {phase!r}"
            check.close()
            assert sync_view(path).problems() == [], f"kill {number} in {phase!r}"
            assert seen == [], f"kill {number} did not land in {phase!r}: {seen}"
            hits[phase] += 1
    print("kills by phase:", dict(hits))
    assert hits == dict.fromkeys(PHASES, KILLS_PER_PHASE)

    # a final clean sync
    final = ProfileStore(path, device)
    before = final.unconfirmed()
    assert before  # the kills left work to finish
    api = ApiClient(server.url, device, tokens=tokens)
    report = SyncEngine(api, final).run()
    api.close()
    assert report.consistent
    assert final.unconfirmed() == []
    journal = final.journal()
    final.close()
    total, distinct = server_events(server)
    assert total == distinct == len(journal)  # each event exactly once
    assert report.pushed == len(before)
    assert sync_view(path).problems() == []
