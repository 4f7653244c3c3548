"""Fakes shared by the test folders: clocks the tests steer, and a unit of work that loses
the slug race on purpose."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Self

from adapters.memory.repositories import InMemoryArticleRepository
from adapters.memory.store import InMemoryStore, Tables
from adapters.memory.unit_of_work import InMemoryUnitOfWork

START = datetime(2026, 2, 18, 3, 22, 56, 637_000, tzinfo=UTC)


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


class TickingClock:
    """A clock that ticks one millisecond per reading, so every timestamp differs."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now


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

    async def taken_slugs(self, base: str) -> Collection[str]:
        if self._uow.stale_reads > 0:
            self._uow.stale_reads -= 1
            return set()
        return await super().taken_slugs(base)
