"""Engine and session factory (one engine per process), the engine's figures and life in
the app, and the driver reader the read models run their SQL on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, QueuePool

from adapters.sqlalchemy.errors import passing_failure


@dataclass(frozen=True, slots=True)
class PoolOptions:
    size: int = 20
    max_overflow: int = 0
    timeout: float = 5.0
    recycle: int = 1800
    pre_ping: bool = False
    statement_timeout_ms: int = 15_000
    lock_timeout_ms: int = 5_000
    idle_in_transaction_timeout_ms: int = 30_000
    command_timeout: float = 30.0
    connect_timeout: float = 5.0
    pgbouncer: bool = False


def side_engine(database_url: str) -> AsyncEngine:
    """One connection at a time, closed after use: for commands that run beside the service
    (backfills, checks, seeding), never holding a pool of their own."""
    return create_async_engine(database_url, poolclass=NullPool)


def create_engine(
    url: str, pool: PoolOptions, counter: StatementCounter | None = None
) -> AsyncEngine:
    server_settings = {
        "statement_timeout": str(pool.statement_timeout_ms),
        "lock_timeout": str(pool.lock_timeout_ms),
        "idle_in_transaction_session_timeout": str(pool.idle_in_transaction_timeout_ms),
        "application_name": "conduit",
        # A query whose client went away stops within 2 s instead of running to its end.
        "client_connection_check_interval": "2000",
        # The statements are few and simple; PostgreSQL kept re-planning them per call
        # (custom plans), measured at 200 us of server CPU per list page.
        "plan_cache_mode": "force_generic_plan",
    }
    connect_args: dict[str, object] = {
        "server_settings": server_settings,
        "command_timeout": pool.command_timeout,
        "timeout": pool.connect_timeout,
    }
    if pool.pgbouncer:
        # Transaction pooling hands each transaction a different server connection:
        # cached prepared statements would not be found there, and PgBouncer refuses
        # unknown startup parameters (set the timeouts on the database role instead).
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
        connect_args["prepared_statement_cache_size"] = 0
        server_settings.clear()
        server_settings["application_name"] = "conduit"
    engine = create_async_engine(
        url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout,
        pool_recycle=pool.recycle,
        pool_pre_ping=pool.pre_ping,
        connect_args=connect_args,
    )
    if counter is not None:
        count_statements(engine, counter)
    return engine


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@dataclass(slots=True)
class StatementCounter:
    """SQL statements sent by this process, for the metrics and the benchmark."""

    count: int = 0


class SqlAlchemyStorageRuntime:
    """The engine as the app sees it: created when the app asks for this (at start-up, so
    no request pays for it), disposed at shutdown, and its figures for the metrics."""

    def __init__(self, engine: AsyncEngine, counter: StatementCounter) -> None:
        self._engine = engine
        self._counter = counter

    async def start(self) -> None:
        """Nothing runs beside the pool on one database."""

    async def stop(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    def databases(self) -> list[dict[str, Any]] | None:
        """Each database's role, lag and health: only with replicas (read_routing.py)."""
        return None

    def pool_stats(self) -> tuple[int, int] | None:
        """(checked out, idle) connections."""
        pool = self._engine.pool
        if not isinstance(pool, QueuePool):
            return None
        return pool.checkedout(), pool.checkedin()

    def statements(self) -> int:
        """SQL statements sent so far by this process."""
        return self._counter.count


def count_statements(engine: AsyncEngine, counter: StatementCounter) -> None:
    """Counts what SQLAlchemy executes; the read models count their own statements."""

    def increment(*_: object) -> None:
        counter.count += 1

    event.listen(engine.sync_engine, "before_cursor_execute", increment)


_CONNECTION_LOST = (
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    OSError,
    # The server shutting down (57P01 and kin): the connection is going away.
    asyncpg.exceptions.OperatorInterventionError,
    # The protocol lost its place (seen when a replica stopped mid-query): never reuse it.
    asyncpg.exceptions.InternalClientError,
)


class DriverReader:
    """Runs one statement on a pooled connection's asyncpg driver: a read (`fetchrow`), or
    a bookkeeping write in a transaction of its own (`execute`).

    Hand-written SQL with numbered parameters skips Core compilation, and asyncpg keeps
    each statement prepared on its connection. Behind PgBouncer (transaction pooling) the
    statement runs inside a transaction, so its parse and execute meet the same server.
    A connection that failed, or whose query was cancelled, is invalidated: the pool never
    hands out a broken or busy connection again. An unreachable or overloaded database is
    StorageUnavailable.
    """

    def __init__(
        self, engine: AsyncEngine, counter: StatementCounter, *, in_transaction: bool = False
    ) -> None:
        self.engine = engine
        self._counter = counter
        self._in_transaction = in_transaction

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        self._counter.count += 1
        try:
            return await self._run(sql, args, fetch=True)
        except Exception as error:
            failure = passing_failure(error)
            if failure is None:
                raise
            raise failure from error

    async def execute(self, sql: str, *args: object) -> None:
        """One statement in a transaction of its own (autocommit), for bookkeeping writes."""
        self._counter.count += 1
        try:
            await self._run(sql, args, fetch=False)
        except Exception as error:
            failure = passing_failure(error)
            if failure is None:
                raise
            raise failure from error

    async def _run(
        self, sql: str, args: tuple[object, ...], *, fetch: bool
    ) -> asyncpg.Record | None:
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: asyncpg.Connection = raw.driver_connection
            try:
                if self._in_transaction:
                    async with driver.transaction(readonly=fetch):
                        return await _call(driver, sql, args, fetch=fetch)
                return await _call(driver, sql, args, fetch=fetch)
            except _CONNECTION_LOST:
                await conn.invalidate()
                raise
            except asyncio.CancelledError:
                await asyncio.shield(conn.invalidate())
                raise


async def _call(
    driver: asyncpg.Connection, sql: str, args: tuple[object, ...], *, fetch: bool
) -> asyncpg.Record | None:
    if fetch:
        return await driver.fetchrow(sql, *args)
    await driver.execute(sql, *args)
    return None
