"""A unit of work over the in-memory store whose rollback really discards."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from adapters.memory.repositories import (
    InMemoryArticleRepository,
    InMemoryCommentRepository,
    InMemoryFavoriteRepository,
    InMemoryFollowRepository,
    InMemoryUserRepository,
)
from adapters.memory.store import InMemoryStore, Tables


class InMemoryUnitOfWork:
    """Works on a private copy of the tables; `commit` publishes it, anything else drops it.

    Transactions hold the store's lock for their whole life, so they are serializable,
    which is stricter than PostgreSQL's READ COMMITTED but never weaker.
    """

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._tables: Tables | None = None

    async def __aenter__(self) -> Self:
        await self._store.write_lock.acquire()
        tables = self._store.committed.copy()
        self._tables = tables
        self.users = InMemoryUserRepository(tables)
        self.follows = InMemoryFollowRepository(tables)
        self.articles = InMemoryArticleRepository(tables)
        self.favorites = InMemoryFavoriteRepository(tables)
        self.comments = InMemoryCommentRepository(tables)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None
        self._store.write_lock.release()

    async def commit(self) -> None:
        if self._tables is None:
            raise RuntimeError("commit outside the unit of work")
        # Publish a snapshot: later writes in this block need a commit of their own.
        self._store.committed = self._tables.copy()
