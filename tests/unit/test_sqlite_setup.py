"""The shared SQLite set-up (latsar_desktop.sqlite) as the client and the server use it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine

from latsar_desktop import sqlite
from latsar_desktop.store import database as client_database
from latsar_server import database as server_database


def pragmas(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }


def test_the_client_and_the_server_get_their_pragmas(tmp_path: Path) -> None:
    client = client_database.make_engine(tmp_path / "client.db")
    server = server_database.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    full = 2
    assert pragmas(client) == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": full,
        "busy_timeout": 10_000,
    }
    assert pragmas(server) == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": full,
        "busy_timeout": 30_000,
    }
    client.dispose()
    server.dispose()


@pytest.mark.parametrize("side", ["client", "server"])
def test_a_writer_takes_the_lock_at_begin_and_a_reader_does_not(tmp_path: Path, side: str) -> None:
    path = tmp_path / "db.sqlite"
    engine = (
        client_database.make_engine(path)
        if side == "client"
        else server_database.make_engine(f"sqlite:///{path}")
    )
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        reader = engine.execution_options(**{sqlite.READ_ONLY: True})
        with reader.begin():  # BEGIN (deferred): another writer may still start
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        # BEGIN IMMEDIATE: the lock is taken before any statement
        with engine.begin(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        engine.dispose()


def test_an_unknown_synchronous_level_is_refused() -> None:
    with pytest.raises(ValueError, match="synchronous"):
        sqlite.create_engine("sqlite://", synchronous="FAST", busy_timeout=1)  # type: ignore[arg-type]
