"""Sign-in, token refresh and sign-out; the dependency that authenticates requests."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import bindparam, delete, func, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from latsar_desktop.domain.identity import parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.protocol import (
    BEARER,
    HEADER_AUTHORIZATION,
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    RefreshResponse,
    Tokens,
)
from latsar_desktop.domain.protocol import (
    Participant as ParticipantBody,
)
from latsar_server.errors import API_ERRORS, ApiError, error_responses
from latsar_server.security import (
    REFRESH_SECRET,
    derived_token,
    hash_nik,
    new_token,
    shared_secret,
    token_family,
    token_hash,
    verify_nik,
)
from latsar_server.state import ServerState, server_state
from latsar_server.tables import Device, LoginFailure, Participant, Token

log = logging.getLogger("latsar_server")

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=API_ERRORS)

# Verifying against this keeps an unknown NIP as slow as a known one.
_DUMMY_HASH = hash_nik("0000000000000000")
# A wrong NIK says how many tries are left once this few are (before, the short message).
WARN_TRIES_LEFT = 2


def now() -> datetime:
    return datetime.now(UTC)


def _minutes(seconds: float) -> int:
    return max(1, int(-(-seconds // 60)))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_limits(session: Session, state: ServerState, nip: str, address: str) -> int:
    """Refuse (429) an address over its limit or a locked NIP; else the NIP's failures that
    count towards its lock (those within the last ``nip_lock_minutes``).

    Every NIP is counted, one that no participant has too, so a refusal never tells
    whether a NIP exists."""
    settings, moment = state.settings, now()
    window = timedelta(minutes=settings.address_window_minutes)
    by_address = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, col(LoginFailure.at) > moment - window)
    ).one()
    if by_address >= settings.address_failure_limit:
        raise ApiError(
            429,
            msg(Code.AUTH_ADDRESS_LIMITED, minutes=settings.address_window_minutes),
            retry_after=int(window.total_seconds()),
        )
    lock = timedelta(minutes=settings.nip_lock_minutes)
    recent = session.exec(
        select(LoginFailure.at)
        .where(LoginFailure.nip == nip, col(LoginFailure.at) > moment - lock)
        .order_by(col(LoginFailure.at).desc())
        .limit(settings.nip_failure_limit)
    ).all()
    if len(recent) >= settings.nip_failure_limit:
        left = (recent[-1] + lock - moment).total_seconds()
        raise ApiError(
            429, msg(Code.AUTH_NIP_LOCKED, minutes=_minutes(left)), retry_after=max(1, int(left))
        )
    return len(recent)


def _wrong_credentials(state: ServerState, failures: int) -> ApiError:
    """The refusal of a wrong NIP or NIK, ``failures`` (this one included) counting towards
    the NIP's lock. Near the lock it says how many tries are left and how long the lock
    lasts; earlier ones keep the short message."""
    settings = state.settings
    tries_left = settings.nip_failure_limit - failures
    if tries_left <= WARN_TRIES_LEFT:
        return ApiError(
            401,
            msg(
                Code.AUTH_INVALID_CREDENTIALS_TRIES_LEFT,
                tries_left=tries_left,
                minutes=settings.nip_lock_minutes,
            ),
        )
    return ApiError(401, msg(Code.AUTH_INVALID_CREDENTIALS))


def _issue(
    session: Session,
    state: ServerState,
    device: Device,
    *,
    family: str | None = None,
    pair: tuple[str, str] | None = None,
) -> Tokens:
    """New tokens: random ones in a new family (a sign-in), or ``pair`` (access, refresh)
    in ``family`` (a refresh)."""
    settings, moment = state.settings, now()
    access, refresh = pair or (new_token("access"), new_token("refresh"))
    family = family or token_family()
    access_expires = moment + timedelta(hours=settings.access_token_hours)
    refresh_expires = moment + timedelta(days=settings.refresh_token_days)
    assert device.id is not None
    session.add(
        Token(
            hash=token_hash(access),
            kind="access",
            device_pk=device.id,
            family=family,
            expires_at=access_expires,
        )
    )
    session.add(
        Token(
            hash=token_hash(refresh),
            kind="refresh",
            device_pk=device.id,
            family=family,
            expires_at=refresh_expires,
        )
    )
    return Tokens(
        access_token=access,
        access_expires_at=access_expires,
        refresh_token=refresh,
        refresh_expires_at=refresh_expires,
    )


def registered_devices(session: Session, participant_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Device)
        .where(Device.participant_id == participant_id, col(Device.revoked_at).is_(None))
    ).one()


StateDep = Annotated[ServerState, Depends(server_state)]


def _lock_nip(session: Session, nip: str) -> None:
    """Serialize sign-in attempts for one NIP (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(nip.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@router.post("/login", response_model=LoginResponse, responses=error_responses(422, 429))
def login(body: LoginRequest, request: Request, state: StateDep) -> LoginResponse:
    try:
        nip = parse_nip(body.nip).value
        nik = parse_nik(body.nik).value
    except DomainError as exc:
        raise ApiError(400, exc.message) from exc
    address = client_address(request)
    with state.transaction() as session:
        _lock_nip(session, nip)
        _check_limits(session, state, nip, address)
        participant = session.exec(select(Participant).where(Participant.nip == nip)).first()
        # Count this try as a failure before checking the NIK, so parallel requests cannot
        # all pass the limit; a success clears it below.
        session.add(LoginFailure(nip=nip, address=address, at=now()))
    # scrypt outside the transaction: a slow hash must not hold the write lock.
    valid = verify_nik(nik, participant.nik_hash if participant else _DUMMY_HASH)
    if participant is None or not valid:
        with state.read() as session:
            # the failure that locks says so; one near the lock says how near
            failures = _check_limits(session, state, nip, address)
        raise _wrong_credentials(state, failures)
    assert participant.id is not None
    with state.transaction() as session:
        device = session.exec(
            select(Device).where(
                Device.participant_id == participant.id, Device.device_id == str(body.device_id)
            )
        ).first()
        if device is not None and device.revoked_at is not None:
            raise ApiError(403, msg(Code.AUTH_DEVICE_REVOKED))
        registering = device is None
        if device is None:
            device = Device(
                participant_id=participant.id,
                device_id=str(body.device_id),
                name=body.device_name,
                registered_at=now(),
                last_seen_at=now(),
            )
        device.name, device.last_seen_at = body.device_name, now()
        session.add(device)
        session.flush()
        if registering:  # the other devices learn the new count with their next sync
            from latsar_server.devices import devices_changed  # devices imports this module

            devices_changed(session, participant.id)
        session.execute(delete(LoginFailure).where(col(LoginFailure.nip) == nip))
        tokens = _issue(session, state, device)
        return LoginResponse(
            tokens=tokens,
            participant=ParticipantBody(
                nip=participant.nip, name=participant.name, agency=participant.agency
            ),
            course_id=participant.course_id,
            registered_devices=registered_devices(session, participant.id),
            server_time=now(),
        )


@router.post("/refresh", response_model=RefreshResponse, responses=error_responses(422))
def refresh(body: RefreshRequest, state: StateDep) -> RefreshResponse:
    """Rotate: a refresh token has one successor, derived from it with the server's secret.

    Used again within the grace window (the answer was lost), it answers that same
    successor while the successor is unused. Used again after the window, or after its
    successor was rotated in turn, it is a replay: the whole family is revoked (401)."""
    moment = now()
    grace = timedelta(seconds=state.settings.refresh_grace_seconds)
    secret = shared_secret(state.engine, REFRESH_SECRET, state.settings.token_secret_path)
    with state.transaction() as session:
        # FOR UPDATE: parallel refreshes of one token take turns (SQLite: BEGIN IMMEDIATE)
        token = session.get(Token, token_hash(body.refresh_token), with_for_update=True)
        device = session.get(Device, token.device_pk) if token else None
        if (
            token is None
            or device is None
            or token.kind != "refresh"
            or device.device_id != str(body.device_id)
        ):
            raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
        if device.revoked_at is not None:  # its tokens were revoked with it: say why
            raise ApiError(403, msg(Code.AUTH_DEVICE_REVOKED))
        if token.revoked_at is not None or token.expires_at <= moment:
            raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
        pair = (
            derived_token(secret, "access", body.refresh_token),
            derived_token(secret, "refresh", body.refresh_token),
        )
        if token.rotated_at is None:
            token.rotated_at = moment
            session.add(token)
            tokens: Tokens | None = _issue(session, state, device, family=token.family, pair=pair)
        elif token.rotated_at + grace > moment:
            tokens = _successor(session, pair, moment)
        else:
            tokens = None
        if tokens is None:
            revoked = revoke_family(session, token.family, moment)
        else:
            device.last_seen_at = moment
            session.add(device)
            return RefreshResponse(tokens=tokens, server_time=moment)
    # committed: the revocation stands although the answer is an error
    log.warning(
        "refresh token replayed: its family is revoked",
        extra={"fields": {"device_pk": device.id, "family": token.family, "revoked": revoked}},
    )
    raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))


def _successor(session: Session, pair: tuple[str, str], moment: datetime) -> Tokens | None:
    """The successor issued before, while it is unused; None when it was rotated or
    revoked since (so the old token is a replay)."""
    access = session.get(Token, token_hash(pair[0]))
    refresh = session.get(Token, token_hash(pair[1]))
    if access is None or refresh is None:
        # Not derived with this secret: rotated before token families existed, or the
        # secret was replaced. Nothing says it is a replay: refuse, revoke nothing.
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    if refresh.rotated_at is not None:
        return None
    if refresh.revoked_at is not None or access.revoked_at is not None:
        return None
    if refresh.expires_at <= moment:
        return None
    return Tokens(
        access_token=pair[0],
        access_expires_at=access.expires_at,
        refresh_token=pair[1],
        refresh_expires_at=refresh.expires_at,
    )


def revoke_family(session: Session, family: str, moment: datetime) -> int:
    """Revoke every token of one family, access and refresh."""
    result = session.execute(
        update(Token)
        .where(col(Token.family) == family, col(Token.revoked_at).is_(None))
        .values(revoked_at=moment)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Caller:
    participant: Participant
    device: Device


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


def bearer_token(header: str) -> str:
    """The access token of an ``Authorization`` header (401 when there is none)."""
    scheme, _, value = header.partition(" ")
    if scheme != BEARER or not value.strip():
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    return value.strip()


def authenticated(request: Request, state: StateDep) -> Caller:
    return caller_of(state, bearer_token(request.headers.get(HEADER_AUTHORIZATION, "")))


def caller_of(state: ServerState, token: str) -> Caller:
    """The participant and device of an access token, or the refusal (401/403)."""
    with state.read() as session:
        return caller_in(session, token)


def caller_in(session: Session, token: str) -> Caller:
    """``caller_of`` in a transaction already open."""
    row = _caller_row(session, token_hash(token))
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


@router.post("/logout", status_code=204)
def logout(caller: CallerDep, state: StateDep) -> Response:
    with state.transaction() as session:
        revoke_tokens(session, caller.device)
    return Response(status_code=204)


def revoke_tokens(session: Session, device: Device) -> int:
    result = session.execute(
        update(Token)
        .where(col(Token.device_pk) == device.id, col(Token.revoked_at).is_(None))
        .values(revoked_at=now())
    )
    return int(getattr(result, "rowcount", 0) or 0)
