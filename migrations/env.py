"""Alembic environment: async engine, the service's tables.

The database is the `sqlalchemy.url` option, which the CLI and the tests always set
(adapters/postgres/schema.py); the bare `alembic` command falls back on DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sqlalchemy.models import Base

config = context.config
target_metadata = Base.metadata

MIGRATION_LOCK_TIMEOUT = "5s"
"""A DDL statement that waits longer for a lock fails instead of stalling every query.

While an ALTER TABLE waits for its lock, every query that comes after it waits behind it:
failing fast (and retrying the deploy later) beats a queue that takes the site down.
The `lock_timeout` main option overrides it (tests use a shorter one)."""


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit(
            "DATABASE_URL is not set (use `make migrate`, which starts the embedded one)"
        )
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    lock_timeout = config.get_main_option("lock_timeout") or MIGRATION_LOCK_TIMEOUT
    connection.exec_driver_sql(f"SET lock_timeout = '{lock_timeout}'")
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
