"""A unit of work over one AsyncSession: one transaction per use-case call."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sqlalchemy.article_repository import SqlAlchemyArticleRepository
from adapters.sqlalchemy.errors import RETRYABLE_SQLSTATES, sqlstate
from adapters.sqlalchemy.repositories import (
    SqlAlchemyCommentRepository,
    SqlAlchemyFavoriteRepository,
    SqlAlchemyFollowRepository,
    SqlAlchemyUserRepository,
)
from domain.errors import TransientStorageError


def _transient(error: BaseException | None) -> TransientStorageError | None:
    """The domain error for a serialization failure or a deadlock, else None."""
    if not isinstance(error, DBAPIError):
        return None
    code = sqlstate(error)
    return TransientStorageError(f"SQLSTATE {code}") if code in RETRYABLE_SQLSTATES else None


async def _discard(session: AsyncSession) -> None:
    try:
        await session.rollback()
    finally:
        await session.close()


async def _to_completion(cleanup: Coroutine[Any, Any, None]) -> None:
    """Await `cleanup` to its end even if this task is cancelled meanwhile, then re-raise.

    A server cancels the request's task when its client goes away, and anyio's cancel
    scopes (Starlette's task groups) cancel again at every further await. A rollback
    awaited directly is then cancelled too: SQLAlchemy gives up on the connection and
    force-closes it, so each abandoned request would cost the pool a connection.
    """
    task = asyncio.create_task(cleanup)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():
                raise
            cancelled = error
        else:
            break
    if cancelled is not None:
        raise cancelled


class SqlAlchemyUnitOfWork:
    """Raises TransientStorageError (from the DBAPIError) when PostgreSQL aborted the
    transaction as a serialization failure or a deadlock, in the block or at commit."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._session_factory()
        self._session = session
        self.users = SqlAlchemyUserRepository(session)
        self.follows = SqlAlchemyFollowRepository(session)
        self.articles = SqlAlchemyArticleRepository(session)
        self.favorites = SqlAlchemyFavoriteRepository(session)
        self.comments = SqlAlchemyCommentRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        # Whatever was not committed is discarded, on success, error and cancellation alike.
        await _to_completion(_discard(session))
        transient = _transient(exc)
        if transient is not None:
            raise transient from exc

    async def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit outside the unit of work")
        try:
            await self._session.commit()
        except DBAPIError as error:
            transient = _transient(error)
            if transient is None:
                raise
            raise transient from error
