"""On PostgreSQL the sync path's queries use indexes: with many participants' rows in the
database and fresh statistics, none of them scans a table that grows with every event
(``event``, ``change``, and ``activity_state``, about one row per event too).

The database holds the demo participants and tens of thousands of events of other
participants who synced their whole course (``tests/preload.py``, bulk-loaded), then
ANALYZE. One demo participant syncs the way a device does: a first batch; the rest of the
course with six evaluation attempts, resending part of the first batch (the fifth attempt
uses up the day's grading: the sixth waits); on the "next day" (the day's grades moved back
a day) a pull grades the waiting attempt; and a last pull. Every statement the server runs
for those requests is captured with its parameters (``before_cursor_execute``, on the
server's threads only), and every SELECT, UPDATE and DELETE is explained with them
(``EXPLAIN (FORMAT JSON)``): no ``Seq Scan`` on those tables. (The small tables, one or
two rows per participant, are not checked: with a few hundred participants a sequential
scan of them may well be the planner's right choice.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from latsar_desktop.domain.protocol import AttemptGradedChange, PassedChange
from latsar_server.settings import Settings
from tests import recipes as demo
from tests.integration.serverkit import (
    bearer,
    client,
    demo_people,
    load_demo,
    login,
    offline_store,
    play,
    push,
    take_attempt,
)
from tests.preload import analyze, preload
from tests.servers import PostgresCluster, running_server

PRELOADED_EVENTS = 20_000  # over 435 participants
GUARDED = {"event", "change", "activity_state"}  # the tables that grow with every event
ATTEMPTS = 6  # one more than the demo course's max_graded_per_day (5)


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) of every statement the server's threads run meanwhile (an
    executemany: with its first parameter set)."""
    seen: list[tuple[str, Any]] = []
    here = threading.get_ident()

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        if threading.get_ident() != here:  # not this (the test's) thread
            seen.append((statement, parameters[0] if many else parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def explained(engine: Engine, statements: list[tuple[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Each SELECT, UPDATE and DELETE with its plan's nodes, explained with its parameters
    as the server sent them (the driver's own statement and values)."""
    plans = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            (document,) = cursor.fetchone()  # type: ignore[misc]
            plans.append((statement, list(_nodes(document[0]["Plan"]))))
        raw.rollback()
    finally:
        raw.close()
    return plans


def test_sync_queries_scan_no_table_that_grows_with_events(
    postgres: PostgresCluster | None, tmp_path: Path
) -> None:
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    settings = Settings(database_url=postgres.new_database(), data_dir=tmp_path / "server-data")
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("32-optional"))  # complete, 32 trophies: may pass
    for _ in range(ATTEMPTS):
        take_attempt(store, 16)  # 80: passes
    events = store.unconfirmed()
    with running_server(settings) as server:
        load_demo(server)
        loaded = preload(server.engine, PRELOADED_EVENTS)
        analyze(server.engine)
        with client(server) as http:
            auth = bearer(login(http, demo_people()[0], store.device_id))
            with captured() as statements:
                first = push(http, auth, store, events=events[:10])
                second = push(http, auth, store, events=events[5:], cursor=first.cursor)
                with server.engine.begin() as connection:  # the next day
                    connection.execute(
                        text(
                            "UPDATE attempt SET graded_at = graded_at - interval '1 day'"
                            " WHERE graded_at IS NOT NULL AND participant_id = :id"
                        ),
                        {"id": _participant_id(server.engine, demo_people()[0]["nip"])},
                    )
                third = push(http, auth, store, events=[], cursor=second.cursor)
                last = push(http, auth, store, events=[], cursor=third.cursor)
        plans = explained(server.engine, statements)
    # the requests did what the plans are about
    assert loaded.events >= PRELOADED_EVENTS
    assert loaded.participants >= 400
    assert second.acked_seq == len(events)
    assert second.rejections == []
    assert [c for c in second.changes if isinstance(c, PassedChange)]
    graded_later = [c for c in third.changes if isinstance(c, AttemptGradedChange)]
    assert [c.attempt.number for c in graded_later] == [ATTEMPTS]
    assert last.cursor == third.cursor
    assert last.acked_seq == len(events)
    read = {node.get("Relation Name") for _, nodes in plans for node in nodes}
    assert read >= GUARDED, f"no query of {GUARDED - read} was explained"
    sequential = [
        (statement, node["Relation Name"])
        for statement, nodes in plans
        for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in GUARDED
    ]
    assert sequential == []


def _participant_id(engine: Engine, nip: str) -> int:
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id FROM participant WHERE nip = :n"), {"n": nip})
        return int(found.scalar_one())
