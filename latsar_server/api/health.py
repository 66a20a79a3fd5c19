"""``GET /health``: the server answers and reaches its database (for a load balancer)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from latsar_desktop import __version__
from latsar_desktop.domain.protocol import HealthResponse
from latsar_server.api.dependencies import RuntimeDep
from latsar_server.errors import error_responses

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthResponse, responses=error_responses(500))
def health(runtime: RuntimeDep) -> HealthResponse:
    with runtime.read() as session:
        session.execute(text("SELECT 1"))
    return HealthResponse(version=__version__)
