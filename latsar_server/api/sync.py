"""``POST /api/v1/sync``: the body streamed (at most ``MAX_BODY`` once decompressed, gzip
or deflate), then, in one of the process's sync threads, the token checked, the body
parsed and checked against the caller's device, and ``latsar_server.sync.events.sync_once``
run. On PostgreSQL a small push is parsed first and its token checked by the statement that
locks the participant (``_parsed_before_token``)."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import HEADER_AUTHORIZATION, SyncRequest, SyncResponse
from latsar_server.accounts.tokens import Caller, caller_in, caller_of
from latsar_server.api.dependencies import bearer_token, server_runtime
from latsar_server.api.middleware import GZIP_FROM
from latsar_server.errors import API_ERRORS, ApiError, error_responses
from latsar_server.runtime import ServerRuntime
from latsar_server.sync.events import Sessions, check_device, sync_once


class AnsweredByHand(APIRoute):
    """A route whose endpoint takes the request and returns the response itself: FastAPI
    documents it as any other (response model, errors, ``openapi_extra``) but runs the
    endpoint as it is, without solving dependencies or validating the answer on each
    request (so dependencies declared for it would not run either). Sync, the request
    every app sends every few minutes, needs neither: it reads its body by hand (for gzip)
    and serializes its answer once."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return handler


PATH = "/api/v1/sync"  # streams its body itself, up to MAX_BODY (BodyLimit lets it)
router = APIRouter(
    prefix="/api/v1", tags=["sync"], responses=API_ERRORS, route_class=AnsweredByHand
)
MAX_BODY = 16 * 1024 * 1024  # decompressed; 1,000 events are far below this
PARSED_BEFORE_TOKEN = 256 * 1024  # decompressed: some 870 events (parsed in about 3 ms)
JSON = "application/json"


def _decode(raw: bytes, encoding: str, limit: int = MAX_BODY) -> bytes:
    """The body decompressed (at most ``limit`` bytes: 413 beyond)."""
    if encoding not in ("gzip", "deflate"):
        if len(raw) > limit:
            raise ApiError(413, msg(Code.SYNC_BODY_TOO_LARGE))
        return raw
    decoder = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        data = decoder.decompress(raw, limit + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise ApiError(400, msg(Code.REQUEST_MALFORMED, where="body", problem=str(exc))) from exc
    if len(data) > limit or decoder.unconsumed_tail:
        raise ApiError(413, msg(Code.SYNC_BODY_TOO_LARGE))
    return data


SYNC_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncRequest"}}},
    }
}


@router.post(
    "/sync",
    response_model=SyncResponse,
    responses=error_responses(409, 413, 422),
    openapi_extra=SYNC_BODY,
)
async def sync(request: Request) -> Response:
    runtime = await server_runtime(request)
    token = bearer_token(request.headers.get(HEADER_AUTHORIZATION, ""))  # before the body
    chunks, size = [], 0
    async for chunk in request.stream():  # never hold more than MAX_BODY in memory
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, msg(Code.SYNC_BODY_TOO_LARGE))
        chunks.append(chunk)
    encoding = request.headers.get("content-encoding", "").lower()
    # the rest in one of the process's sync threads (at most settings.sync_threads at
    # once; the others wait in their queue): the token's check, the body's parse, the
    # database
    body = b"".join(chunks)
    gzip_ok = "gzip" in request.headers.get("accept-encoding", "")  # as GZipMiddleware reads it
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        runtime.sync_threads, _answer, runtime, token, body, encoding, gzip_ok
    )


def _answer(
    runtime: ServerRuntime, token: str, raw: bytes, encoding: str, gzip_ok: bool
) -> Response:
    if runtime.engine.dialect.name == "sqlite":  # a write transaction locks: only if it writes
        caller = caller_of(runtime, token)  # before the body is decompressed or parsed
        answer = sync_once(Sessions(runtime), token, caller, _parsed(raw, encoding, caller))
    else:  # one transaction, the token's check included: one connection, one BEGIN
        with runtime.transaction() as session:
            body = _parsed_before_token(raw, encoding)
            if body is not None and body.events:  # its token checked with the lock
                answer = sync_once(Sessions(runtime, session), token, None, body)
            else:  # a pull, or a body refused for its token before its own faults
                caller = caller_in(session, token)
                if body is None:
                    body = _parsed(raw, encoding, caller)
                else:
                    check_device(body, caller)
                answer = sync_once(Sessions(runtime, session), token, caller, body)
    # serialized here, once: FastAPI would validate the answer again against the model
    return _response(answer.model_dump_json().encode(), gzip_ok)


def _response(data: bytes, gzip_ok: bool) -> Response:
    """The answer, gzipped here in the sync thread when the app takes gzip and the answer
    is as large as ``GZipMiddleware`` compresses (it passes an encoded answer on as it is):
    one zlib call, where the middleware made a ``GzipFile`` per answer on the event loop
    (about 75 µs for a push's answer of 4 KB, against 15)."""
    if not gzip_ok or len(data) < GZIP_FROM:
        return Response(data, media_type=JSON)  # the middleware adds its Vary as before
    headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(zlib.compress(data, 6, wbits=31), media_type=JSON, headers=headers)


def _parse(data: bytes) -> SyncRequest:
    try:
        return SyncRequest.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, msg(Code.REQUEST_MALFORMED, where=where, problem=first["msg"])) from exc


def _parsed(raw: bytes, encoding: str, caller: Caller) -> SyncRequest:
    body = _parse(_decode(raw, encoding))
    check_device(body, caller)
    return body


def _parsed_before_token(raw: bytes, encoding: str) -> SyncRequest | None:
    """PostgreSQL: the request parsed before its token is checked, so that a push's check
    is part of the participant's lock (one statement less): only a body of at most
    ``PARSED_BEFORE_TOKEN`` bytes, so an unknown sender costs less than a sign-in's password
    check does. None: a larger body, or one that fails to parse (refused after the token's
    check, as before)."""
    try:
        return _parse(_decode(raw, encoding, PARSED_BEFORE_TOKEN))
    except ApiError:
        return None


def document_sync_body(app: FastAPI) -> None:
    """Add the sync request body to ``app``'s OpenAPI document: ``sync`` reads it by hand
    (for gzip), so FastAPI does not see it."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        """The generated document, plus the sync request body (read by hand for gzip)."""
        if app.openapi_schema is None:
            document = default_openapi()
            extra = SyncRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in extra.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas["SyncRequest"] = extra
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
