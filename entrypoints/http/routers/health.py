"""Liveness and readiness probes for operators and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from entrypoints.http.errors import error_response
from entrypoints.http.presenters import JSON

router = APIRouter(tags=["Operations"])

READY_BUDGET_SECONDS = 2.0
"""/readyz answers within this, whatever the database does."""
READY_TIMEOUT_SECONDS = 1.5
"""How long the database has to answer SELECT 1 (the rest of the budget is ours)."""


@router.get("/livez", summary="The process is up (does not touch the database)")
async def livez() -> Response:
    return JSON({"status": "ok"})


@router.get(
    "/readyz",
    summary="The primary answers SELECT 1 within 1.5 s (the answer comes within 2 s); "
    "with replicas, each database's role, lag and health as last checked",
)
async def readyz(request: Request) -> Response:
    container = request.app.state.container
    databases = container.storage_runtime().databases()
    if not await container.database_probe().ready(READY_TIMEOUT_SECONDS):
        if databases is None:
            return error_response(503, {"database": ["is unavailable"]})
        body = {"errors": {"database": ["is unavailable"]}, "databases": databases}
        return JSON(body, status_code=503)
    if databases is None:
        return JSON({"status": "ok"})
    return JSON({"status": "ok", "databases": databases})


@router.get("/metrics", summary="Prometheus metrics of this worker", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(
        request.app.state.metrics.render(),
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )
