"""FastAPI dependencies: the app's container, and who is calling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from domain.errors import AuthenticationRequired, InvalidToken
from domain.model import UserId
from entrypoints.container import Container

T = TypeVar("T")

_authorization = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    description="`Token <jwt>` (as the RealWorld spec says; `Bearer <jwt>` works too)",
    auto_error=False,
)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def provide(build: Callable[[Container], T]) -> Any:
    """A dependency that builds `T` from this app's container (no module-level wiring)."""

    # async: FastAPI would run a plain `def` dependency in a thread pool, per request.
    async def dependency(request: Request) -> T:
        return build(request.app.state.container)

    return Depends(dependency)


def _token(header: str) -> str:
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not credentials.strip():
        raise InvalidToken()
    return credentials.strip()


async def optional_viewer(
    request: Request, authorization: Annotated[str | None, Security(_authorization)]
) -> UserId | None:
    container = container_of(request)
    viewer_id = container.tokens().verify(_token(authorization)) if authorization else None
    # Whose request this is, for the storage: with replicas, that user's reads wait for
    # their own writes (read-your-writes). Use cases never see it.
    container.actor_scope().bind(viewer_id)
    return viewer_id


async def required_viewer(
    viewer_id: Annotated[UserId | None, Depends(optional_viewer)],
) -> UserId:
    if viewer_id is None:
        raise AuthenticationRequired()
    return viewer_id


Viewer = Annotated[UserId | None, Depends(optional_viewer)]
CurrentUser = Annotated[UserId, Depends(required_viewer)]
