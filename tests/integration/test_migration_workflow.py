"""The operator's tools: lock_timeout on migrations, `make migration`, `make db-reset`."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.postgres import schema
from adapters.postgres.schema import PROJECT_ROOT
from tests.integration.test_migrations import SCHEMA_TABLES, tables

ADD_USER = "INSERT INTO users (username, email, password_hash) VALUES ('a', 'a@b.c', 'h')"


def _head() -> str:
    head = ScriptDirectory.from_config(schema.alembic_config("unused://")).get_current_head()
    assert head is not None
    return head


async def _execute(url: str, statement: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _revision_of(url: str) -> str:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return str(
                (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            )
    finally:
        await engine.dispose()


async def test_a_migration_blocked_by_a_reader_fails_fast_instead_of_queueing(
    fresh_url: str,
) -> None:
    """ALTER TABLE waits for every open transaction on the table, and every query that
    arrives after it waits behind it. lock_timeout (5 s, env.py) makes it give up instead."""
    await asyncio.to_thread(schema.upgrade, fresh_url, "0002")
    reader = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        async with reader.connect() as conn:
            await conn.execute(text("SELECT count(*) FROM articles"))  # holds ACCESS SHARE
            started = time.monotonic()
            with pytest.raises(DBAPIError, match="lock timeout"):
                await asyncio.to_thread(schema.upgrade, fresh_url, "0003")
            waited = time.monotonic() - started
            await conn.rollback()
    finally:
        await reader.dispose()

    assert 4.5 <= waited < 10
    assert await _revision_of(fresh_url) == "0002"  # nothing half-applied
    await asyncio.to_thread(schema.upgrade, fresh_url, "head")  # fine once the reader left
    assert await _revision_of(fresh_url) == _head()


async def test_the_lock_timeout_of_a_migration_can_be_shortened(fresh_url: str) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "0004")
    holder = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        async with holder.connect() as conn:
            await conn.execute(text("LOCK TABLE articles IN ROW EXCLUSIVE MODE"))
            started = time.monotonic()
            with pytest.raises(DBAPIError, match="lock timeout"):
                await asyncio.to_thread(schema.upgrade, fresh_url, "head", lock_timeout="500ms")
            assert time.monotonic() - started < 3
            await conn.rollback()
    finally:
        await holder.dispose()


@pytest.fixture
def scratch_versions() -> Iterator[Path]:
    """A directory inside the project (so ruff uses the project's settings), removed after."""
    path = PROJECT_ROOT / ".data" / f"revisions-{uuid4().hex[:8]}"
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path)


async def test_make_migration_writes_the_next_numbered_revision_formatted_by_ruff(
    fresh_url: str, scratch_versions: Path
) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "head")
    await _execute(fresh_url, "DROP INDEX ix_comments_article_id_id")  # the models now differ
    head = _head()

    path = await asyncio.to_thread(
        schema.revision, fresh_url, "Restore the comment index", version_path=scratch_versions
    )

    assert path.parent == scratch_versions
    assert re.fullmatch(rf"\d{{8}}_{int(head) + 1:04d}_restore_the_comment_index\.py", path.name)
    source = path.read_text()
    assert "op.create_index" in source and "op.drop_index" in source
    assert f'down_revision: str | Sequence[str] | None = "{head}"' in source
    ruff = [sys.executable, "-m", "ruff"]
    for check in (["format", "--check"], ["check"]):
        result = subprocess.run([*ruff, *check, str(path)], capture_output=True, check=False)  # noqa: ASYNC221
        assert result.returncode == 0, result.stdout


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_reset_empties_the_database_and_migrates_it(fresh_url: str) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "head")
    await _execute(fresh_url, ADD_USER)
    await _execute(fresh_url, "CREATE TABLE leftover (id int)")

    await asyncio.to_thread(schema.reset, fresh_url)

    assert await tables(fresh_url) == SCHEMA_TABLES | {"alembic_version"}
    assert await _revision_of(fresh_url) == _head()
    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar() == 0
    finally:
        await engine.dispose()


async def test_reset_refuses_an_external_database_unless_forced(fresh_url: str) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "head")
    await _execute(fresh_url, ADD_USER)

    refused = await asyncio.to_thread(_cli, "db", "reset", url=fresh_url)
    assert refused.returncode != 0
    assert "refusing to reset" in refused.stderr and "FORCE=1" in refused.stderr
    assert "a@b.c" not in refused.stderr

    forced = await asyncio.to_thread(_cli, "db", "reset", "--force", url=fresh_url)
    assert forced.returncode == 0, forced.stderr
    assert await _revision_of(fresh_url) == _head()
