"""The article repository: articles with their tags, statements built once at import."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import ARRAY, BigInteger, Table, Text, bindparam, delete, func, insert, select
from sqlalchemy import text as sql
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy.models import ArticleRow
from adapters.sqlalchemy.repositories import execute
from domain.model import Article, ArticleId, NewArticle

A = cast(Table, ArticleRow.__table__)


_ARTICLE = select(
    A.c.id,
    A.c.slug,
    A.c.title,
    A.c.description,
    A.c.body,
    A.c.tag_list,
    A.c.author_id,
    A.c.created_at,
    A.c.updated_at,
)
_ARTICLE_BY_SLUG = _ARTICLE.where(A.c.slug == bindparam("slug"))
_ARTICLE_VALUES = {
    "slug": bindparam("p_slug"),
    "title": bindparam("p_title"),
    "description": bindparam("p_description"),
    "body": bindparam("p_body"),
    "tag_list": bindparam("p_tags", type_=ARRAY(Text)),
    "updated_at": bindparam("p_updated_at"),
}
_INSERT_ARTICLE = (
    insert(A)
    .values(
        **_ARTICLE_VALUES,
        author_id=bindparam("p_author_id"),
        created_at=bindparam("p_created_at"),
    )
    .returning(A.c.id)
)
_UPDATE_ARTICLE = sql_update(A).where(A.c.id == bindparam("p_id")).values(**_ARTICLE_VALUES)
_DELETE_ARTICLE = delete(A).where(A.c.id == bindparam("id"))
# Writers of the same slug base take turns until commit: without the lock, N racers read
# the same taken set, pick the same slug, and only one wins per retry.
_LOCK_SLUG_BASE = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("base"), 0)))
# `base-*` as a byte range ('-' is 0x2D, '.' the next byte): the text_pattern_ops index
# (migration 0007) serves it even in a generic plan, where LIKE with a parameter cannot.
_TAKEN_SLUGS = select(A.c.slug).where(
    (A.c.slug == bindparam("base"))
    | (
        A.c.slug.op("~>=~", is_comparison=True)((bindparam("base") + "-").self_group())
        & A.c.slug.op("~<~", is_comparison=True)((bindparam("base") + ".").self_group())
    )
)

_TAG_NAMES = bindparam("names", type_=ARRAY(Text))
# Names arrive sorted, so concurrent writers lock new tags in the same order. The link
# is a separate statement: its snapshot must see tags another writer committed while
# this insert waited on them. Links go in tag id order: each one takes its tag's counter
# row lock (migration 0008), and writers that take them in one order cannot deadlock.
_ADD_TAGS = sql(
    "INSERT INTO tags (name) SELECT unnest(:names) ON CONFLICT (name) DO NOTHING"
).bindparams(_TAG_NAMES)
_LINK_TAGS = sql(
    "INSERT INTO article_tags (article_id, tag_id)"
    " SELECT :article_id, id FROM tags WHERE name = ANY(:names) ORDER BY id"
    " ON CONFLICT DO NOTHING"
).bindparams(_TAG_NAMES, bindparam("article_id", type_=BigInteger))
_UNLINK_OTHER_TAGS = sql(
    "DELETE FROM article_tags WHERE article_id = :article_id"
    " AND tag_id NOT IN (SELECT id FROM tags WHERE name = ANY(:names))"
).bindparams(_TAG_NAMES, bindparam("article_id", type_=BigInteger))


def _article_params(article: Article | NewArticle) -> dict[str, Any]:
    return {
        "p_slug": article.slug,
        "p_title": article.title,
        "p_description": article.description,
        "p_body": article.body,
        "p_tags": sorted(article.tags),
        "p_updated_at": article.updated_at if isinstance(article, Article) else article.created_at,
    }


class SqlAlchemyArticleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, article: NewArticle) -> Article:
        params = _article_params(article)
        params.update(p_author_id=article.author_id, p_created_at=article.created_at)
        result = await execute(self._session, _INSERT_ARTICLE, params)
        article_id: int = result.scalar_one()
        await self._link_tags(article_id, article.tags)
        return article.saved(article_id)

    async def get_by_slug(self, slug: str) -> Article | None:
        row = (await self._session.execute(_ARTICLE_BY_SLUG, {"slug": slug})).first()
        if row is None:
            return None
        return Article(
            id=row.id,
            slug=row.slug,
            title=row.title,
            description=row.description,
            body=row.body,
            tags=tuple(row.tag_list),
            author_id=row.author_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def taken_slugs(self, base: str) -> Collection[str]:
        await self._session.execute(_LOCK_SLUG_BASE, {"base": base})
        return set((await self._session.scalars(_TAKEN_SLUGS, {"base": base})).all())

    async def update(self, article: Article) -> Article:
        params = _article_params(article)
        params["p_id"] = article.id
        result = await execute(self._session, _UPDATE_ARTICLE, params)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError(f"article {article.id} vanished inside its own transaction")
        await self._session.execute(
            _UNLINK_OTHER_TAGS, {"article_id": article.id, "names": list(article.tags)}
        )
        await self._link_tags(article.id, article.tags)
        return article

    async def delete(self, article_id: ArticleId) -> None:
        # ON DELETE CASCADE removes comments, favorites and tag links in the same statement.
        await self._session.execute(_DELETE_ARTICLE, {"id": article_id})

    async def _link_tags(self, article_id: ArticleId, names: tuple[str, ...]) -> None:
        if not names:
            return
        await self._session.execute(_ADD_TAGS, {"names": list(names)})
        await self._session.execute(_LINK_TAGS, {"article_id": article_id, "names": list(names)})
