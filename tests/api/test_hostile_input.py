"""Hostile input gets a contract answer (a 4xx with a RealWorld error body), never a 500."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from fastapi import FastAPI

from entrypoints.http.middleware import BodySizeLimitMiddleware
from tests.api.support import Conduit, auth
from tests.support import JWT_SECRET

INVALID_TOKEN = {"errors": {"token": ["is invalid"]}}


def _signed(subject: str) -> dict[str, str]:
    """A correctly signed token whose subject is `subject`, as only the secret's holder makes."""
    now = int(time.time())
    claims = {"sub": subject, "iat": now, "exp": now + 600, "iss": "conduit"}
    return {"Authorization": f"Token {jwt.encode(claims, JWT_SECRET, algorithm='HS256')}"}


async def test_a_signed_token_whose_subject_overflows_an_id_is_401(
    client: httpx.AsyncClient,
) -> None:
    for subject in (str(2**63), str(2**64 + 1), "9" * 40):
        response = await client.get("/user", headers=_signed(subject))
        assert response.status_code == 401, subject
        assert response.json() == INVALID_TOKEN


NOT_PARSED = {"errors": {"body": ["could not be parsed"]}}
JSON_TYPE = {"Content-Type": "application/json"}
LONE_SURROGATE = '"a\\ud800b"'
"""A JSON string escape that decodes to no Unicode character: nothing can encode it as UTF-8."""


async def test_a_chunked_body_over_the_limit_is_the_same_413_as_a_declared_one(
    client: httpx.AsyncClient,
) -> None:
    ten_megabytes = 10 * 1024 * 1024

    async def chunks() -> AsyncIterator[bytes]:
        sent = 0
        while sent < ten_megabytes:
            yield b"x" * 65_536
            sent += 65_536

    streamed = await client.post("/users", content=chunks(), headers=JSON_TYPE)
    declared = await client.post("/users", content=b"x" * ten_megabytes, headers=JSON_TYPE)

    assert "content-length" not in streamed.request.headers
    assert (streamed.status_code, declared.status_code) == (413, 413)
    assert streamed.json() == declared.json()
    assert streamed.json() == {"errors": {"body": ["is too large (maximum is 1048576 bytes)"]}}


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\xfa",
        b'{"user": {"email": "\xff@x.io", "password": "secret-password-1"}}',
        b"\xff\xfe{}",
        '{"user": {"email": "a@x.io", "password": "p"}}'.encode("utf-16"),
        b"\xef\xbb\xbf{}",
        b"not json at all",
        b'{"user": {"email": "a@x.io", "password": NaN}}',
        b'{"user": ',
    ],
)
async def test_a_body_that_is_not_json_text_in_utf8_is_always_the_same_400(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post("/users/login", content=content, headers=JSON_TYPE)
    assert response.status_code == 400
    assert response.json() == NOT_PARSED


async def test_json_of_the_wrong_shape_is_422(client: httpx.AsyncClient) -> None:
    expected = {
        b"[1, 2, 3]": {"body": ["must be an object"]},
        b'{"user": 1}': {"user": ["must be an object"]},
        b"{}": {"user": ["can't be blank"]},
    }
    for content, errors in expected.items():
        response = await client.post("/users/login", content=content, headers=JSON_TYPE)
        assert response.status_code == 422, content
        assert response.json() == {"errors": errors}


async def test_a_lone_surrogate_is_refused_before_anything_reads_it(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    slug = (await api.create_article(token))["slug"]
    s = LONE_SURROGATE
    requests = [
        ("POST", "/users/login", f'{{"user":{{"email":{s},"password":"secret-password-1"}}}}'),
        ("POST", "/users/login", f'{{"user":{{"email":"a@x.io","password":{s}}}}}'),
        ("POST", "/users", f'{{"user":{{"username":{s},"email":"b@x.io","password":"p"}}}}'),
        ("POST", "/users", f'{{"user":{{"username":"b","email":{s},"password":"p"}}}}'),
        ("POST", "/users", f'{{"user":{{"username":"b","email":"b@x.io","password":{s}}}}}'),
        *(("PUT", "/user", f'{{"user":{{"{field}":{s}}}}}') for field in USER_FIELDS),
        *(
            ("POST", "/articles", _article(field, s))
            for field in ("title", "description", "body", "tagList")
        ),
        *(
            ("PUT", f"/articles/{slug}", _article(field, s))
            for field in ("title", "description", "body", "tagList")
        ),
        ("POST", f"/articles/{slug}/comments", f'{{"comment":{{"body":{s}}}}}'),
    ]
    for method, path, content in requests:
        response = await client.request(
            method, path, content=content.encode(), headers={**JSON_TYPE, **auth(token)}
        )
        assert response.status_code == 400, (method, path, content, response.text)
        assert response.json() == NOT_PARSED
    assert (await api.article(slug))["title"] == "How to train your dragon"


USER_FIELDS = ("email", "username", "password", "bio", "image")


def _article(field: str, value: str) -> str:
    fields = {"title": '"t"', "description": '"d"', "body": '"b"', "tagList": '["x"]'}
    fields[field] = f"[{value}]" if field == "tagList" else value
    inner = ",".join(f'"{name}":{json}' for name, json in fields.items())
    return f'{{"article":{{{inner}}}}}'


async def test_a_route_without_a_body_ignores_whatever_body_comes(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    await api.register("jane")
    response = await client.post(
        "/profiles/jane/follow", content=b"\xff not json", headers={**JSON_TYPE, **auth(token)}
    )
    assert response.status_code == 200
    assert response.json()["profile"]["following"] is True


async def test_the_body_limit_answers_413_whoever_reads_the_stream() -> None:
    """FastAPI's own body parsing turns an interrupted read into a 400: the limit answers first."""
    inner = FastAPI()

    @inner.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, str]:
        return payload

    limited = BodySizeLimitMiddleware(inner, max_bytes=1_024)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 512

    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/echo", content=chunks(), headers=JSON_TYPE)
    assert response.status_code == 413
    assert response.json() == {"errors": {"body": ["is too large (maximum is 1024 bytes)"]}}


@pytest.mark.parametrize(
    "image", ["javascript:alert(1)", "data:text/html,x", "https://img.test/\u0007.png", "/me.png"]
)
async def test_an_image_that_is_not_an_http_url_is_422(
    client: httpx.AsyncClient, api: Conduit, image: str
) -> None:
    token = await api.token("jake")
    response = await client.put("/user", json={"user": {"image": image}}, headers=auth(token))
    assert response.status_code == 422
    assert response.json() == {"errors": {"image": ["must be an http or https URL"]}}
    profile = await client.get("/profiles/jake")
    assert profile.json()["profile"]["image"] is None


async def test_an_https_image_or_none_is_accepted(client: httpx.AsyncClient, api: Conduit) -> None:
    token = await api.token("jake")
    for image, shown in (("https://img.test/jake.png", "https://img.test/jake.png"), ("", None)):
        response = await client.put("/user", json={"user": {"image": image}}, headers=auth(token))
        assert response.status_code == 200
        assert response.json()["user"]["image"] == shown
