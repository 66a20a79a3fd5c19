"""Sign-in: a participant's NIP and NIK, checked under limits, register or find the device
and start a token family.

Every try counts as a failure until the NIK is checked (so parallel tries cannot all pass
the limit); a success clears the NIP's failures. An address is refused (429) after
``address_failure_limit`` failures in ``address_window_minutes``; a NIP is locked after
``nip_failure_limit`` within ``nip_lock_minutes``. Every NIP is counted, one that no
participant has too, so a refusal never tells whether a NIP exists.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from latsar_desktop.domain.identity import parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.protocol import (
    LoginRequest,
    LoginResponse,
)
from latsar_desktop.domain.protocol import (
    Participant as ParticipantBody,
)
from latsar_server.accounts.devices import devices_changed, registered_devices
from latsar_server.accounts.passwords import hash_nik, verify_nik
from latsar_server.accounts.tokens import issue_tokens
from latsar_server.clock import now
from latsar_server.errors import ApiError
from latsar_server.runtime import ServerRuntime
from latsar_server.tables import Device, LoginFailure, Participant

# Verifying against this keeps an unknown NIP as slow as a known one.
_DUMMY_HASH = hash_nik("0000000000000000")


# A wrong NIK says how many tries are left once this few are (before, the short message).
WARN_TRIES_LEFT = 2


def _minutes(seconds: float) -> int:
    return max(1, int(-(-seconds // 60)))


def _check_limits(session: Session, runtime: ServerRuntime, nip: str, address: str) -> int:
    """Refuse (429) an address over its limit or a locked NIP; else the NIP's failures that
    count towards its lock (those within the last ``nip_lock_minutes``).

    Every NIP is counted, one that no participant has too, so a refusal never tells
    whether a NIP exists."""
    settings, moment = runtime.settings, now()
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


def _wrong_credentials(runtime: ServerRuntime, failures: int) -> ApiError:
    """The refusal of a wrong NIP or NIK, ``failures`` (this one included) counting towards
    the NIP's lock. Near the lock it says how many tries are left and how long the lock
    lasts; earlier ones keep the short message."""
    settings = runtime.settings
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


def _lock_nip(session: Session, nip: str) -> None:
    """Serialize sign-in attempts for one NIP (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(nip.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def sign_in(runtime: ServerRuntime, body: LoginRequest, address: str) -> LoginResponse:
    """``POST /api/v1/auth/login`` from ``address`` (the client's IP address)."""
    try:
        nip = parse_nip(body.nip).value
        nik = parse_nik(body.nik).value
    except DomainError as exc:
        raise ApiError(400, exc.message) from exc
    with runtime.transaction() as session:
        _lock_nip(session, nip)
        _check_limits(session, runtime, nip, address)
        participant = session.exec(select(Participant).where(Participant.nip == nip)).first()
        # Count this try as a failure before checking the NIK, so parallel requests cannot
        # all pass the limit; a success clears it below.
        session.add(LoginFailure(nip=nip, address=address, at=now()))
    # scrypt outside the transaction: a slow hash must not hold the write lock.
    valid = verify_nik(nik, participant.nik_hash if participant else _DUMMY_HASH)
    if participant is None or not valid:
        with runtime.read() as session:
            # the failure that locks says so; one near the lock says how near
            failures = _check_limits(session, runtime, nip, address)
        raise _wrong_credentials(runtime, failures)
    assert participant.id is not None
    with runtime.transaction() as session:
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
            devices_changed(session, participant.id)
        session.execute(delete(LoginFailure).where(col(LoginFailure.nip) == nip))
        tokens = issue_tokens(session, runtime, device)
        return LoginResponse(
            tokens=tokens,
            participant=ParticipantBody(
                nip=participant.nip, name=participant.name, agency=participant.agency
            ),
            course_id=participant.course_id,
            registered_devices=registered_devices(session, participant.id),
            server_time=now(),
        )
