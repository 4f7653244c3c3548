"""Apps with settings of a test's own, on both adapter sets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI

from entrypoints.http.app import create_app
from tests.api.support import Clients
from tests.support import make_settings


@pytest.fixture(params=["memory", "postgres"])
def clients(request: pytest.FixtureRequest) -> Clients:
    """Fresh apps on each adapter set (the PostgreSQL ones share the session's database)."""
    storage: dict[str, object] = {"storage": request.param}
    if request.param == "postgres":
        storage["database_url"] = request.getfixturevalue("postgres_url")

    @asynccontextmanager
    async def client(
        peer: str = "127.0.0.1",
        overrides: Mapping[str, providers.Provider[Any]] | None = None,
        **settings: object,
    ) -> AsyncIterator[httpx.AsyncClient]:
        app: FastAPI = create_app(make_settings(**storage, **settings))
        for name, provider in (overrides or {}).items():
            getattr(app.state.container, name).override(provider)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as c:
                yield c

    return client
