"""The FastAPI application: ``create_app(settings)``; ``app_from_env`` for uvicorn workers."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import text
from starlette.exceptions import HTTPException

from latsar_desktop import __version__
from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import (
    HEADER_PROTOCOL,
    PROTOCOL_VERSION,
    HealthResponse,
    SyncRequest,
)
from latsar_server import auth, content, sync, verify
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


def _check_protocol(request: Request) -> ApiError | None:
    if not request.url.path.startswith("/api/"):
        return None
    raw = request.headers.get(HEADER_PROTOCOL, "0")
    version = int(raw) if raw.isdigit() else 0
    settings: Settings = request.app.state.latsar.settings
    if version < settings.min_protocol:
        return ApiError(
            426,
            msg(Code.PROTOCOL_CLIENT_TOO_OLD, version=version, minimum=settings.min_protocol),
            update_required=True,
        )
    if version > PROTOCOL_VERSION:
        return ApiError(
            400, msg(Code.PROTOCOL_SERVER_TOO_OLD, version=version, maximum=PROTOCOL_VERSION)
        )
    return None


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="Latsar central server",
        version=__version__,
        description="Sync protocol v1 of Latsar Desktop. Bodies are the models of "
        "latsar_desktop/domain/protocol.py; see docs/protocol.md.",
    )
    app.state.latsar = ServerState(settings=settings, engine=make_engine(settings.database_url))
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
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
