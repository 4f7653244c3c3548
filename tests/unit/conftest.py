"""Unit-test fixtures: every use case wired to the in-memory adapters and a clock we steer."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Self

import pytest

from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryProfileQueries,
)
from adapters.memory.repositories import InMemoryArticleRepository
from adapters.memory.store import InMemoryStore, Tables
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenIssuer
from application.articles import ArticleDraft
from application.users import Registration
from domain.model import UserId
from domain.ports import UnitOfWork
from domain.views import ArticleView
from tests.use_cases import Stack, Tools

START = datetime(2026, 2, 18, 3, 22, 56, 637_000, tzinfo=UTC)
PASSWORD = "password123"


class FakeClock:
    """Aware UTC time at millisecond precision that moves only when a test moves it."""

    def __init__(self, start: datetime = START) -> None:
        self._now: datetime
        self.set(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock tells aware time only")
        utc = moment.astimezone(UTC)
        self._now = utc.replace(microsecond=utc.microsecond // 1000 * 1000)

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)


def as_port(uow: InMemoryUnitOfWork) -> UnitOfWork:
    """The in-memory unit of work, checked by mypy against the port it implements."""
    return uow


class RacingUnitOfWork(InMemoryUnitOfWork):
    """Its first `stale_reads` slug lookups miss the slugs a concurrent writer just took."""

    def __init__(self, store: InMemoryStore, stale_reads: int) -> None:
        super().__init__(store)
        self.stale_reads = stale_reads

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        assert self._tables is not None
        self.articles = StaleSlugs(self._tables, self)
        return self


class StaleSlugs(InMemoryArticleRepository):
    def __init__(self, tables: Tables, uow: RacingUnitOfWork) -> None:
        super().__init__(tables)
        self._uow = uow

    async def slugs_like(self, base: str) -> Collection[str]:
        if self._uow.stale_reads > 0:
            self._uow.stale_reads -= 1
            return set()
        return await super().slugs_like(base)


@dataclass(frozen=True, slots=True)
class Member:
    """A registered user as the tests drive it: the id for use cases, the rest for asserts."""

    id: UserId
    username: str
    email: str
    token: str


class UseCases(Stack):
    """Every use case over one in-memory store, plus shortcuts to set a scene."""

    def __init__(
        self,
        store: InMemoryStore,
        clock: FakeClock,
        hasher: Argon2PasswordHasher,
        tokens: JwtTokenIssuer,
    ) -> None:
        super().__init__(
            lambda: as_port(InMemoryUnitOfWork(store)),
            InMemoryProfileQueries(store),
            InMemoryArticleQueries(store),
            InMemoryCommentQueries(store),
            Tools(clock, hasher, tokens),
        )
        self._tokens = tokens
        self._names = itertools.count(1)

    async def member(self, username: str | None = None, password: str = PASSWORD) -> Member:
        """Register a user named `username` (or a fresh name) with `username@example.com`."""
        name = username or f"user{next(self._names)}"
        view = await self.register_user(Registration(name, f"{name}@example.com", password))
        return Member(self._tokens.verify(view.token), view.username, view.email, view.token)

    async def article(
        self,
        author: Member,
        title: str = "How to train your dragon",
        tags: Sequence[str] = (),
    ) -> ArticleView:
        draft = ArticleDraft(title, "Ever wonder how?", "Very carefully.", list(tags))
        return await self.create_article(author.id, draft)


@pytest.fixture(scope="session")
def hasher() -> Argon2PasswordHasher:
    """Real argon2 at its cheapest: the cost is a production setting, not a behaviour."""
    return Argon2PasswordHasher(time_cost=1, memory_cost=64)


@pytest.fixture(scope="session")
def tokens() -> JwtTokenIssuer:
    return JwtTokenIssuer(secret="x" * 40, ttl=timedelta(hours=1))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def conduit(
    store: InMemoryStore, clock: FakeClock, hasher: Argon2PasswordHasher, tokens: JwtTokenIssuer
) -> UseCases:
    return UseCases(store, clock, hasher, tokens)
