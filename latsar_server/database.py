"""The server's database: SQLite by default, PostgreSQL in production.

SQLite connections are set up by :mod:`latsar_desktop.sqlite`, shared with the client (WAL,
foreign keys, ``BEGIN IMMEDIATE`` for writers, reads under the ``READ_ONLY`` option).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import Session, SQLModel

from latsar_desktop import sqlite
from latsar_desktop.sqlite import READ_ONLY as READ_ONLY  # for readers of this module

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def insert_if_absent(session: Session, table: type[SQLModel], key: str, **values: Any) -> None:
    """Insert the row unless one with the same ``key`` exists (a row to lock FOR UPDATE next:
    two transactions that both find it missing do not both insert it)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        maker = postgresql.insert if dialect == "postgresql" else sqlite_dialect.insert
        session.execute(maker(table).values(**values).on_conflict_do_nothing(index_elements=[key]))
    else:  # pragma: no cover - other databases are not supported
        session.execute(insert(table).values(**values))


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column values, the same columns in each): one COPY on PostgreSQL,
    several times cheaper than a multi-row INSERT for the request's 20-100 rows, else
    one INSERT run with many parameter sets. Each column type's own conversion of a value
    (UTC times, scores in hundredths) applies either way."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = tuple(rows[0])
    converters = [(name, _converter(table, name, connection)) for name in columns]
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(_COPY.format(table.name, ", ".join(columns))) as copy:
        for row in rows:
            copy.write_row([row[n] if conv is None else conv(row[n]) for n, conv in converters])


_COPY = "COPY {} ({}) FROM STDIN"
_CONVERTERS: dict[tuple[str, str], Callable[[Any], Any] | None] = {}


def _converter(table: Table, column: str, connection: Connection) -> Callable[[Any], Any] | None:
    key = (table.name, column)
    if key not in _CONVERTERS:
        _CONVERTERS[key] = table.c[column].type.bind_processor(connection.dialect)
    return _CONVERTERS[key]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Several workers share one file: wait longer for the write lock than the client.
        return sqlite.create_engine(url, synchronous="FULL", busy_timeout=30)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (``latsar-server migrate``)."""
    command.upgrade(alembic_config(url), "head")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
