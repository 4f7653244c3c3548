"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from entrypoints.container import Container, build_container
from entrypoints.http.deadline import DeadlineMiddleware
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.exposure import OperationsPortMiddleware
from entrypoints.http.metrics import REFRESH_SECONDS, Metrics
from entrypoints.http.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from entrypoints.http.openapi import document_every_answer
from entrypoints.http.rate_limit import CredentialRateLimitMiddleware, TokenBucket
from entrypoints.http.routers import (
    API_PREFIX,
    articles,
    comments,
    health,
    profiles,
    tags,
    users,
)
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings

GC_YOUNG_THRESHOLD = 20_000
CREDENTIAL_PATHS = frozenset({f"{API_PREFIX}/users", f"{API_PREFIX}/users/login"})
"""Login and registration: rate limited per client."""


class StorageRuntime(Protocol):
    """What the app starts, stops and reports of its storage (the container's
    `storage_runtime`: the engine and its pool, or nothing at all for the memory store)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def pool_stats(self) -> tuple[int, int] | None: ...

    def statements(self) -> int | None: ...

    def databases(self) -> list[dict[str, Any]] | None: ...


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """One app, one container: tests build as many independent apps as they like."""
    settings = settings or Settings()
    container = container or build_container(settings)
    container.tokens()  # the signing key is read (or made) at start-up, not by a request

    def storage() -> StorageRuntime:
        runtime: StorageRuntime = container.storage_runtime()
        return runtime

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Creates the engine at start-up, so that no request pays for it, and starts what
        # watches the replicas.
        await storage().start()
        refresher = None
        if metrics.multiprocess:
            # A scrape reaches one worker: the others publish their database figures.
            refresher = asyncio.create_task(_refresh_periodically(metrics))
        try:
            yield
        finally:
            if refresher is not None:
                refresher.cancel()
            await storage().stop()

    app = FastAPI(
        title="Conduit API",
        version="2.0.0",
        description="The RealWorld Conduit API (spec v2.0.0), hexagonal FastAPI service.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json" if settings.docs_enabled else None,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
    )
    metrics = Metrics(
        pool_stats=lambda: storage().pool_stats(),
        statements=lambda: storage().statements(),
        databases=lambda: storage().databases(),
    )
    app.state.container = container
    app.state.settings = settings
    app.state.metrics = metrics
    install_error_handlers(app)
    for module in (users, profiles, articles, comments, tags):
        app.include_router(module.router)
    app.include_router(health.router)
    _add_middleware(app, settings, metrics)
    document_every_answer(
        app, {("post", path) for path in CREDENTIAL_PATHS} if settings.rate_limit_per_minute else ()
    )
    return app


async def _refresh_periodically(metrics: Metrics) -> None:
    while True:
        metrics.refresh()
        await asyncio.sleep(REFRESH_SECONDS)


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    # Added innermost first: the request meets them in the opposite order.
    if settings.rate_limit_per_minute:
        app.add_middleware(
            CredentialRateLimitMiddleware,
            paths=CREDENTIAL_PATHS,
            bucket=TokenBucket(settings.rate_limit_per_minute, per=60.0),
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(DeadlineMiddleware, seconds=settings.request_timeout_seconds)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
        max_age=600,
    )
    app.add_middleware(
        OperationsPortMiddleware,
        operations_port=settings.metrics_port,
        metrics_public=settings.metrics_on_api_port,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    if settings.forwarded_allow_ips.strip():
        # Outermost: the rate limit, the logs and the metrics see the client the proxy saw.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)


def app_from_environment() -> FastAPI:
    """Entry for `uvicorn --factory`: every worker reads the same environment."""
    settings = Settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    app = create_app(settings)
    # Start-up objects (modules, routes, the container) live as long as the process: move
    # them out of the collector's sight, and collect young objects less often. Full
    # collections over them showed up as the slowest 1% of requests.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    return app
