"""Races through the HTTP app on PostgreSQL: constraints decide, users see 409s, never 500s."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.support import auth

TAKEN = ["has already been taken"]


@pytest.fixture
async def client(postgres_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=postgres_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as c:
        yield c


async def register(client: httpx.AsyncClient, username: str, email: str) -> httpx.Response:
    user = {"username": username, "email": email, "password": "password123"}
    return await client.post("/users", json={"user": user})


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


@pytest.mark.parametrize("racers", [2, 10])
async def test_racing_registrations_of_one_username_give_one_201_and_409s(
    client: httpx.AsyncClient, racers: int
) -> None:
    responses = await asyncio.gather(
        *(register(client, "dragon", f"rider{i}@example.com") for i in range(racers))
    )

    assert statuses(responses) == {201: 1, 409: racers - 1}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json() == {"errors": {"username": TAKEN}}


@pytest.mark.parametrize("racers", [2, 10])
async def test_racing_registrations_of_one_username_and_email_give_one_201_and_409s(
    client: httpx.AsyncClient, racers: int
) -> None:
    responses = await asyncio.gather(
        *(register(client, "dragon", "dragon@example.com") for _ in range(racers))
    )

    assert statuses(responses) == {201: 1, 409: racers - 1}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            errors: dict[str, list[str]] = response.json()["errors"]
            # Whichever unique check catches the loser first names the field.
            assert errors
            assert set(errors) <= {"username", "email"}
            assert all(messages == TAKEN for messages in errors.values())


async def test_racing_articles_with_one_title_all_get_distinct_slugs(
    client: httpx.AsyncClient,
) -> None:
    created = await register(client, "author", "author@example.com")
    token = created.json()["user"]["token"]
    article: dict[str, Any] = {
        "title": "Dragons",
        "description": "About dragons",
        "body": "They fly.",
        "tagList": ["dragons", "fire"],
    }

    responses = await asyncio.gather(
        *(
            client.post("/articles", json={"article": article}, headers=auth(token))
            for _ in range(10)
        )
    )

    assert statuses(responses) == {201: 10}, [r.text for r in responses]
    slugs = {response.json()["article"]["slug"] for response in responses}
    assert slugs == {"dragons", *(f"dragons-{n}" for n in range(2, 11))}
    listed = await client.get("/articles", params={"tag": "fire", "limit": 20})
    assert listed.json()["articlesCount"] == 10


async def test_racing_articles_with_shared_new_tags_all_succeed(
    client: httpx.AsyncClient,
) -> None:
    created = await register(client, "author", "author@example.com")
    token = created.json()["user"]["token"]

    def article(n: int) -> dict[str, Any]:
        return {
            "title": f"Dragon number {n}",
            "description": "About dragons",
            "body": "They fly.",
            "tagList": ["fire", "wings", f"dragon-{n}"],
        }

    responses = await asyncio.gather(
        *(
            client.post("/articles", json={"article": article(n)}, headers=auth(token))
            for n in range(10)
        )
    )

    assert statuses(responses) == {201: 10}, [r.text for r in responses]
    tags = (await client.get("/tags")).json()["tags"]
    assert sorted(tags) == sorted(["fire", "wings", *(f"dragon-{n}" for n in range(10))])
