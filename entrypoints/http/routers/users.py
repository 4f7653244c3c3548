"""Users and authentication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from application.users import (
    Credentials,
    GetCurrentUser,
    LogIn,
    RegisterUser,
    Registration,
    UpdateUser,
    UserChanges,
)
from entrypoints.http import presenters, schemas
from entrypoints.http.dependencies import CurrentUser, provide
from entrypoints.http.responses import errors
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.routing import JsonBodyRoute

router = APIRouter(prefix=API_PREFIX, tags=["User and Authentication"], route_class=JsonBodyRoute)


@router.post(
    "/users",
    status_code=201,
    response_model=schemas.UserResponse,
    responses=errors(409, 422),
    summary="Register a new user",
)
async def register(
    request: schemas.NewUserRequest,
    use_case: Annotated[RegisterUser, provide(lambda c: c.register_user())],
) -> Response:
    data = request.user
    view = await use_case(Registration(data.username, data.email, data.password))
    return presenters.JSON(presenters.user(view), status_code=201)


@router.post(
    "/users/login",
    response_model=schemas.UserResponse,
    responses=errors(401, 422),
    summary="Log in an existing user",
)
async def log_in(
    request: schemas.LoginUserRequest,
    use_case: Annotated[LogIn, provide(lambda c: c.log_in())],
) -> Response:
    view = await use_case(Credentials(request.user.email, request.user.password))
    return presenters.JSON(presenters.user(view))


@router.get(
    "/user",
    response_model=schemas.UserResponse,
    responses=errors(401),
    summary="Get the current user",
)
async def current_user(
    user_id: CurrentUser,
    use_case: Annotated[GetCurrentUser, provide(lambda c: c.get_current_user())],
) -> Response:
    return presenters.JSON(presenters.user(await use_case(user_id)))


@router.put(
    "/user",
    response_model=schemas.UserResponse,
    responses=errors(401, 409, 422),
    summary="Update the current user",
)
async def update_user(
    user_id: CurrentUser,
    request: schemas.UpdateUserRequest,
    use_case: Annotated[UpdateUser, provide(lambda c: c.update_user())],
) -> Response:
    data = request.user
    changes = UserChanges(
        email=data.email,
        username=data.username,
        password=data.password,
        bio=data.bio,
        image=data.image,
        sent=frozenset(data.model_fields_set),
    )
    return presenters.JSON(presenters.user(await use_case(user_id, changes)))
