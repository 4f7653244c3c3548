"""The database goes away under a running app: fail fast with 503, recover by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from adapters.postgres import embedded, schema
from entrypoints.http.app import create_app
from tests.support import make_settings


@pytest.fixture
def private_database(tmp_path: Path) -> Path:
    """A PostgreSQL of this test's own, so stopping it harms no other test."""
    server = embedded.start(tmp_path / "pg")
    schema.upgrade(server.url)
    server.stop()
    return tmp_path / "pg"


@pytest.fixture
async def outage_app(private_database: Path) -> AsyncIterator[tuple[FastAPI, Path]]:
    server = embedded.start(private_database)
    app = create_app(make_settings(storage="postgres", database_url=server.url))
    async with app.router.lifespan_context(app):
        yield app, private_database
    embedded.start(private_database).stop()


async def test_requests_fail_fast_with_503_and_recover_without_restart(
    outage_app: tuple[FastAPI, Path],
) -> None:
    app, data_dir = outage_app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/api/tags")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200

        await asyncio.to_thread(embedded.start(data_dir).stop)

        started = time.monotonic()
        down = await client.get("/api/tags")
        assert down.status_code == 503
        assert down.json() == {"errors": {"database": ["is unavailable, try again"]}}
        assert time.monotonic() - started < 5
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert (await client.get("/livez")).status_code == 200
        register = await client.post(
            "/api/users",
            json={"user": {"username": "jake", "email": "jake@example.com", "password": "x"}},
        )
        assert register.status_code == 503

        await asyncio.to_thread(embedded.start, data_dir)

        statuses = [(await client.get("/api/tags")).status_code for _ in range(3)]
        assert statuses[-1] == 200
        assert (await client.get("/readyz")).status_code == 200
        again = await client.post(
            "/api/users",
            json={"user": {"username": "jake", "email": "jake@example.com", "password": "x"}},
        )
        assert again.status_code == 201
