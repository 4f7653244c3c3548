"""Engine and session factory: one engine per process."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool


@dataclass(frozen=True, slots=True)
class PoolOptions:
    size: int = 10
    max_overflow: int = 10
    timeout: float = 5.0
    recycle: int = 1800
    pre_ping: bool = False
    statement_timeout_ms: int = 15_000
    lock_timeout_ms: int = 5_000
    idle_in_transaction_timeout_ms: int = 30_000
    command_timeout: float = 30.0
    connect_timeout: float = 5.0
    pgbouncer: bool = False


def create_engine(url: str, pool: PoolOptions) -> AsyncEngine:
    server_settings = {
        "statement_timeout": str(pool.statement_timeout_ms),
        "lock_timeout": str(pool.lock_timeout_ms),
        "idle_in_transaction_session_timeout": str(pool.idle_in_transaction_timeout_ms),
        "application_name": "conduit",
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
    return create_async_engine(
        url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout,
        pool_recycle=pool.recycle,
        pool_pre_ping=pool.pre_ping,
        connect_args=connect_args,
    )


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def pool_stats(engine: AsyncEngine) -> tuple[int, int] | None:
    """(checked out, idle) connections, for the metrics."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return pool.checkedout(), pool.checkedin()
