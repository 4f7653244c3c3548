"""Identities that cannot be doubled or forged: follows, vanished users, case-insensitive ids."""

from __future__ import annotations

import httpx

from tests.api.support import PASSWORD, Conduit, auth


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


def _registration(username: str, email: str) -> dict[str, dict[str, str]]:
    return {"user": {"username": username, "email": email, "password": PASSWORD}}


async def test_usernames_and_emails_are_unique_without_regard_to_case(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/users", json=_registration("pa18e1e6", "a@ex.com"))
    assert first.status_code == 201

    answers = {
        "username": await client.post("/users", json=_registration("PA18E1E6", "b@ex.com")),
        "email": await client.post("/users", json=_registration("other", "A@EX.COM")),
        "both": await client.post("/users", json=_registration("Pa18E1e6", "A@Ex.Com")),
    }

    taken = ["has already been taken"]
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 409)
    assert answers["username"].json() == {"errors": {"username": taken}}
    assert answers["email"].json() == {"errors": {"email": taken}}
    assert answers["both"].json() == {"errors": {"username": taken, "email": taken}}


async def test_another_users_email_in_another_case_cannot_be_taken(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("jake")
    token = await api.token("jane")

    response = await client.put(
        "/user",
        json={"user": {"email": "JAKE@Example.com", "username": "JAKE"}},
        headers=auth(token),
    )

    assert response.status_code == 409
    assert set(response.json()["errors"]) == {"email", "username"}


async def test_your_own_username_and_email_can_change_case(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")

    response = await client.put(
        "/user",
        json={"user": {"email": "Jake@Example.com", "username": "Jake"}},
        headers=auth(token),
    )

    assert response.status_code == 200
    assert (response.json()["user"]["username"], response.json()["user"]["email"]) == (
        "Jake",
        "Jake@Example.com",
    )


async def test_log_in_with_the_email_in_any_case_shows_it_as_registered(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/users", json=_registration("jake", "Jake@Example.com"))

    for typed in ("jake@example.com", "JAKE@EXAMPLE.COM", "Jake@Example.com"):
        response = await client.post(
            "/users/login", json={"user": {"email": typed, "password": PASSWORD}}
        )
        assert response.status_code == 200, typed
        assert response.json()["user"]["email"] == "Jake@Example.com"


async def test_a_username_is_looked_up_as_registered(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("Jake")

    assert (await client.get("/profiles/Jake")).status_code == 200
    assert (await client.get("/profiles/jake")).status_code == 404
