"""What happens around every request: the protocol-version check (400, 426), the body
limits (413, ``BodyLimit``), and one JSON log line per request with its ``X-Request-Id``
(an unhandled error is logged and answered 500 with our error body)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import Request, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import HEADER_PROTOCOL, PROTOCOL_VERSION
from latsar_server.errors import ApiError
from latsar_server.settings import Settings

log = logging.getLogger("latsar_server")

GZIP_FROM = 1024  # bytes: answers this large are gzipped for a client that takes gzip


# ASCII digits only: str.isdigit() is true for "²" and "١" too, and int() fails on the
# first (a 500) or reads the second; six digits keep int() far from its digit limit.
_PROTOCOL_VERSION = re.compile(r"[0-9]{1,6}")


def _check_protocol(request: Request) -> ApiError | None:
    if not request.url.path.startswith("/api/"):
        return None
    raw = request.headers.get(HEADER_PROTOCOL)
    if raw is None:
        version = 0  # an app from before the header: too old
    elif _PROTOCOL_VERSION.fullmatch(raw):
        version = int(raw)
    else:
        problem = "not a protocol version (1 to 6 digits 0-9)"
        return ApiError(400, msg(Code.REQUEST_MALFORMED, where=HEADER_PROTOCOL, problem=problem))
    settings: Settings = request.app.state.latsar.settings
    if version < settings.min_protocol:
        return ApiError(
            426,
            msg(Code.PROTOCOL_CLIENT_TOO_OLD, version=version, minimum=settings.min_protocol),
            update_required=True,
            update_url=settings.update_url or None,  # where to get the new version
        )
    if version > PROTOCOL_VERSION:
        return ApiError(
            400, msg(Code.PROTOCOL_SERVER_TOO_OLD, version=version, maximum=PROTOCOL_VERSION)
        )
    return None


class _BodyTooLarge(Exception):
    """Raised to the app from ``receive`` when the body passes its limit."""


_LENGTH = re.compile(r"[0-9]{1,18}")


class BodyLimit:
    """Answer 413 (our error body) to a request body over its limit, before reading more.

    A Content-Length over the limit is refused before the app runs; a body without one
    (chunked) is counted as the app reads it, and the read that passes the limit fails:
    whatever the app answers to that failure is dropped and the 413 goes instead. The
    rest of the body is dropped by uvicorn as it arrives, never held. (Closing the
    connection instead would stop the upload sooner, but a close with unread data resets
    the connection, and the 413 is then lost at times.) ``limits``: a path's own limit
    and message (sync's is larger); every other path has ``default``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        limits: dict[str, tuple[int, Message]],
    ) -> None:
        self.app, self.limits = app, limits
        self.default = (default, msg(Code.REQUEST_TOO_LARGE, kib=max(1, default // 1024)))

    @staticmethod
    def _refusal(message: Message) -> Response:
        return ApiError(413, message).response()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, refusal = self.limits.get(scope["path"], self.default)
        length = Headers(scope=scope).get("content-length", "")
        if length and (not _LENGTH.fullmatch(length) or int(length) > limit):
            await self._refusal(refusal)(scope, receive, send)
            return
        received, exceeded, started = 0, False, False

        async def limited_receive() -> AsgiMessage:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: AsgiMessage) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the failed read: the 413 goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refusal(refusal)(scope, receive, send)


class RequestLog:
    """The protocol check, then the request, logged: one JSON line each, the answer with
    its ``X-Request-Id``; an error the app did not handle is logged and answered 500 with
    our error body (when the answer has not started; else it goes on up).

    Plain ASGI: Starlette's ``BaseHTTPMiddleware`` (``app.middleware("http")``) passes each
    of the request's body messages through a task group of its own, and the answer
    through a memory stream, for every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, request_id = time.perf_counter(), uuid.uuid4().hex[:12]
        status: int | None = None

        async def send_with_id(message: AsgiMessage) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-Id", request_id)
            await send(message)

        refused = _check_protocol(Request(scope))
        try:
            await (self.app if refused is None else refused.response())(
                scope, receive, send_with_id
            )
        except Exception:
            log.exception("unhandled", extra={"fields": {"request_id": request_id}})
            if status is not None:
                raise
            await ApiError(500, msg(Code.SERVER_ERROR)).response()(scope, receive, send_with_id)
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
