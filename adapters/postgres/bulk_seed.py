"""A database of a real site's size, written by PostgreSQL itself (set-based SQL).

`seed --bulk` writes users, tags, articles, tag links, favorites, comments and follows with
`INSERT ... SELECT` over `generate_series`, never through the use cases one by one: a
million articles take minutes, not hours. Every value is a function of the row's number
and the seed (`hashint8extended`), so the same options always give the same database.

What the use cases and triggers keep is written here directly, and equal to what they
would have written: slugs unique (the article number is part of each title), `tag_list`,
`favorites_count`, `search`, the copied article dates, every counter of migration 0008
and the feed totals of 0015 (with 0018's author filters and 0022's timelines).
`check-counters` proves it.
Triggers and foreign-key checks are off while loading (`session_replication_role =
replica`, which needs a superuser, as the embedded database's user is), secondary indexes
are dropped first and rebuilt after, and the tables are vacuumed and analysed at the end.
Rows are written at their tables' fillfactor (migration 0014), so the pages keep the room
a running site's would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

TABLES = (
    "users",
    "tags",
    "articles",
    "article_tags",
    "favorites",
    "comments",
    "follows",
    "feed_totals",
    "article_days",
    "feed_timelines",
    "feed_timeline_authors",
)
CHUNK = 50_000
"""Articles per transaction (with their links, favorites and comments)."""
STRIDE = 1_000_003
"""A prime: `(base + k * STRIDE) % n` visits distinct rows for k < n when n is not a multiple."""
FIRST_ARTICLE = datetime(2023, 1, 1, tzinfo=UTC)
ARTICLE_SPACING_SECONDS = 60


class BulkSeedRefused(RuntimeError):
    """The database is not empty, or the options cannot be met."""


@dataclass(frozen=True, slots=True)
class BulkOptions:
    users: int = 100_000
    articles: int = 1_000_000
    tags: int = 1_000
    tags_per_article: int = 2
    favorites_per_article: int = 3
    comments_per_article: int = 3
    follows_per_user: int = 20
    heavy_follows: int | None = None
    """The first user (the heavy reader) also follows this many authors (default: a
    twentieth of the users, 5,000 of 100,000)."""
    seed: int = 1

    def __post_init__(self) -> None:
        if self.users < 2 or self.articles < 0 or self.tags < self.tags_per_article:
            raise BulkSeedRefused("need at least 2 users and as many tags as tags per article")
        if self.tags_per_article != 2:
            raise BulkSeedRefused("bulk articles carry exactly 2 tags (a popular and any other)")
        if not 0 <= self.follows_per_user < self.users or self.heavy >= self.users:
            raise BulkSeedRefused("follows per user and heavy follows must stay below users")
        if min(self.favorites_per_article, self.comments_per_article, self.heavy) < 0:
            raise BulkSeedRefused("counts must not be negative")
        if self.users % STRIDE == 0:
            raise BulkSeedRefused(f"users must not be a multiple of {STRIDE}")

    @property
    def heavy(self) -> int:
        return self.users // 20 if self.heavy_follows is None else self.heavy_follows

    def username(self, n: int) -> str:
        """The n-th user's name (1-based); the password of every bulk user is `password123`."""
        return f"b{self.seed}_{n:06d}"


# pg_temp functions live as long as the session: r(n, salt) is the seeded dice.
_FUNCTIONS = (
    """CREATE FUNCTION pg_temp.r(n bigint, salt int) RETURNS bigint
       LANGUAGE sql IMMUTABLE AS
       $$ SELECT hashint8extended(n * 16 + salt, :seed) & 9223372036854775807 $$""",
    """CREATE FUNCTION pg_temp.word(n bigint, salt int) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT (ARRAY[
         'quiet','hidden','practical','brave','tiny','ancient','honest','curious','patient',
         'modern','gentle','stubborn','elegant','forgotten','wild','careful','dragon',
         'database','index','queue','garden','library','compiler','river','migration',
         'lighthouse','kitchen','protocol','mountain','cache','teacher','map','train','tame',
         'debug','measure','rebuild','explain','ship','refactor','observe','feed','deploy',
         'sketch','profile','document','scale','question','with','before','after','because',
         'slowly','night','production','tuesday','together','again','lock','row'
       ])[1 + pg_temp.r(n, salt) % 60] $$""",
    # The popular tag: 1 + floor(T * u^3) gives tag 1 about 10% of the articles.
    """CREATE FUNCTION pg_temp.first_tag(n bigint, tags int) RETURNS int
       LANGUAGE sql IMMUTABLE AS
       $$ SELECT 1 + floor(tags * power((pg_temp.r(n, 2) % 1000000) / 1000000.0, 3))::int $$""",
    """CREATE FUNCTION pg_temp.second_tag(n bigint, tags int) RETURNS int
       LANGUAGE sql IMMUTABLE AS $$
       SELECT CASE WHEN t = pg_temp.first_tag(n, tags) THEN t % tags + 1 ELSE t END
       FROM (SELECT (1 + pg_temp.r(n, 3) % tags)::int AS t) x $$""",
    """CREATE FUNCTION pg_temp.tag_name(t int) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT 'topic-' || lpad(t::text, 4, '0') $$""",
    # Padded, so the names sort as their numbers do (tag_list is sorted by name).
)

_PARAGRAPHS = """
CREATE TEMPORARY TABLE paragraphs ON COMMIT PRESERVE ROWS AS
SELECT p, initcap(string_agg(pg_temp.word(p * 100 + w, 7), ' ' ORDER BY w))
          || ', on the subject of ' || pg_temp.word(p, 8) || '.' AS text
FROM generate_series(0, 999) p, generate_series(1, 45) w GROUP BY p
"""

_USERS = """
INSERT INTO users (id, username, email, password_hash, bio, image, created_at,
                   articles_count, favorites_count)
SELECT n, format('b%s_%s', :seed, lpad(n::text, 6, '0')),
       format('b%s_%s@bulk.example', :seed, lpad(n::text, 6, '0')), :hash,
       NULL, NULL, :first, 0, 0
FROM generate_series(1, :users) n
"""

_TAGS = """
INSERT INTO tags (id, name, articles_count)
SELECT t, pg_temp.tag_name(t), 0 FROM generate_series(1, :tags) t
"""

_ARTICLES = """
INSERT INTO articles (id, slug, title, description, body, author_id, created_at, updated_at,
                      tag_list, favorites_count, search)
SELECT n, lower(w1 || '-' || w2 || '-' || w3) || '-' || n, title, description, body,
       author, at, at, tag_list, fans, articles_search_vector(title, description, body)
FROM (
  SELECT n, w1, w2, w3, initcap(w1) || ' ' || w2 || ' ' || w3 || ' ' || n AS title,
         initcap(pg_temp.word(n, 9)) || ' ' || pg_temp.word(n, 10) || ' on '
           || pg_temp.word(n, 11) || '.' AS description,
         array_to_string(ARRAY[
           para.a[1 + pg_temp.r(n * 8 + 1, 12) % 1000], para.a[1 + pg_temp.r(n * 8 + 2, 12) % 1000],
           para.a[1 + pg_temp.r(n * 8 + 3, 12) % 1000], para.a[1 + pg_temp.r(n * 8 + 4, 12) % 1000],
           para.a[1 + pg_temp.r(n * 8 + 5, 12) % 1000]], E'\n\n') AS body,
         1 + pg_temp.r(n, 1) % :users AS author,
         :first + n * make_interval(secs => :spacing) AS at,
         ARRAY(SELECT pg_temp.tag_name(t) FROM unnest(ARRAY[
           pg_temp.first_tag(n, :tags), pg_temp.second_tag(n, :tags)]) t
           ORDER BY t) AS tag_list,
         pg_temp.r(n, 4) % (2 * :favorites + 1) AS fans
  FROM (SELECT array_agg(text ORDER BY p) AS a FROM paragraphs) para,
       generate_series(:lo, :hi) n,
       LATERAL (SELECT pg_temp.word(n, 13) AS w1, pg_temp.word(n, 14) AS w2,
                       pg_temp.word(n, 15) AS w3) w
) a
"""

_ARTICLE_TAGS = """
INSERT INTO article_tags (article_id, tag_id, article_created_at)
SELECT a.id, t, a.created_at FROM articles a,
       unnest(ARRAY[pg_temp.first_tag(a.id, :tags), pg_temp.second_tag(a.id, :tags)]) t
WHERE a.id BETWEEN :lo AND :hi
"""

_FAVORITES = """
INSERT INTO favorites (user_id, article_id, article_created_at)
SELECT 1 + (pg_temp.r(a.id, 5) + k * :stride) % :users, a.id, a.created_at
FROM articles a, generate_series(0, a.favorites_count - 1) k
WHERE a.id BETWEEN :lo AND :hi
"""

_COMMENTS = """
INSERT INTO comments (article_id, author_id, body, created_at)
SELECT a.id, 1 + pg_temp.r(a.id * 8 + k, 6) % :users,
       left(para.a[1 + pg_temp.r(a.id * 8 + k, 16) % 1000],
            40 + (pg_temp.r(a.id * 8 + k, 17) % 200)::int),
       a.created_at + (k + 1) * interval '1 minute'
FROM (SELECT array_agg(text ORDER BY p) AS a FROM paragraphs) para, articles a,
     generate_series(0, pg_temp.r(a.id, 18) % (2 * :comments + 1) - 1) k
WHERE a.id BETWEEN :lo AND :hi
"""

# Each author's first followers by id are in their feed totals (migration 0015), as if
# they had followed in id order.
_FOLLOWS = """
INSERT INTO follows (follower_id, followee_id, in_feed_total)
SELECT follower, followee,
       row_number() OVER (PARTITION BY followee ORDER BY follower) <= feed_total_cap()
FROM (
  SELECT f AS follower, 1 + (f - 1 + k * :stride) % :users AS followee
  FROM generate_series(1, :users) f, generate_series(1, :per_user) k
  UNION
  SELECT 1, followee FROM generate_series(2, :heavy + 1) followee) pairs
"""

_COUNTERS = (
    """UPDATE users u SET articles_count = x.n FROM
       (SELECT author_id, count(*) AS n FROM articles GROUP BY author_id) x
       WHERE u.id = x.author_id""",
    """UPDATE users u SET favorites_count = x.n FROM
       (SELECT user_id, count(*) AS n FROM favorites GROUP BY user_id) x
       WHERE u.id = x.user_id""",
    """UPDATE tags t SET articles_count = x.n FROM
       (SELECT tag_id, count(*) AS n FROM article_tags GROUP BY tag_id) x
       WHERE t.id = x.tag_id""",
    """UPDATE article_totals SET articles =
       CASE WHEN shard = 0 THEN (SELECT count(*) FROM articles) ELSE 0 END""",
    # Each day's count as its base row (migration 0020), as the backfill of 0021 writes it.
    """INSERT INTO article_days (day, shard, articles)
       SELECT article_day(created_at), -1, count(*) FROM articles GROUP BY 1""",
    """INSERT INTO feed_totals (user_id, authors, articles)
       SELECT f.follower_id, count(*), sum(u.articles_count) FROM follows f
       JOIN users u ON u.id = f.followee_id WHERE f.in_feed_total GROUP BY f.follower_id""",
    # The author filters of migration 0018, for readers of at least feed_filter_min().
    """INSERT INTO feed_totals (user_id, authors, articles, author_bits)
       SELECT follower_id, 0, 0, feed_filter_of(follower_id) FROM follows
       GROUP BY follower_id HAVING count(*) >= feed_filter_min()
       ON CONFLICT (user_id) DO UPDATE SET author_bits = EXCLUDED.author_bits""",
    # Their feeds written ahead (migration 0022), as feed_timeline_build() writes one.
    """INSERT INTO feed_timeline_authors (author_id, reader_id)
       SELECT f.followee_id, f.follower_id FROM follows f
       JOIN feed_totals t ON t.user_id = f.follower_id WHERE t.author_bits IS NOT NULL""",
    """INSERT INTO feed_timelines (reader_id, created_at, article_id)
       SELECT f.follower_id, a.created_at, a.id FROM follows f
       JOIN feed_totals t ON t.user_id = f.follower_id
       JOIN articles a ON a.author_id = f.followee_id WHERE t.author_bits IS NOT NULL""",
    "UPDATE feed_totals SET timeline = true WHERE author_bits IS NOT NULL",
)

_SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables)
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conname = i.indexname)
ORDER BY i.indexname
"""


_TYPES = {
    "seed": "int",
    "users": "bigint",
    "tags": "int",
    "stride": "bigint",
    "first": "timestamptz",
    "spacing": "int",
    "favorites": "int",
    "comments": "int",
    "lo": "bigint",
    "hi": "bigint",
    "per_user": "int",
    "heavy": "int",
    "hash": "text",
}


def _typed(statement: str) -> TextClause:
    """The statement with each parameter cast: generate_series and format cannot infer them."""
    return text(
        re.sub(
            r"(?<![:\w]):(\w+)\b",
            lambda m: f"CAST(:{m[1]} AS {_TYPES[m[1]]})" if m[1] in _TYPES else m[0],
            statement,
        )
    )


Progress = Callable[[str, int, int], None]
"""(step, done, total): called after each committed step."""


async def bulk_seed(
    engine: AsyncEngine, options: BulkOptions, password_hash: str, progress: Progress
) -> None:
    """Fill an empty database; refuses one that has users or articles."""
    async with engine.connect() as conn:
        await _refuse_unless_empty(conn)
        await conn.execute(text("SET maintenance_work_mem = '512MB'"))
        await conn.execute(text("SET session_replication_role = replica"))
        for function in _FUNCTIONS:
            await conn.execute(text(function.replace(":seed", str(int(options.seed)))))
        indexes = (await conn.execute(text(_SECONDARY_INDEXES), {"tables": list(TABLES)})).all()
        for name, _ in indexes:
            await conn.execute(text(f'DROP INDEX "{name}"'))
        await conn.execute(text(_PARAGRAPHS))
        await conn.commit()
        base = {
            "seed": options.seed,
            "users": options.users,
            "tags": options.tags,
            "stride": STRIDE,
            "first": FIRST_ARTICLE,
            "spacing": ARTICLE_SPACING_SECONDS,
            "favorites": options.favorites_per_article,
            "comments": options.comments_per_article,
        }
        await _step(conn, "users", [(_USERS, {**base, "hash": password_hash})], progress)
        await _step(conn, "tags", [(_TAGS, base)], progress)
        for lo in range(1, options.articles + 1, CHUNK):
            hi = min(lo + CHUNK - 1, options.articles)
            for statement in (_ARTICLES, _ARTICLE_TAGS, _FAVORITES, _COMMENTS):
                await conn.execute(_typed(statement), {**base, "lo": lo, "hi": hi})
            await conn.commit()
            progress("articles", hi, options.articles)
        follows = {**base, "per_user": options.follows_per_user, "heavy": options.heavy}
        await _step(conn, "follows", [(_FOLLOWS, follows)], progress)
        await _step(conn, "counters", [(statement, {}) for statement in _COUNTERS], progress)
        for n, (_, definition) in enumerate(indexes, start=1):
            await conn.execute(text(definition))
            await conn.commit()
            progress("indexes", n, len(indexes))
        for table in ("users", "tags", "articles", "comments"):
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" GREATEST((SELECT max(id) FROM {table}), 1))"
                )
            )
        await conn.execute(text("RESET session_replication_role"))
        await conn.commit()
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for n, table in enumerate(TABLES, start=1):
            # VACUUM cannot run in a transaction: on the driver connection, outside one.
            await driver.execute(f"VACUUM (ANALYZE) {table}")
            progress("vacuum", n, len(TABLES))


async def _refuse_unless_empty(conn: AsyncConnection) -> None:
    busy = await conn.scalar(
        text("SELECT EXISTS (SELECT FROM users) OR EXISTS (SELECT FROM articles)")
    )
    await conn.rollback()
    if busy:
        raise BulkSeedRefused(
            "the database already has users or articles: bulk seeding fills an empty one"
            " (`make db-reset` empties the embedded database)"
        )


async def _step(
    conn: AsyncConnection,
    name: str,
    statements: list[tuple[str, dict[str, object]]],
    progress: Progress,
) -> None:
    for statement, params in statements:
        await conn.execute(_typed(statement), params)
    await conn.commit()
    progress(name, 1, 1)
