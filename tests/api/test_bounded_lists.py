"""Lists stay bounded: a deepest offset, and a search that ranks only its newest matches."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.views import MAX_OFFSET
from entrypoints.http.app import create_app
from tests.api.support import Conduit, auth
from tests.support import make_settings, truncate_all

WINDOW = 4


@pytest.mark.parametrize("path", ["/articles", "/articles/feed"])
async def test_an_offset_past_the_deepest_is_a_422_and_the_deepest_is_served(
    client: httpx.AsyncClient, api: Conduit, path: str
) -> None:
    token = await api.token()

    deepest = await client.get(f"{path}?offset={MAX_OFFSET}", headers=auth(token))
    past = await client.get(f"{path}?offset={MAX_OFFSET + 1}", headers=auth(token))

    assert deepest.status_code == 200
    assert deepest.json()["articles"] == []
    assert past.status_code == 422
    assert past.json() == {"errors": {"offset": ["is too large"]}}


@pytest.fixture(params=["memory", "postgres"])
async def narrow(
    request: pytest.FixtureRequest, postgres_url: str, engine: AsyncEngine
) -> AsyncIterator[Conduit]:
    """An app whose searches rank only their WINDOW newest matches, on either adapter set."""
    storage = request.param
    settings = make_settings(
        storage=storage,
        database_url=postgres_url if storage == "postgres" else None,
        search_window=WINDOW,
    )
    app: FastAPI = create_app(settings)
    if storage == "postgres":
        await truncate_all(engine)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as c:
                yield Conduit(c)
    finally:
        if storage == "postgres":
            await truncate_all(engine)


async def test_a_search_ranks_and_counts_only_its_newest_matches(narrow: Conduit) -> None:
    author = await narrow.token("author")
    for n in range(8):
        body = "dragons " * (n % 3 + 1)
        await narrow.create_article(author, f"Dragons number {n}", body=body)

    found = await narrow.articles(q="dragons")
    second_page = await narrow.articles(q="dragons", limit=2, offset=2)

    assert found["articlesCount"] == WINDOW
    # The newest four (4..7), best first; equal ranks list the newer first.
    titles = [a["title"] for a in found["articles"]]
    assert titles == [f"Dragons number {n}" for n in (5, 7, 4, 6)]
    assert [a["title"] for a in second_page["articles"]] == titles[2:]
