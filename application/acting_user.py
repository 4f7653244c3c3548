"""Use cases that act as a user: a token whose user is gone is told so first."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from domain.errors import (
    DomainError,
    InvalidToken,
    SlugTaken,
    StorageUnavailable,
    TransientStorageError,
    UnknownUser,
)
from domain.model import UserId
from domain.ports import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")


class _WithUnitOfWork(Protocol):
    _uow: UnitOfWork


S = TypeVar("S", bound=_WithUnitOfWork)


def acting_user(
    use_case: Callable[Concatenate[S, UserId, P], Awaitable[R]],
) -> Callable[Concatenate[S, UserId, P], Coroutine[Any, Any, R]]:
    """For a use case whose first argument is the id of the user it acts as (from a token).

    A token stays valid after its user is deleted. When such a use case fails (not found,
    forbidden, invalid input), a caller whose user is gone gets UnknownUser (401) instead:
    authentication comes before existence, ownership and validation. Only a failure pays
    for the look-up; on success the writes themselves prove the user (foreign keys, the
    author of what is changed) or the use case checks.
    """

    @functools.wraps(use_case)
    async def checked(self: S, user_id: UserId, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await use_case(self, user_id, *args, **kwargs)
        except (InvalidToken, SlugTaken, StorageUnavailable, TransientStorageError):
            raise  # about the token already, or about the storage (retried or a 503)
        except DomainError as error:
            async with self._uow as uow:
                known = await uow.users.get(user_id) is not None
            if not known:
                raise UnknownUser() from error
            raise

    return checked
