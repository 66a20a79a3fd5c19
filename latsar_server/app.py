"""The FastAPI application: ``create_app(settings)`` wires the routers, the middleware and
the error handlers of ``latsar_server.api`` to one ``ServerRuntime``; ``app_from_env``
is the factory uvicorn workers call (``latsar-server serve``)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from starlette.exceptions import HTTPException

from latsar_desktop import __version__
from latsar_desktop.domain.messages import Code, msg
from latsar_server.api import accounts, certificates, courses, devices, health, sync
from latsar_server.api.middleware import GZIP_FROM, BodyLimit, RequestLog
from latsar_server.database import make_engine
from latsar_server.errors import (
    ApiError,
    api_error_handler,
    error_responses,
    http_error_handler,
    validation_error_handler,
)
from latsar_server.runtime import ServerRuntime
from latsar_server.settings import Settings

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


@asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[None]:
    """While uvicorn serves ``app`` (``latsar-server serve``): its runtime closed after."""
    yield
    app.state.latsar.close()


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        lifespan=_serving,
        title="Latsar central server",
        version=__version__,
        description="Sync protocol v1 of Latsar Desktop. Bodies are the models of "
        "latsar_desktop/domain/protocol.py; see docs/protocol.md.",
        responses=error_responses(413),  # every operation: BodyLimit below
    )
    app.state.latsar = ServerRuntime(settings=settings, engine=make_engine(settings.database_url))
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_FROM)
    # inside ``RequestLog`` (added after it): a 413 is logged and has its X-Request-Id
    app.add_middleware(
        BodyLimit,
        default=settings.max_body_bytes,
        limits={sync.PATH: (sync.MAX_BODY, msg(Code.SYNC_BODY_TOO_LARGE))},
    )
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)  # 404, 405: our body too
    app.add_middleware(RequestLog)
    app.include_router(health.router)
    app.include_router(accounts.router)
    app.include_router(courses.router)
    app.include_router(sync.router)
    app.include_router(devices.router)
    app.include_router(certificates.router)
    sync.document_sync_body(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings from LATSAR_SERVER_* variables."""
    configure_logging()
    return create_app(Settings.from_env())
