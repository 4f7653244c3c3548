"""Driver failures that mean "the database is not there right now" are StorageUnavailable
(a 503, and with replicas, a read answered by the primary instead), never a 500."""

from __future__ import annotations

import asyncpg
import pytest

from adapters.sqlalchemy.errors import passing_failure
from domain.errors import StorageUnavailable


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        asyncpg.exceptions.TargetServerAttributeNotMatched(
            'None of the hosts match the target attribute requirement "read-write"'
        ),
        ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_server_going_away_or_no_writable_primary_is_storage_unavailable(
    error: Exception,
) -> None:
    assert isinstance(passing_failure(error), StorageUnavailable)


def test_a_bug_is_not_mistaken_for_an_outage() -> None:
    assert passing_failure(ValueError("not ours")) is None
