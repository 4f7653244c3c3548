"""Shared fixtures: a throwaway PostgreSQL for the session, apps on both adapter sets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.postgres import embedded, schema
from entrypoints.http.app import create_app
from tests.api.support import Conduit
from tests.support import make_settings, truncate_all


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """TEST_DATABASE_URL, or a private PostgreSQL deleted at the end of the session."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        schema.upgrade(external)
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="conduit-test-") as tmp:
        server = embedded.start(Path(tmp) / "pg")
        try:
            schema.upgrade(server.url)
            yield server.url
        finally:
            server.stop()


@pytest.fixture(scope="session")
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def postgres_app_session(postgres_url: str) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(storage="postgres", database_url=postgres_url))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def postgres_app(
    postgres_app_session: FastAPI, engine: AsyncEngine
) -> AsyncIterator[FastAPI]:
    await truncate_all(engine)
    yield postgres_app_session
    await truncate_all(engine)


@pytest.fixture
async def memory_app() -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(storage="memory"))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(params=["memory", "postgres"])
def app(request: pytest.FixtureRequest) -> FastAPI:
    """Every API test runs twice, with the same expectations on both adapter sets."""
    app: FastAPI = request.getfixturevalue(f"{request.param}_app")
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://conduit.test/api") as c:
        yield c


@pytest.fixture
def api(client: httpx.AsyncClient) -> Conduit:
    return Conduit(client)
