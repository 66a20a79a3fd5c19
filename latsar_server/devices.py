"""Devices: the participant's own list and revocation (``/api/v1/devices``), the
administrator's revocation (the CLI), telling the participant's other devices how many
remain, and when each device last synced.

A participant reaches only their own devices: every query is bound to the caller's
participant id, and a device id that is not one of theirs answers 404 ``device.unknown``,
exactly as an id that exists nowhere (nothing tells the two apart); one that is not a UUID
answers 422 ``request.malformed``. The device whose access token asks cannot revoke itself
(409 ``device.is_current``): signing out is the way there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from fastapi import APIRouter, Response
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import DeviceInfo, DevicesResponse
from latsar_server.auth import CallerDep, StateDep, now, registered_devices, revoke_tokens
from latsar_server.database import transaction
from latsar_server.errors import API_ERRORS, ApiError, error_responses
from latsar_server.standing import append_change, lock_state
from latsar_server.tables import Device, Participant

router = APIRouter(prefix="/api/v1", tags=["devices"], responses=API_ERRORS)

# A sync that only pulls records its time when the stored one is older than this, so a
# device polling the server writes at most once per this interval; a sync that sends
# events always records it (in its own write transaction).
LAST_SYNC_PRECISION = timedelta(minutes=10)

REVOKE_ERRORS = error_responses(404, 409, 422)
REVOKE_ERRORS[404]["description"] = "Not one of the caller's devices (device.unknown)"
REVOKE_ERRORS[409]["description"] = "The caller's own device (device.is_current)"
REVOKE_ERRORS[422]["description"] = "The device id is not a UUID (request.malformed)"


def devices_changed(session: Session, participant_id: int) -> int:
    """Log the number of registered devices as a change (after a device was registered or
    revoked), so every device pulls it with its next sync, even one that sends no events."""
    state = lock_state(session, participant_id)
    count = registered_devices(session, participant_id)
    state.registered_devices = count
    append_change(session, state, {"type": "devices.changed", "registered_devices": count})
    return count


def _revoke(session: Session, device: Device) -> int:
    """Revoke ``device`` and its tokens (again: its tokens only); the tokens revoked.

    The participant's state row is locked first and the device read again under it, so of
    two revocations at once the second sees the first's ``revoked_at`` and logs no second
    ``devices.changed``."""
    lock_state(session, device.participant_id)
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
        return _revoke(session, device)


def mark_synced(session: Session, device_pk: int, moment: datetime) -> None:
    """Record ``moment`` as the device's last sync (one UPDATE by primary key)."""
    session.execute(update(Device).where(col(Device.id) == device_pk).values(last_sync_at=moment))


def sync_mark_due(device: Device, moment: datetime) -> bool:
    """Whether a sync that only pulls records its time (see ``LAST_SYNC_PRECISION``)."""
    last = device.last_sync_at
    return last is None or moment - last >= LAST_SYNC_PRECISION


@router.get("/devices", response_model=DevicesResponse)
def list_devices(caller: CallerDep, state: StateDep) -> DevicesResponse:
    """The caller's devices that are not revoked, oldest registration first."""
    participant_id, current = caller.participant.id, caller.device.id
    with state.read() as session:
        rows = session.exec(
            select(Device)
            .where(Device.participant_id == participant_id, col(Device.revoked_at).is_(None))
            .order_by(col(Device.registered_at), col(Device.id))
        ).all()
        return DevicesResponse(
            devices=[
                DeviceInfo(
                    device_id=UUID(row.device_id),
                    name=row.name,
                    registered_at=row.registered_at,
                    last_sync_at=row.last_sync_at,
                    current=row.id == current,
                )
                for row in rows
            ]
        )


@router.post("/devices/{device_id}/revoke", status_code=204, responses=REVOKE_ERRORS)
def revoke_own_device(device_id: UUID, caller: CallerDep, state: StateDep) -> Response:
    """Revoke one of the caller's other devices: its tokens stop working, its next sync
    or sign-in is refused (403 ``auth.device_revoked``). Revoking one already revoked is
    answered 204 again (a retry after a lost answer). The device is found first, then
    compared with the caller's by row, whatever the spelling of the id."""
    with state.transaction() as session:
        device = session.exec(
            select(Device).where(
                Device.participant_id == caller.participant.id,
                Device.device_id == str(device_id),
            )
        ).first()
        if device is None:
            raise ApiError(404, msg(Code.DEVICE_UNKNOWN))
        if device.id == caller.device.id:
            raise ApiError(409, msg(Code.DEVICE_IS_CURRENT))
        _revoke(session, device)
    return Response(status_code=204)
