"""A well-signed token whose user no longer exists is a 401 everywhere, never a 500.

Where a token is required it is refused like a forged one; where it is optional it is
refused too, not taken as anonymous. It comes first: before not found, forbidden or invalid.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.api.support import Conduit, auth

GONE = {"errors": {"token": ["is invalid"]}}
GHOST_ID = 999_999


@pytest.fixture
def ghost(app: FastAPI) -> dict[str, str]:
    """The header of a token signed by this app for a user id that names nobody."""
    return auth(app.state.container.tokens().issue(GHOST_ID))


async def test_every_endpoint_that_needs_a_user_refuses_a_vanished_one(
    client: httpx.AsyncClient, api: Conduit, ghost: dict[str, str]
) -> None:
    author = await api.token("author")
    slug = (await api.create_article(author))["slug"]
    comment_id = (await api.comment(author, slug))["id"]
    article = {"article": {"title": "Boo", "description": "d", "body": "b"}}

    answers = {
        "GET /user": await client.get("/user", headers=ghost),
        "PUT /user": await client.put("/user", json={"user": {"bio": "b"}}, headers=ghost),
        "feed": await client.get("/articles/feed", headers=ghost),
        "create": await client.post("/articles", json=article, headers=ghost),
        "update": await client.put(f"/articles/{slug}", json=article, headers=ghost),
        "delete": await client.delete(f"/articles/{slug}", headers=ghost),
        "favorite": await client.post(f"/articles/{slug}/favorite", headers=ghost),
        "unfavorite": await client.delete(f"/articles/{slug}/favorite", headers=ghost),
        "comment": await client.post(
            f"/articles/{slug}/comments", json={"comment": {"body": "b"}}, headers=ghost
        ),
        "uncomment": await client.delete(f"/articles/{slug}/comments/{comment_id}", headers=ghost),
        "follow": await client.post("/profiles/author/follow", headers=ghost),
        "unfollow": await client.delete("/profiles/author/follow", headers=ghost),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 401)
    assert all(r.json() == GONE for r in answers.values())
    assert (await api.article(slug))["favoritesCount"] == 0
    assert len(await api.comments(slug)) == 1


async def test_a_vanished_user_is_refused_where_a_token_is_optional(
    client: httpx.AsyncClient, api: Conduit, ghost: dict[str, str]
) -> None:
    author = await api.token("author")
    slug = (await api.create_article(author))["slug"]

    reads = [
        "/articles",
        "/articles?tag=dragons&author=author&favorited=author&q=dragon",
        f"/articles/{slug}",
        f"/articles/{slug}/comments",
        "/profiles/author",
    ]
    for path in reads:
        response = await client.get(path, headers=ghost)
        assert response.status_code == 401, path
        assert response.json() == GONE
    assert (await client.get("/tags", headers=ghost)).status_code == 200  # takes no token


async def test_a_vanished_user_is_told_before_not_found_forbidden_or_invalid(
    client: httpx.AsyncClient, api: Conduit, ghost: dict[str, str]
) -> None:
    author = await api.token("author")
    slug = (await api.create_article(author))["slug"]

    answers = [
        await client.get("/articles/missing", headers=ghost),
        await client.get("/articles/missing/comments", headers=ghost),
        await client.get("/profiles/nobody", headers=ghost),
        await client.post("/profiles/nobody/follow", headers=ghost),
        await client.delete("/profiles/nobody/follow", headers=ghost),
        await client.put("/articles/missing", json={"article": {}}, headers=ghost),
        await client.delete(f"/articles/{slug}/comments/12345", headers=ghost),
        await client.post("/articles/missing/favorite", headers=ghost),
        await client.post("/articles", json={"article": {"title": ""}}, headers=ghost),
        await client.post(
            f"/articles/{slug}/comments", json={"comment": {"body": ""}}, headers=ghost
        ),
        await client.put("/user", json={"user": {"email": ""}}, headers=ghost),
    ]

    assert [r.status_code for r in answers] == [401] * len(answers)
