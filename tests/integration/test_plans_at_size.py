"""Every read statement, planned on a database with real proportions, reads through indexes.

A bulk-seeded database (10,000 articles, 1,000 users, 100 tags, a reader following 500
authors) is analysed, then each list, feed, search and detail statement is planned the way
the service runs it (a prepared statement with a generic plan) and run under EXPLAIN
ANALYZE. A sequential scan of articles, favorites, follows or feed_timelines (the heavy
reader's feed, migration 0022) fails the test: it is the plan whose cost grows with the
table. Bulk seeding needs a superuser (the throwaway embedded server is one); elsewhere the
test is skipped.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from itertools import combinations
from typing import Any

import asyncpg
import pytest
from sqlalchemy import make_url, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.postgres import queries, schema
from adapters.postgres.bulk_seed import BulkOptions, bulk_seed
from adapters.postgres.counters import mismatches

pytestmark = pytest.mark.postgres

OPTIONS = BulkOptions(users=1_000, articles=10_000, tags=100, heavy_follows=500)
GROWING = re.compile(r"Seq Scan on (articles|favorites|follows|feed_timelines)\b")
FILTERS = ("author", "tag", "favorited_by")


@pytest.fixture
async def seeded(fresh_url: str) -> AsyncIterator[asyncpg.Connection]:
    await _migrate(fresh_url)
    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            if not await conn.scalar(_SUPERUSER):
                pytest.skip("bulk seeding needs a superuser (session_replication_role)")
        await bulk_seed(engine, OPTIONS, "not-a-hash", lambda *_: None)
        assert await mismatches(engine) == []
    finally:
        await engine.dispose()
    url = make_url(fresh_url)
    conn = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host or url.query.get("host"),
        port=url.port,
        database=url.database,
        server_settings={"plan_cache_mode": "force_generic_plan", "jit": "off"},
    )
    try:
        yield conn
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    await asyncio.to_thread(schema.upgrade, url)


_SUPERUSER = text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")


async def _plan(conn: asyncpg.Connection, name: str, sql: str, args: list[Any]) -> str:
    """EXPLAIN ANALYZE of `sql` as a prepared statement with a generic plan."""
    statement = await conn.prepare(sql)
    types = ", ".join(_sql_type(t.name) for t in statement.get_parameters())
    await conn.execute(f"PREPARE {name} {f'({types})' if types else ''} AS {sql}")
    values = ", ".join(_literal(v) for v in args)
    call = f"EXECUTE {name} ({values})" if args else f"EXECUTE {name}"
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {call}")
    return "\n".join(row[0] for row in rows)


def _sql_type(name: str) -> str:
    return {"int8": "bigint", "int4": "integer"}.get(name, name)


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


async def _statements(conn: asyncpg.Connection) -> dict[str, tuple[str, list[Any]]]:
    tag = await conn.fetchval("SELECT name FROM tags ORDER BY articles_count DESC LIMIT 1")
    author = await conn.fetchval("SELECT username FROM users ORDER BY articles_count DESC LIMIT 1")
    fan = await conn.fetchval("SELECT username FROM users ORDER BY favorites_count DESC LIMIT 1")
    slug = await conn.fetchval("SELECT slug FROM articles ORDER BY id LIMIT 1")
    values = {"author": author, "tag": tag, "favorited_by": fan}
    reader = 1  # follows OPTIONS.heavy_follows authors
    found: dict[str, tuple[str, list[Any]]] = {}
    for size in range(len(FILTERS) + 1):
        for names in combinations(FILTERS, size):
            given = [values[name] for name in names]
            for offset in (0, 5_000):
                found[f"list {names} offset {offset}"] = (
                    queries.list_sql(names),
                    [reader, 20, offset, *given],
                )
            for word in ("subject", "dragon", "nosuchword"):
                found[f"search {word!r} {names}"] = (
                    queries.search_sql(names),
                    [reader, 20, 0, word, 1_000, *given],
                )
    for who, offset in ((reader, 0), (reader, 5_000), (2, 0)):
        found[f"feed of {who} offset {offset}"] = (queries.feed_sql(), [who, 20, offset])
    for name, sql in (
        ("article", queries.ARTICLE_SQL),
        ("comments", queries.COMMENTS_SQL),
    ):
        found[name] = (sql, [reader, slug])
    found["profile"] = (queries.PROFILE_SQL, [reader, author])
    found["tags"] = (queries.TAGS_SQL, [])
    return found


async def test_no_read_scans_a_growing_table(seeded: asyncpg.Connection) -> None:
    await seeded.execute("ANALYZE")
    scans = {}
    for n, (name, (sql, args)) in enumerate((await _statements(seeded)).items()):
        plan = await _plan(seeded, f"s{n}", sql, args)
        if GROWING.search(plan):
            scans[name] = plan
    assert not scans, "\n\n".join(f"{name}:\n{plan}" for name, plan in scans.items())
