"""The counters of migration 0008: fill them on a live database, and prove them exact.

`python -m entrypoints.cli db backfill-counters [--batch-size N]` fills what revision 0008
left NULL, in bounded batches, each its own short transaction (an interrupted run loses at
most the batch in flight and resumes where it stopped). A counter row is locked before it
is counted, in a later statement with a fresh snapshot: a writer's trigger either committed
before the lock (and is counted) or waits for it (and adds its one to the exact figure).

`python -m entrypoints.cli db check-counters` (`make db-check-counters`) recounts every
counter from the rows it counts and lists the ones that differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DEFAULT_BATCH_SIZE = 5000
LOCK_TIMEOUT = "5s"

_DATES = text(
    """
    WITH batch AS (SELECT id, created_at FROM articles WHERE id > :after ORDER BY id LIMIT :size),
    tagged AS (
        UPDATE article_tags t SET article_created_at = b.created_at FROM batch b
        WHERE t.article_id = b.id AND t.article_created_at IS NULL RETURNING 1),
    favorited AS (
        UPDATE favorites f SET article_created_at = b.created_at FROM batch b
        WHERE f.article_id = b.id AND f.article_created_at IS NULL RETURNING 1)
    SELECT (SELECT max(id) FROM batch),
           (SELECT count(*) FROM tagged) + (SELECT count(*) FROM favorited)
    """
)
_LOCK_USERS = text(
    "SELECT id FROM users WHERE id > :after"
    " AND (articles_count IS NULL OR favorites_count IS NULL)"
    " ORDER BY id LIMIT :size FOR UPDATE"
)
_COUNT_USERS = text(
    """
    UPDATE users u SET
        articles_count = (SELECT count(*) FROM articles a WHERE a.author_id = u.id),
        favorites_count = (SELECT count(*) FROM favorites f WHERE f.user_id = u.id)
    WHERE u.id = ANY(:ids)
    """
)
_LOCK_TAGS = text(
    "SELECT id FROM tags WHERE id > :after AND articles_count IS NULL"
    " ORDER BY id LIMIT :size FOR UPDATE"
)
_COUNT_TAGS = text(
    "UPDATE tags t SET articles_count ="
    " (SELECT count(*) FROM article_tags at WHERE at.tag_id = t.id) WHERE t.id = ANY(:ids)"
)
_LOCK_TOTALS = text(
    "SELECT shard FROM article_totals WHERE EXISTS"
    " (SELECT FROM article_totals WHERE articles IS NULL) FOR UPDATE"
)
_COUNT_TOTALS = text(
    "UPDATE article_totals SET articles ="
    " CASE WHEN shard = 0 THEN (SELECT count(*) FROM articles) ELSE 0 END"
)

# Every counter against a recount of what it counts: one row per disagreement.
_MISMATCHES = text(
    """
    SELECT 'articles' AS counter, '' AS owner, (SELECT sum(articles) FROM article_totals) AS kept,
           (SELECT count(*) FROM articles) AS counted
    UNION ALL
    SELECT 'user articles', u.username, u.articles_count, coalesce(a.n, 0)
    FROM users u LEFT JOIN (SELECT author_id, count(*) AS n FROM articles GROUP BY author_id) a
         ON a.author_id = u.id
    UNION ALL
    SELECT 'user favorites', u.username, u.favorites_count, coalesce(f.n, 0)
    FROM users u LEFT JOIN (SELECT user_id, count(*) AS n FROM favorites GROUP BY user_id) f
         ON f.user_id = u.id
    UNION ALL
    SELECT 'tag articles', t.name, t.articles_count, coalesce(x.n, 0)
    FROM tags t LEFT JOIN (SELECT tag_id, count(*) AS n FROM article_tags GROUP BY tag_id) x
         ON x.tag_id = t.id
    UNION ALL
    SELECT 'article favorites', a.slug, a.favorites_count, coalesce(f.n, 0)
    FROM articles a
    LEFT JOIN (SELECT article_id, count(*) AS n FROM favorites GROUP BY article_id) f
         ON f.article_id = a.id
    UNION ALL
    SELECT 'tag link dates', a.slug, count(*), 0
    FROM article_tags t JOIN articles a ON a.id = t.article_id
    WHERE t.article_created_at IS DISTINCT FROM a.created_at GROUP BY a.slug
    UNION ALL
    SELECT 'favorite dates', a.slug, count(*), 0
    FROM favorites f JOIN articles a ON a.id = f.article_id
    WHERE f.article_created_at IS DISTINCT FROM a.created_at GROUP BY a.slug
    """
)


@dataclass(frozen=True, slots=True)
class Mismatch:
    counter: str
    owner: str
    kept: int | None
    counted: int


async def mismatches(engine: AsyncEngine) -> list[Mismatch]:
    """Counters that differ from a recount (empty when all are exact). Reads every row."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_MISMATCHES)).all()
    return [
        Mismatch(row.counter, row.owner, row.kept, row.counted)
        for row in rows
        if row.kept != row.counted
    ]


async def backfill(
    engine: AsyncEngine,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[str, int], None] | None = None,
) -> int:
    """Fill every NULL counter and copied date; returns the batches that changed rows.
    Every article is visited once (in id order) for the dates; the rest reads only what
    is still NULL."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    report = on_batch or (lambda what, rows: None)
    batches = 0
    after = 0
    while True:
        async with engine.begin() as conn:
            await _limit_lock_wait(conn)
            last, rows = (await conn.execute(_DATES, {"after": after, "size": batch_size})).one()
        if last is None:
            break
        after = last
        if rows:
            batches += 1
            report("dates", rows)
    for what, lock, count in (
        ("users", _LOCK_USERS, _COUNT_USERS),
        ("tags", _LOCK_TAGS, _COUNT_TAGS),
    ):
        after = 0
        while True:
            async with engine.begin() as conn:
                await _limit_lock_wait(conn)
                ids = list(
                    (await conn.execute(lock, {"after": after, "size": batch_size})).scalars()
                )
                if ids:
                    await conn.execute(count, {"ids": ids})
            if not ids:
                break
            after, batches = max(ids), batches + 1
            report(what, len(ids))
    async with engine.begin() as conn:
        await _limit_lock_wait(conn)
        if (await conn.execute(_LOCK_TOTALS)).first() is not None:
            await conn.execute(_COUNT_TOTALS)
            batches += 1
            report("totals", 1)
    return batches


async def _limit_lock_wait(conn: AsyncConnection) -> None:
    await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
