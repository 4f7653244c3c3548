"""Integration fixtures: every test starts and ends with an empty database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import NewUser, User
from tests.conftest import truncate_all

COUNTED_TABLES = frozenset(
    {"users", "follows", "articles", "tags", "article_tags", "favorites", "comments"}
)


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


async def count_rows(engine: AsyncEngine, table: str) -> int:
    """Rows in `table`, seen from a connection of its own (only committed data)."""
    assert table in COUNTED_TABLES
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def add_user(uow: SqlAlchemyUnitOfWork, name: str) -> User:
    """A committed user named `name`, with the email `<name>@example.com`."""
    async with uow:
        user = await uow.users.add(NewUser(name, f"{name}@example.com", "hash"))
        await uow.commit()
    return user


class TickingClock:
    """A clock that ticks one millisecond per reading, so every timestamp differs."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now
