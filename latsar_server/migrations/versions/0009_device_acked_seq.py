"""device.acked_seq and participant_state.registered_devices: counts kept, not counted

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-11 00:00:00.000000

A sync read the device's highest stored seq and its number of stored events from the event
table on every request (``max(seq)`` and ``count(*)`` over the device's rows), a cost that
grew with the device's history. The events of a device are stored from seq 1 on without a
gap (a sync processes only the next seqs), so the two are the same number: it is now kept
in the device's row, written by the same UPDATE that records the sync's time. Existing
devices get it from their stored events.

Likewise every sync's answer counted the participant's registered devices; the number is
now kept in their state row, set whenever a device is registered or revoked (both lock
that row), so the sync reads it with the lock it takes anyway.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("acked_seq", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE device SET acked_seq = COALESCE((SELECT MAX(event.seq) FROM event"
        " WHERE event.participant_id = device.participant_id"
        " AND event.device_id = device.device_id), 0)"
    )
    with op.batch_alter_table("participant_state") as batch:
        batch.add_column(
            sa.Column("registered_devices", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE participant_state SET registered_devices = (SELECT COUNT(*) FROM device"
        " WHERE device.participant_id = participant_state.participant_id"
        " AND device.revoked_at IS NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("participant_state") as batch:
        batch.drop_column("registered_devices")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("acked_seq")
