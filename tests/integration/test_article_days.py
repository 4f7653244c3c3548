"""A page of every article starts at its day (migration 0020) and is still the page the
contract defines: the articles newest first, `limit` of them after `offset`.

The articles here are written straight into the tables with the times a test needs (days
apart, on either side of a UTC midnight, several in one day), so that pages begin, end
and straddle days; the trigger counts each by its `created_at`, whoever writes it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.postgres import queries, schema
from adapters.postgres.counters import mismatches
from adapters.postgres.queries import PostgresArticleQueries
from adapters.sqlalchemy.engine import DriverReader, StatementCounter
from domain.views import ArticleFilter

MIDNIGHT = datetime(2026, 3, 1, tzinfo=UTC)

# Seven days of articles, 0 to 6 a day, with a pair a microsecond either side of midnight.
TIMES = [
    MIDNIGHT - timedelta(days=3, hours=2),
    MIDNIGHT - timedelta(days=2, hours=20),
    MIDNIGHT - timedelta(days=2, hours=10),
    MIDNIGHT - timedelta(microseconds=1),
    MIDNIGHT,
    MIDNIGHT + timedelta(hours=1),
    MIDNIGHT + timedelta(hours=1),  # a tie in time: the larger id is newer
    MIDNIGHT + timedelta(days=1, hours=23, minutes=59),
    *(MIDNIGHT + timedelta(days=3, minutes=n) for n in range(6)),
    MIDNIGHT + timedelta(days=5),
]


async def _write(engine: AsyncEngine, times: list[datetime]) -> None:
    async with engine.begin() as conn:
        author = (
            await conn.execute(
                text(
                    "INSERT INTO users (username, email, password_hash)"
                    " VALUES ('writer', 'writer@example.com', 'hash') RETURNING id"
                )
            )
        ).scalar_one()
        for n, at in enumerate(times):
            await conn.execute(
                text(
                    "INSERT INTO articles"
                    " (slug, title, description, body, author_id, created_at, updated_at)"
                    " VALUES (:slug, :title, 'd', 'b', :author, :at, :at)"
                ),
                {"slug": f"post-{n}", "title": f"Post {n}", "author": author, "at": at},
            )


async def _expected(engine: AsyncEngine, limit: int, offset: int) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT slug FROM articles ORDER BY created_at DESC, id DESC"
                " LIMIT :limit OFFSET :offset"
            ),
            {"limit": limit, "offset": offset},
        )
        return list(rows.scalars())


async def _every_page_agrees(engine: AsyncEngine, total: int) -> None:
    reader = PostgresArticleQueries(DriverReader(engine, StatementCounter()))
    for limit in (1, 3, 20):
        for offset in range(total + 2):
            page = await reader.articles(ArticleFilter(limit=limit, offset=offset), None)
            assert page.count == total
            got = [a.slug for a in page.articles]
            assert got == await _expected(engine, limit, offset), (limit, offset)


async def test_every_page_across_days_and_midnights_is_the_lists_page(db: AsyncEngine) -> None:
    await _write(db, TIMES)

    await _every_page_agrees(db, len(TIMES))
    assert await mismatches(db) == []


async def test_pages_stay_exact_when_a_days_articles_are_deleted(db: AsyncEngine) -> None:
    await _write(db, TIMES)
    async with db.begin() as conn:
        # Every article of one day, one of another, and the newest.
        await conn.execute(text("DELETE FROM articles WHERE slug IN ('post-1', 'post-2')"))
        await conn.execute(text("DELETE FROM articles WHERE slug IN ('post-9', 'post-14')"))

    await _every_page_agrees(db, len(TIMES) - 4)
    assert await mismatches(db) == []


async def test_a_deep_page_skips_only_the_articles_of_its_own_day(db: AsyncEngine) -> None:
    """Ten days of ten articles: offset 75 starts in the eighth day back, so the time
    index gives the five articles of that day before the page and the page itself, not
    the 75 before it."""
    await _write(
        db, [MIDNIGHT + timedelta(days=d, minutes=m) for d in range(10) for m in range(10)]
    )
    sql = queries.list_sql(()).replace("$1", "NULL::bigint").replace("$2", "3")
    async with db.connect() as conn:
        await conn.execute(text("ANALYZE articles, article_days"))
        plan = "\n".join(
            row[0]
            for row in await conn.execute(
                text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql.replace('$3', '75')}")
            )
        )
    scans = [line for line in plan.splitlines() if "Index Only Scan" in line and "articles" in line]
    assert scans, plan
    assert "rows=8 " in scans[0], plan
    await _every_page_agrees(db, 100)


async def test_the_backfill_counts_days_written_before_and_between_the_two_revisions(
    fresh_url: str,
) -> None:
    """0020's trigger counts from its commit on; 0021 counts what came before, and must not
    count twice what the trigger saw in between (a deletion of an old article, a day whose
    every article went, a new article) nor miss what it did not."""
    await asyncio.to_thread(schema.upgrade, fresh_url, "0019")
    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    try:
        await _write(engine, TIMES)
        await asyncio.to_thread(schema.upgrade, fresh_url, "0020")
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM articles WHERE slug IN ('post-0', 'post-9')"))
            await conn.execute(
                text(
                    "INSERT INTO articles"
                    " (slug, title, description, body, author_id, created_at, updated_at)"
                    " SELECT 'late', 'Late', 'd', 'b', author_id, :at, :at FROM articles LIMIT 1"
                ),
                {"at": MIDNIGHT + timedelta(days=3, hours=5)},
            )
        async with engine.connect() as conn:  # the check of head reads tables 0020 lacks
            days_off = await conn.scalar(
                text(
                    "SELECT count(*) FROM (SELECT article_day(created_at) AS day, count(*) AS n"
                    " FROM articles GROUP BY 1) d FULL JOIN (SELECT day, sum(articles) AS n"
                    " FROM article_days GROUP BY day) k USING (day)"
                    " WHERE d.n IS DISTINCT FROM k.n"
                )
            )
        assert days_off, "0020 alone counts only what it saw"

        await asyncio.to_thread(schema.upgrade, fresh_url, "head")

        assert await mismatches(engine) == []
        await _every_page_agrees(engine, len(TIMES) - 1)
    finally:
        await engine.dispose()


async def test_the_total_reads_its_shards_by_key_after_a_mass_write_spread_them(
    db: AsyncEngine,
) -> None:
    """One transaction that changes thousands of articles updates a shard thousands of
    times before any old version can be pruned: the 16 rows end up over many pages, and a
    sequential scan of them would be read on every list."""
    async with db.begin() as conn:
        await conn.execute(
            text(
                "DO $$ BEGIN FOR n IN 1..30000 LOOP"
                " UPDATE article_totals SET articles = articles WHERE shard = n % 16;"
                " END LOOP; END $$"
            )
        )
    async with db.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE article_totals"))
        pages = await conn.scalar(
            text("SELECT relpages FROM pg_class WHERE relname = 'article_totals'")
        )
        sql = queries.list_sql(()).replace("$1", "NULL::bigint").replace("$2", "20")
        plan = "\n".join(
            row[0] for row in await conn.execute(text(f"EXPLAIN {sql.replace('$3', '0')}"))
        )
    assert isinstance(pages, int) and pages > 100, pages
    assert "article_totals" in plan and "Seq Scan on article_totals" not in plan, plan
