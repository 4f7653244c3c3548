"""Entities: what the use cases load, change and save through the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import NotArticleAuthor, NotCommentAuthor

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

    def saved(self, user_id: UserId) -> User:
        """The user as stored under the id the repository gave it."""
        return User(user_id, self.username, self.email, self.password_hash)


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

    def ensure_author(self, user_id: UserId) -> None:
        """Only its author may edit or delete an article: NotArticleAuthor for anyone else."""
        if user_id != self.author_id:
            raise NotArticleAuthor(self.slug)


@dataclass(frozen=True, slots=True)
class NewArticle:
    slug: str
    title: str
    description: str
    body: str
    tags: tuple[str, ...]
    author_id: UserId
    created_at: datetime

    def saved(self, article_id: ArticleId) -> Article:
        """The article as stored under the id the repository gave it; not yet updated."""
        return Article(
            id=article_id,
            slug=self.slug,
            title=self.title,
            description=self.description,
            body=self.body,
            tags=self.tags,
            author_id=self.author_id,
            created_at=self.created_at,
            updated_at=self.created_at,
        )


@dataclass(frozen=True, slots=True)
class Comment:
    id: CommentId
    article_id: ArticleId
    author_id: UserId
    body: str
    created_at: datetime

    def ensure_author(self, user_id: UserId) -> None:
        """Only its author may delete a comment: NotCommentAuthor for anyone else."""
        if user_id != self.author_id:
            raise NotCommentAuthor(self.id)


@dataclass(frozen=True, slots=True)
class NewComment:
    article_id: ArticleId
    author_id: UserId
    body: str
    created_at: datetime

    def saved(self, comment_id: CommentId) -> Comment:
        """The comment as stored under the id the repository gave it."""
        return Comment(comment_id, self.article_id, self.author_id, self.body, self.created_at)
