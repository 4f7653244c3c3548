"""Profiles and follows: CONTRACT.md's rows, on both adapter sets."""

from __future__ import annotations

import httpx
import pytest

from tests.api.support import Conduit, auth

MISSING_TOKEN = {"errors": {"token": ["is missing"]}}
PROFILE_NOT_FOUND = {"errors": {"profile": ["not found"]}}


async def test_profile_for_an_anonymous_viewer_is_not_followed_and_has_null_bio_and_image(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("celeb")
    response = await client.get("/profiles/celeb")
    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": "celeb", "bio": None, "image": None, "following": False}
    }


async def test_profile_shows_the_bio_and_image_the_user_set(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("celeb")
    await client.put(
        "/user",
        json={"user": {"bio": "I sing", "image": "https://i.example/celeb.png"}},
        headers=auth(token),
    )
    response = await client.get("/profiles/celeb")
    assert response.json()["profile"] == {
        "username": "celeb",
        "bio": "I sing",
        "image": "https://i.example/celeb.png",
        "following": False,
    }


async def test_profile_shows_following_only_to_the_follower(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("celeb")
    fan = await api.token("fan")
    stranger = await api.token("stranger")
    await api.follow(fan, "celeb")

    as_fan = await client.get("/profiles/celeb", headers=auth(fan))
    as_stranger = await client.get("/profiles/celeb", headers=auth(stranger))
    anonymous = await client.get("/profiles/celeb")

    assert as_fan.json()["profile"]["following"] is True
    assert as_stranger.json()["profile"]["following"] is False
    assert anonymous.json()["profile"]["following"] is False


async def test_profile_of_an_unknown_user_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/profiles/nobody")
    assert response.status_code == 404
    assert response.json() == PROFILE_NOT_FOUND


async def test_follow_returns_the_profile_with_following_true(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("celeb")
    fan = await api.token("fan")
    response = await client.post("/profiles/celeb/follow", headers=auth(fan))
    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": "celeb", "bio": None, "image": None, "following": True}
    }


async def test_follow_ignores_a_request_body(client: httpx.AsyncClient, api: Conduit) -> None:
    await api.register("celeb")
    fan = await api.token("fan")
    response = await client.post(
        "/profiles/celeb/follow", json={"anything": "at all"}, headers=auth(fan)
    )
    assert response.status_code == 200
    assert response.json()["profile"]["following"] is True


async def test_unfollow_returns_the_profile_with_following_false(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("celeb")
    fan = await api.token("fan")
    await api.follow(fan, "celeb")
    response = await client.delete("/profiles/celeb/follow", headers=auth(fan))
    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": "celeb", "bio": None, "image": None, "following": False}
    }
    again = await client.get("/profiles/celeb", headers=auth(fan))
    assert again.json()["profile"]["following"] is False


async def test_follow_is_idempotent(client: httpx.AsyncClient, api: Conduit) -> None:
    await api.register("celeb")
    fan = await api.token("fan")
    first = await client.post("/profiles/celeb/follow", headers=auth(fan))
    second = await client.post("/profiles/celeb/follow", headers=auth(fan))
    assert first.status_code == second.status_code == 200
    assert second.json()["profile"]["following"] is True
    # One unfollow undoes any number of follows: the second follow added nothing.
    await client.delete("/profiles/celeb/follow", headers=auth(fan))
    after = await client.get("/profiles/celeb", headers=auth(fan))
    assert after.json()["profile"]["following"] is False


async def test_unfollow_is_idempotent(client: httpx.AsyncClient, api: Conduit) -> None:
    await api.register("celeb")
    fan = await api.token("fan")
    for _ in range(2):
        response = await client.delete("/profiles/celeb/follow", headers=auth(fan))
        assert response.status_code == 200
        assert response.json()["profile"]["following"] is False


async def test_following_one_user_does_not_follow_another(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("celeb")
    await api.register("other")
    fan = await api.token("fan")
    await api.follow(fan, "celeb")
    response = await client.get("/profiles/other", headers=auth(fan))
    assert response.json()["profile"]["following"] is False


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("username", ["celeb", "nobody"])
async def test_follow_and_unfollow_without_a_token_are_401_even_for_an_unknown_user(
    client: httpx.AsyncClient, api: Conduit, method: str, username: str
) -> None:
    await api.register("celeb")
    response = await client.request(method, f"/profiles/{username}/follow")
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_follow_and_unfollow_of_an_unknown_user_are_404(
    client: httpx.AsyncClient, api: Conduit, method: str
) -> None:
    fan = await api.token("fan")
    response = await client.request(method, "/profiles/nobody/follow", headers=auth(fan))
    assert response.status_code == 404
    assert response.json() == PROFILE_NOT_FOUND
