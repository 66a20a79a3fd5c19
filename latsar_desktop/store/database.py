"""Opening the client's SQLite databases: WAL, foreign keys, one writer.

The connection set-up is :mod:`latsar_desktop.sqlite`, shared with the server. Every write
transaction starts with ``BEGIN IMMEDIATE`` so two processes (or threads) never interleave
half-done writes, and ``synchronous=FULL`` so a committed event survives a power cut on an
old laptop, not only a crash of the app.

Schema versions live in ``PRAGMA user_version``. A new database is created from the
current table models; an older one is upgraded step by step by the ``upgrades`` given
to :func:`open_database`, each step in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from latsar_desktop import sqlite
from latsar_desktop.sqlite import READ_ONLY as READ_ONLY  # for readers of this module

Upgrade = Callable[[Connection], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer version of the app."""


def make_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite.create_engine(
        f"sqlite:///{path}", synchronous="FULL", busy_timeout=10, poolclass=NullPool
    )


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
