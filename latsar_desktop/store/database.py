"""Opening SQLite databases the same way everywhere: WAL, foreign keys, one writer.

Every write transaction starts with ``BEGIN IMMEDIATE`` so two processes (or threads)
never interleave half-done writes, and ``synchronous=FULL`` so a committed event
survives a power cut on an old laptop, not only a crash of the app.

Schema versions live in ``PRAGMA user_version``. A new database is created from the
current table models; an older one is upgraded step by step by the ``upgrades`` given
to :func:`open_database`, each step in its own transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel, create_engine

Upgrade = Callable[[Connection], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer version of the app."""


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor, patience: float = 10.0) -> None:
    """WAL mode, once per file. Switching needs a moment alone with a file that is not yet
    in WAL, and SQLite refuses at once (no busy wait) when another connection opens it at
    the same moment: two app instances creating a new database. Retry for a while then."""
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


READ_ONLY = "latsar_read_only"


def _on_begin(connection: Connection) -> None:
    # Readers take no write lock; writers take it at once, so they never deadlock.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 10},
        poolclass=NullPool,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def schema_version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())


def open_database(
    path: Path,
    base: type[SQLModel],
    version: int,
    upgrades: Mapping[int, Upgrade],
) -> Engine:
    """Open (creating or upgrading) the database at ``path`` whose tables derive from ``base``.

    ``upgrades[n]`` turns a version-``n`` database into version ``n + 1``.
    """
    engine = make_engine(path)
    with engine.begin() as connection:
        current = int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
        if current == 0:
            tables = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).scalar_one()
            if tables == 0:
                base.metadata.create_all(connection)
                connection.exec_driver_sql(f"PRAGMA user_version = {version}")
                return engine
        if current > version:
            raise SchemaTooNew(f"{path.name} has schema {current}; this app knows {version}")
    while current < version:
        with engine.begin() as connection:  # BEGIN IMMEDIATE: one upgrader at a time
            # another process may have upgraded meanwhile: read the version again
            current = int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
            if current >= version:
                break
            upgrades[current](connection)
            current += 1
            connection.exec_driver_sql(f"PRAGMA user_version = {current}")
    return engine


@contextmanager
def write(engine: Engine) -> Iterator[Session]:
    """A write transaction (BEGIN IMMEDIATE): committed on success, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read(engine: Engine) -> Iterator[Session]:
    with Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session:
        yield session


def table_layout(engine: Engine, tables: Sequence[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Columns and indexes of ``tables``, to compare an upgraded schema with a fresh one."""
    layout: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in tables:
            columns = connection.exec_driver_sql(f"PRAGMA table_info('{table}')").all()
            indexes = connection.exec_driver_sql(f"PRAGMA index_list('{table}')").all()
            layout[table] = sorted(
                [("column", c[1], c[2].upper(), c[3], c[5]) for c in columns]
                + [("index", i[1], i[2]) for i in indexes]
            )
    return layout
