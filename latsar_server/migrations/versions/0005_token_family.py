"""token families: every token descended from one sign-in shares a family id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00.000000

``token.family`` (issue 13, item 5): a rotated refresh token used after its grace window
revokes every token of its family. Tokens made before this revision do not record which
sign-in they descend from, so each device's existing tokens become one family
(``device-<pk>``): a replayed old token revokes all of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE token SET family = 'device-' || CAST(device_pk AS VARCHAR) WHERE family IS NULL"
    )
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.alter_column("family", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index(batch_op.f("ix_token_family"), ["family"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_family"))
        batch_op.drop_column("family")
