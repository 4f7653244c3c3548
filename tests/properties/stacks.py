"""Both adapter sets behind the same use cases, driven side by side on one private loop.

Each stack is the service's own container (STORAGE=memory, STORAGE=postgres) on one fake
clock, so that their timestamps can agree."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from domain.errors import DomainError
from domain.ports import Clock, TokenIssuer
from domain.views import UserView
from tests.support import truncate_all
from tests.use_cases import UseCases, memory_container, postgres_container

T = TypeVar("T")


class Twins:
    """A fresh in-memory stack and an emptied PostgreSQL one, on a private event loop.

    The state machines are synchronous, so every call runs to completion on this loop,
    which also owns the engine's connections: `close()` disposes of both.
    """

    def __init__(self, postgres_url: str, clock: Clock) -> None:
        self._loop = asyncio.new_event_loop()
        self.memory = UseCases(memory_container(clock=clock))
        self.postgres = UseCases(postgres_container(postgres_url, clock=clock))
        self.tokens: TokenIssuer = self.memory.container.tokens()
        """Both stacks sign with the same secret on the same clock: either verifies both."""
        self.run(truncate_all(self.postgres.container.engine()))

    def run(self, call: Awaitable[T]) -> T:
        return self._loop.run_until_complete(call)

    def each(self, call: Callable[[UseCases], Awaitable[T]]) -> dict[str, T]:
        """Each stack's own answer, by name, for checks that must hold on either."""
        return {"memory": self.run(call(self.memory)), "postgres": self.run(call(self.postgres))}

    def agree(self, call: Callable[[UseCases], Awaitable[T]]) -> T | DomainError:
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
            return replace(answer, token=f"user {self.tokens.verify(answer.token)}")
        return answer

    def close(self) -> None:
        try:
            self.run(self.postgres.container.storage_runtime().stop())
            self.run(self._loop.shutdown_default_executor())
        finally:
            self._loop.close()


async def _answer(call: Awaitable[T]) -> T | DomainError:
    try:
        return await call
    except DomainError as error:
        return error
