"""The server's database: SQLite by default, PostgreSQL in production.

SQLite connections are set up by :mod:`latsar_desktop.sqlite`, shared with the client (WAL,
foreign keys, ``BEGIN IMMEDIATE`` for writers, reads under the ``READ_ONLY`` option).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlmodel import Session

from latsar_desktop import sqlite
from latsar_desktop.sqlite import READ_ONLY as READ_ONLY  # for readers of this module

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
