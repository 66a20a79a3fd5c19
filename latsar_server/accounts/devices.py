"""A participant's registered devices: how many, revoking one (by the participant, or by
the administrator's CLI), telling the participant's other devices how many remain, and
when each device last synced.

The routes (the participant's own list and revocation) are ``latsar_server.api.devices``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from latsar_server.accounts.tokens import revoke_tokens
from latsar_server.clock import now
from latsar_server.database import transaction
from latsar_server.sync.standing import append_change, lock_participant
from latsar_server.tables import Device, Participant

# A sync that only pulls records its time when the stored one is older than this, so a
# device polling the server writes at most once per this interval; a sync that sends
# events always records it (in its own write transaction).
LAST_SYNC_PRECISION = timedelta(minutes=10)


def registered_devices(session: Session, participant_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Device)
        .where(Device.participant_id == participant_id, col(Device.revoked_at).is_(None))
    ).one()


def devices_changed(session: Session, participant_id: int) -> int:
    """Log the number of registered devices as a change (after a device was registered or
    revoked), so every device pulls it with its next sync, even one that sends no events."""
    state = lock_participant(session, participant_id)
    count = registered_devices(session, participant_id)
    state.registered_devices = count
    append_change(session, state, {"type": "devices.changed", "registered_devices": count})
    return count


def revoke(session: Session, device: Device) -> int:
    """Revoke ``device`` and its tokens (again: its tokens only); the tokens revoked.

    The participant's state row is locked first and the device read again under it, so of
    two revocations at once the second sees the first's ``revoked_at`` and logs no second
    ``devices.changed``."""
    lock_participant(session, device.participant_id)
    session.refresh(device)
    if device.revoked_at is None:
        device.revoked_at = now()
        session.add(device)
        session.flush()
        devices_changed(session, device.participant_id)
    return revoke_tokens(session, device)


def revoke_device(engine: Engine, nip: str, device_id: str) -> int | None:
    """Revoke a device and its tokens; None when there is no such device."""
    with transaction(engine) as session:
        device = session.exec(
            select(Device)
            .join(Participant, Participant.id == Device.participant_id)  # type: ignore[arg-type]
            .where(Participant.nip == nip, Device.device_id == device_id)
        ).first()
        if device is None:
            return None
        return revoke(session, device)


def mark_synced(session: Session, device_pk: int, moment: datetime) -> None:
    """Record ``moment`` as the device's last sync (one UPDATE by primary key)."""
    session.execute(update(Device).where(col(Device.id) == device_pk).values(last_sync_at=moment))


def sync_mark_due(device: Device, moment: datetime) -> bool:
    """Whether a sync that only pulls records its time (see ``LAST_SYNC_PRECISION``)."""
    last = device.last_sync_at
    return last is None or moment - last >= LAST_SYNC_PRECISION
