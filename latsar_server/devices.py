"""Device administration."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from latsar_server.auth import now, revoke_tokens
from latsar_server.database import transaction
from latsar_server.tables import Device, Participant


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
        device.revoked_at = device.revoked_at or now()
        session.add(device)
        return revoke_tokens(session, device)
