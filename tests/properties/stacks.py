"""Both adapter sets behind the same use cases, driven side by side on one private loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryProfileQueries,
)
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.postgres.queries import (
    PostgresArticleQueries,
    PostgresCommentQueries,
    PostgresProfileQueries,
)
from adapters.sqlalchemy.engine import DriverReader, StatementCounter, create_session_factory
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import DomainError
from domain.views import UserView
from tests.conftest import truncate_all
from tests.use_cases import Stack, Tools

T = TypeVar("T")


def memory_stack(tools: Tools) -> Stack:
    store = InMemoryStore()
    return Stack(
        lambda: InMemoryUnitOfWork(store),
        InMemoryProfileQueries(store),
        InMemoryArticleQueries(store),
        InMemoryCommentQueries(store),
        tools,
    )


def postgres_stack(engine: AsyncEngine, tools: Tools) -> Stack:
    sessions = create_session_factory(engine)
    reader = DriverReader(engine, StatementCounter())
    return Stack(
        lambda: SqlAlchemyUnitOfWork(sessions),
        PostgresProfileQueries(reader),
        PostgresArticleQueries(reader),
        PostgresCommentQueries(reader),
        tools,
    )


class Twins:
    """A fresh in-memory stack and an emptied PostgreSQL one, on a private event loop.

    The state machines are synchronous, so every call runs to completion on this loop,
    which also owns the engine's connections: `close()` disposes of both.
    """

    def __init__(self, postgres_url: str, tools: Tools) -> None:
        self._tokens = tools.tokens
        self._loop = asyncio.new_event_loop()
        self._engine = create_async_engine(postgres_url)
        self.memory = memory_stack(tools)
        self.postgres = postgres_stack(self._engine, tools)
        self.run(truncate_all(self._engine))

    def run(self, call: Awaitable[T]) -> T:
        return self._loop.run_until_complete(call)

    def each(self, call: Callable[[Stack], Awaitable[T]]) -> dict[str, T]:
        """Each stack's own answer, by name, for checks that must hold on either."""
        return {"memory": self.run(call(self.memory)), "postgres": self.run(call(self.postgres))}

    def agree(self, call: Callable[[Stack], Awaitable[T]]) -> T | DomainError:
        """`call` on both stacks, which must answer the same value or raise the same error."""
        memory = self.run(_answer(call(self.memory)))
        postgres = self.run(_answer(call(self.postgres)))
        assert self._observable(memory) == self._observable(postgres), (
            f"the adapters disagree:\n  memory:   {memory!r}\n  postgres: {postgres!r}"
        )
        return memory

    def _observable(self, answer: object) -> object:
        """Errors by type and details; a token by the user it names, not by its bytes."""
        if isinstance(answer, DomainError):
            return type(answer), answer.args
        if isinstance(answer, UserView):
            return replace(answer, token=f"user {self._tokens.verify(answer.token)}")
        return answer

    def close(self) -> None:
        try:
            self.run(self._engine.dispose())
            self.run(self._loop.shutdown_default_executor())
        finally:
            self._loop.close()


async def _answer(call: Awaitable[T]) -> T | DomainError:
    try:
        return await call
    except DomainError as error:
        return error
