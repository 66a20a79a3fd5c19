"""Schema drift: a database built by the migrations is exactly what tables.py describes.

``migrate`` (what ``latsar-server migrate`` runs) builds a fresh database, then Alembic's
autogenerate comparison (what ``alembic check`` runs) lists every difference from the
SQLModel metadata: a table, column, index, unique constraint or foreign key on one side
only, a different type or length, nullability or server default. Alembic does not compare
primary keys, so they are compared here from the reflected tables (a key's column order
included). CHECK constraints are compared by neither (the tables have none). On SQLite and
PostgreSQL.

Nothing is filtered out. Alembic compares a TypeDecorator by its ``impl`` (AutoString as
String(n), UtcDateTime as DateTime(timezone=True), Hundredths as Integer) against the
reflected type by affinity and arguments, so VARCHAR(18) against AutoString(18) is no
difference and VARCHAR(18) against String(20) is one. SQLite does not keep DateTime's
timezone flag; PostgreSQL does, which is one reason both databases are compared.
"""

from __future__ import annotations

import warnings
from pprint import pformat
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Index, MetaData, PrimaryKeyConstraint, String, inspect
from sqlalchemy.exc import SAWarning

from latsar_server.database import make_engine, migrate
from latsar_server.tables import ServerTable

# The options of latsar_server/migrations/env.py, plus server defaults (none today).
COMPARE = {"compare_type": True, "compare_server_default": True}


def drift(url: str, metadata: MetaData) -> list[Any]:
    """Alembic's differences between the database at ``url`` and ``metadata``, and
    ``("modify_primary_key", table, columns in the database, columns in metadata)``."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARE)
            diffs = list(compare_metadata(context, metadata))
            reflected = inspect(connection)
            existing = set(reflected.get_table_names())
            for table in metadata.sorted_tables:
                if table.name not in existing:
                    continue  # compare_metadata reports it as add_table
                stored = reflected.get_pk_constraint(table.name)["constrained_columns"]
                wanted = [column.name for column in table.primary_key.columns]
                if stored != wanted:
                    diffs.append(("modify_primary_key", table.name, stored, wanted))
            return diffs
    finally:
        engine.dispose()


def described(diffs: list[Any]) -> set[tuple[str, str, str]]:
    """(change, table, column or index) for each change; modifications come in lists."""
    out: set[tuple[str, str, str]] = set()
    for group in diffs:
        for change in group if isinstance(group, list) else [group]:
            kind = change[0]
            if kind == "add_column":
                out.add((kind, change[2], change[3].name))
            elif kind == "add_index":
                out.add((kind, change[1].table.name, change[1].name))
            elif kind == "modify_primary_key":
                out.add((kind, change[1], ",".join(change[3])))
            elif kind.startswith("modify_"):
                out.add((kind, change[2], change[3]))
            else:
                out.add((kind, "", repr(change[1:])))
    return out


def test_migrations_build_exactly_the_tables(database_url: str) -> None:
    migrate(database_url)
    diffs = drift(database_url, ServerTable.metadata)
    assert diffs == [], (
        "tables.py and the migrations disagree; add a migration (latsar_server/migrations/"
        f"versions), never edit a released one:\n{pformat(diffs)}"
    )


def test_the_comparison_reports_what_is_not_migrated(database_url: str) -> None:
    """The check above is not vacuous: it sees a new column, index, length and key."""
    migrate(database_url)
    changed = MetaData()
    for table in ServerTable.metadata.sorted_tables:
        table.to_metadata(changed)
    participant = changed.tables["participant"]
    participant.append_column(Column("drift_probe", String(200), nullable=True))
    Index("ix_drift_probe", participant.c.name)
    participant.c.nip.type = String(1)  # an NIP has 18 digits
    with warnings.catch_warnings():  # "not matching locally specified columns": meant
        warnings.simplefilter("ignore", SAWarning)
        changed.tables["change"].append_constraint(PrimaryKeyConstraint("cursor"))

    before = described(drift(database_url, ServerTable.metadata))  # empty unless drifted
    assert described(drift(database_url, changed)) - before == {
        ("add_column", "participant", "drift_probe"),
        ("add_index", "participant", "ix_drift_probe"),
        ("modify_type", "participant", "nip"),
        ("modify_primary_key", "change", "cursor"),
    }
