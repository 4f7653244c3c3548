"""Repositories over one AsyncSession: rows in, entities out. They never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import BigInteger, ColumnElement, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy.errors import domain_error
from adapters.sqlalchemy.models import (
    ArticleRow,
    CommentRow,
    TagRow,
    UserRow,
    article_tags,
    favorites,
    follows,
)
from domain.model import (
    Article,
    ArticleId,
    Comment,
    CommentId,
    NewArticle,
    NewComment,
    NewUser,
    User,
    UserId,
)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as error:
        mapped = domain_error(error)
        if mapped is None:
            raise
        raise mapped from error


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        password_hash=row.password_hash,
        bio=row.bio,
        image=row.image,
    )


class SqlAlchemyUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: NewUser) -> User:
        row = UserRow(username=user.username, email=user.email, password_hash=user.password_hash)
        self._session.add(row)
        await _flush(self._session)
        return _user(row)

    async def _one(self, criterion: ColumnElement[bool]) -> User | None:
        row = (await self._session.execute(select(UserRow).where(criterion))).scalar_one_or_none()
        return None if row is None else _user(row)

    async def get(self, user_id: UserId) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return None if row is None else _user(row)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(UserRow.email == email)

    async def get_by_username(self, username: str) -> User | None:
        return await self._one(UserRow.username == username)

    async def update(self, user: User) -> User:
        row = await self._session.get(UserRow, user.id)
        if row is None:
            raise LookupError(f"user {user.id} vanished inside its own transaction")
        row.username = user.username
        row.email = user.email
        row.password_hash = user.password_hash
        row.bio = user.bio
        row.image = user.image
        await _flush(self._session)
        return _user(row)


class SqlAlchemyFollowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, follower_id: UserId, followee_id: UserId) -> None:
        await self._session.execute(
            pg_insert(follows)
            .values(follower_id=follower_id, followee_id=followee_id)
            .on_conflict_do_nothing()
        )

    async def remove(self, follower_id: UserId, followee_id: UserId) -> None:
        await self._session.execute(
            delete(follows).where(
                follows.c.follower_id == follower_id, follows.c.followee_id == followee_id
            )
        )


class SqlAlchemyArticleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, article: NewArticle) -> Article:
        row = ArticleRow(
            slug=article.slug,
            title=article.title,
            description=article.description,
            body=article.body,
            author_id=article.author_id,
            created_at=article.created_at,
            updated_at=article.created_at,
        )
        self._session.add(row)
        await _flush(self._session)
        await self._link_tags(row.id, article.tags)
        return self._entity(row, article.tags)

    async def get_by_slug(self, slug: str) -> Article | None:
        row = (
            await self._session.execute(select(ArticleRow).where(ArticleRow.slug == slug))
        ).scalar_one_or_none()
        if row is None:
            return None
        names = await self._session.scalars(
            select(TagRow.name)
            .join(article_tags, article_tags.c.tag_id == TagRow.id)
            .where(article_tags.c.article_id == row.id)
        )
        return self._entity(row, tuple(sorted(names)))

    async def slugs_like(self, base: str) -> Collection[str]:
        # Writers of the same base take turns until commit: without this, N racers all
        # read the same taken set, pick the same slug, and only one wins per retry.
        await self._session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(base, 0)))
        )
        # Slugs are [a-z0-9-] only, so LIKE needs no escaping.
        rows = await self._session.scalars(
            select(ArticleRow.slug).where(
                (ArticleRow.slug == base) | ArticleRow.slug.startswith(base + "-")
            )
        )
        return set(rows)

    async def update(self, article: Article) -> Article:
        row = await self._session.get(ArticleRow, article.id)
        if row is None:
            raise LookupError(f"article {article.id} vanished inside its own transaction")
        row.slug = article.slug
        row.title = article.title
        row.description = article.description
        row.body = article.body
        row.updated_at = article.updated_at
        await _flush(self._session)
        await self._session.execute(
            delete(article_tags).where(article_tags.c.article_id == article.id)
        )
        await self._link_tags(article.id, article.tags)
        return article

    async def delete(self, article_id: ArticleId) -> None:
        # ON DELETE CASCADE removes comments, favorites and tag links in the same statement.
        await self._session.execute(delete(ArticleRow).where(ArticleRow.id == article_id))

    async def _link_tags(self, article_id: ArticleId, names: Sequence[str]) -> None:
        if not names:
            return
        # Names arrive sorted, so concurrent writers lock new tags in the same order.
        await self._session.execute(
            pg_insert(TagRow)
            .values([{"name": name} for name in names])
            .on_conflict_do_nothing(index_elements=["name"])
        )
        await self._session.execute(
            insert(article_tags).from_select(
                ["article_id", "tag_id"],
                select(literal(article_id, BigInteger), TagRow.id).where(TagRow.name.in_(names)),
            )
        )

    @staticmethod
    def _entity(row: ArticleRow, tags: tuple[str, ...]) -> Article:
        return Article(
            id=row.id,
            slug=row.slug,
            title=row.title,
            description=row.description,
            body=row.body,
            tags=tags,
            author_id=row.author_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class SqlAlchemyFavoriteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user_id: UserId, article_id: ArticleId) -> None:
        await self._session.execute(
            pg_insert(favorites)
            .values(user_id=user_id, article_id=article_id)
            .on_conflict_do_nothing()
        )

    async def remove(self, user_id: UserId, article_id: ArticleId) -> None:
        await self._session.execute(
            delete(favorites).where(
                favorites.c.user_id == user_id, favorites.c.article_id == article_id
            )
        )


class SqlAlchemyCommentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, comment: NewComment) -> Comment:
        row = CommentRow(
            article_id=comment.article_id,
            author_id=comment.author_id,
            body=comment.body,
            created_at=comment.created_at,
        )
        self._session.add(row)
        await _flush(self._session)
        return self._entity(row)

    async def get(self, comment_id: CommentId) -> Comment | None:
        row = await self._session.get(CommentRow, comment_id)
        return None if row is None else self._entity(row)

    async def delete(self, comment_id: CommentId) -> None:
        await self._session.execute(delete(CommentRow).where(CommentRow.id == comment_id))

    @staticmethod
    def _entity(row: CommentRow) -> Comment:
        return Comment(
            id=row.id,
            article_id=row.article_id,
            author_id=row.author_id,
            body=row.body,
            created_at=row.created_at,
        )
