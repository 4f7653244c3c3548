"""`db backfill-search`: old rows get a vector in bounded batches; an interrupted run resumes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import pool, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.postgres import schema, search_backfill
from adapters.postgres.schema import PROJECT_ROOT

OLD_ARTICLES = 10


@pytest.fixture
async def expanded(fresh_url: str) -> AsyncIterator[AsyncEngine]:
    """A database with OLD_ARTICLES written before the expand revision, now at 0004."""
    await asyncio.to_thread(schema.upgrade, fresh_url, "0002")
    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (username, email, password_hash) VALUES ('a', 'a@b.c', 'h')")
        )
        await conn.execute(
            text(
                "INSERT INTO articles"
                " (slug, title, description, body, author_id, created_at, updated_at)"
                " SELECT 'old-' || n, 'Old dragons ' || n, 'From before', 'Body', 1, now(), now()"
                " FROM generate_series(1, :n) AS n"
            ),
            {"n": OLD_ARTICLES},
        )
    await asyncio.to_thread(schema.upgrade, fresh_url, "0004")
    yield engine
    await engine.dispose()


async def _versions(engine: AsyncEngine) -> dict[int, int]:
    """Each article's row version (xmin): it changes whenever the row is rewritten."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT id, xmin::text::bigint FROM articles"))
        return {row[0]: row[1] for row in rows}


async def _searchable(engine: AsyncEngine, q: str) -> int:
    query = text("SELECT count(*) FROM articles WHERE search @@ articles_search_query(:q)")
    async with engine.connect() as conn:
        return int((await conn.execute(query, {"q": q})).scalar_one())


async def test_rows_from_before_the_expand_wait_for_the_backfill(expanded: AsyncEngine) -> None:
    assert await search_backfill.pending(expanded) == OLD_ARTICLES
    assert await _searchable(expanded, "dragons") == 0


async def test_rows_written_after_the_expand_are_kept_current_by_the_trigger(
    expanded: AsyncEngine,
) -> None:
    async with expanded.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO articles"
                " (slug, title, description, body, author_id, created_at, updated_at)"
                " VALUES ('new', 'New wyverns', 'Fresh', 'Body', 1, now(), now())"
            )
        )
    assert await _searchable(expanded, "wyverns") == 1

    async with expanded.begin() as conn:
        await conn.execute(text("UPDATE articles SET title = 'New griffins' WHERE slug = 'new'"))
    assert (await _searchable(expanded, "wyverns"), await _searchable(expanded, "griffins")) == (
        0,
        1,
    )
    assert await search_backfill.pending(expanded) == OLD_ARTICLES


async def test_the_backfill_fills_every_row_in_bounded_batches(expanded: AsyncEngine) -> None:
    batches: list[int] = []

    done = await search_backfill.backfill(expanded, batch_size=4, on_batch=batches.append)

    assert batches == [4, 4, 2]
    assert (done.updated, done.batches) == (OLD_ARTICLES, 3)
    assert await search_backfill.pending(expanded) == 0
    assert await _searchable(expanded, "old dragons") == OLD_ARTICLES


class Interrupted(Exception):
    pass


async def test_an_interrupted_backfill_resumes_and_never_redoes_a_row(
    expanded: AsyncEngine,
) -> None:
    def stop(rows: int) -> None:
        raise Interrupted(rows)

    with pytest.raises(Interrupted):
        await search_backfill.backfill(expanded, batch_size=3, on_batch=stop)
    assert await search_backfill.pending(expanded) == OLD_ARTICLES - 3  # batch 1 committed
    first_run = await _versions(expanded)

    resumed = await search_backfill.backfill(expanded, batch_size=3)

    assert resumed.updated == OLD_ARTICLES - 3
    assert await search_backfill.pending(expanded) == 0
    after = await _versions(expanded)
    untouched = [row for row in first_run if after[row] == first_run[row]]
    assert len(untouched) == 3  # exactly the rows of the first batch kept their version


async def test_a_database_before_the_expand_is_refused(fresh_url: str) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "0002")
    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        with pytest.raises(search_backfill.SearchColumnMissing, match="make migrate"):
            await search_backfill.pending(engine)
    finally:
        await engine.dispose()


async def test_the_contract_revision_finishes_whatever_the_backfill_left(
    expanded: AsyncEngine, fresh_url: str
) -> None:
    assert await search_backfill.pending(expanded) == OLD_ARTICLES

    await asyncio.to_thread(schema.upgrade, fresh_url, "head")

    assert await search_backfill.pending(expanded) == 0
    with pytest.raises(IntegrityError, match="null value"):
        async with expanded.begin() as conn:
            await conn.execute(text("UPDATE articles SET search = NULL WHERE slug = 'old-1'"))


async def test_the_cli_backfills_with_a_progress_bar(expanded: AsyncEngine, fresh_url: str) -> None:
    command = [
        sys.executable,
        "-m",
        "entrypoints.cli",
        "db",
        "backfill-search",
        "--batch-size",
        "4",
    ]
    env = os.environ | {"DATABASE_URL": fresh_url, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(  # noqa: ASYNC221 - a short child process
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "search vectors written: 10 articles in 3 batches" in done.stdout
    assert "100% 10/10" in done.stderr
    assert await search_backfill.pending(expanded) == 0
