"""Read models straight from PostgreSQL, one statement per answer, bounded at any size.

Each statement builds its answer's JSON in PostgreSQL and runs on the asyncpg connection
under SQLAlchemy's pool: a prepared statement the connection keeps, with no ORM or Core
compilation per request. The SQL is fixed text per filter combination; `$1` is the viewer
in every statement (NULL when anonymous: every viewer test is then false). Every statement
with a viewer also says whether the viewer exists (`viewer_known`): a token that outlived
its user is refused (UnknownUser) in the same statement, whether or not the thing asked
for exists.

What a page costs (N articles; README "Performance" has the measurements):
- no filter: O(page + D + log N) for the D days the offset spans, and the articles of the
  page's day before it (at most `MAX_OFFSET`): the page's day from the counts per day
  (migration 0020), the page from the time index, the total from a counter (0008).
- one filter: O(page + offset + log N): the page is read from one index in the list's
  order, and the total from a counter. `offset` is at most `MAX_OFFSET` (a 422 past it).
- filters combined: walked from the smallest of their sets (by its counter), the others
  checked per row by primary key: O(that set), for the page and the exact count.
- the feed: `feed_sql` below.
- search: `search_sql` below.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast

import asyncpg
import orjson

from domain.errors import UnknownUser
from domain.model import CommentId, UserId
from domain.views import (
    SEARCH_WINDOW,
    ArticleFilter,
    ArticlePage,
    ArticleView,
    CommentView,
    Page,
    ProfileView,
)


class RowReader(Protocol):
    """Runs one statement and returns its one row: `DriverReader` on one database, or
    `RoutedReader` (read_routing.py) across the primary and its replicas."""

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None: ...


_PROFILE_JSON = """json_build_object(
    'username', u.username, 'bio', u.bio, 'image', u.image,
    'following', EXISTS (SELECT 1 FROM follows fo
                         WHERE fo.follower_id = $1 AND fo.followee_id = u.id))"""

_ARTICLE_JSON = (
    """json_build_object(
    'slug', a.slug, 'title', a.title, 'description', a.description, 'body', {body},
    'tags', a.tag_list, 'created_at', a.created_at, 'updated_at', a.updated_at,
    'favorites_count', a.favorites_count,
    'favorited', EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1),
    'author', """
    + _PROFILE_JSON
    + ")"
)

_NEWEST = "created_at DESC, id DESC"

_VIEWER_KNOWN = "($1::bigint IS NULL OR EXISTS (SELECT 1 FROM users v WHERE v.id = $1))"
"""False only when the viewer is an id that names no user (a token that outlived its user)."""

# Per filter: the ids of its articles in the list's order from one index (`d.id`,
# `d.created_at`), the size of that set from a counter, and a per-row membership test.
_SETS = {
    "author": (
        "SELECT id, created_at FROM articles WHERE author_id = {owner}",
        "(SELECT articles_count FROM users WHERE username = {p})",
        # (author_id, created_at, id) answers it from the author index alone.
        "EXISTS (SELECT 1 FROM articles m"
        " WHERE m.author_id = {owner} AND m.created_at = d.created_at AND m.id = d.id)",
    ),
    "tag": (
        "SELECT article_id AS id, article_created_at AS created_at"
        " FROM article_tags WHERE tag_id = {owner}",
        "(SELECT articles_count FROM tags WHERE name = {p})",
        "EXISTS (SELECT 1 FROM article_tags m WHERE m.article_id = d.id AND m.tag_id = {owner})",
    ),
    "favorited_by": (
        "SELECT article_id AS id, article_created_at AS created_at"
        " FROM favorites WHERE user_id = {owner}",
        "(SELECT favorites_count FROM users WHERE username = {p})",
        "EXISTS (SELECT 1 FROM favorites m WHERE m.user_id = {owner} AND m.article_id = d.id)",
    ),
}
_OWNERS = {
    "author": "(SELECT id FROM users WHERE username = {p})",
    "tag": "(SELECT id FROM tags WHERE name = {p})",
    "favorited_by": "(SELECT id FROM users WHERE username = {p})",
}
_EVERY_ARTICLE = "SELECT id, created_at FROM articles"
# The 16 shards through their key: a mass write (a cleanup deleting thousands of articles in
# one transaction) leaves these rows spread over hundreds of pages (390 measured at 1M after
# the bench's writes), which a sequential scan would read on every list.
_ARTICLE_TOTAL = "(SELECT sum(articles)::bigint FROM article_totals WHERE shard BETWEEN 0 AND 15)"


def _items(page: str, *, ranked: bool = False) -> str:
    """The JSON list of the articles whose ids `page` holds, in the list's order. LATERAL
    makes each a primary-key lookup whatever the planner guesses of the page's size."""
    order = ("p.rank DESC, " if ranked else "") + "p.created_at DESC, p.id DESC"
    return f"""COALESCE((
         SELECT json_agg(x.item ORDER BY {order}) FROM {page} p CROSS JOIN LATERAL (
           SELECT {_ARTICLE_JSON.format(body="NULL")} AS item
           FROM articles a JOIN users u ON u.id = a.author_id WHERE a.id = p.id LIMIT 1) x
       ), '[]')::text"""


def _filter_sets(filter_names: tuple[str, ...], first_parameter: int) -> list[tuple[str, str, str]]:
    """(scan, size, test) of each given filter, its value bound from `first_parameter` on."""
    sets = []
    for n, name in enumerate(filter_names, start=first_parameter):
        owner = _OWNERS[name].format(p=f"${n}")
        scan, size, test = _SETS[name]
        sets.append((scan.format(owner=owner), size.format(p=f"${n}"), test.format(owner=owner)))
    return sets


@cache
def list_sql(filter_names: tuple[str, ...]) -> str:
    """A page and its total in one statement: $1 viewer, $2 limit, $3 offset, $4... filters."""
    sets = _filter_sets(filter_names, first_parameter=4)
    if not sets:
        return _EVERY_ARTICLE_PAGE
    if len(sets) == 1:
        ((scan, size, _),) = sets
        return _single(scan, f"COALESCE({size}, 0)")
    return _combined(sets)


def _single(scan: str, total: str) -> str:
    return f"""
WITH page AS MATERIALIZED (
  SELECT id, created_at FROM ({scan}) d ORDER BY {_NEWEST} LIMIT $2 OFFSET $3)
SELECT {total} AS total, {_items("page")} AS items, {_VIEWER_KNOWN} AS viewer_known"""


# Every article: the page starts at the day that holds it (migration 0020). The days newer
# than the offset are summed newest first, a few rows each, until they pass it; the page is
# read from the time index below that day's end, skipping only the day's articles before
# it. Past the last article, no day passes the offset: no row is before NULL.
_EVERY_ARTICLE_PAGE = f"""
WITH start AS MATERIALIZED (
  SELECT d.day, d.upto - d.n AS newer FROM (
    SELECT day, n, sum(n) OVER (ORDER BY day DESC) AS upto FROM (
      SELECT day, sum(articles) AS n FROM article_days GROUP BY day ORDER BY day DESC) g
  ) d WHERE d.upto > $3 LIMIT 1),
page AS MATERIALIZED (
  SELECT id, created_at FROM articles
  WHERE created_at < ((SELECT day FROM start) + 1)::timestamp AT TIME ZONE 'UTC'
  ORDER BY {_NEWEST} LIMIT $2 OFFSET $3 - (SELECT newer FROM start))
SELECT {_ARTICLE_TOTAL} AS total, {_items("page")} AS items, {_VIEWER_KNOWN} AS viewer_known"""


def _smallest_first(sets: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """One (scan, condition) per set: the set's scan, kept only where it is the smallest
    (ties: the first), the other sets tested per row. The conditions hold for one branch."""
    sizes = [f"COALESCE({size}, 0)" for _, size, _ in sets]
    branches = []
    for i, (scan, _, _) in enumerate(sets):
        smallest = [f"{sizes[i]} < {sizes[j]}" for j in range(i)]
        smallest += [f"{sizes[i]} <= {sizes[j]}" for j in range(i + 1, len(sets))]
        tests = [test for j, (_, _, test) in enumerate(sets) if j != i]
        branches.append((scan, " AND ".join(smallest + tests) or "TRUE"))
    return branches


def _combined(sets: list[tuple[str, str, str]]) -> str:
    """Walk the smallest set, test the others per row; the exact count walks it too."""
    union = "\n  UNION ALL\n  ".join(
        f"SELECT d.id, d.created_at FROM ({scan}) d WHERE {where}"
        for scan, where in _smallest_first(sets)
    )
    return f"""
WITH matches AS ({union}),
page AS MATERIALIZED (SELECT id, created_at FROM matches ORDER BY {_NEWEST} LIMIT $2 OFFSET $3)
SELECT (SELECT count(*) FROM matches) AS total, {_items("page")} AS items,
       {_VIEWER_KNOWN} AS viewer_known"""


SEARCH_WALK_COST = 1
"""Testing and ranking one walked article costs about what taking one match from the word
index does (measured at a million articles: 0.7-0.9 us against 1.3), now that its vector is
in its row (migration 0019); out of line, as it was before, it cost 12 us."""
SEARCH_WALK_BUDGET = 5_000
"""A walk reads at most this many articles: about 4 ms, 60 ms where every vector is still
out of line (rows written before 0019, or articles of several pages)."""
SEARCH_INDEX_BUDGET = 50_000
"""The word index is used only for words expected in at most this many articles (~65 ms)."""
SEARCH_INDEX_BASE = 100
"""What even a rare word's index road costs, in walked rows: tiny filter sets are walked."""

# The share of articles holding the rarest word of the query, by the planner's own
# statistics of articles.search: a word among the most common has its frequency; any other
# counts as rare (0).
_DENSITY = """
SELECT COALESCE(min(COALESCE(s.freqs[array_position(s.words, w)], 0)), 0) AS d
FROM unnest(tsvector_to_array(to_tsvector('simple', articles_search_text($4)))) w,
     (SELECT most_common_elems::text::text[] AS words, most_common_elem_freqs AS freqs
      FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'articles'
        AND attname = 'search'
      UNION ALL SELECT '{}', '{}' LIMIT 1) s"""


@cache
def search_sql(filter_names: tuple[str, ...]) -> str:
    """Search: $1 viewer, $2 limit, $3 offset, $4 q, $5 window, $6... filters.

    Only the newest `$5` matches are ranked (the candidates), and the total counts them:
    a search shows the best of its newest matches, never all of them. The planner's
    statistics say how common the words are (share d of the N articles); the candidates come
    from the cheaper of two roads, each bounded:
    - the word index (GIN): every match (d x N), then the newest `$5`; only for words
      expected in at most SEARCH_INDEX_BUDGET articles;
    - walk the newest articles (or the newest of the smallest filter set), testing each, at
      most SEARCH_WALK_BUDGET of them: common words find their `$5` in a few hundred.
    Where the index may answer, the walk is taken only when it is expected to find its `$5`
    within its budget, so a walk rarely ends short. When one does (the newest articles lack
    the words) the index answers if it is within its budget; if not, the candidates are the
    matches among the articles walked.
    So a search reads at most max(SEARCH_WALK_BUDGET, SEARCH_INDEX_BUDGET) rows at any N.
    """
    sets = _filter_sets(filter_names, first_parameter=6)
    sets = sets or [(_EVERY_ARTICLE, _ARTICLE_TOTAL, "TRUE")]
    tests = " AND ".join(test for _, _, test in sets)
    walks = "\n    UNION ALL\n    ".join(
        _search_walk(scan, where) for scan, where in _smallest_first(sets)
    )
    smallest = "LEAST(" + ", ".join(f"COALESCE({size}, 0)" for _, size, _ in sets) + ")"
    return f"""
WITH query AS MATERIALIZED (SELECT articles_search_query($4) AS q),
density AS MATERIALIZED ({_DENSITY}),
estimate AS MATERIALIZED (
  SELECT s.smallest, d.d * {_ARTICLE_TOTAL} AS matches,
         LEAST(s.smallest, CASE WHEN d.d > 0 THEN ceil($5::int / d.d) ELSE s.smallest END) AS rows
  FROM (SELECT {smallest} AS smallest) s, density d),
road AS MATERIALIZED (
  SELECT smallest, LEAST(smallest, {SEARCH_WALK_BUDGET}) AS stop,
         matches <= {SEARCH_INDEX_BUDGET} AS indexable,
         NOT (matches <= {SEARCH_INDEX_BUDGET}
              AND (rows > LEAST(smallest, {SEARCH_WALK_BUDGET})
                   OR rows * {SEARCH_WALK_COST} > matches + {SEARCH_INDEX_BASE})) AS walk
  FROM estimate),
walk AS MATERIALIZED (
    {walks}),
walked AS MATERIALIZED (
  SELECT (SELECT walk FROM road) AND (
           count(*) >= $5 OR (SELECT smallest <= stop OR NOT indexable FROM road)) AS enough
  FROM walk),
indexed AS MATERIALIZED (
  SELECT d.id, d.created_at FROM articles d
  WHERE NOT (SELECT enough FROM walked) AND d.search @@ (SELECT q FROM query) AND {tests}),
candidates AS MATERIALIZED (
  SELECT id, created_at, rank FROM walk WHERE (SELECT enough FROM walked)
  UNION ALL
  SELECT c.id, c.created_at, r.rank
  FROM (SELECT id, created_at FROM indexed ORDER BY {_NEWEST} LIMIT $5) c
  CROSS JOIN LATERAL (
    SELECT ts_rank(a.search, (SELECT q FROM query)) AS rank FROM articles a WHERE a.id = c.id
    LIMIT 1) r),
page AS MATERIALIZED (
  SELECT id, created_at, rank FROM candidates
  ORDER BY rank DESC, created_at DESC, id DESC LIMIT $2 OFFSET $3)
SELECT (SELECT count(*) FROM candidates) AS total, {_items("page", ranked=True)} AS items,
       {_VIEWER_KNOWN} AS viewer_known"""


def _search_walk(scan: str, where: str) -> str:
    """Walk `scan` newest first, testing each row, and stop at the $5-th match: the search
    test is a per-row lookup, so the planner cannot turn it into a scan of every match. The
    vector is read where it lies, in the row (migration 0019): a copy made once per row
    (`search || ''`) cost more than the test and the rank together, since tsvector's
    concatenation rebuilds the vector. The tests of other filters (`where`) name the walked
    row `d`.

    Over every article the walk reads each row where the time index points, vector and all.
    A filter's scan yields ids, whose vectors are then fetched by primary key: at 1M that
    lookup was 2,000 of the 3,300 buffers of a search over every article."""
    if scan == _EVERY_ARTICLE:
        rows, vector = (
            f"""(SELECT id, created_at, search AS v FROM articles
           ORDER BY {_NEWEST} LIMIT (SELECT stop FROM road)) d""",
            "d.v",
        )
    else:
        rows, vector = (
            f"""(SELECT id, created_at FROM ({scan}) x ORDER BY {_NEWEST}
           LIMIT (SELECT stop FROM road)) d
     CROSS JOIN LATERAL (
       SELECT a.search AS v FROM articles a WHERE a.id = d.id LIMIT 1) s""",
            "s.v",
        )
    return f"""(SELECT d.id, d.created_at, ts_rank({vector}, (SELECT q FROM query)) AS rank
     FROM {rows}
     WHERE (SELECT walk FROM road) AND {where} AND {vector} @@ (SELECT q FROM query)
     ORDER BY {_NEWEST} LIMIT $5)"""


PROBE_COST = 5
"""A walked row tested by a probe of follows' primary key costs about what adding 5 of the
reader's follows to a hash does (0.8 us and 0.16 us, measured at 1M for a reader of 5,000
authors): the walk probes when it expects fewer rows than her follows / 5, and hashes them
all otherwise."""


@cache
def feed_sql() -> str:
    """The feed: $1 viewer, $2 limit, $3 offset.

    The total A and F, the authors she follows, are the reader's `feed_totals` row
    (migration 0015: her follows of authors within their first 1,000 followers, kept by
    triggers) plus her other follows, found by a partial index: O(1 + P) for P followed
    authors past that cap. The page ends at e = offset + limit.

    A reader of 500 authors or more (`feed_filter_min()`) has her feed written ahead
    (migration 0022): her page is a range of `feed_timelines`' key, O(e + log N). Any other
    reader's page takes the cheaper of two roads, for A articles by the followed authors
    among N:
    - merge: each followed author's newest e from the author index, sorted: O(F + min(A, F x e));
    - walk the newest articles (an index in the list's order), keeping those whose author
      she follows: about e x N / A rows, stopped at four times that (authors whose articles
      are all old make the walk stop short: the merge answers then). Each row is tested by
      a probe of follows, or against a hash of her F follows when that is cheaper
      (`PROBE_COST`): O(e x N / A + min(e x N / A, F / 5)).
    A reader of 500 authors or more whose timeline is not built yet (made before 0022, until
    the backfill) walks with an author filter (0018): a walked row whose author's bit is
    clear is dropped without a probe, and she never hashes.
    A light reader merges a few hundred rows; the dearest is a deep page of a reader just
    under 500 authors.
    """
    end = "($2::bigint + $3::bigint)"
    return f"""
WITH followed AS MATERIALIZED (SELECT followee_id AS id FROM follows WHERE follower_id = $1),
total AS MATERIALIZED (
  SELECT COALESCE(k.articles, 0) + COALESCE(o.articles, 0) AS n,
         COALESCE(k.authors, 0) + o.authors AS authors, COALESCE(k.timeline, false) AS timeline,
         -- Her filter (16 KB) is read only when she walks: never once her timeline is built.
         CASE WHEN NOT k.timeline THEN k.author_bits || ''::bytea END AS bits
  FROM (SELECT count(*) AS authors, sum(u.articles_count) AS articles
        FROM follows f JOIN users u ON u.id = f.followee_id
        WHERE f.follower_id = $1 AND NOT f.in_feed_total) o
  LEFT JOIN feed_totals k ON k.user_id = $1),
road AS MATERIALIZED (
  SELECT CASE WHEN r.n > 0 THEN ceil(4.0 * r.rows) END AS stop,
         NOT r.timeline AND r.n > 0 AND r.rows <= LEAST(r.n, r.authors * {end}) AS walk,
         r.filtered OR r.rows * {PROBE_COST} <= r.authors AS probe
  FROM (SELECT t.n, t.authors, t.timeline, t.bits IS NOT NULL AS filtered,
               CASE WHEN NOT t.timeline THEN {end} * {_ARTICLE_TOTAL} / NULLIF(t.n, 0) END AS rows
        FROM total t OFFSET 0) r),
walk AS MATERIALIZED (
  SELECT w.id, w.created_at FROM (
    SELECT id, created_at, author_id FROM articles ORDER BY {_NEWEST}
    LIMIT (SELECT stop FROM road)) w
  WHERE (SELECT walk FROM road)
    AND COALESCE(get_bit((SELECT bits FROM total), author_bit(w.author_id)), 1) = 1
    AND CASE WHEN (SELECT probe FROM road)
      THEN (SELECT true FROM follows fw WHERE fw.follower_id = $1 AND fw.followee_id = w.author_id)
      ELSE w.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $1) END
  ORDER BY {_NEWEST} LIMIT {end}),
walked AS MATERIALIZED (
  SELECT (SELECT walk FROM road) AND count(*) = LEAST({end}, (SELECT n FROM total)) AS enough
  FROM walk),
page AS MATERIALIZED (
  SELECT id, created_at FROM (
    SELECT id, created_at FROM walk WHERE (SELECT enough FROM walked)
    UNION ALL
    SELECT n.id, n.created_at FROM followed f CROSS JOIN LATERAL (
      SELECT id, created_at FROM articles WHERE author_id = f.id ORDER BY {_NEWEST} LIMIT {end}
    ) n WHERE NOT (SELECT enough FROM walked) AND NOT (SELECT timeline FROM total)
    UNION ALL
    (SELECT article_id, created_at FROM feed_timelines
     WHERE reader_id = $1 AND (SELECT timeline FROM total)
     ORDER BY created_at DESC, article_id DESC LIMIT {end})
  ) d ORDER BY {_NEWEST} LIMIT $2 OFFSET $3)
SELECT (SELECT n FROM total) AS total, {_items("page")} AS items,
       {_VIEWER_KNOWN} AS viewer_known"""


# A detail statement answers one row, (viewer known, the JSON or NULL when not found).
ARTICLE_SQL = f"""
SELECT {_VIEWER_KNOWN} AS viewer_known, (SELECT {_ARTICLE_JSON.format(body="a.body")}::text
  FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $2)"""

PROFILE_SQL = f"""
SELECT {_VIEWER_KNOWN} AS viewer_known,
       (SELECT {_PROFILE_JSON}::text FROM users u WHERE u.username = $2)"""

_COMMENT_JSON = (
    """json_build_object(
    'id', c.id, 'created_at', c.created_at, 'body', c.body, 'author', """
    + _PROFILE_JSON
    + ")"
)

COMMENTS_SQL = f"""
SELECT {_VIEWER_KNOWN} AS viewer_known, (SELECT COALESCE((
         SELECT json_agg({_COMMENT_JSON} ORDER BY c.id)
         FROM comments c JOIN users u ON u.id = c.author_id WHERE c.article_id = a.id
       ), '[]')::text
  FROM articles a WHERE a.slug = $2)"""

COMMENT_SQL = f"""
SELECT {_COMMENT_JSON}::text FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $2"""

# Tags in use carry a count above 0 (migration 0008): O(tags), never a scan of the links.
TAGS_SQL = """
SELECT COALESCE(array_agg(name ORDER BY name COLLATE "C"), '{}')
FROM tags WHERE articles_count > 0"""


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _profile(d: dict[str, Any]) -> ProfileView:
    return ProfileView(
        username=d["username"], bio=d["bio"], image=d["image"], following=d["following"]
    )


def _article(d: dict[str, Any]) -> ArticleView:
    return ArticleView(
        slug=d["slug"],
        title=d["title"],
        description=d["description"],
        body=d["body"],
        tags=tuple(d["tags"]),
        created_at=_time(d["created_at"]),
        updated_at=_time(d["updated_at"]),
        favorited=d["favorited"],
        favorites_count=d["favorites_count"],
        author=_profile(d["author"]),
    )


def _comment(d: dict[str, Any]) -> CommentView:
    created = _time(d["created_at"])
    return CommentView(
        id=d["id"],
        created_at=created,
        updated_at=created,
        body=d["body"],
        author=_profile(d["author"]),
    )


def _detail(row: Any) -> str | None:
    """The JSON of a detail statement's row; UnknownUser when its viewer names nobody."""
    viewer_known, found = row
    if not viewer_known:
        raise UnknownUser()
    return cast(str | None, found)


class PostgresProfileQueries:
    """ProfileQueries in one statement on the asyncpg driver."""

    def __init__(self, reader: RowReader) -> None:
        self._db = reader

    async def profile(self, username: str, viewer_id: UserId | None) -> ProfileView | None:
        found = _detail(await self._db.fetchrow(PROFILE_SQL, viewer_id, username))
        return None if found is None else _profile(orjson.loads(found))


class PostgresArticleQueries:
    """ArticleQueries in one statement per answer on the asyncpg driver."""

    def __init__(self, reader: RowReader, search_window: int = SEARCH_WINDOW) -> None:
        self._db = reader
        self._search_window = search_window

    async def article(self, slug: str, viewer_id: UserId | None) -> ArticleView | None:
        found = _detail(await self._db.fetchrow(ARTICLE_SQL, viewer_id, slug))
        return None if found is None else _article(orjson.loads(found))

    async def articles(self, filters: ArticleFilter, viewer_id: UserId | None) -> ArticlePage:
        given = {"author": filters.author, "tag": filters.tag, "favorited_by": filters.favorited_by}
        names = tuple(name for name, value in given.items() if value is not None)
        values: list[Any] = [given[name] for name in names]
        if filters.q is not None:
            sql = search_sql(names)
            values = [filters.q, self._search_window, *values]
        else:
            sql = list_sql(names)
        return await self._page(sql, viewer_id, filters.limit, filters.offset, values)

    async def feed(self, viewer_id: UserId, page: Page) -> ArticlePage:
        return await self._page(feed_sql(), viewer_id, page.limit, page.offset, [])

    async def tags(self) -> list[str]:
        row = await self._db.fetchrow(TAGS_SQL)
        return list(row[0]) if row is not None else []

    async def _page(
        self, sql: str, viewer_id: UserId | None, limit: int, offset: int, values: list[Any]
    ) -> ArticlePage:
        row = await self._db.fetchrow(sql, viewer_id, limit, offset, *values)
        assert row is not None
        if not row["viewer_known"]:
            raise UnknownUser()
        return ArticlePage(
            articles=[_article(item) for item in orjson.loads(row["items"])], count=row["total"]
        )


class PostgresCommentQueries:
    """CommentQueries in one statement per answer on the asyncpg driver."""

    def __init__(self, reader: RowReader) -> None:
        self._db = reader

    async def comments(self, slug: str, viewer_id: UserId | None) -> list[CommentView] | None:
        found = _detail(await self._db.fetchrow(COMMENTS_SQL, viewer_id, slug))
        return None if found is None else [_comment(item) for item in orjson.loads(found)]

    async def comment(self, comment_id: CommentId, viewer_id: UserId | None) -> CommentView | None:
        row = await self._db.fetchrow(COMMENT_SQL, viewer_id, comment_id)
        return None if row is None else _comment(orjson.loads(row[0]))
