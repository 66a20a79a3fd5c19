"""Access and refresh tokens: made, stored as hashes, issued in families, rotated by a
refresh, revoked; ``Caller``, whom a valid access token belongs to.

A token is an opaque random string; the server keeps only its SHA-256. Every token
descended from one sign-in shares a ``family``. A refresh token has exactly one successor,
derived from it with the server's secret (``server_secret.REFRESH_SECRET``), so a refresh
retried after a lost answer gets the same successor. The access-token check itself is the
request dependency ``latsar_server.api.dependencies.authenticated``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import RefreshRequest, RefreshResponse, Tokens
from latsar_server.accounts.server_secret import REFRESH_SECRET, shared_secret
from latsar_server.clock import now
from latsar_server.errors import ApiError
from latsar_server.runtime import ServerRuntime
from latsar_server.tables import Device, Participant, Token

log = logging.getLogger("latsar_server")


def new_token(kind: str) -> str:
    """An opaque token; the prefix only helps an operator tell them apart in a report."""
    return f"{kind[:2]}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_family() -> str:
    """The id every token descended from one sign-in shares (``Token.family``)."""
    return secrets.token_hex(16)


def derived_token(secret: bytes, kind: str, parent: str) -> str:
    """The ``kind`` token that succeeds ``parent`` (a refresh token): the same every time,
    so a retried refresh answers the same successor although only hashes are stored. It
    reads like ``new_token``'s, and cannot be told from one without the secret."""
    digest = hmac.new(secret, f"{kind}\0{parent}".encode(), hashlib.sha256).digest()
    return f"{kind[:2]}_{base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"


@dataclass(frozen=True)
class Caller:
    """Whom a valid access token belongs to: its device and that device's participant."""

    participant: Participant
    device: Device


def issue_tokens(
    session: Session,
    runtime: ServerRuntime,
    device: Device,
    *,
    family: str | None = None,
    pair: tuple[str, str] | None = None,
) -> Tokens:
    """New tokens: random ones in a new family (a sign-in), or ``pair`` (access, refresh)
    in ``family`` (a refresh)."""
    settings, moment = runtime.settings, now()
    access, refresh = pair or (new_token("access"), new_token("refresh"))
    family = family or token_family()
    access_expires = moment + timedelta(hours=settings.access_token_hours)
    refresh_expires = moment + timedelta(days=settings.refresh_token_days)
    assert device.id is not None
    for kind, token, expires in (
        ("access", access, access_expires),
        ("refresh", refresh, refresh_expires),
    ):
        session.add(
            Token(
                hash=token_hash(token),
                kind=kind,
                device_pk=device.id,
                family=family,
                expires_at=expires,
            )
        )
    return Tokens(
        access_token=access,
        access_expires_at=access_expires,
        refresh_token=refresh,
        refresh_expires_at=refresh_expires,
    )


def refresh_tokens(runtime: ServerRuntime, body: RefreshRequest) -> RefreshResponse:
    """``POST /api/v1/auth/refresh``. Rotate: a refresh token has one successor, derived
    from it with the server's secret.

    Used again within the grace window (the answer was lost), it answers that same
    successor while the successor is unused. Used again after the window, or after its
    successor was rotated in turn, it is a replay: the whole family is revoked (401)."""
    moment = now()
    grace = timedelta(seconds=runtime.settings.refresh_grace_seconds)
    secret = shared_secret(runtime.engine, REFRESH_SECRET, runtime.settings.token_secret_path)
    with runtime.transaction() as session:
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
            tokens: Tokens | None = issue_tokens(
                session, runtime, device, family=token.family, pair=pair
            )
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


def revoke_tokens(session: Session, device: Device) -> int:
    result = session.execute(
        update(Token)
        .where(col(Token.device_pk) == device.id, col(Token.revoked_at).is_(None))
        .values(revoked_at=now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


_TOKEN = Token.__table__  # type: ignore[attr-defined]


_DEVICE = Device.__table__  # type: ignore[attr-defined]


_PARTICIPANT = Participant.__table__  # type: ignore[attr-defined]


_DEVICE_COLUMNS = tuple(_DEVICE.columns)


_PARTICIPANT_COLUMNS = tuple(_PARTICIPANT.columns)
_DEVICE_NAMES = tuple(c.key for c in _DEVICE_COLUMNS)
_PARTICIPANT_NAMES = tuple(c.key for c in _PARTICIPANT_COLUMNS)


# The access token's state with its device and participant: one read by the token's
# primary key, joined by primary keys (Core columns, no ORM objects), built once. A sync's
# push on PostgreSQL reads them with the participant's lock instead (``CALLER_COLUMNS``
# from ``CALLER_TABLES`` where ``BY_TOKEN``, made a ``Caller`` by ``caller_from``).
CALLER_COLUMNS = (
    _TOKEN.c.kind,
    _TOKEN.c.revoked_at,
    _TOKEN.c.expires_at,
    *_DEVICE_COLUMNS,
    *_PARTICIPANT_COLUMNS,
)
CALLER_TABLES = _TOKEN.join(_DEVICE, _DEVICE.c.id == _TOKEN.c.device_pk).join(
    _PARTICIPANT, _PARTICIPANT.c.id == _DEVICE.c.participant_id
)
BY_TOKEN = _TOKEN.c.hash == bindparam("hash")  # the parameter: the token's token_hash
_CALLER = sa_select(*CALLER_COLUMNS).select_from(CALLER_TABLES).where(BY_TOKEN)


def _caller_row(session: Session, hashed: str) -> Any:
    # the connection's execute: the session's adds the ORM's work a Core query does not need
    return session.connection().execute(_CALLER, {"hash": hashed}).first()


def caller_of(runtime: ServerRuntime, token: str) -> Caller:
    """The participant and device of an access token, or the refusal (401/403)."""
    with runtime.read() as session:
        return caller_in(session, token)


def caller_in(session: Session, token: str) -> Caller:
    """``caller_of`` in a transaction already open."""
    return caller_from(_caller_row(session, token_hash(token)))


def caller_from(row: Sequence[Any] | None) -> Caller:
    """The caller of a row of ``CALLER_COLUMNS`` (None: no such token), or the refusal."""
    if row is None or row[0] != "access":
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    split = 3 + len(_DEVICE_COLUMNS)
    device = Device.from_row(dict(zip(_DEVICE_NAMES, row[3:split], strict=True)))
    # before the token's own state: revoking a device revokes its tokens too, and its
    # holder is told the device was revoked, not that it should sign in again
    if device.revoked_at is not None:
        raise ApiError(403, msg(Code.AUTH_DEVICE_REVOKED))
    if row[1] is not None:
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    if row[2] <= now():
        raise ApiError(401, msg(Code.AUTH_TOKEN_EXPIRED))
    participant = Participant.from_row(dict(zip(_PARTICIPANT_NAMES, row[split:], strict=True)))
    return Caller(participant, device)
