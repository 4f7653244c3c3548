"""An unreachable database is StorageUnavailable from the adapters, reads and writes alike,
with the driver's error as its cause: the layers above never see a driver's exception."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from application.users import Registration
from domain.errors import StorageUnavailable
from tests.use_cases import PASSWORD, UseCases, postgres_container


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port  # closed again on leaving: nothing listens there


@pytest.fixture
async def nowhere() -> AsyncIterator[UseCases]:
    url = f"postgresql+asyncpg://conduit@127.0.0.1:{_closed_port()}/conduit"
    conduit = UseCases(postgres_container(url))
    yield conduit
    await conduit.container.storage_runtime().stop()


async def test_a_read_on_an_unreachable_database_is_storage_unavailable(
    nowhere: UseCases,
) -> None:
    with pytest.raises(StorageUnavailable) as raised:
        await nowhere.list_tags()

    assert raised.value.__cause__ is not None


async def test_a_write_on_an_unreachable_database_is_storage_unavailable(
    nowhere: UseCases,
) -> None:
    with pytest.raises(StorageUnavailable) as raised:
        await nowhere.register_user(Registration("jake", "jake@example.com", PASSWORD))

    assert raised.value.__cause__ is not None
