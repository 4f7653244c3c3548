"""The counters of migrations 0008 and 0015 (and 0018's feed filters, 0022's timelines):
fill them on a live database, and prove them exact, with 0020's articles per day (which
0021 fills).

`python -m entrypoints.cli db backfill-counters [--batch-size N]` fills what revision 0008
left NULL, builds the author filters 0018 added and the timelines 0022 added (one reader a
transaction, holding article writes while it copies), and marks the follows made before 0015
into their readers' feed totals, in bounded batches, each its own short transaction (an
interrupted run loses at most the batch in flight and resumes where it stopped). A counter
row is locked before it is counted, in a later statement with a fresh snapshot: a writer's
trigger either committed before the lock (and is counted) or waits for it (and adds its one
to the exact figure).

`python -m entrypoints.cli db check-counters` (`make db-check-counters`) recounts every
counter from the rows it counts and lists the ones that differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DEFAULT_BATCH_SIZE = 5000
FILTER_BATCH = 50
"""Readers whose filters one transaction builds: about 10 ms each at 1M, and while it runs
their follows and the fan-outs of articles to them wait."""
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

# From the partial index of 0016: a site whose every follow is marked skips the pass.
_ANY_UNMARKED = text("SELECT EXISTS (SELECT FROM follows WHERE NOT in_feed_total)")
# Follows made before migration 0015 are summed at read time until marked here. The
# authors' rows are locked first (FOR SHARE: a commit of their articles, whose counter
# update at commit fans out to marked follows, waits), then their follows are marked up to
# the cap, and each reader's total gets the authors' counts, in reader order like a fan-out.
_LOCK_AUTHORS = text("SELECT id FROM users WHERE id > :after ORDER BY id LIMIT :size FOR SHARE")
_MARK_FOLLOWS = text(
    """
    WITH picked AS (
        SELECT f.follower_id, f.followee_id FROM unnest(CAST(:ids AS bigint[])) author
        CROSS JOIN LATERAL (
            SELECT follower_id, followee_id FROM follows
            WHERE followee_id = author AND NOT in_feed_total
            ORDER BY follower_id LIMIT greatest(feed_total_room(author), 0)) f),
    marked AS (
        UPDATE follows f SET in_feed_total = true FROM picked p
        WHERE f.follower_id = p.follower_id AND f.followee_id = p.followee_id
          AND NOT f.in_feed_total
        RETURNING f.follower_id, f.followee_id),
    added AS (
        INSERT INTO feed_totals (user_id, authors, articles)
        SELECT m.follower_id, count(*), sum(u.articles_count) FROM marked m
        JOIN users u ON u.id = m.followee_id
        GROUP BY m.follower_id ORDER BY m.follower_id
        ON CONFLICT (user_id) DO UPDATE
        SET authors = feed_totals.authors + EXCLUDED.authors,
            articles = feed_totals.articles + EXCLUDED.articles)
    SELECT (SELECT count(*) FROM marked)
    """
)

# Readers of at least feed_filter_min() authors, each given a row to hold her filter (0018):
# the one read of every follow the filter backfill makes.
_FILTER_READERS = text(
    """
    WITH readers AS (
        SELECT follower_id FROM follows GROUP BY follower_id
        HAVING count(*) >= feed_filter_min()),
    added AS (
        INSERT INTO feed_totals (user_id, authors, articles)
        SELECT follower_id, 0, 0 FROM readers ORDER BY follower_id
        ON CONFLICT (user_id) DO NOTHING)
    SELECT follower_id FROM readers ORDER BY follower_id
    """
)
# Each reader's row is locked first, as a follow's trigger locks it: her follows made
# meanwhile wait, and the build in the next statement sees every one committed before.
_LOCK_UNFILTERED = text(
    "SELECT user_id FROM feed_totals WHERE user_id = ANY(:readers) AND user_id > :after"
    " AND author_bits IS NULL ORDER BY user_id LIMIT :size FOR NO KEY UPDATE"
)
_BUILD_FILTERS = text(
    "UPDATE feed_totals SET author_bits = feed_filter_of(user_id)"
    " WHERE user_id = ANY(:ids) AND author_bits IS NULL"
)

# A reader's timeline (0022) is built as the follow that gives her a filter builds it: with
# article writes held off (SHARE), so none is in flight while her authors' articles are
# read, and her row locked, so her follows wait. The table lock is taken before her row: an
# article's commit may wait for her row (0015's fan-out), so waiting for the writers while
# holding it could deadlock.
_HOLD_ARTICLES = text("LOCK TABLE articles IN SHARE MODE")
_LOCK_UNBUILT = text(
    "SELECT user_id FROM feed_totals WHERE user_id > :after"
    " AND author_bits IS NOT NULL AND NOT timeline ORDER BY user_id LIMIT 1 FOR NO KEY UPDATE"
)
_BUILD_TIMELINE = text(
    "SELECT feed_timeline_build(:reader),"
    " (SELECT count(*) FROM feed_timelines WHERE reader_id = :reader)"
)

# Every counter against a recount of what it counts: one row per disagreement.
_MISMATCHES = text(
    """
    SELECT 'articles' AS counter, '' AS owner, (SELECT sum(articles) FROM article_totals) AS kept,
           (SELECT count(*) FROM articles) AS counted
    UNION ALL
    SELECT 'day articles', d.day::text, COALESCE(k.n, 0), COALESCE(d.n, 0)
    FROM (SELECT article_day(created_at) AS day, count(*) AS n FROM articles GROUP BY 1) d
    FULL JOIN (SELECT day, sum(articles) AS n FROM article_days GROUP BY day) k USING (day)
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
    SELECT 'feed total', u.username, coalesce(t.articles, 0), coalesce(x.n, 0)
    FROM users u LEFT JOIN feed_totals t ON t.user_id = u.id
    LEFT JOIN (SELECT f.follower_id, count(*) AS n FROM follows f
               JOIN articles a ON a.author_id = f.followee_id
               WHERE f.in_feed_total GROUP BY f.follower_id) x ON x.follower_id = u.id
    UNION ALL
    SELECT 'feed authors', u.username, coalesce(t.authors, 0), coalesce(x.n, 0)
    FROM users u LEFT JOIN feed_totals t ON t.user_id = u.id
    LEFT JOIN (SELECT follower_id, count(*) AS n FROM follows WHERE in_feed_total
               GROUP BY follower_id) x ON x.follower_id = u.id
    UNION ALL
    SELECT 'feed filter misses', u.username, count(*), 0
    FROM follows f JOIN feed_totals t ON t.user_id = f.follower_id
    JOIN users u ON u.id = f.follower_id
    WHERE t.author_bits IS NOT NULL AND get_bit(t.author_bits, author_bit(f.followee_id)) = 0
    GROUP BY u.username
    UNION ALL
    -- With no misses, a filter equals its rebuild exactly when it has as many bits set.
    SELECT 'feed filter bits', u.username, bit_count(t.author_bits),
           bit_count(feed_filter_of(t.user_id))
    FROM feed_totals t JOIN users u ON u.id = t.user_id WHERE t.author_bits IS NOT NULL
    UNION ALL
    SELECT 'feed timeline', u.username,
           (SELECT count(*) FROM feed_timelines e WHERE e.reader_id = t.user_id),
           (SELECT count(*) FROM follows f JOIN articles a ON a.author_id = f.followee_id
            WHERE f.follower_id = t.user_id)
    FROM feed_totals t JOIN users u ON u.id = t.user_id WHERE t.timeline
    UNION ALL
    -- With no strays, a timeline equals its rebuild exactly when it has as many entries.
    SELECT 'feed timeline strays', u.username, count(*), 0
    FROM feed_timelines e JOIN feed_totals t ON t.user_id = e.reader_id
    JOIN users u ON u.id = e.reader_id
    WHERE NOT t.timeline OR NOT EXISTS (
        SELECT FROM articles a JOIN follows f ON f.followee_id = a.author_id
        WHERE a.id = e.article_id AND a.created_at = e.created_at
          AND f.follower_id = e.reader_id)
    GROUP BY u.username
    UNION ALL
    SELECT 'feed timeline authors', u.username,
           (SELECT count(*) FROM feed_timeline_authors r WHERE r.reader_id = t.user_id),
           (SELECT count(*) FROM follows f WHERE f.follower_id = t.user_id)
    FROM feed_totals t JOIN users u ON u.id = t.user_id WHERE t.timeline
    UNION ALL
    SELECT 'feed timeline author strays', u.username, count(*), 0
    FROM feed_timeline_authors r JOIN feed_totals t ON t.user_id = r.reader_id
    JOIN users u ON u.id = r.reader_id
    WHERE NOT t.timeline OR NOT EXISTS (
        SELECT FROM follows f WHERE f.follower_id = r.reader_id AND f.followee_id = r.author_id)
    GROUP BY u.username
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
    """Fill every NULL counter and copied date, and mark the follows not yet in a feed
    total; returns the batches that changed rows. Every article is visited once (in id
    order) for the dates and, while any follow is unmarked, every user once (as an author)
    for the follows; the rest reads only what is still NULL."""
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
        async for ids, _ in _locked_batches(engine, lock, count, batch_size):
            batches += 1
            report(what, len(ids))
    async with engine.begin() as conn:
        await _limit_lock_wait(conn)
        if (await conn.execute(_LOCK_TOTALS)).first() is not None:
            await conn.execute(_COUNT_TOTALS)
            batches += 1
            report("totals", 1)
    return batches + await backfill_feed_totals(engine, batch_size, report)


async def backfill_feed_totals(
    engine: AsyncEngine,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[str, int], None] | None = None,
) -> int:
    """Build the missing author filters (0018), then mark the follows made before migration
    0015 into their readers' totals, up to each author's cap, `batch_size` authors a
    transaction; returns the batches that built or marked any. The feed's total is exact
    before, during and after."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    report = on_batch or (lambda what, rows: None)
    batches = await backfill_feed_filters(engine, batch_size, report)
    built = await backfill_feed_timelines(engine, report)
    batches += built
    async with engine.connect() as conn:
        if not await conn.scalar(_ANY_UNMARKED):
            if built:
                await _vacuum(engine, "feed_timelines", "feed_timeline_authors")
            return batches
    async for _, marked in _locked_batches(engine, _LOCK_AUTHORS, _MARK_FOLLOWS, batch_size):
        if marked:
            batches += 1
            report("feed totals", marked)
    if batches:
        # Each mark wrote a new version of its follow: until a vacuum sets the visibility
        # map again, every index-only scan of follows (a feed's walk, `following`) also
        # reads the heap (2,745 buffers against 45 for 5,000 follows, measured at 1M). A
        # new timeline's pages are read index-only once vacuumed, the same way.
        await _vacuum(engine, "follows", "feed_totals", "feed_timelines", "feed_timeline_authors")
    return batches


async def _vacuum(engine: AsyncEngine, *tables: str) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"VACUUM (ANALYZE) {', '.join(tables)}"))


async def backfill_feed_timelines(
    engine: AsyncEngine, on_batch: Callable[[str, int], None] | None = None
) -> int:
    """Build the timeline (migration 0022) of every reader who has an author filter and no
    timeline, one reader a transaction; returns the readers built. Each build holds article
    writes (not reads) for as long as it copies her authors' articles: O(those articles),
    about 58,000 rows for a reader of 5,000 authors at 1M."""
    report = on_batch or (lambda what, rows: None)
    built = 0
    after = 0
    while True:
        async with engine.begin() as conn:
            await _limit_lock_wait(conn)
            await conn.execute(_HOLD_ARTICLES)
            reader = await conn.scalar(_LOCK_UNBUILT, {"after": after})
            if reader is None:
                return built
            entries = (await conn.execute(_BUILD_TIMELINE, {"reader": reader})).one()[1]
        after = reader
        built += 1
        report("feed timelines", entries)


async def backfill_feed_filters(
    engine: AsyncEngine,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[str, int], None] | None = None,
) -> int:
    """Build the author filter (migration 0018) of every reader of at least
    feed_filter_min() authors who has none, at most `FILTER_BATCH` readers a transaction;
    returns the batches that built any. Reads every follow once to find those readers, then
    each one's follows for her filter; a second run builds nothing."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    report = on_batch or (lambda what, rows: None)
    async with engine.begin() as conn:
        await _limit_lock_wait(conn)
        readers = list((await conn.execute(_FILTER_READERS)).scalars())
    batches = 0
    size = min(batch_size, FILTER_BATCH)
    async for ids, _ in _locked_batches(
        engine, _LOCK_UNFILTERED, _BUILD_FILTERS, size, readers=readers
    ):
        batches += 1
        report("feed filters", len(ids))
    return batches


async def _locked_batches(
    engine: AsyncEngine,
    lock: TextClause,
    work: TextClause,
    batch_size: int,
    **lock_params: object,
) -> AsyncIterator[tuple[list[int], int]]:
    """Each batch in a transaction of its own: `lock` takes the next ids after the last
    batch's and locks their rows, then `work` runs on them in a later statement (a fresh
    snapshot). Yields the ids and the number `work` returns (or the rows it changed)."""
    after = 0
    while True:
        async with engine.begin() as conn:
            await _limit_lock_wait(conn)
            params = {**lock_params, "after": after, "size": batch_size}
            ids = list((await conn.execute(lock, params)).scalars())
            if not ids:
                return
            result = await conn.execute(work, {"ids": ids})
            done = result.scalar_one() if result.returns_rows else result.rowcount
        after = max(ids)
        yield ids, done


async def _limit_lock_wait(conn: AsyncConnection) -> None:
    await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
