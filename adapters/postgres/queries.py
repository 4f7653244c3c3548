"""Read models straight from PostgreSQL, one statement per answer.

Each statement builds its answer's JSON in PostgreSQL (joins, aggregates, the viewer's
follows and favorites), and runs on the asyncpg connection under SQLAlchemy's pool: a
prepared statement the connection keeps, with no ORM or Core compilation per request.
The SQL is fixed text per filter combination, with numbered parameters only.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import orjson

from adapters.sqlalchemy.engine import DriverReader
from domain.model import CommentId, UserId
from domain.views import ArticleFilter, ArticlePage, ArticleView, CommentView, Page, ProfileView

# $1 is the viewer's id in every statement (NULL when anonymous: every viewer test is then
# false); the statement's own parameters follow from $2.
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

_ORDER = "a.created_at DESC, a.id DESC"
_RANKED = "a.rank DESC, a.created_at DESC, a.id DESC"

_FILTERS = {
    "author": "a.author_id = (SELECT id FROM users WHERE username = {p})",
    "tag": """a.id IN (SELECT at.article_id FROM article_tags at
                      JOIN tags t ON t.id = at.tag_id WHERE t.name = {p})""",
    "favorited_by": """a.id IN (SELECT f.article_id FROM favorites f
                               WHERE f.user_id = (SELECT id FROM users WHERE username = {p}))""",
    "q": "a.search @@ articles_search_query({p})",
}
_FEED = "a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $1)"
_FIRST_FILTER = 4
"""Filters are numbered from $4, after the viewer ($1), the limit ($2) and the offset ($3)."""


@cache
def _page_sql(filter_names: tuple[str, ...], feed: bool) -> str:
    """A page and the total in one statement: $1 viewer, $2 limit, $3 offset, then filters."""
    criteria = [
        _FILTERS[name].format(p=f"${n}") for n, name in enumerate(filter_names, _FIRST_FILTER)
    ]
    if feed:
        criteria.append(_FEED)
    where = " AND ".join(criteria) or "TRUE"
    searching = "q" in filter_names
    rank = (
        f", ts_rank(a.search, articles_search_query(${_FIRST_FILTER + filter_names.index('q')}))"
        if searching
        else ", 0"
    )
    inner_order = "rank DESC, " + _ORDER if searching else _ORDER
    return f"""
SELECT (SELECT count(*) FROM articles a WHERE {where}) AS total,
       COALESCE((
         SELECT json_agg({_ARTICLE_JSON.format(body="NULL")} ORDER BY {_RANKED})
         FROM (SELECT a.id, a.slug, a.title, a.description, a.tag_list, a.created_at,
                      a.updated_at, a.favorites_count, a.author_id{rank} AS rank
               FROM articles a WHERE {where}
               ORDER BY {inner_order} LIMIT $2 OFFSET $3) a
         JOIN users u ON u.id = a.author_id
       ), '[]')::text AS items"""


_ARTICLE_SQL = f"""
SELECT {_ARTICLE_JSON.format(body="a.body")}::text
FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $2"""

_PROFILE_SQL = f"""
SELECT {_PROFILE_JSON}::text FROM users u WHERE u.username = $2"""

_COMMENT_JSON = (
    """json_build_object(
    'id', c.id, 'created_at', c.created_at, 'body', c.body, 'author', """
    + _PROFILE_JSON
    + ")"
)

_COMMENTS_SQL = f"""
SELECT COALESCE((
         SELECT json_agg({_COMMENT_JSON} ORDER BY c.id)
         FROM comments c JOIN users u ON u.id = c.author_id WHERE c.article_id = a.id
       ), '[]')::text
FROM articles a WHERE a.slug = $2"""

_COMMENT_SQL = f"""
SELECT {_COMMENT_JSON}::text FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $2"""

_TAGS_SQL = """
SELECT COALESCE(array_agg(t.name ORDER BY t.name COLLATE "C"), '{}')
FROM tags t WHERE EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id)"""


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


class PostgresProfileQueries:
    """ProfileQueries in one statement on the asyncpg driver."""

    def __init__(self, reader: DriverReader) -> None:
        self._db = reader

    async def profile(self, username: str, viewer_id: UserId | None) -> ProfileView | None:
        row = await self._db.fetchrow(_PROFILE_SQL, viewer_id, username)
        return None if row is None else _profile(orjson.loads(row[0]))


class PostgresArticleQueries:
    """ArticleQueries in one statement per answer on the asyncpg driver."""

    def __init__(self, reader: DriverReader) -> None:
        self._db = reader

    async def article(self, slug: str, viewer_id: UserId | None) -> ArticleView | None:
        row = await self._db.fetchrow(_ARTICLE_SQL, viewer_id, slug)
        return None if row is None else _article(orjson.loads(row[0]))

    async def articles(self, filters: ArticleFilter, viewer_id: UserId | None) -> ArticlePage:
        given = {
            "author": filters.author,
            "tag": filters.tag,
            "favorited_by": filters.favorited_by,
            "q": filters.q,
        }
        names = tuple(name for name, value in given.items() if value is not None)
        values = [given[name] for name in names]
        return await self._page(
            _page_sql(names, False), filters.limit, filters.offset, viewer_id, values
        )

    async def feed(self, viewer_id: UserId, page: Page) -> ArticlePage:
        return await self._page(_page_sql((), True), page.limit, page.offset, viewer_id, [])

    async def tags(self) -> list[str]:
        row = await self._db.fetchrow(_TAGS_SQL)
        return list(row[0]) if row is not None else []

    async def _page(
        self, sql: str, limit: int, offset: int, viewer_id: UserId | None, values: list[Any]
    ) -> ArticlePage:
        row = await self._db.fetchrow(sql, viewer_id, limit, offset, *values)
        assert row is not None
        return ArticlePage(articles=[_article(item) for item in orjson.loads(row[1])], count=row[0])


class PostgresCommentQueries:
    """CommentQueries in one statement per answer on the asyncpg driver."""

    def __init__(self, reader: DriverReader) -> None:
        self._db = reader

    async def comments(self, slug: str, viewer_id: UserId | None) -> list[CommentView] | None:
        row = await self._db.fetchrow(_COMMENTS_SQL, viewer_id, slug)
        return None if row is None else [_comment(item) for item in orjson.loads(row[0])]

    async def comment(self, comment_id: CommentId, viewer_id: UserId | None) -> CommentView | None:
        row = await self._db.fetchrow(_COMMENT_SQL, viewer_id, comment_id)
        return None if row is None else _comment(orjson.loads(row[0]))
