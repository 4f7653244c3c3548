"""Read models: what the query ports answer and the HTTP layer presents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.model import CommentId

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 10_000
"""Deepest `offset` of any list: reaching a page of a filtered list or the feed costs reading
every entry before it (the list of every article skips only its page's day, README)."""
SEARCH_WINDOW = 500
"""A search ranks (and counts) only this many of its newest matches (SEARCH_WINDOW)."""


@dataclass(frozen=True, slots=True)
class UserView:
    """The signed-in user, with a fresh token."""

    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


@dataclass(frozen=True, slots=True)
class ProfileView:
    username: str
    bio: str | None
    image: str | None
    following: bool


@dataclass(frozen=True, slots=True)
class ArticleView:
    slug: str
    title: str
    description: str
    body: str | None
    """None in lists: list items carry no body at all."""
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    favorited: bool
    favorites_count: int
    author: ProfileView


@dataclass(frozen=True, slots=True)
class ArticlePage:
    articles: list[ArticleView]
    count: int
    """Every article matching the filters, ignoring limit and offset."""


@dataclass(frozen=True, slots=True)
class CommentView:
    id: CommentId
    created_at: datetime
    updated_at: datetime
    body: str
    author: ProfileView


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """GET /articles filters; all given filters must hold (AND)."""

    tag: str | None = None
    author: str | None = None
    favorited_by: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    q: str | None = None
    """Full-text search: articles whose title, description or body holds every word of it,
    best match first (title over description over body), then newest first."""


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
