"""Every request is answered within REQUEST_TIMEOUT_SECONDS: a 503 with Retry-After past it."""

from __future__ import annotations

import asyncio
import time

from dependency_injector import providers

from tests.api.support import Clients

DEADLINE = 0.5


class Stuck:
    """A use case that never returns (a frozen database, say); remembers being cancelled."""

    def __init__(self) -> None:
        self.cancelled = asyncio.Event()

    async def __call__(self) -> list[str]:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return []


async def test_a_request_past_its_deadline_is_503_with_retry_after(clients: Clients) -> None:
    stuck = Stuck()
    overrides = {"list_tags": providers.Object(stuck)}
    async with clients(overrides=overrides, request_timeout_seconds=DEADLINE) as client:
        started = time.monotonic()
        response = await client.get("/tags", headers={"X-Request-ID": "slow-1"})
        elapsed = time.monotonic() - started

        assert response.status_code == 503
        assert response.json() == {"errors": {"request": ["took longer than 0.5 s, try again"]}}
        assert response.headers["retry-after"] == "1"
        assert response.headers["x-request-id"] == "slow-1"
        assert DEADLINE <= elapsed < DEADLINE + 1
        await asyncio.wait_for(stuck.cancelled.wait(), timeout=5)
        assert (await client.get("http://t/livez")).status_code == 200


async def test_requests_within_the_deadline_are_untouched(clients: Clients) -> None:
    async with clients(request_timeout_seconds=DEADLINE) as client:
        response = await client.get("/tags")
    assert response.status_code == 200
    assert "tags" in response.json()
