"""Devices: revoking one, and telling the participant's other devices how many remain."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from latsar_server.auth import now, registered_devices, revoke_tokens
from latsar_server.database import transaction
from latsar_server.standing import append_change, lock_state
from latsar_server.tables import Device, Participant


def devices_changed(session: Session, participant_id: int) -> int:
    """Log the number of registered devices as a change (after a device was registered or
    revoked), so every device pulls it with its next sync, even one that sends no events."""
    state = lock_state(session, participant_id)
    count = registered_devices(session, participant_id)
    append_change(session, state, {"type": "devices.changed", "registered_devices": count})
    return count


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
        if device.revoked_at is None:
            device.revoked_at = now()
            session.add(device)
            session.flush()
            devices_changed(session, device.participant_id)
        return revoke_tokens(session, device)
