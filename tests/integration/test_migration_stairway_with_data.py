"""The stairway again, with rows in every table that exists at each step.

Schema changes that pass on an empty database can fail on a live one (a NOT NULL over old
rows, a backfill, a constraint to validate). So each revision goes up, gets a few rows of
data, goes down and up again; rows in tables that the step does not own must survive it.
"""

from __future__ import annotations

import asyncio
from itertools import count

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from adapters.postgres import schema
from adapters.postgres.counters import mismatches
from tests.integration.test_migrations import APP_TABLES, revisions_oldest_first, tables

_names = count(1)


async def _seed_rows(conn: AsyncConnection, present: set[str]) -> None:
    """Two users and, where the tables exist, an article of theirs with everything around it."""
    if "users" not in present:
        return
    users = []
    for _ in range(2):
        n = next(_names)
        row = await conn.execute(
            text(
                "INSERT INTO users (username, email, password_hash)"
                " VALUES (:name, :email, 'hash') RETURNING id"
            ),
            {"name": f"user{n}", "email": f"user{n}@example.com"},
        )
        users.append(row.scalar_one())
    if "articles" not in present:
        return
    n = next(_names)
    article = (
        await conn.execute(
            text(
                "INSERT INTO articles"
                " (slug, title, description, body, author_id, created_at, updated_at)"
                " VALUES (:slug, :title, 'Dragons, mostly', 'They fly.', :author, now(), now())"
                " RETURNING id"
            ),
            {"slug": f"dragons-{n}", "title": f"Dragons {n}", "author": users[0]},
        )
    ).scalar_one()
    tag = (
        await conn.execute(
            text("INSERT INTO tags (name) VALUES (:name) RETURNING id"), {"name": f"tag{n}"}
        )
    ).scalar_one()
    ids = {"article": article, "tag": tag, "fan": users[1], "author": users[0]}
    for statement in (
        "INSERT INTO article_tags (article_id, tag_id) VALUES (:article, :tag)",
        "INSERT INTO favorites (user_id, article_id) VALUES (:fan, :article)",
        "INSERT INTO follows (follower_id, followee_id) VALUES (:fan, :author)",
        "INSERT INTO comments (article_id, author_id, body, created_at)"
        " VALUES (:article, :fan, 'Nice', now())",
    ):
        await conn.execute(text(statement), ids)


async def _counts(url: str) -> dict[str, int]:
    present = await tables(url) & APP_TABLES
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return {
                table: (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in sorted(present)
            }
    finally:
        await engine.dispose()


async def _add_rows(url: str) -> None:
    present = await tables(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await _seed_rows(conn, present)
    finally:
        await engine.dispose()


async def _scalar(url: str, query: str) -> object:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(query))).scalar_one()
    finally:
        await engine.dispose()


async def test_every_revision_goes_down_and_up_again_with_data_in_place(fresh_url: str) -> None:
    for revision in revisions_oldest_first(fresh_url):
        await asyncio.to_thread(schema.upgrade, fresh_url, revision)
        await _add_rows(fresh_url)
        before = await _counts(fresh_url)

        await asyncio.to_thread(schema.downgrade, fresh_url, "-1")
        survivors = await tables(fresh_url) & APP_TABLES
        await _add_rows(fresh_url)  # the step below this one works with data too
        expected = await _counts(fresh_url)
        await asyncio.to_thread(schema.upgrade, fresh_url, revision)

        after = await _counts(fresh_url)
        assert set(after) == set(before), revision
        assert {t: after[t] for t in survivors} == expected, revision
        assert all(after[t] == 0 for t in set(after) - survivors), revision

    await asyncio.to_thread(schema.check, fresh_url)


async def test_upgrading_a_populated_database_makes_every_old_article_searchable(
    fresh_url: str,
) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "0002")
    for _ in range(3):
        await _add_rows(fresh_url)

    await asyncio.to_thread(schema.upgrade, fresh_url, "head")

    assert await _scalar(fresh_url, "SELECT count(*) FROM articles WHERE search IS NULL") == 0
    matches = "SELECT count(*) FROM articles WHERE search @@ articles_search_query('dragons fly')"
    assert await _scalar(fresh_url, matches) == 3
    nullable = (
        "SELECT is_nullable FROM information_schema.columns"
        " WHERE table_name = 'articles' AND column_name = 'search'"
    )
    assert await _scalar(fresh_url, nullable) == "NO"


async def test_upgrading_a_populated_database_counts_everything_exactly(
    fresh_url: str,
) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "0007")
    for _ in range(3):
        await _add_rows(fresh_url)

    await asyncio.to_thread(schema.upgrade, fresh_url, "head")

    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        assert await mismatches(engine) == []
        assert await _scalar(fresh_url, "SELECT sum(articles) FROM article_totals") == 3
    finally:
        await engine.dispose()


async def test_downgrading_to_base_leaves_no_function_or_trigger_behind(fresh_url: str) -> None:
    await asyncio.to_thread(schema.upgrade, fresh_url, "head")
    await _add_rows(fresh_url)

    await asyncio.to_thread(schema.downgrade, fresh_url, "base")

    functions = "SELECT count(*) FROM pg_proc WHERE proname LIKE 'articles_search%'"
    assert await _scalar(fresh_url, functions) == 0
    assert await tables(fresh_url) == {"alembic_version"}
