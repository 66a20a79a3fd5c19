"""event, change and activity_state: no foreign key to participant

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12 00:00:00.000000

Every row a sync writes to these three tables ran a foreign-key check on PostgreSQL (a
trigger per row, a lookup and a lock on the participant's row): about a third of what the
sync's one write statement cost the database, for a check that cannot fail. Their rows are
written only for a participant whose state row the writer holds locked, and that row has
its own foreign key to ``participant``; participants are never deleted. The tables read
by others (participant_state, device, attempt, certificate) keep theirs.
(docs/decisions.md, "No foreign key on the rows a sync appends".)

SQLite rebuilds the three tables (batch mode); their foreign keys have no name there, so
they are named by convention here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("event", "change", "activity_state")
# SQLite keeps no name for a foreign key made without one (PostgreSQL: table_column_fkey)
_SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _participant_key(table: str) -> str:
    """The name of ``table``'s foreign key to participant (by convention when it has none)."""
    for key in sa.inspect(op.get_bind()).get_foreign_keys(table):
        if key["referred_table"] == "participant":
            return str(key["name"] or f"fk_{table}_participant_id_participant")
    raise LookupError(f"{table} has no foreign key to participant")


def upgrade() -> None:
    for table in TABLES:
        name = _participant_key(table)
        if op.get_bind().dialect.name == "sqlite":
            with op.batch_alter_table(
                table, naming_convention=_SQLITE_NAMES, recreate="always"
            ) as batch_op:
                batch_op.drop_constraint(name, "foreignkey")
        else:
            op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate="auto") as batch_op:
            batch_op.create_foreign_key(
                f"{table}_participant_id_fkey", "participant", ["participant_id"], ["id"]
            )
