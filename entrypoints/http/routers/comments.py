"""Comments on articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from application.comments import AddComment, CommentDraft, DeleteComment, ListComments
from entrypoints.http import presenters, schemas
from entrypoints.http.dependencies import CurrentUser, Viewer, provide
from entrypoints.http.responses import errors
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.routing import JsonBodyRoute

router = APIRouter(
    prefix=f"{API_PREFIX}/articles/{{slug}}/comments", tags=["Comments"], route_class=JsonBodyRoute
)


@router.get(
    "",
    response_model=schemas.MultipleCommentsResponse,
    responses=errors(401, 404),
    summary="List the comments of an article, oldest first",
)
async def list_comments(
    slug: str,
    viewer_id: Viewer,
    use_case: Annotated[ListComments, provide(lambda c: c.list_comments())],
) -> Response:
    return presenters.JSON(presenters.comments(await use_case(slug, viewer_id)))


@router.post(
    "",
    status_code=201,
    response_model=schemas.CommentResponse,
    responses=errors(401, 404, 422),
    summary="Comment on an article",
)
async def add_comment(
    slug: str,
    viewer_id: CurrentUser,
    request: schemas.NewCommentRequest,
    use_case: Annotated[AddComment, provide(lambda c: c.add_comment())],
) -> Response:
    view = await use_case(viewer_id, slug, CommentDraft(request.comment.body))
    return presenters.JSON(presenters.comment(view), status_code=201)


@router.delete(
    "/{id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404),
    summary="Delete a comment (author only)",
)
async def delete_comment(
    slug: str,
    comment_id: Annotated[int, Path(alias="id", ge=1, le=2**63 - 1)],
    viewer_id: CurrentUser,
    use_case: Annotated[DeleteComment, provide(lambda c: c.delete_comment())],
) -> Response:
    await use_case(viewer_id, slug, comment_id)
    return Response(status_code=204)
