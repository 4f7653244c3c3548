"""Operations: probes, metrics, request ids, security headers, size and rate limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.http.app import create_app
from tests.api.support import PASSWORD, Clients, Conduit, auth
from tests.support import make_settings


async def test_livez_answers_without_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("http://conduit.test/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("http://conduit.test/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    generated = await client.get("/tags")
    assert len(generated.headers["x-request-id"]) == 32
    given = await client.get("/tags", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"


async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    unsafe = "evil id;<script>"
    response = await client.get("/tags", headers={"X-Request-ID": unsafe})
    assert response.headers["x-request-id"] != unsafe
    assert len(response.headers["x-request-id"]) == 32


async def test_every_response_has_security_headers_and_no_server_banner(
    client: httpx.AsyncClient,
) -> None:
    for response in (await client.get("/tags"), await client.get("/user")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" in response.headers
        assert "server" not in response.headers


async def test_metrics_count_requests_by_route_template(clients: Clients) -> None:
    async with clients(environment="development") as client:  # public only in development
        token = await Conduit(client).token("jake")
        await client.get("/profiles/jake", headers=auth(token))
        await client.get("/profiles/nobody")
        response = await client.get("http://conduit.test/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'route="/api/profiles/{username}",status="200"' in text
    assert 'route="/api/profiles/{username}",status="404"' in text
    assert "conduit_http_request_duration_seconds_bucket" in text
    assert 'conduit_use_case_errors_total{error="ProfileNotFound"}' in text


async def test_a_body_over_the_limit_is_413_json(client: httpx.AsyncClient) -> None:
    huge = "x" * 1_100_000
    response = await client.post(
        "/users", json={"user": {"username": "a", "email": "a@a.io", "password": huge}}
    )
    assert response.status_code == 413
    assert "body" in response.json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "u" * 65), ("email", "e" * 250 + "@x.io"), ("password", "p" * 257)],
)
async def test_overlong_user_fields_are_422_not_500(
    client: httpx.AsyncClient, field: str, value: str
) -> None:
    user = {"username": "jake", "email": "jake@example.com", "password": PASSWORD, field: value}
    response = await client.post("/users", json={"user": user})
    assert response.status_code == 422
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "t" * 257), ("description", "d" * 1025), ("body", "b" * 100_001)],
)
async def test_overlong_article_fields_are_422(
    client: httpx.AsyncClient, api: Conduit, field: str, value: str
) -> None:
    token = await api.token("jake")
    article = {"title": "t", "description": "d", "body": "b", field: value}
    response = await client.post("/articles", json={"article": article}, headers=auth(token))
    assert response.status_code == 422
    assert field in response.json()["errors"]


async def test_overlong_tag_bio_image_and_comment_are_422(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    article = {"title": "t", "description": "d", "body": "b", "tagList": ["x" * 65]}
    tagged = await client.post("/articles", json={"article": article}, headers=auth(token))
    assert tagged.status_code == 422
    bio = await client.put("/user", json={"user": {"bio": "b" * 2001}}, headers=auth(token))
    assert bio.status_code == 422
    image = await client.put("/user", json={"user": {"image": "i" * 2049}}, headers=auth(token))
    assert image.status_code == 422
    slug = (await api.create_article(token))["slug"]
    comment = await client.post(
        f"/articles/{slug}/comments",
        json={"comment": {"body": "c" * 20_001}},
        headers=auth(token),
    )
    assert comment.status_code == 422


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE users; --", '" OR 1=1 --', "%' OR '1'='1", "\\x00\\", "../../etc/passwd"],
)
async def test_injection_shaped_input_is_just_data(
    client: httpx.AsyncClient, api: Conduit, hostile: str
) -> None:
    token = await api.token("jake")
    article = await api.create_article(token, title=hostile, tags=[hostile])
    assert article["title"] == hostile
    listed = await client.get("/articles", params={"tag": hostile, "author": hostile})
    assert listed.status_code == 200
    assert listed.json()["articlesCount"] == 0
    by_tag = await client.get("/articles", params={"tag": hostile})
    assert by_tag.json()["articlesCount"] == 1
    profile = await client.get(f"/profiles/{hostile}")
    assert profile.status_code == 404
    login = await client.post(
        "/users/login", json={"user": {"email": hostile, "password": hostile}}
    )
    assert login.status_code == 401


async def test_invalid_utf8_and_non_json_bodies_are_json_errors(client: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "application/json"}
    for content in (b"\xff\xfe\xfa", b"not json at all", b"[1, 2, 3]", b""):
        response = await client.post("/users", content=content, headers=headers)
        assert response.status_code in (400, 422), content
        assert "body" in response.json()["errors"]


async def test_nul_characters_are_422_never_500(client: httpx.AsyncClient, api: Conduit) -> None:
    token = await api.token("jake")
    response = await client.post(
        "/articles",
        json={
            "article": {"title": "a\u0000b", "description": "d", "body": "b", "tagList": ["\u0000"]}
        },
        headers=auth(token),
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "tagList"}
    login = await client.post(
        "/users/login", json={"user": {"email": "a\u0000@b.io", "password": "x"}}
    )
    assert login.status_code in (401, 422)
    for path in ("/articles?tag=%00", "/profiles/a%00b", "/articles/a%00b"):
        answer = await client.get(path)
        assert answer.status_code == 422, path
        assert answer.json() == {"errors": {"request": ["must not contain NUL characters"]}}


@pytest.fixture
async def limited_app() -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(storage="memory", rate_limit_per_minute=3))
    async with app.router.lifespan_context(app):
        yield app


async def test_login_is_rate_limited_per_client_with_retry_after(limited_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=limited_app, client=("10.0.0.1", 1234))
    other = httpx.ASGITransport(app=limited_app, client=("10.0.0.2", 1234))
    body = {"user": {"email": "a@b.io", "password": "nope"}}
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
        statuses = [(await client.post("/users/login", json=body)).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        limited = await client.post("/users/login", json=body)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json() == {"errors": {"request": ["too many attempts, try again later"]}}
        assert (await client.get("/tags")).status_code == 200
    async with httpx.AsyncClient(transport=other, base_url="http://t/api") as client:
        assert (await client.post("/users/login", json=body)).status_code == 401


async def test_docs_can_be_turned_off() -> None:
    app = create_app(make_settings(storage="memory", docs_enabled=False))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/api/openapi.json")).status_code == 404


async def test_logs_never_contain_passwords_or_tokens(
    client: httpx.AsyncClient, api: Conduit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await api.token("jake")
    await client.get("/user", headers=auth(token))
    await client.post(
        "/users/login", json={"user": {"email": "jake@example.com", "password": "wrong-pw-42"}}
    )
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "request_id" in logged
    assert token not in logged
    assert PASSWORD not in logged
    assert "wrong-pw-42" not in logged
