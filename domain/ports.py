"""Ports: what the application needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

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
from domain.views import ArticleFilter, ArticlePage, ArticleView, CommentView, Page, ProfileView


class UserRepository(Protocol):
    """Usernames and emails are unique by values.identity_key (without regard to ASCII case)."""

    async def add(self, user: NewUser) -> User:
        """Raises UsernameTaken or EmailTaken when a unique value is in use."""

    async def get(self, user_id: UserId) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """The user whose email is `email` but for ASCII case (values.identity_key)."""

    async def get_by_username(self, username: str) -> User | None:
        """The user named exactly `username`, as profiles and filters name users."""

    async def get_by_username_any_case(self, username: str) -> User | None:
        """The user whose username is `username` but for ASCII case: who holds the name."""

    async def update(self, user: User) -> User:
        """Raises UsernameTaken or EmailTaken when a unique value is in use."""


class FollowRepository(Protocol):
    async def add(self, follower_id: UserId, followee_id: UserId) -> None:
        """Idempotent: following twice is following once."""

    async def remove(self, follower_id: UserId, followee_id: UserId) -> None: ...


class ArticleRepository(Protocol):
    async def add(self, article: NewArticle) -> Article:
        """Raises SlugTaken when another article has the slug."""

    async def get_by_slug(self, slug: str) -> Article | None: ...

    async def taken_slugs(self, base: str) -> Collection[str]:
        """The slugs already taken among `base` and `base-<anything>`.

        Also locks `base` until the transaction ends (on PostgreSQL, a transaction-scoped
        advisory lock on the base): writers choosing a slug from the same base take turns, so
        the one that waited sees the slug the other committed instead of picking it too."""

    async def update(self, article: Article) -> Article:
        """Raises SlugTaken when another article has the new slug."""

    async def delete(self, article_id: ArticleId) -> None:
        """Also removes its comments, tag links and favorites."""


class FavoriteRepository(Protocol):
    async def add(self, user_id: UserId, article_id: ArticleId) -> None:
        """Idempotent."""

    async def remove(self, user_id: UserId, article_id: ArticleId) -> None: ...


class CommentRepository(Protocol):
    async def add(self, comment: NewComment) -> Comment: ...

    async def get(self, comment_id: CommentId) -> Comment | None: ...

    async def delete(self, comment_id: CommentId) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def follows(self) -> FollowRepository: ...

    @property
    def articles(self) -> ArticleRepository: ...

    @property
    def favorites(self) -> FavoriteRepository: ...

    @property
    def comments(self) -> CommentRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


# profile, article, articles, feed and comments raise UnknownUser when `viewer_id` names no
# user (a token that outlived its user), whether or not what they ask for exists.


class ProfileQueries(Protocol):
    async def profile(self, username: str, viewer_id: UserId | None) -> ProfileView | None: ...


class ArticleQueries(Protocol):
    async def article(self, slug: str, viewer_id: UserId | None) -> ArticleView | None: ...

    async def articles(self, filters: ArticleFilter, viewer_id: UserId | None) -> ArticlePage:
        """Newest first (created_at desc, then id desc), best match first when searching
        (`filters.q`); list items have no body."""

    async def feed(self, viewer_id: UserId, page: Page) -> ArticlePage:
        """Articles by the authors `viewer_id` follows, newest first."""

    async def tags(self) -> list[str]:
        """Every tag used by at least one article."""


class CommentQueries(Protocol):
    async def comments(self, slug: str, viewer_id: UserId | None) -> list[CommentView] | None:
        """In creation order; None when no article has the slug."""

    async def comment(
        self, comment_id: CommentId, viewer_id: UserId | None
    ) -> CommentView | None: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """With no hash, spend the same time as a real check and return False."""


class TokenIssuer(Protocol):
    def issue(self, user_id: UserId) -> str: ...

    def verify(self, token: str) -> UserId:
        """Raises InvalidToken (or ExpiredToken)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC time, truncated to milliseconds as the API shows it."""
