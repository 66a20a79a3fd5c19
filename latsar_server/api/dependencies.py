"""What a route asks FastAPI for: ``RuntimeDep``, the process's ``ServerRuntime``, and
``CallerDep``, the participant and device whose access token came with the request (the
access-token check, ``authenticated``: 401 without a valid one, 403 for a revoked device).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import BEARER, HEADER_AUTHORIZATION
from latsar_server.accounts.tokens import Caller, token_hash
from latsar_server.clock import now
from latsar_server.errors import ApiError
from latsar_server.runtime import ServerRuntime
from latsar_server.tables import Device, Participant, Token


def server_runtime(request: Request) -> ServerRuntime:
    runtime: ServerRuntime = request.app.state.latsar
    return runtime


RuntimeDep = Annotated[ServerRuntime, Depends(server_runtime)]


_TOKEN = Token.__table__  # type: ignore[attr-defined]


_DEVICE = Device.__table__  # type: ignore[attr-defined]


_PARTICIPANT = Participant.__table__  # type: ignore[attr-defined]


_DEVICE_COLUMNS = tuple(_DEVICE.columns)


_PARTICIPANT_COLUMNS = tuple(_PARTICIPANT.columns)


# The access token's state with its device and participant: one read by the token's
# primary key, joined by primary keys (Core columns, no ORM objects), built once.
_CALLER = (
    sa_select(
        _TOKEN.c.kind,
        _TOKEN.c.revoked_at,
        _TOKEN.c.expires_at,
        *_DEVICE_COLUMNS,
        *_PARTICIPANT_COLUMNS,
    )
    .select_from(
        _TOKEN.join(_DEVICE, _DEVICE.c.id == _TOKEN.c.device_pk).join(
            _PARTICIPANT, _PARTICIPANT.c.id == _DEVICE.c.participant_id
        )
    )
    .where(_TOKEN.c.hash == bindparam("hash"))
)


def _caller_row(session: Session, hashed: str) -> Any:
    return session.execute(_CALLER, {"hash": hashed}).first()


def authenticated(request: Request, runtime: RuntimeDep) -> Caller:
    header = request.headers.get(HEADER_AUTHORIZATION, "")
    scheme, _, value = header.partition(" ")
    if scheme != BEARER or not value:
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    with runtime.read() as session:
        row = _caller_row(session, token_hash(value.strip()))
    if row is None or row[0] != "access":
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    split = 3 + len(_DEVICE_COLUMNS)
    device = Device(**{c.name: v for c, v in zip(_DEVICE_COLUMNS, row[3:split], strict=True)})
    # before the token's own state: revoking a device revokes its tokens too, and its
    # holder is told the device was revoked, not that it should sign in again
    if device.revoked_at is not None:
        raise ApiError(403, msg(Code.AUTH_DEVICE_REVOKED))
    if row[1] is not None:
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    if row[2] <= now():
        raise ApiError(401, msg(Code.AUTH_TOKEN_EXPIRED))
    participant = Participant(
        **{c.name: v for c, v in zip(_PARTICIPANT_COLUMNS, row[split:], strict=True)}
    )
    return Caller(participant, device)


CallerDep = Annotated[Caller, Depends(authenticated)]
