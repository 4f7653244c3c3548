"""Phase 5: the expand migration (tests/drill/migrations), a batched backfill, the contract.

Alembic runs the app's migrations plus the rehearsal folder. Its DDL waits at most
LOCK_TIMEOUT for its lock and is retried: an ALTER TABLE queued behind a long transaction
would make every query on the table queue behind it, so a real expand gives up quickly and
tries again rather than stall the site.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from adapters.postgres import schema

REHEARSAL_VERSIONS = Path(__file__).resolve().parent / "migrations"
REVISION = "drill_rehearsal"
LOCK_TIMEOUT = "1s"
ATTEMPTS = 5
BATCH_SIZE = 1_000
LOCK_NOT_AVAILABLE = "55P03"


def rehearsal_config(database_url: str) -> Config:
    config = schema.alembic_config(database_url, lock_timeout=LOCK_TIMEOUT)
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join([str(schema.VERSIONS), str(REHEARSAL_VERSIONS)])
    )
    return config


def app_head(database_url: str) -> str:
    head = ScriptDirectory.from_config(schema.alembic_config(database_url)).get_current_head()
    assert head is not None
    return head


async def migrate(
    database_url: str, revision: str, say: Callable[[str], None], *, down: bool = False
) -> None:
    """Upgrade (or downgrade) to `revision`, retrying when the DDL's lock wait times out."""
    config = rehearsal_config(database_url)
    step = command.downgrade if down else command.upgrade
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # Alembic's env.py runs its own event loop: a thread keeps ours (the load) going.
            await asyncio.to_thread(step, config, revision)
            return
        except DBAPIError as error:
            if _sqlstate(error) != LOCK_NOT_AVAILABLE or attempt == ATTEMPTS:
                raise
            say(f"  lock not granted within {LOCK_TIMEOUT} (attempt {attempt}): retrying")
            await asyncio.sleep(0.5 * attempt)


def _sqlstate(error: DBAPIError) -> str | None:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return None if code is None else str(code)


@dataclass
class Backfill:
    rows: int
    batches: int
    seconds: float
    left_null: int
    """Rows up to the starting max(id) still NULL after it: must be 0."""
    newer: int
    """Rows inserted since it started: a real expand's new code writes those itself."""


async def backfill(dsn: str) -> Backfill:
    """Fill `articles.drill_rehearsal` for every row that exists when it starts, by id
    ranges of BATCH_SIZE, each UPDATE its own transaction (autocommit) so no batch holds
    its row locks for long, and a crash resumes where it stopped (`IS NULL`)."""
    started = time.monotonic()
    rows = batches = 0
    conn = await asyncpg.connect(dsn)
    try:
        top = await conn.fetchval("SELECT coalesce(max(id), 0) FROM articles")
        for last in range(0, top, BATCH_SIZE):
            status = await conn.execute(
                """UPDATE articles SET drill_rehearsal = octet_length(body)
                   WHERE id > $1 AND id <= $2 AND drill_rehearsal IS NULL""",
                last,
                min(last + BATCH_SIZE, top),
            )
            rows += int(status.split()[-1])
            batches += 1
        left = await conn.fetchval(
            "SELECT count(*) FROM articles WHERE id <= $1 AND drill_rehearsal IS NULL", top
        )
        newer = await conn.fetchval("SELECT count(*) FROM articles WHERE id > $1", top)
    finally:
        await conn.close()
    return Backfill(rows, batches, time.monotonic() - started, int(left), int(newer))
