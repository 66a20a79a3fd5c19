"""``database.DriverStatement`` on PostgreSQL: what SQLAlchemy's own execution would send and
return (each column type's conversion both ways), its cursor events fired, a parameter
without a value refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql

from latsar_server.database import DriverStatement, make_engine
from latsar_server.tables import Hundredths, UtcDateTime
from tests.servers import PostgresCluster

METADATA = MetaData()
SCORES = Table(
    "scores",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("score", Hundredths()),
    Column("at", UtcDateTime()),
)


@pytest.fixture
def engine(postgres: PostgresCluster | None) -> Iterator[Engine]:
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    made = make_engine(postgres.new_database())
    METADATA.create_all(made)
    yield made
    made.dispose()


def test_values_are_converted_both_ways_as_sqlalchemy_converts_them(engine: Engine) -> None:
    jakarta = timezone(timedelta(hours=7))
    at = datetime(2026, 12, 2, 20, 30, tzinfo=jakarta)
    write = DriverStatement(insert(SCORES))
    read = DriverStatement(
        select(SCORES.c.score, SCORES.c.at).where(SCORES.c.id == bindparam("id"))
    )
    scores = func.array_agg(postgresql.aggregate_order_by(SCORES.c.score, SCORES.c.id))
    every = DriverStatement(select(type_coerce(scores, postgresql.ARRAY(Hundredths()))))
    with engine.begin() as connection:
        write.run(connection, {"id": 1, "score": Decimal("90.01"), "at": at})
        write.run(connection, {"id": 2, "score": Decimal("70.5"), "at": at})
        row = read.first(connection, {"id": 1})
        missing = read.first(connection, {"id": 3})
        (array,) = every.first(connection, {}) or (None,)
        stored = connection.execute(select(SCORES.c.score).where(SCORES.c.id == 1)).scalar()
        raw = connection.exec_driver_sql("SELECT score, at FROM scores WHERE id = 1").one()
    assert row == (Decimal("90.01"), at.astimezone(UTC))
    assert row[1].tzinfo == UTC
    assert array == [Decimal("90.01"), Decimal("70.50")]  # each item converted
    assert missing is None
    assert stored == Decimal("90.01")  # the same conversion SQLAlchemy's own reading applies
    assert raw[0] == 9001  # hundredths in the column, as Hundredths writes them


def test_its_statements_fire_the_cursor_events(engine: Engine) -> None:
    seen: list[tuple[str, str]] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(("before", statement.split()[0]))

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(("after", statement.split()[0]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    with engine.begin() as connection:
        DriverStatement(insert(SCORES)).run(connection, {"id": 7, "score": None, "at": None})
    assert seen == [("before", "INSERT"), ("after", "INSERT")]


def test_a_parameter_without_a_value_is_refused(engine: Engine) -> None:
    read = DriverStatement(select(SCORES.c.score).where(SCORES.c.id == bindparam("id")))
    with engine.begin() as connection, pytest.raises(KeyError, match="id"):
        read.first(connection, {})


def test_a_statement_is_prepared_on_its_first_run_on_a_connection(engine: Engine) -> None:
    """Not at psycopg's fifth run (``prepare_threshold``), as other statements are: a
    connection's first syncs are not each parsed and planned anew."""
    read = DriverStatement(select(SCORES.c.score).where(SCORES.c.id == bindparam("id")))
    prepared = text("SELECT count(*) FROM pg_prepared_statements")
    with engine.connect() as connection:
        before = connection.execute(prepared).scalar_one()
        assert read.first(connection, {"id": 1}) is None
        assert connection.execute(prepared).scalar_one() == before + 1
