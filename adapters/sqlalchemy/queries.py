"""Read models straight from PostgreSQL: each answer is a fixed number of statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, array
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.models import (
    ArticleRow,
    CommentRow,
    TagRow,
    UserRow,
    article_tags,
    favorites,
    follows,
)
from domain.model import CommentId, UserId
from domain.views import ArticleFilter, ArticlePage, ArticleView, CommentView, Page, ProfileView

A = ArticleRow.__table__.alias("a")
U = UserRow.__table__.alias("u")
C = CommentRow.__table__.alias("c")
T = TagRow.__table__


def _reader(engine: AsyncEngine) -> AsyncEngine:
    return engine


def _following(viewer_id: UserId | None, author_id: ColumnElement[Any]) -> ColumnElement[bool]:
    if viewer_id is None:
        return false()
    return exists().where(follows.c.follower_id == viewer_id, follows.c.followee_id == author_id)


def _profile(row: Row[Any]) -> ProfileView:
    return ProfileView(username=row.username, bio=row.bio, image=row.image, following=row.following)


def _article_select(viewer_id: UserId | None, *, with_body: bool) -> Select[Any]:
    tag_names = (
        select(
            func.coalesce(
                func.array_agg(aggregate_order_by(T.c.name, T.c.name.collate("C"))),
                array([], type_=T.c.name.type),
            )
        )
        .select_from(article_tags.join(T, T.c.id == article_tags.c.tag_id))
        .where(article_tags.c.article_id == A.c.id)
        .scalar_subquery()
    )
    favorites_count = (
        select(func.count())
        .select_from(favorites)
        .where(favorites.c.article_id == A.c.id)
        .scalar_subquery()
    )
    favorited = (
        false()
        if viewer_id is None
        else exists().where(favorites.c.article_id == A.c.id, favorites.c.user_id == viewer_id)
    )
    return select(
        A.c.slug,
        A.c.title,
        A.c.description,
        A.c.body if with_body else literal(None).label("body"),
        A.c.created_at,
        A.c.updated_at,
        tag_names.label("tags"),
        favorites_count.label("favorites_count"),
        favorited.label("favorited"),
        U.c.username,
        U.c.bio,
        U.c.image,
        _following(viewer_id, A.c.author_id).label("following"),
    ).select_from(A.join(U, U.c.id == A.c.author_id))


def _article(row: Row[Any]) -> ArticleView:
    return ArticleView(
        slug=row.slug,
        title=row.title,
        description=row.description,
        body=row.body,
        tags=tuple(row.tags),
        created_at=row.created_at,
        updated_at=row.updated_at,
        favorited=row.favorited,
        favorites_count=row.favorites_count,
        author=_profile(row),
    )


def _user_id_of(username: str) -> ColumnElement[Any]:
    return select(UserRow.id).where(UserRow.username == username).scalar_subquery()


def _filters(filters: ArticleFilter) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = []
    if filters.author is not None:
        criteria.append(A.c.author_id == _user_id_of(filters.author))
    if filters.tag is not None:
        criteria.append(
            A.c.id.in_(
                select(article_tags.c.article_id)
                .join(T, T.c.id == article_tags.c.tag_id)
                .where(T.c.name == filters.tag)
            )
        )
    if filters.favorited_by is not None:
        criteria.append(
            A.c.id.in_(
                select(favorites.c.article_id).where(
                    favorites.c.user_id == _user_id_of(filters.favorited_by)
                )
            )
        )
    if filters.q is not None:
        criteria.append(A.c.search.bool_op("@@")(_search_query(filters.q)))
    return criteria


def _search_query(q: str) -> ColumnElement[Any]:
    """The tsquery of `q`: every word of it (the function is in migration 0003)."""
    return func.articles_search_query(q)


def _ranking(filters: ArticleFilter) -> list[ColumnElement[Any]]:
    """Best match first when searching; newest first breaks the ties (and is the rest)."""
    if filters.q is None:
        return []
    return [func.ts_rank(A.c.search, _search_query(filters.q)).desc()]


class SqlAlchemyProfileQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = _reader(engine)

    async def profile(self, username: str, viewer_id: UserId | None) -> ProfileView | None:
        query = select(
            U.c.username, U.c.bio, U.c.image, _following(viewer_id, U.c.id).label("following")
        ).where(U.c.username == username)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _profile(row)


class SqlAlchemyArticleQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = _reader(engine)

    async def article(self, slug: str, viewer_id: UserId | None) -> ArticleView | None:
        query = _article_select(viewer_id, with_body=True).where(A.c.slug == slug)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _article(row)

    async def articles(self, filters: ArticleFilter, viewer_id: UserId | None) -> ArticlePage:
        return await self._page(
            _filters(filters), filters.limit, filters.offset, viewer_id, _ranking(filters)
        )

    async def feed(self, viewer_id: UserId, page: Page) -> ArticlePage:
        followed = A.c.author_id.in_(
            select(follows.c.followee_id).where(follows.c.follower_id == viewer_id)
        )
        return await self._page([followed], page.limit, page.offset, viewer_id)

    async def tags(self) -> list[str]:
        query = (
            select(T.c.name)
            .where(exists().where(article_tags.c.tag_id == T.c.id))
            .order_by(T.c.name.collate("C"))
        )
        async with self._engine.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def _page(
        self,
        criteria: list[ColumnElement[bool]],
        limit: int,
        offset: int,
        viewer_id: UserId | None,
        ranking: list[ColumnElement[Any]] | None = None,
    ) -> ArticlePage:
        where = and_(true(), *criteria)
        page = (
            _article_select(viewer_id, with_body=False)
            .where(where)
            .order_by(*(ranking or []), A.c.created_at.desc(), A.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        count = select(func.count()).select_from(A).where(where)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(page)).all()
            total = (await conn.execute(count)).scalar_one()
        return ArticlePage(articles=[_article(row) for row in rows], count=total)


class SqlAlchemyCommentQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = _reader(engine)

    def _select(self, viewer_id: UserId | None) -> Select[Any]:
        return select(
            C.c.id,
            C.c.created_at,
            C.c.body,
            U.c.username,
            U.c.bio,
            U.c.image,
            _following(viewer_id, C.c.author_id).label("following"),
        )

    @staticmethod
    def _view(row: Row[Any]) -> CommentView:
        return CommentView(
            id=row.id,
            created_at=row.created_at,
            updated_at=row.created_at,
            body=row.body,
            author=_profile(row),
        )

    async def comments(self, slug: str, viewer_id: UserId | None) -> list[CommentView] | None:
        # One statement: the article row is always there (if it exists), comments optional.
        query = (
            self._select(viewer_id)
            .select_from(
                A.outerjoin(C, C.c.article_id == A.c.id).outerjoin(U, U.c.id == C.c.author_id)
            )
            .where(A.c.slug == slug)
            .order_by(C.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        if not rows:
            return None
        return [self._view(row) for row in rows if row.id is not None]

    async def comment(self, comment_id: CommentId, viewer_id: UserId | None) -> CommentView | None:
        query = (
            self._select(viewer_id)
            .select_from(C.join(U, U.c.id == C.c.author_id))
            .where(C.c.id == comment_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else self._view(row)
