"""server secret: the refresh-token key in the database, shared by every server process

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 00:00:00.000000

Before, each data folder had its own ``keys/refresh-token.secret``, so two ``serve``
processes with separate data folders derived different refresh successors. The table starts
empty: a server process copies the old file's key into it on first use when the file
exists (``latsar_server.security.shared_secret``), so refresh tokens issued before the
upgrade keep their successors; else it makes a new key. Reading the operator's data folder
here would tie the migration to a path the migration cannot know.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import latsar_server.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secret",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", latsar_server.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("server_secret")
