"""Articles, the feed and favorites."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from application.articles import (
    ArticleChanges,
    ArticleDraft,
    CreateArticle,
    DeleteArticle,
    FavoriteArticle,
    GetArticle,
    GetFeed,
    ListArticles,
    UpdateArticle,
)
from domain.values import SEARCH_MAX, TAG_MAX, USERNAME_MAX
from domain.views import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, SEARCH_WINDOW, ArticleFilter, Page
from entrypoints.http import presenters, schemas
from entrypoints.http.dependencies import CurrentUser, Viewer, provide
from entrypoints.http.responses import errors
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.routing import JsonBodyRoute

router = APIRouter(prefix=f"{API_PREFIX}/articles", tags=["Articles"], route_class=JsonBodyRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_OFFSET,
        description=f"Items to skip (not pages), at most {MAX_OFFSET}: on a filtered list or the "
        "feed, reaching a page costs reading every item before it. Narrow the list (author, tag, "
        "favorited, q) to go deeper.",
    ),
]
SEARCH = (
    "Full-text search: articles whose title, description or body contain every word, "
    "best match first (title over description over body), then newest first. "
    "Words are letters and digits, case-insensitive, without stemming; blank means no search. "
    f"Only the newest {SEARCH_WINDOW} matches (SEARCH_WINDOW on the server) are ranked, listed "
    "and counted: articlesCount is at most that."
)


@router.get(
    "",
    response_model=schemas.MultipleArticlesResponse,
    responses=errors(401, 422),
    summary="List articles, newest first",
)
async def list_articles(
    viewer_id: Viewer,
    use_case: Annotated[ListArticles, provide(lambda c: c.list_articles())],
    tag: Annotated[str | None, Query(max_length=TAG_MAX)] = None,
    author: Annotated[str | None, Query(max_length=USERNAME_MAX)] = None,
    favorited: Annotated[str | None, Query(max_length=USERNAME_MAX)] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
    q: Annotated[str | None, Query(max_length=SEARCH_MAX, description=SEARCH)] = None,
) -> Response:
    filters = ArticleFilter(
        tag=tag,
        author=author,
        favorited_by=favorited,
        limit=limit,
        offset=offset,
        q=q if q and q.strip() else None,
    )
    return presenters.JSON(presenters.articles(await use_case(filters, viewer_id)))


@router.get(
    "/feed",
    response_model=schemas.MultipleArticlesResponse,
    responses=errors(401, 422),
    summary="Articles by followed users, newest first",
)
async def feed(
    viewer_id: CurrentUser,
    use_case: Annotated[GetFeed, provide(lambda c: c.get_feed())],
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    page = await use_case(viewer_id, Page(limit=limit, offset=offset))
    return presenters.JSON(presenters.articles(page))


@router.post(
    "",
    status_code=201,
    response_model=schemas.ArticleResponse,
    responses=errors(401, 422),
    summary="Create an article",
)
async def create_article(
    viewer_id: CurrentUser,
    request: schemas.NewArticleRequest,
    use_case: Annotated[CreateArticle, provide(lambda c: c.create_article())],
) -> Response:
    data = request.article
    draft = ArticleDraft(data.title, data.description, data.body, data.tag_list)
    return presenters.JSON(presenters.article(await use_case(viewer_id, draft)), status_code=201)


@router.get(
    "/{slug}",
    response_model=schemas.ArticleResponse,
    responses=errors(401, 404),
    summary="Get an article",
)
async def get_article(
    slug: str,
    viewer_id: Viewer,
    use_case: Annotated[GetArticle, provide(lambda c: c.get_article())],
) -> Response:
    return presenters.JSON(presenters.article(await use_case(slug, viewer_id)))


@router.put(
    "/{slug}",
    response_model=schemas.ArticleResponse,
    responses=errors(401, 403, 404, 422),
    summary="Update an article (author only)",
)
async def update_article(
    slug: str,
    viewer_id: CurrentUser,
    request: schemas.UpdateArticleRequest,
    use_case: Annotated[UpdateArticle, provide(lambda c: c.update_article())],
) -> Response:
    data = request.article
    changes = ArticleChanges(
        title=data.title,
        description=data.description,
        body=data.body,
        tag_list=data.tag_list,
        sent=frozenset(data.model_fields_set),
    )
    return presenters.JSON(presenters.article(await use_case(viewer_id, slug, changes)))


@router.delete(
    "/{slug}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404),
    summary="Delete an article (author only)",
)
async def delete_article(
    slug: str,
    viewer_id: CurrentUser,
    use_case: Annotated[DeleteArticle, provide(lambda c: c.delete_article())],
) -> Response:
    await use_case(viewer_id, slug)
    return Response(status_code=204)


@router.post(
    "/{slug}/favorite",
    response_model=schemas.ArticleResponse,
    responses=errors(401, 404),
    tags=["Favorites"],
    summary="Favorite an article",
)
async def favorite(
    slug: str,
    viewer_id: CurrentUser,
    use_case: Annotated[FavoriteArticle, provide(lambda c: c.favorite_article())],
) -> Response:
    return presenters.JSON(presenters.article(await use_case(viewer_id, slug, favorite=True)))


@router.delete(
    "/{slug}/favorite",
    response_model=schemas.ArticleResponse,
    responses=errors(401, 404),
    tags=["Favorites"],
    summary="Unfavorite an article",
)
async def unfavorite(
    slug: str,
    viewer_id: CurrentUser,
    use_case: Annotated[FavoriteArticle, provide(lambda c: c.favorite_article())],
) -> Response:
    return presenters.JSON(presenters.article(await use_case(viewer_id, slug, favorite=False)))
