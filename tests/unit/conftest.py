"""Unit-test fixtures: every use case from the in-memory container, on a clock we steer."""

from __future__ import annotations

import pytest

from adapters.memory.store import InMemoryStore
from adapters.security.tokens import JwtTokenIssuer
from tests.fakes import FakeClock
from tests.use_cases import UseCases, memory_container


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def conduit(store: InMemoryStore, clock: FakeClock) -> UseCases:
    return UseCases(memory_container(clock=clock, store=store))


@pytest.fixture
def tokens(conduit: UseCases) -> JwtTokenIssuer:
    """The container's token issuer (on the fake clock)."""
    issuer: JwtTokenIssuer = conduit.container.tokens()
    return issuer
