"""PostgreSQL frozen (SIGSTOP) under a running app: answers keep their deadlines, and the
service recovers by itself once the database thaws."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi import FastAPI

from adapters.postgres import embedded, schema
from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints.http.app import create_app
from entrypoints.http.routers.health import READY_BUDGET_SECONDS
from tests.support import make_settings

DEADLINE = 1.0
USER = {"user": {"username": "jake", "email": "jake@example.com", "password": "secret-pw-1"}}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test's own, so freezing it harms no other test."""
    server = embedded.start(tmp_path / "pg")
    try:
        schema.upgrade(server.url)
        yield server
    finally:
        server.stop()


@pytest.fixture
async def app_and_data(database: EmbeddedPostgres) -> AsyncIterator[tuple[FastAPI, Path]]:
    """An app with a 1 s deadline over that database."""
    app = create_app(
        make_settings(
            storage="postgres", database_url=database.url, request_timeout_seconds=DEADLINE
        )
    )
    async with app.router.lifespan_context(app):
        yield app, database.data_dir


@contextmanager
def frozen(data_dir: Path) -> Iterator[None]:
    """Every process of the cluster stopped (SIGSTOP), and continued again on the way out."""
    postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
    processes = [postmaster, *postmaster.children(recursive=True)]
    for process in processes:
        os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for process in processes:
            os.kill(process.pid, signal.SIGCONT)


async def _timed(request: Awaitable[httpx.Response]) -> tuple[int, float, httpx.Response]:
    started = time.monotonic()
    response = await request
    return response.status_code, time.monotonic() - started, response


async def test_a_frozen_database_gets_503_within_the_deadline_and_readyz_within_2s(
    app_and_data: tuple[FastAPI, Path],
) -> None:
    app, data_dir = app_and_data
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as client:
        assert (await client.post("/api/users", json=USER)).status_code == 201
        assert (await client.get("/readyz")).status_code == 200

        with frozen(data_dir):
            # Bounded: without a deadline these would wait as long as the freeze.
            answers = await asyncio.wait_for(
                asyncio.gather(
                    _timed(client.get("/api/tags")),
                    _timed(client.get("/api/articles")),
                    _timed(
                        client.put("/api/user", json={"user": {"bio": "x"}}, headers=_auth(app))
                    ),
                    _timed(client.get("/readyz")),
                    _timed(client.get("/livez")),
                ),
                timeout=10,
            )
            again = await asyncio.wait_for(_timed(client.get("/readyz")), timeout=10)

        statuses = [status for status, _, _ in answers]
        assert statuses == [503, 503, 503, 503, 200]
        for _, elapsed, response in answers[:3]:
            assert elapsed < DEADLINE + 0.5, elapsed
            assert response.headers["retry-after"] == "1"
        assert answers[3][1] < READY_BUDGET_SECONDS, answers[3][1]
        assert again[0] == 503 and again[1] < READY_BUDGET_SECONDS

        recovered = await _eventually_ok(client, "/api/tags")
        assert recovered.json() == {"tags": []}
        assert (await _eventually_ok(client, "/readyz")).status_code == 200
        changed = await client.put("/api/user", json={"user": {"bio": "back"}}, headers=_auth(app))
        assert changed.status_code == 200


def _auth(app: FastAPI) -> dict[str, str]:
    return {"Authorization": f"Token {app.state.container.tokens().issue(1)}"}


async def _eventually_ok(client: httpx.AsyncClient, path: str) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        response = await client.get(path)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)
