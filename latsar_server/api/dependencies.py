"""What a route asks FastAPI for: ``RuntimeDep``, the process's ``ServerRuntime``, and
``CallerDep``, the participant and device whose access token came with the request
(``bearer_token`` read from the header here, checked by ``accounts.tokens.caller_of``:
401 without a valid one, 403 for a revoked device).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import BEARER, HEADER_AUTHORIZATION
from latsar_server.accounts.tokens import Caller, caller_of
from latsar_server.errors import ApiError
from latsar_server.runtime import ServerRuntime


async def server_runtime(request: Request) -> ServerRuntime:
    """The process's runtime (``async``: FastAPI runs a plain function dependency in a
    worker thread, a hop there and back on every request for one attribute read)."""
    runtime: ServerRuntime = request.app.state.latsar
    return runtime


RuntimeDep = Annotated[ServerRuntime, Depends(server_runtime)]


def bearer_token(header: str) -> str:
    """The access token of an ``Authorization`` header (401 when there is none)."""
    scheme, _, value = header.partition(" ")
    if scheme != BEARER or not value.strip():
        raise ApiError(401, msg(Code.AUTH_TOKEN_INVALID))
    return value.strip()


def authenticated(request: Request, runtime: RuntimeDep) -> Caller:
    return caller_of(runtime, bearer_token(request.headers.get(HEADER_AUTHORIZATION, "")))


CallerDep = Annotated[Caller, Depends(authenticated)]
