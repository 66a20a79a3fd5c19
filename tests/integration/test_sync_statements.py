"""What one sync request costs in SQL statements: the same however many events it sends.

The rows a request's events make are written with one multi-row INSERT per table (on
PostgreSQL all of them, the state row and the device's sync in one statement), the access
token is checked with one query, and the answer is read with a fixed set of queries, so an
event adds no statement (SQLite and PostgreSQL). On PostgreSQL the state row's lock, by
the access token, checks the token and reads the rest with it (the activities, the known
event ids, the changes the device lacks): two statements in all."""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event

from tests import recipes as demo
from tests.integration.serverkit import (
    bearer,
    client,
    demo_people,
    login,
    offline_store,
    play,
    push,
)
from tests.servers import RunningServer

UNLOCKED = demo.recipe_steps("28")  # the welcome video and 28 activities: 29 events


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the server's threads run meanwhile (an executemany is one), an
    ``IN`` list written as ``IN (…)``; a COPY (psycopg's, which SQLAlchemy does not see)
    as its ``COPY table (columns) FROM STDIN``."""
    seen: list[str] = []
    here = threading.get_ident()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() != here:  # not this (the client's) thread
            seen.append(
                re.sub(r"IN \((?:[^()]|\([^()]*\))*\)", "IN (…)", " ".join(statement.split()))
            )

    real_copy = psycopg.Cursor.copy

    def copy(cursor: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        record(None, cursor, str(statement))
        return real_copy(cursor, statement, *args, **kwargs)

    event.listen(Engine, "before_cursor_execute", record)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Cursor, "copy", copy)  # a spy: the real COPY runs
        try:
            yield seen
        finally:
            event.remove(Engine, "before_cursor_execute", record)


def test_a_request_runs_the_same_statements_for_6_events_as_for_20(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path)
    play(store, UNLOCKED)
    events = store.unconfirmed()
    assert len(events) == 29
    with client(demo_server) as http:
        auth = bearer(login(http, demo_people()[0], store.device_id))
        with statements() as behind:  # the change its sign-in logged is still to be sent
            first = push(http, auth, store, events=events[:3])
        with statements() as six:
            second = push(http, auth, store, events=events[3:9], cursor=first.cursor)
        with statements() as twenty:
            third = push(http, auth, store, events=events[9:], cursor=second.cursor)
    assert third.acked_seq == 29
    assert third.rejections == []
    # every table the events write, once per request (event, change, activity_state), then
    # the state row and the device's sync; on PostgreSQL all in one statement
    written = [
        [" ".join(m.groups()) for m in re.finditer(r"(?<!FOR )\b(INSERT INTO|UPDATE) (\w+)", s)]
        for s in twenty
    ]
    writes = [w for w in written if w]
    tables = ["INSERT INTO event", "INSERT INTO change", "INSERT INTO activity_state"]
    if demo_server.engine.dialect.name == "postgresql":
        assert len(writes) == 1, twenty
        assert writes[0][-1] == "UPDATE device"  # the statement's own: the CTEs' come first
        assert sorted(writes[0][:-1]) == sorted(
            [*tables, "UPDATE activity_state", "UPDATE participant_state"]
        )
        # and so two round trips in the transaction (each costs more than the rows): the
        # state row locked by the access token, with its caller, the activities done, the
        # event ids known and the changes the device lacks (first's page: its sign-in's),
        # then the write
        assert len(twenty) == 2, twenty
        # (and the package's body, read once per worker process, when it parses it first)
        parsed = [s for s in behind if s.startswith("SELECT package_version.course_id")]
        assert len(behind) - len(parsed) == 2, behind
        assert "token" in twenty[0]
        assert "FOR UPDATE" in twenty[0]
        assert [c.type for c in first.changes][:1] == ["devices.changed"]
    else:
        assert collections.Counter(w for each in writes for w in each) == collections.Counter(
            [*tables, "UPDATE participant_state", "UPDATE device"]
        )
    # the access token, its device and participant: one query (on PostgreSQL the lock's),
    # no read of each row
    assert len([s for s in twenty if "token" in s]) == 1
    assert [s for s in twenty if s.startswith(("SELECT device.", "SELECT participant."))] == []
    assert collections.Counter(six) == collections.Counter(twenty)
