"""Helpers for the integration tests: rows to start from and to count, and an app whose
unit of work is swapped for a doctored one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import NewUser, User
from entrypoints.container import Container

COUNTED_TABLES = frozenset(
    {"users", "follows", "articles", "tags", "article_tags", "favorites", "comments"}
)


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


SQL_CONSTANTS = {"feed_total_cap": 1000, "feed_filter_min": 500}
"""The thresholds migrations 0015 and 0018 keep in SQL functions, and their values."""


@asynccontextmanager
async def sql_constant(engine: AsyncEngine, function: str, value: int) -> AsyncIterator[None]:
    """One of SQL_CONSTANTS set to `value` for the block (the functions are VOLATILE, so the
    triggers and statements read the new one at once), then set back."""
    await replace_constant(engine, function, value)
    try:
        yield
    finally:
        await replace_constant(engine, function, SQL_CONSTANTS[function])


async def replace_constant(engine: AsyncEngine, function: str, value: int) -> None:
    """One of SQL_CONSTANTS set to `value` until set again (`sql_constant` sets it back)."""
    assert function in SQL_CONSTANTS
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS integer LANGUAGE sql"
                f" AS $$ SELECT {int(value)} $$"
            )
        )


def container_of(app: FastAPI) -> Container:
    container: Container = app.state.container
    return container


@contextmanager
def unit_of_work_overridden(app: FastAPI, provider: providers.Provider[Any]) -> Iterator[None]:
    """Every use case of `app` gets its unit of work from `provider` inside the block."""
    container = container_of(app)
    container.uow.override(provider)
    try:
        yield
    finally:
        # The app outlives the test (it is session-scoped): leave it as we found it.
        container.uow.reset_override()


@asynccontextmanager
async def http_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
        yield client
