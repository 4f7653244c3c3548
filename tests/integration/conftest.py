"""Integration fixtures: every test starts and ends with an empty database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.api.support import Conduit
from tests.fakes import TickingClock
from tests.integration.support import sql_constant
from tests.support import truncate_all
from tests.use_cases import UseCases, postgres_container


@pytest.fixture
async def api(postgres_app: FastAPI) -> AsyncIterator[Conduit]:
    """The HTTP API of the PostgreSQL app (emptied before and after), through httpx."""
    transport = httpx.ASGITransport(app=postgres_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
        yield Conduit(client)


@pytest.fixture
async def heavy_from_three(engine: AsyncEngine) -> AsyncIterator[None]:
    """Readers of three authors or more are heavy: they keep an author filter (migration
    0018) and so a timeline (0022)."""
    async with sql_constant(engine, "feed_filter_min", 3):
        yield


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The session engine over an empty database, emptied again afterwards."""
    await truncate_all(engine)
    yield engine
    await truncate_all(engine)


@pytest.fixture
async def fresh_url(engine: AsyncEngine, postgres_url: str) -> AsyncIterator[str]:
    """The URL of a new, empty database on the test server; dropped afterwards."""
    name = f"conduit_migrations_{uuid4().hex[:12]}"
    await _autocommit(engine, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _autocommit(engine, f'DROP DATABASE "{name}" WITH (FORCE)')


async def _autocommit(engine: AsyncEngine, statement: str) -> None:
    # CREATE/DROP DATABASE refuse to run inside a transaction block.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(statement))


@pytest.fixture
def uow(db: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(create_session_factory(db))


@pytest.fixture
def conduit(db: AsyncEngine, postgres_url: str) -> UseCases:
    """Every use case from the PostgreSQL container, on the session's engine and a clock
    that ticks a millisecond per reading."""
    return UseCases(postgres_container(postgres_url, clock=TickingClock(), engine=db))
