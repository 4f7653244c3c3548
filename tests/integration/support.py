"""Helpers for integration tests that swap the app's unit of work for a doctored one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from dependency_injector import providers
from fastapi import FastAPI

from entrypoints.container import Container


def container_of(app: FastAPI) -> Container:
    container: Container = app.state.container
    return container


@contextmanager
def unit_of_work_overridden(app: FastAPI, provider: providers.Provider[Any]) -> Iterator[None]:
    """Every use case of `app` gets its unit of work from `provider` inside the block."""
    container = container_of(app)
    container.uow.override(provider)
    try:
        yield
    finally:
        # The app outlives the test (it is session-scoped): leave it as we found it.
        container.uow.reset_override()


@asynccontextmanager
async def http_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
        yield client
