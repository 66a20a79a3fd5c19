"""attempt ids and event ids are unique per participant, not across all of them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00.000000

``attempt``: the primary key becomes (participant_id, attempt_id). ``event``: the unique
constraint on event_id becomes uq_event_id on (participant_id, event_id). Existing rows
satisfy both (the new keys are looser than the old ones). SQLite rebuilds both tables
(batch mode); its old unique constraint has no name, so it is named by convention here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# SQLite keeps no name for the unique constraint 0002 made on event.event_id.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


@contextmanager
def _new_primary_key() -> Iterator[None]:
    """SQLite's batch mode copies the reflected columns' primary-key flags, then the new
    key replaces them; SQLAlchemy warns about that replacement, which is the point here."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Table '_alembic_tmp_attempt' specifies columns", category=SAWarning
        )
        yield


def _old_event_id_unique() -> str:
    """PostgreSQL's name for the unique constraint on event.event_id alone."""
    for unique in sa.inspect(op.get_bind()).get_unique_constraints("event"):
        if unique["column_names"] == ["event_id"] and unique["name"]:
            return str(unique["name"])
    raise LookupError("no unique constraint on event.event_id")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with _new_primary_key(), op.batch_alter_table("attempt", recreate="always") as batch_op:
            batch_op.create_primary_key("pk_attempt", ["participant_id", "attempt_id"])
        with op.batch_alter_table(
            "event", naming_convention=_SQLITE_NAMES, recreate="always"
        ) as batch_op:
            batch_op.drop_constraint("uq_event_event_id", type_="unique")
            batch_op.create_unique_constraint("uq_event_id", ["participant_id", "event_id"])
        return
    op.drop_constraint("attempt_pkey", "attempt", type_="primary")
    op.create_primary_key("attempt_pkey", "attempt", ["participant_id", "attempt_id"])
    op.drop_constraint(_old_event_id_unique(), "event", type_="unique")
    op.create_unique_constraint("uq_event_id", "event", ["participant_id", "event_id"])


def downgrade() -> None:
    # fails if two participants now share an attempt id or an event id
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("event", recreate="always") as batch_op:
            batch_op.drop_constraint("uq_event_id", type_="unique")
            batch_op.create_unique_constraint("uq_event_event_id", ["event_id"])
        with _new_primary_key(), op.batch_alter_table("attempt", recreate="always") as batch_op:
            batch_op.create_primary_key("pk_attempt", ["attempt_id"])
        return
    op.drop_constraint("uq_event_id", "event", type_="unique")
    op.create_unique_constraint("event_event_id_key", "event", ["event_id"])
    op.drop_constraint("attempt_pkey", "attempt", type_="primary")
    op.create_primary_key("attempt_pkey", "attempt", ["attempt_id"])
