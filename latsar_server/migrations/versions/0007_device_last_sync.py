"""device last sync: when each device last synced, for the participant's device list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:10:00.000000

``device.last_sync_at`` (issue 17, Profil): set by every sync that sends events and, at
most once per ``latsar_server.devices.LAST_SYNC_PRECISION``, by one that only pulls.
Existing devices start from the time the server received their last event (None for a
device that never sent one).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import latsar_server.tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = latsar_server.tables.UtcDateTime(timezone=True)
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_sync_at", utc, nullable=True))
    op.execute(
        "UPDATE device SET last_sync_at = (SELECT max(event.received_at) FROM event"
        " WHERE event.participant_id = device.participant_id"
        " AND event.device_id = device.device_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("last_sync_at")
