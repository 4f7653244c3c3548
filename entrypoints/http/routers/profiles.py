"""Profiles and follows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from application.profiles import FollowProfile, GetProfile
from entrypoints.http import presenters, schemas
from entrypoints.http.dependencies import CurrentUser, Viewer, provide
from entrypoints.http.responses import errors
from entrypoints.http.routers import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/profiles", tags=["Profile"])


@router.get(
    "/{username}",
    response_model=schemas.ProfileResponse,
    responses=errors(401, 404),
    summary="Get a profile",
)
async def get_profile(
    username: str,
    viewer_id: Viewer,
    use_case: Annotated[GetProfile, provide(lambda c: c.get_profile())],
) -> Response:
    return presenters.JSON(presenters.profile(await use_case(username, viewer_id)))


@router.post(
    "/{username}/follow",
    response_model=schemas.ProfileResponse,
    responses=errors(401, 404),
    summary="Follow a user",
)
async def follow(
    username: str,
    viewer_id: CurrentUser,
    use_case: Annotated[FollowProfile, provide(lambda c: c.follow_profile())],
) -> Response:
    return presenters.JSON(presenters.profile(await use_case(viewer_id, username, follow=True)))


@router.delete(
    "/{username}/follow",
    response_model=schemas.ProfileResponse,
    responses=errors(401, 404),
    summary="Unfollow a user",
)
async def unfollow(
    username: str,
    viewer_id: CurrentUser,
    use_case: Annotated[FollowProfile, provide(lambda c: c.follow_profile())],
) -> Response:
    return presenters.JSON(presenters.profile(await use_case(viewer_id, username, follow=False)))
