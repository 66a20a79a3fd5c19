"""The server's database: SQLite by default, PostgreSQL in production.

SQLite connections are set up by :mod:`latsar_desktop.sqlite`, shared with the client (WAL,
foreign keys, ``BEGIN IMMEDIATE`` for writers, reads under the ``READ_ONLY`` option).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic_core import to_json
from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Engine,
    Insert,
    Table,
    Text,
    bindparam,
    cast,
    column,
    create_engine,
    func,
    insert,
    literal_column,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql.selectable import TableValuedAlias
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
    """Insert ``rows`` (column values, the same columns in each): on PostgreSQL one
    statement with the rows as one JSON parameter (``recordset_insert``), elsewhere one
    INSERT run with many parameter sets. Each column type's own conversion of a value
    (UTC times, scores in hundredths) applies either way."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    statement = recordset_insert(table, tuple(rows[0]), "rows")
    connection.execute(statement, {"rows": recordset(connection, table, rows)})


@functools.cache
def recordset_insert(table: Table, columns: tuple[str, ...], name: str) -> Insert:
    """PostgreSQL: insert the rows of the parameter ``name`` (``recordset``) into
    ``table``'s ``columns``. One statement and one round trip however many rows, its text
    the same for any number (prepared once per connection); a COPY takes two round trips,
    an array parameter per column costs more to send."""
    rows = recordset_rows(table, columns, name)
    return insert(table).from_select(columns, sa_select(*(rows.c[c] for c in columns)))


def recordset_rows(table: Table, columns: tuple[str, ...], name: str) -> TableValuedAlias:
    """PostgreSQL: the rows of the parameter ``name``, a JSON array of objects
    (``recordset``), as rows of ``table`` with ``columns`` (to select from, or to update
    from)."""
    return func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam(name, type_=Text), JSON)
    ).table_valued(*(column(c, table.c[c].type) for c in columns))


def recordset(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> str:
    """``rows`` of ``table`` as the JSON text ``recordset_insert`` reads, each value through
    its column type's conversion first (UTC times, scores in hundredths); ``[]``: none."""
    if not rows:
        return "[]"
    converters = [(name, _converter(table, name, connection)) for name in rows[0]]
    return to_json(
        [{n: row[n] if conv is None else conv(row[n]) for n, conv in converters} for row in rows]
    ).decode()


_CONVERTERS: dict[tuple[str, str], Callable[[Any], Any] | None] = {}


def _converter(table: Table, name: str, connection: Connection) -> Callable[[Any], Any] | None:
    key = (table.name, name)
    if key not in _CONVERTERS:
        _CONVERTERS[key] = table.c[name].type.bind_processor(connection.dialect)
    return _CONVERTERS[key]


_REQUIRED = object()  # a bound parameter without a value of its own


class DriverStatement:
    """A Core statement run straight on the driver's cursor of a SQLAlchemy connection, for
    the few statements every sync runs (PostgreSQL, whose driver takes named parameters):
    compiled once per dialect, prepared at its first run on each connection (not at the
    driver's fifth, as other statements are), each bound
    value through its type's conversion, each selected column's result conversion applied.
    SQLAlchemy's own execution builds the parameters from the compiled form and the
    result's metadata from the cursor's description every time: for the sync's wide lock
    statement that cost more CPU than the statement's round trip. Its cursor events fire
    as for its own executions (``before_cursor_execute``, ``after_cursor_execute``), so
    whatever watches statements sees these too; a database error is the driver's."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, dict[str, Any], list[Any]]] = {}

    def _for(self, dialect: Any) -> tuple[str, dict[str, Any], list[Any]]:
        if dialect.name not in self._compiled:
            compiled = self.statement.compile(dialect=dialect)
            if compiled.positional:  # SQLite's qmark style: run it with SQLAlchemy instead
                raise ValueError(f"DriverStatement needs named parameters, not {dialect.name}'s")
            binds = {  # name in the text -> (parameter's key, its value if any, its conversion)
                name: (
                    bind.key,
                    _REQUIRED if bind.required else bind.effective_value,
                    bind.type.bind_processor(dialect),
                )
                for bind, name in compiled.bind_names.items()
            }
            columns = getattr(self.statement, "selected_columns", ())
            results = [_result_conversion(column.type, dialect) for column in columns]
            self._compiled[dialect.name] = (compiled.string, binds, results)
        return self._compiled[dialect.name]

    def _execute(self, connection: Connection, params: dict[str, Any]) -> Any:
        text, binds, _ = self._for(connection.dialect)
        values = {}
        for name, (key, default, convert) in binds.items():
            value = params[key] if default is _REQUIRED else params.get(key, default)
            values[name] = value if convert is None else convert(value)
        cursor: Any = connection.connection.cursor()  # psycopg's: execute takes prepare=
        events = connection.dispatch
        events.before_cursor_execute(connection, cursor, text, values, None, False)
        cursor.execute(text, values, prepare=True)  # on its first run on this connection
        events.after_cursor_execute(connection, cursor, text, values, None, False)
        return cursor

    def run(self, connection: Connection, params: dict[str, Any]) -> None:
        self._execute(connection, params).close()

    def first(self, connection: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row (None: none), each value converted as SQLAlchemy's would be."""
        cursor = self._execute(connection, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        results = self._for(connection.dialect)[2]
        return tuple(v if f is None else f(v) for f, v in zip(results, row, strict=True))


def _result_conversion(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """``type_``'s conversion of a selected value, as SQLAlchemy's. A one-dimensional array
    (which the driver gives as a list) has its items' conversion applied to each, and none
    when they need none: SQLAlchemy's own walks every item either way (a third of the lock
    statement's result handling)."""
    if not isinstance(type_, ARRAY) or type_.dimensions not in (None, 1):
        return type_.result_processor(dialect, None)  # type: ignore[no-any-return]
    item = type_.item_type.dialect_impl(dialect).result_processor(dialect, None)
    if item is None:
        return None
    return lambda values: None if values is None else [item(v) for v in values]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Several workers share one file: wait longer for the write lock than the client.
        return sqlite.create_engine(url, synchronous="FULL", busy_timeout=30)
    # the connection returned last is handed out first: the few a worker's syncs keep busy
    # stay the same ones, their statements prepared and planned (docs/decisions.md), and
    # the others stay idle for the database's own idle timeouts to close
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_use_lifo=True)


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
