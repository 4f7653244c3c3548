"""Repositories over the in-memory tables of one transaction."""

from __future__ import annotations

from collections.abc import Collection

from adapters.memory.store import Tables
from domain.errors import (
    ArticleNotFound,
    EmailTaken,
    ProfileNotFound,
    SlugTaken,
    UnknownUser,
    UsernameTaken,
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
from domain.values import identity_key


def _require_user(t: Tables, user_id: UserId) -> None:
    """The foreign keys of PostgreSQL, enforced the same way: a vanished writer is a bad token."""
    if user_id not in t.users:
        raise UnknownUser()


def _require_article(t: Tables, article_id: ArticleId) -> None:
    if article_id not in t.articles:
        raise ArticleNotFound()


class InMemoryUserRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _check_unique(self, user: User) -> None:
        """The unique indexes of PostgreSQL: on identity_key(username) and identity_key(email)."""
        username, email = identity_key(user.username), identity_key(user.email)
        for other in self._t.users.values():
            if other.id == user.id:
                continue
            if identity_key(other.username) == username:
                raise UsernameTaken()
            if identity_key(other.email) == email:
                raise EmailTaken()

    async def add(self, user: NewUser) -> User:
        self._check_unique(user.saved(0))
        created = user.saved(self._t.new_id("users"))
        self._t.users[created.id] = created
        return created

    async def get(self, user_id: UserId) -> User | None:
        return self._t.users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        key = identity_key(email)
        return next((u for u in self._t.users.values() if identity_key(u.email) == key), None)

    async def get_by_username(self, username: str) -> User | None:
        return next((u for u in self._t.users.values() if u.username == username), None)

    async def get_by_username_any_case(self, username: str) -> User | None:
        key = identity_key(username)
        return next((u for u in self._t.users.values() if identity_key(u.username) == key), None)

    async def update(self, user: User) -> User:
        self._check_unique(user)
        self._t.users[user.id] = user
        return user


class InMemoryFollowRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, follower_id: UserId, followee_id: UserId) -> None:
        _require_user(self._t, follower_id)
        if followee_id not in self._t.users:
            raise ProfileNotFound()
        self._t.follows.add((follower_id, followee_id))

    async def remove(self, follower_id: UserId, followee_id: UserId) -> None:
        self._t.follows.discard((follower_id, followee_id))


class InMemoryArticleRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _slug_owner(self, slug: str) -> Article | None:
        return next((a for a in self._t.articles.values() if a.slug == slug), None)

    async def add(self, article: NewArticle) -> Article:
        _require_user(self._t, article.author_id)
        if self._slug_owner(article.slug) is not None:
            raise SlugTaken(article.slug)
        created = article.saved(self._t.new_id("articles"))
        self._t.articles[created.id] = created
        return created

    async def get_by_slug(self, slug: str) -> Article | None:
        return self._slug_owner(slug)

    async def taken_slugs(self, base: str) -> Collection[str]:
        """No lock of its own: the store's write lock already serializes transactions."""
        return {
            a.slug
            for a in self._t.articles.values()
            if a.slug == base or a.slug.startswith(base + "-")
        }

    async def update(self, article: Article) -> Article:
        owner = self._slug_owner(article.slug)
        if owner is not None and owner.id != article.id:
            raise SlugTaken(article.slug)
        self._t.articles[article.id] = article
        return article

    async def delete(self, article_id: ArticleId) -> None:
        self._t.articles.pop(article_id, None)
        self._t.favorites = {f for f in self._t.favorites if f[1] != article_id}
        self._t.comments = {
            cid: c for cid, c in self._t.comments.items() if c.article_id != article_id
        }


class InMemoryFavoriteRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, user_id: UserId, article_id: ArticleId) -> None:
        _require_user(self._t, user_id)
        _require_article(self._t, article_id)
        self._t.favorites.add((user_id, article_id))

    async def remove(self, user_id: UserId, article_id: ArticleId) -> None:
        self._t.favorites.discard((user_id, article_id))


class InMemoryCommentRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, comment: NewComment) -> Comment:
        _require_user(self._t, comment.author_id)
        _require_article(self._t, comment.article_id)
        created = comment.saved(self._t.new_id("comments"))
        self._t.comments[created.id] = created
        return created

    async def get(self, comment_id: CommentId) -> Comment | None:
        return self._t.comments.get(comment_id)

    async def delete(self, comment_id: CommentId) -> None:
        self._t.comments.pop(comment_id, None)
