"""``/api/v1/devices``: the participant's own devices, and revoking one of them.

A participant reaches only their own devices: every query is bound to the caller's
participant id, and a device id that is not one of theirs answers 404 ``device.unknown``,
exactly as an id that exists nowhere (nothing tells the two apart); one that is not a UUID
answers 422 ``request.malformed``. The device whose access token asks cannot revoke itself
(409 ``device.is_current``): signing out is the way there.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from sqlmodel import col, select

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import DeviceInfo, DevicesResponse
from latsar_server.accounts.devices import revoke
from latsar_server.api.dependencies import CallerDep, RuntimeDep
from latsar_server.errors import API_ERRORS, ApiError, error_responses
from latsar_server.tables import Device

router = APIRouter(prefix="/api/v1", tags=["devices"], responses=API_ERRORS)


REVOKE_ERRORS = error_responses(404, 409, 422)
REVOKE_ERRORS[404]["description"] = "Not one of the caller's devices (device.unknown)"
REVOKE_ERRORS[409]["description"] = "The caller's own device (device.is_current)"
REVOKE_ERRORS[422]["description"] = "The device id is not a UUID (request.malformed)"


@router.get("/devices", response_model=DevicesResponse)
def list_devices(caller: CallerDep, runtime: RuntimeDep) -> DevicesResponse:
    """The caller's devices that are not revoked, oldest registration first."""
    participant_id, current = caller.participant.id, caller.device.id
    with runtime.read() as session:
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
def revoke_own_device(device_id: UUID, caller: CallerDep, runtime: RuntimeDep) -> Response:
    """Revoke one of the caller's other devices: its tokens stop working, its next sync
    or sign-in is refused (403 ``auth.device_revoked``). Revoking one already revoked is
    answered 204 again (a retry after a lost answer). The device is found first, then
    compared with the caller's by row, whatever the spelling of the id."""
    with runtime.transaction() as session:
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
        revoke(session, device)
    return Response(status_code=204)
