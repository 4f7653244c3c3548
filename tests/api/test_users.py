"""Users and authentication: CONTRACT.md's rows, on both adapter sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from tests.api.support import PASSWORD, Conduit, auth
from tests.support import JWT_SECRET


def _user(
    username: str = "jake", email: str = "jake@jake.jake", password: str = "jakejake"
) -> dict[str, object]:
    return {"user": {"username": username, "email": email, "password": password}}


async def test_register_returns_201_with_null_bio_and_image_and_a_token(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/users", json=_user())
    assert response.status_code == 201
    user = response.json()["user"]
    assert user["username"] == "jake"
    assert user["email"] == "jake@jake.jake"
    assert user["bio"] is None
    assert user["image"] is None
    assert isinstance(user["token"], str) and user["token"]
    assert set(user) == {"email", "token", "username", "bio", "image"}


@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_register_with_a_blank_field_is_422_cant_be_blank(
    client: httpx.AsyncClient, field: str, blank: str | None
) -> None:
    body = _user()
    user = body["user"]
    assert isinstance(user, dict)
    if blank is None:
        del user[field]
    else:
        user[field] = blank
    response = await client.post("/users", json=body)
    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}


async def test_register_reports_every_failing_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users", json={"user": {"username": "", "email": "", "password": "1234567"}}
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"username": ["can't be blank"], "email": ["can't be blank"]}
    }


async def test_register_has_no_minimum_password_length(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", json=_user(password="x"))
    assert response.status_code == 201


async def test_register_with_taken_username_is_409(client: httpx.AsyncClient) -> None:
    await client.post("/users", json=_user())
    response = await client.post("/users", json=_user(email="other@jake.jake"))
    assert response.status_code == 409
    assert response.json() == {"errors": {"username": ["has already been taken"]}}


async def test_register_with_taken_email_is_409(client: httpx.AsyncClient) -> None:
    await client.post("/users", json=_user())
    response = await client.post("/users", json=_user(username="other"))
    assert response.status_code == 409
    assert response.json() == {"errors": {"email": ["has already been taken"]}}


async def test_register_with_both_taken_reports_both(client: httpx.AsyncClient) -> None:
    await client.post("/users", json=_user())
    response = await client.post("/users", json=_user())
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"username": ["has already been taken"], "email": ["has already been taken"]}
    }


async def test_register_with_a_malformed_email_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", json=_user(email="not-an-email"))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["email"]


async def test_register_without_the_user_wrapper_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", json={"username": "jake"})
    assert response.status_code == 422
    assert "user" in response.json()["errors"]


async def test_malformed_json_is_a_json_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users", content=b'{"user": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"errors": {"body": ["could not be parsed"]}}


async def test_wrong_type_is_a_json_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users", json={"user": {"username": 5, "email": [], "password": "x"}}
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"username": ["must be a string"], "email": ["must be a string"]}
    }


async def test_login_returns_the_user_with_a_token(client: httpx.AsyncClient) -> None:
    await client.post("/users", json=_user())
    response = await client.post(
        "/users/login", json={"user": {"email": "jake@jake.jake", "password": "jakejake"}}
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["username"] == "jake"
    assert user["token"]


@pytest.mark.parametrize("field", ["email", "password"])
async def test_login_with_a_blank_field_is_422(client: httpx.AsyncClient, field: str) -> None:
    credentials = {"email": "jake@jake.jake", "password": "jakejake", field: ""}
    response = await client.post("/users/login", json={"user": credentials})
    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}


@pytest.mark.parametrize(
    ("email", "password"),
    [("jake@jake.jake", "wrong-password"), ("nobody@jake.jake", "jakejake"), ("not-an-email", "x")],
)
async def test_login_with_bad_credentials_is_401_credentials_invalid(
    client: httpx.AsyncClient, email: str, password: str
) -> None:
    await client.post("/users", json=_user())
    response = await client.post(
        "/users/login", json={"user": {"email": email, "password": password}}
    )
    assert response.status_code == 401
    assert response.json() == {"errors": {"credentials": ["invalid"]}}


async def test_current_user_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
async def test_current_user_accepts_token_and_bearer(
    client: httpx.AsyncClient, api: Conduit, scheme: str
) -> None:
    user = await api.register("jake")
    response = await client.get("/user", headers={"Authorization": f"{scheme} {user['token']}"})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "jake"
    assert response.json()["user"]["token"]


def _forge(claims: dict[str, object], secret: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


async def test_expired_token_is_401_has_expired(client: httpx.AsyncClient, api: Conduit) -> None:
    await api.register("jake")
    past = datetime.now(UTC) - timedelta(hours=2)
    token = _forge({"sub": "1", "iat": past, "exp": past + timedelta(hours=1), "iss": "conduit"})
    response = await client.get("/user", headers=auth(token))
    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["has expired"]}}


async def test_tampered_and_unsigned_tokens_are_401_is_invalid(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    header, payload, signature = token.split(".")
    now = datetime.now(UTC)
    claims = {"sub": "1", "iat": now, "exp": now + timedelta(hours=1), "iss": "conduit"}
    forged = [
        f"{header}.{payload}.{signature[::-1]}",
        _forge(claims, secret="another-secret-of-sufficient-length-000"),
        jwt.encode(claims, key=None, algorithm="none"),
        _forge(claims, algorithm="HS512"),
        "not-a-jwt",
    ]
    for bad in forged:
        response = await client.get("/user", headers=auth(bad))
        assert response.status_code == 401, bad
        assert response.json() == {"errors": {"token": ["is invalid"]}}


async def test_a_token_for_a_user_that_does_not_exist_is_401(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    token = _forge({"sub": "999", "iat": now, "exp": now + timedelta(hours=1), "iss": "conduit"})
    response = await client.get("/user", headers=auth(token))
    assert response.status_code == 401


async def test_unknown_authorization_scheme_is_401(client: httpx.AsyncClient, api: Conduit) -> None:
    token = await api.token("jake")
    response = await client.get("/user", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401


async def test_update_user_changes_only_the_given_fields(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    response = await client.put(
        "/user", json={"user": {"bio": "I like to skateboard"}}, headers=auth(token)
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["bio"] == "I like to skateboard"
    assert user["username"] == "jake"
    assert user["image"] is None
    assert user["token"]
    again = await client.get("/user", headers=auth(token))
    assert again.json()["user"]["bio"] == "I like to skateboard"


async def test_update_user_blank_bio_and_image_become_null(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    await client.put(
        "/user",
        json={"user": {"bio": "x", "image": "https://i.example/a.png"}},
        headers=auth(token),
    )
    response = await client.put(
        "/user", json={"user": {"bio": "", "image": None}}, headers=auth(token)
    )
    assert response.status_code == 200
    assert response.json()["user"]["bio"] is None
    assert response.json()["user"]["image"] is None


@pytest.mark.parametrize("field", ["email", "username"])
@pytest.mark.parametrize("value", ["", None])
async def test_update_user_blank_email_or_username_is_422(
    client: httpx.AsyncClient, api: Conduit, field: str, value: str | None
) -> None:
    token = await api.token("jake")
    response = await client.put("/user", json={"user": {field: value}}, headers=auth(token))
    assert response.status_code == 422
    assert field in response.json()["errors"]


@pytest.mark.parametrize("password", ["", None, "1234567"])
async def test_update_user_rejects_short_or_blank_passwords(
    client: httpx.AsyncClient, api: Conduit, password: str | None
) -> None:
    token = await api.token("jake")
    response = await client.put("/user", json={"user": {"password": password}}, headers=auth(token))
    assert response.status_code == 422
    assert "password" in response.json()["errors"]


@pytest.mark.parametrize("length", [8, 64])
async def test_update_user_accepts_8_and_64_character_passwords(
    client: httpx.AsyncClient, api: Conduit, length: int
) -> None:
    token = await api.token("jake")
    password = "p" * length
    response = await client.put("/user", json={"user": {"password": password}}, headers=auth(token))
    assert response.status_code == 200
    login = await client.post(
        "/users/login", json={"user": {"email": "jake@example.com", "password": password}}
    )
    assert login.status_code == 200
    old = await client.post(
        "/users/login", json={"user": {"email": "jake@example.com", "password": PASSWORD}}
    )
    assert old.status_code == 401


async def test_update_user_to_a_taken_username_or_email_is_409(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    await api.register("taken")
    token = await api.token("jake")
    response = await client.put(
        "/user",
        json={"user": {"username": "taken", "email": "taken@example.com"}},
        headers=auth(token),
    )
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"username": ["has already been taken"], "email": ["has already been taken"]}
    }


async def test_update_user_with_own_email_is_not_a_conflict(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    response = await client.put(
        "/user", json={"user": {"email": "jake@example.com"}}, headers=auth(token)
    )
    assert response.status_code == 200


async def test_renamed_user_keeps_working_with_the_returned_token(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    response = await client.put(
        "/user",
        json={"user": {"username": "jacob", "email": "jacob@example.com"}},
        headers=auth(token),
    )
    assert response.status_code == 200
    new_token = response.json()["user"]["token"]
    me = await client.get("/user", headers=auth(new_token))
    assert me.json()["user"]["username"] == "jacob"
    assert me.json()["user"]["email"] == "jacob@example.com"
    login = await client.post(
        "/users/login", json={"user": {"email": "jacob@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200


async def test_update_user_without_token_is_401_even_with_a_bad_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.put("/user", json={"user": {"email": ""}})
    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"errors": {"route": ["not found"]}}


async def test_wrong_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    response = await client.patch("/user")
    assert response.status_code == 405
    assert "errors" in response.json()
