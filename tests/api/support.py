"""A thin client for the API tests: one line per setup step, assertions stay in the tests."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

_counter = itertools.count(1)

PASSWORD = "password123"

Clients = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
"""`clients(peer="127.0.0.1", overrides={}, **settings)`: a client of a fresh app with those
settings, calling from `peer`, its container's providers overridden by name."""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


DATE = re.compile(r"^\d{4,}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d{3}Z$")
"""ISO 8601 UTC with milliseconds, as every date in a response must be."""

ARTICLE_KEYS = {
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}
LIST_ITEM_KEYS = ARTICLE_KEYS - {"body"}
PROFILE_KEYS = {"username", "bio", "image", "following"}


def viewer(token: str | None) -> dict[str, str]:
    """The Authorization header of `token`, or no header at all for an anonymous caller."""
    return {} if token is None else auth(token)


def slugs(listing: dict[str, Any]) -> list[str]:
    """The slugs of a `{"articles": [...]}` answer, in the order the API gave them."""
    return [article["slug"] for article in listing["articles"]]


class Conduit:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def register(self, username: str | None = None) -> dict[str, Any]:
        """Register a user; returns the `user` object (with its token)."""
        name = username or f"user{next(_counter)}"
        response = await self.client.post(
            "/users",
            json={"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}},
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()["user"]
        return user

    async def token(self, username: str | None = None) -> str:
        return str((await self.register(username))["token"])

    async def create_article(
        self,
        token: str,
        title: str = "How to train your dragon",
        tags: list[str] | None = None,
        body: str = "Very carefully.",
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": title, "description": "Ever wonder how?", "body": body}
        if tags is not None:
            payload["tagList"] = tags
        response = await self.client.post(
            "/articles", json={"article": payload}, headers=auth(token)
        )
        assert response.status_code == 201, response.text
        article: dict[str, Any] = response.json()["article"]
        return article

    async def follow(self, token: str, username: str) -> None:
        response = await self.client.post(f"/profiles/{username}/follow", headers=auth(token))
        assert response.status_code == 200, response.text

    async def unfollow(self, token: str, username: str) -> None:
        response = await self.client.delete(f"/profiles/{username}/follow", headers=auth(token))
        assert response.status_code == 200, response.text

    async def favorite(self, token: str, slug: str) -> None:
        response = await self.client.post(f"/articles/{slug}/favorite", headers=auth(token))
        assert response.status_code == 200, response.text

    async def comment(self, token: str, slug: str, body: str = "Nice!") -> dict[str, Any]:
        response = await self.client.post(
            f"/articles/{slug}/comments", json={"comment": {"body": body}}, headers=auth(token)
        )
        assert response.status_code == 201, response.text
        comment: dict[str, Any] = response.json()["comment"]
        return comment

    async def delete_article(self, token: str, slug: str) -> None:
        response = await self.client.delete(f"/articles/{slug}", headers=auth(token))
        assert response.status_code == 204, response.text

    # Reads that must succeed; each returns the unwrapped JSON body.

    async def _get(self, path: str, token: str | None, params: dict[str, Any]) -> Any:
        response = await self.client.get(path, params=params, headers=viewer(token))
        assert response.status_code == 200, response.text
        return response.json()

    async def article(self, slug: str, token: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = (await self._get(f"/articles/{slug}", token, {}))["article"]
        return body

    async def articles(self, token: str | None = None, **params: str | int) -> dict[str, Any]:
        listing: dict[str, Any] = await self._get("/articles", token, params)
        return listing

    async def feed(self, token: str, **params: str | int) -> dict[str, Any]:
        listing: dict[str, Any] = await self._get("/articles/feed", token, params)
        return listing

    async def comments(self, slug: str, token: str | None = None) -> list[dict[str, Any]]:
        listing = await self._get(f"/articles/{slug}/comments", token, {})
        comments: list[dict[str, Any]] = listing["comments"]
        return comments

    async def tags(self) -> list[str]:
        tags: list[str] = (await self._get("/tags", None, {}))["tags"]
        return tags
