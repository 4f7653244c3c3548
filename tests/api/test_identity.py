"""Identities that cannot be doubled or forged: follows, vanished users, case-insensitive ids."""

from __future__ import annotations

import httpx

from tests.api.support import Conduit, auth


async def test_following_yourself_is_422_with_a_clear_message(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")

    response = await client.post("/profiles/jake/follow", headers=auth(token))

    assert response.status_code == 422
    assert response.json() == {"errors": {"profile": ["cannot follow yourself"]}}
    profile = await client.get("/profiles/jake", headers=auth(token))
    assert profile.json()["profile"]["following"] is False
    assert (await api.feed(token))["articlesCount"] == 0


async def test_following_yourself_is_checked_after_authentication(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("jake")
    assert (await client.post("/profiles/jake/follow")).status_code == 401


async def test_unfollowing_yourself_is_allowed(client: httpx.AsyncClient, api: Conduit) -> None:
    token = await api.token("jake")

    response = await client.delete("/profiles/jake/follow", headers=auth(token))

    assert response.status_code == 200
    assert response.json()["profile"]["following"] is False
