"""A thin client for the API tests: one line per setup step, assertions stay in the tests."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

_counter = itertools.count(1)

PASSWORD = "password123"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


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
