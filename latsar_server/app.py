"""The FastAPI application: ``create_app(settings)``; ``app_from_env`` for uvicorn workers."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import text
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from latsar_desktop import __version__
from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import (
    HEADER_PROTOCOL,
    PROTOCOL_VERSION,
    HealthResponse,
    SyncRequest,
)
from latsar_server import auth, content, devices, sync, verify
from latsar_server.database import make_engine
from latsar_server.errors import (
    ApiError,
    api_error_handler,
    error_responses,
    http_error_handler,
    validation_error_handler,
)
from latsar_server.settings import Settings
from latsar_server.state import ServerState

log = logging.getLogger("latsar_server")

SYNC_PATH = "/api/v1/sync"  # streams its body itself, up to sync.MAX_BODY


class JsonFormatter(logging.Formatter):
    """One JSON object per line; request bodies (and so NIKs) are never logged."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


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


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="Latsar central server",
        version=__version__,
        description="Sync protocol v1 of Latsar Desktop. Bodies are the models of "
        "latsar_desktop/domain/protocol.py; see docs/protocol.md.",
        responses=error_responses(413),  # every operation: BodyLimit below
    )
    app.state.latsar = ServerState(settings=settings, engine=make_engine(settings.database_url))
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    # inside ``around`` (added after it): a 413 is logged and has its X-Request-Id
    app.add_middleware(
        BodyLimit,
        default=settings.max_body_bytes,
        limits={SYNC_PATH: (sync.MAX_BODY, msg(Code.SYNC_BODY_TOO_LARGE))},
    )
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)  # 404, 405: our body too

    @app.middleware("http")
    async def around(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started, request_id = time.perf_counter(), uuid.uuid4().hex[:12]
        refused = _check_protocol(request)
        if refused is not None:
            response: Response = refused.response()
        else:
            try:
                response = await call_next(request)
            except Exception:
                log.exception("unhandled", extra={"fields": {"request_id": request_id}})
                response = ApiError(500, msg(Code.SERVER_ERROR)).response()
        response.headers["X-Request-Id"] = request_id
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        return response

    @app.get(
        "/health",
        response_model=HealthResponse,
        responses=error_responses(500),
        tags=["operations"],
    )
    def health() -> HealthResponse:
        with app.state.latsar.read() as session:
            session.execute(text("SELECT 1"))
        return HealthResponse(version=__version__)

    app.include_router(auth.router)
    app.include_router(content.router)
    app.include_router(sync.router)
    app.include_router(devices.router)
    app.include_router(verify.router)
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
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings from LATSAR_SERVER_* variables."""
    configure_logging()
    return create_app(Settings.from_env())
