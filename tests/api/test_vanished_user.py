"""A well-signed token whose user no longer exists is a 401 on every write, never a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.api.support import Conduit, auth

GONE = {"errors": {"token": ["is invalid"]}}


async def test_writes_with_the_token_of_a_vanished_user_are_401(
    app: FastAPI, client: httpx.AsyncClient, api: Conduit
) -> None:
    author = await api.token("author")
    slug = (await api.create_article(author))["slug"]
    ghost = auth(app.state.container.tokens().issue(999_999))

    article = {"article": {"title": "Boo", "description": "d", "body": "b"}}
    writes = [
        await client.post("/articles", json=article, headers=ghost),
        await client.post(f"/articles/{slug}/favorite", headers=ghost),
        await client.post(
            f"/articles/{slug}/comments", json={"comment": {"body": "b"}}, headers=ghost
        ),
        await client.post("/profiles/author/follow", headers=ghost),
        await client.get("/user", headers=ghost),
    ]

    assert [w.status_code for w in writes] == [401] * len(writes)
    assert all(w.json() == GONE for w in writes)
    listed = await client.get("/articles", headers=ghost)
    assert listed.status_code == 200
    assert listed.json()["articlesCount"] == 1
