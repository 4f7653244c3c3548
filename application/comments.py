"""Use cases of comments."""

from __future__ import annotations

from dataclasses import dataclass

from application.acting_user import acting_user
from application.transactions import retry
from domain import values
from domain.errors import ArticleNotFound, CommentNotFound
from domain.model import CommentId, NewComment, UserId
from domain.ports import Clock, CommentQueries, UnitOfWork
from domain.values import FieldErrors
from domain.views import CommentView


@dataclass(frozen=True, slots=True)
class CommentDraft:
    body: str | None


class AddComment:
    def __init__(self, uow: UnitOfWork, queries: CommentQueries, clock: Clock) -> None:
        self._uow = uow
        self._queries = queries
        self._clock = clock

    @retry()
    @acting_user
    async def __call__(self, author_id: UserId, slug: str, draft: CommentDraft) -> CommentView:
        async with self._uow as uow:
            article = await uow.articles.get_by_slug(slug)
            if article is None:
                raise ArticleNotFound(slug)
            errors = FieldErrors()
            body = errors.parse("body", lambda: values.comment_body(draft.body))
            errors.raise_if_any()
            comment = await uow.comments.add(
                NewComment(article.id, author_id, body.value, created_at=self._clock.now())
            )
            await uow.commit()
        view = await self._queries.comment(comment.id, author_id)
        if view is None:
            raise CommentNotFound(comment.id)
        return view


class ListComments:
    def __init__(self, queries: CommentQueries) -> None:
        self._queries = queries

    async def __call__(self, slug: str, viewer_id: UserId | None) -> list[CommentView]:
        comments = await self._queries.comments(slug, viewer_id)
        if comments is None:
            raise ArticleNotFound(slug)
        return comments


class DeleteComment:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @retry()
    @acting_user
    async def __call__(self, viewer_id: UserId, slug: str, comment_id: CommentId) -> None:
        async with self._uow as uow:
            article = await uow.articles.get_by_slug(slug)
            if article is None:
                raise ArticleNotFound(slug)
            comment = await uow.comments.get(comment_id)
            if comment is None or comment.article_id != article.id:
                raise CommentNotFound(comment_id)
            comment.ensure_author(viewer_id)
            await uow.comments.delete(comment.id)
            await uow.commit()
