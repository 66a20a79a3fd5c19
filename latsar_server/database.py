"""The server's database: SQLite by default, PostgreSQL in production.

SQLite connections are set up by :mod:`latsar_desktop.sqlite`, shared with the client (WAL,
foreign keys, ``BEGIN IMMEDIATE`` for writers, reads under the ``READ_ONLY`` option).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, insert
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
