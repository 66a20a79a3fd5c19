"""One way to open SQLite, shared by the client's stores and the server: WAL, foreign keys,
a busy wait, and ``BEGIN IMMEDIATE`` for every writer.

* **WAL** lets readers go on while one writer writes. The switch is made once per file and
  retried when another process opens the same new file at the same moment (see
  :func:`switch_to_wal`).
* **Foreign keys** are always on: SQLite leaves them off unless asked, per connection.
* **synchronous** and the **busy timeout** are the caller's choice: the client wants
  ``FULL`` (a committed event survives a power cut on an old laptop), the server waits
  longer for the lock because several workers share one file.
* **BEGIN IMMEDIATE**: pysqlite's own transaction handling is switched off and every
  transaction is begun here. A writer takes the write lock at once, so two writers never
  deadlock upgrading a read lock; a connection run with the :data:`READ_ONLY` execution
  option begins a plain (deferred) ``BEGIN`` and takes no write lock.

This module is the one part of ``latsar_desktop`` besides ``domain``, ``i18n`` and the
version that ``latsar_server`` may import (``tests/unit/test_import_boundary.py``), so it
imports nothing else from ``latsar_desktop``.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Literal

import sqlalchemy
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import Pool

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]

READ_ONLY = "latsar_read_only"
"""Execution option: ``engine.execution_options(latsar_read_only=True)`` reads without
taking the write lock."""


def create_engine(
    url: str,
    *,
    synchronous: Synchronous,
    busy_timeout: float,
    wal_patience: float = 10.0,
    poolclass: type[Pool] | None = None,
) -> Engine:
    """An engine on the SQLite database at ``url`` (``sqlite:///path``), set up as above.

    ``busy_timeout`` (seconds) is how long a statement waits for another connection's
    lock; ``wal_patience`` (seconds) how long the switch to WAL retries. ``poolclass``
    defaults to SQLAlchemy's choice for SQLite files (a queue pool).
    """
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous={synchronous!r}")
    options: dict[str, Any] = {}
    if poolclass is not None:
        options["poolclass"] = poolclass
    engine = sqlalchemy.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
        **options,
    )
    busy_ms = round(busy_timeout * 1000)

    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let the "begin" event below issue BEGIN (IMMEDIATE) instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            switch_to_wal(cursor, wal_patience)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        finally:
            cursor.close()

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def switch_to_wal(cursor: sqlite3.Cursor, patience: float = 10.0) -> None:
    """WAL mode, once per file. Switching needs a moment alone with a file that is not yet
    in WAL, and SQLite refuses at once (no busy wait) when another connection opens it at
    the same moment: two app instances, or two server workers, opening a new database.
    Retry for ``patience`` seconds then."""
    deadline = time.monotonic() + patience
    while True:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _on_begin(connection: Connection) -> None:
    # Readers take no write lock; writers take it at once, so they never deadlock.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
