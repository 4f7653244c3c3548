"""A unit of work over one AsyncSession: one transaction per use-case call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sqlalchemy.article_repository import SqlAlchemyArticleRepository
from adapters.sqlalchemy.errors import passing_failure
from adapters.sqlalchemy.repositories import (
    SqlAlchemyCommentRepository,
    SqlAlchemyFavoriteRepository,
    SqlAlchemyFollowRepository,
    SqlAlchemyUserRepository,
)


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
    """Raises TransientStorageError when PostgreSQL aborted the transaction as a
    serialization failure or a deadlock, and StorageUnavailable when the database cannot
    be reached or answer in time, in the block or at commit (the driver's error is the
    cause). Any other error passes through as it is.

    `after_commit` runs once the commit succeeded (with replicas: recording the writer's WAL
    position for read-your-writes); its failure is reported the same way, the commit stays.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        after_commit: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._after_commit = after_commit
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
        try:
            await _to_completion(_discard(session))
        except Exception as error:
            # The rollback failed too (its connection is gone): the first failure is the news.
            failure = passing_failure(exc) or passing_failure(error)
            if failure is None:
                raise
            raise failure from exc or error
        failure = passing_failure(exc)
        if failure is not None:
            raise failure from exc

    async def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit outside the unit of work")
        try:
            await self._session.commit()
            if self._after_commit is not None:
                await self._after_commit()
        except Exception as error:
            failure = passing_failure(error)
            if failure is None:
                raise
            raise failure from error
