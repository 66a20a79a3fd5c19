"""graded per day: attempts are numbered when accepted and may be graded on a later day

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00.000000

``attempt`` (issue 13, hole 2): ``raw_score``, ``score`` and ``graded_at`` may be empty (an
attempt accepted and numbered, waiting for its day), ``accepted_at`` records when it was
accepted, and ``ix_attempt_graded_at`` finds the waiting ones. ``participant_state``:
``attempts_numbered`` counts accepted attempts (the next number), ``attempts_graded``
keeps counting graded ones. Every existing attempt was graded when it was accepted, so
``accepted_at`` = ``graded_at`` and ``attempts_numbered`` = ``attempts_graded``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import latsar_server.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = latsar_server.tables.UtcDateTime(timezone=True)
    hundredths = latsar_server.tables.Hundredths()
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_at", utc, nullable=True))
    op.execute("UPDATE attempt SET accepted_at = graded_at")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.alter_column("accepted_at", existing_type=utc, nullable=False)
        batch_op.alter_column("raw_score", existing_type=hundredths, nullable=True)
        batch_op.alter_column("score", existing_type=hundredths, nullable=True)
        batch_op.alter_column("graded_at", existing_type=utc, nullable=True)
        batch_op.create_index(batch_op.f("ix_attempt_graded_at"), ["graded_at"], unique=False)
    with op.batch_alter_table("participant_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts_numbered", sa.Integer(), nullable=True))
    op.execute("UPDATE participant_state SET attempts_numbered = attempts_graded")
    with op.batch_alter_table("participant_state", schema=None) as batch_op:
        batch_op.alter_column("attempts_numbered", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    # fails while an attempt waits to be graded (its scores are empty): grade it first
    utc = latsar_server.tables.UtcDateTime(timezone=True)
    hundredths = latsar_server.tables.Hundredths()
    with op.batch_alter_table("participant_state", schema=None) as batch_op:
        batch_op.drop_column("attempts_numbered")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_graded_at"))
        batch_op.alter_column("graded_at", existing_type=utc, nullable=False)
        batch_op.alter_column("score", existing_type=hundredths, nullable=False)
        batch_op.alter_column("raw_score", existing_type=hundredths, nullable=False)
        batch_op.drop_column("accepted_at")
