"""``/api/v1/auth``: sign-in (``login``), token refresh and sign-out (``logout``).

The rules are ``latsar_server.accounts``: ``sign_in`` and ``tokens``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from latsar_desktop.domain.protocol import (
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    RefreshResponse,
)
from latsar_server.accounts.sign_in import sign_in
from latsar_server.accounts.tokens import refresh_tokens, revoke_tokens
from latsar_server.api.dependencies import CallerDep, RuntimeDep
from latsar_server.errors import API_ERRORS, error_responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=API_ERRORS)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=LoginResponse, responses=error_responses(422, 429))
def login(body: LoginRequest, request: Request, runtime: RuntimeDep) -> LoginResponse:
    return sign_in(runtime, body, client_address(request))


@router.post("/refresh", response_model=RefreshResponse, responses=error_responses(422))
def refresh(body: RefreshRequest, runtime: RuntimeDep) -> RefreshResponse:
    """Rotate: a refresh token has one successor, derived from it with the server's secret.

    Used again within the grace window (the answer was lost), it answers that same
    successor while the successor is unused. Used again after the window, or after its
    successor was rotated in turn, it is a replay: the whole family is revoked (401)."""
    return refresh_tokens(runtime, body)


@router.post("/logout", status_code=204)
def logout(caller: CallerDep, runtime: RuntimeDep) -> Response:
    with runtime.transaction() as session:
        revoke_tokens(session, caller.device)
    return Response(status_code=204)
