"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from entrypoints.container import Container, build_container
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.routers import articles, comments, health, profiles, tags, users
from entrypoints.settings import Settings

API_PREFIX = "/api"


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """One app, one container: tests build as many independent apps as they like."""
    settings = settings or Settings()
    container = container or build_container(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.storage == "postgres":
            container.engine()
        try:
            yield
        finally:
            if settings.storage == "postgres":
                await container.engine().dispose()
                container.engine.reset()

    app = FastAPI(
        title="Conduit API",
        version="2.0.0",
        description="The RealWorld Conduit API (spec v2.0.0), hexagonal FastAPI service.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.container = container
    app.state.settings = settings
    install_error_handlers(app)
    for module in (users, profiles, articles, comments, tags):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
        max_age=600,
    )
    return app


def app_from_environment() -> FastAPI:
    """Entry for `uvicorn --factory`: every worker reads the same environment."""
    return create_app(Settings())
