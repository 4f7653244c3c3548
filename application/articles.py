"""Use cases of articles, tags and favorites."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from application.acting_user import acting_user
from application.transactions import retry
from domain import values
from domain.errors import ArticleNotFound
from domain.model import Article, NewArticle, UserId
from domain.ports import ArticleQueries, ArticleRepository, Clock, UnitOfWork
from domain.slugs import slugify, unique_slug
from domain.values import FieldErrors, Parsed
from domain.views import ArticleFilter, ArticlePage, ArticleView, Page

SLUG_ATTEMPTS = 5
"""A concurrent writer can take the slug we picked; pick again this many times."""


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    title: str | None
    description: str | None
    body: str | None
    tag_list: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class ArticleChanges:
    """PUT /articles/{slug} is partial: only the fields named in `sent` change."""

    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: Sequence[str] | None = None
    sent: frozenset[str] = frozenset()


async def _free_slug(articles: ArticleRepository, title: str, own: str | None = None) -> str:
    base = slugify(title)
    taken = set(await articles.taken_slugs(base))
    taken.discard(own or "")
    return unique_slug(base, taken)


async def _article(uow: UnitOfWork, slug: str) -> Article:
    article = await uow.articles.get_by_slug(slug)
    if article is None:
        raise ArticleNotFound(slug)
    return article


class CreateArticle:
    def __init__(self, uow: UnitOfWork, queries: ArticleQueries, clock: Clock) -> None:
        self._uow = uow
        self._queries = queries
        self._clock = clock

    @retry(slug_races=SLUG_ATTEMPTS)
    @acting_user
    async def __call__(self, author_id: UserId, draft: ArticleDraft) -> ArticleView:
        errors = FieldErrors()
        title = errors.parse("title", lambda: values.title(draft.title))
        description = errors.parse("description", lambda: values.description(draft.description))
        body = errors.parse("body", lambda: values.body(draft.body))
        tags = errors.parse("tagList", lambda: values.tag_list(draft.tag_list or ()))
        errors.raise_if_any()
        async with self._uow as uow:
            slug = await _free_slug(uow.articles, title.value)
            await uow.articles.add(
                NewArticle(
                    slug=slug,
                    title=title.value,
                    description=description.value,
                    body=body.value,
                    tags=tags.value,
                    author_id=author_id,
                    created_at=self._clock.now(),
                )
            )
            await uow.commit()
        return await _view(self._queries, slug, author_id)


class UpdateArticle:
    def __init__(self, uow: UnitOfWork, queries: ArticleQueries, clock: Clock) -> None:
        self._uow = uow
        self._queries = queries
        self._clock = clock

    @retry(slug_races=SLUG_ATTEMPTS)
    @acting_user
    async def __call__(self, viewer_id: UserId, slug: str, changes: ArticleChanges) -> ArticleView:
        async with self._uow as uow:
            article = await _article(uow, slug)
            article.ensure_author(viewer_id)
            changed = _apply(article, changes)
            if changed.title != article.title:
                new_slug = await _free_slug(uow.articles, changed.title, own=article.slug)
                changed = replace(changed, slug=new_slug)
            # updatedAt must visibly move even within the same millisecond.
            moved = max(self._clock.now(), article.updated_at + timedelta(milliseconds=1))
            saved = await uow.articles.update(replace(changed, updated_at=moved))
            await uow.commit()
        return await _view(self._queries, saved.slug, viewer_id)


def _apply(article: Article, changes: ArticleChanges) -> Article:
    """The article with the sent fields changed, or ValidationFailed naming every bad one."""
    errors = FieldErrors()
    sent = changes.sent
    title: Parsed[str] | None = None
    description: Parsed[str] | None = None
    body: Parsed[str] | None = None
    tags: Parsed[tuple[str, ...]] | None = None
    if "title" in sent:
        title = errors.parse("title", lambda: values.title(changes.title))
    if "description" in sent:
        description = errors.parse("description", lambda: values.description(changes.description))
    if "body" in sent:
        body = errors.parse("body", lambda: values.body(changes.body))
    if "tag_list" in sent:
        tag_list = changes.tag_list
        if tag_list is None:
            errors.add("tagList", "must be a list; send [] to remove every tag")
        else:
            tags = errors.parse("tagList", lambda: values.tag_list(tag_list))
    errors.raise_if_any()
    return replace(
        article,
        title=article.title if title is None else title.value,
        description=article.description if description is None else description.value,
        body=article.body if body is None else body.value,
        tags=article.tags if tags is None else tags.value,
    )


class DeleteArticle:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @retry()
    @acting_user
    async def __call__(self, viewer_id: UserId, slug: str) -> None:
        async with self._uow as uow:
            article = await _article(uow, slug)
            article.ensure_author(viewer_id)
            await uow.articles.delete(article.id)
            await uow.commit()


class FavoriteArticle:
    def __init__(self, uow: UnitOfWork, queries: ArticleQueries) -> None:
        self._uow = uow
        self._queries = queries

    @retry()
    @acting_user
    async def __call__(self, viewer_id: UserId, slug: str, *, favorite: bool) -> ArticleView:
        async with self._uow as uow:
            article = await _article(uow, slug)
            if favorite:
                await uow.favorites.add(viewer_id, article.id)
            else:
                await uow.favorites.remove(viewer_id, article.id)
            await uow.commit()
        return await _view(self._queries, slug, viewer_id)


class GetArticle:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self, slug: str, viewer_id: UserId | None) -> ArticleView:
        return await _view(self._queries, slug, viewer_id)


class ListArticles:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self, filters: ArticleFilter, viewer_id: UserId | None) -> ArticlePage:
        return await self._queries.articles(filters, viewer_id)


class GetFeed:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self, viewer_id: UserId, page: Page) -> ArticlePage:
        return await self._queries.feed(viewer_id, page)


class ListTags:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self) -> list[str]:
        return await self._queries.tags()


async def _view(queries: ArticleQueries, slug: str, viewer_id: UserId | None) -> ArticleView:
    view = await queries.article(slug, viewer_id)
    if view is None:
        # Deleted between our commit and this read: the article is gone for the caller too.
        raise ArticleNotFound(slug)
    return view
