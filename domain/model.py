"""Entities: what the use cases load, change and save through the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

UserId = int
ArticleId = int
CommentId = int


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    email: str
    password_hash: str
    bio: str | None = None
    image: str | None = None


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    email: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class Article:
    id: ArticleId
    slug: str
    title: str
    description: str
    body: str
    tags: tuple[str, ...]
    author_id: UserId
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewArticle:
    slug: str
    title: str
    description: str
    body: str
    tags: tuple[str, ...]
    author_id: UserId
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    id: CommentId
    article_id: ArticleId
    author_id: UserId
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewComment:
    article_id: ArticleId
    author_id: UserId
    body: str
    created_at: datetime
