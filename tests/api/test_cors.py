"""CORS: browsers on another origin can call the API, preflight and errors included."""

from __future__ import annotations

import httpx
import pytest

ORIGIN = "http://localhost:4200"


def _allows(response: httpx.Response) -> bool:
    return response.headers.get("access-control-allow-origin") in ("*", ORIGIN)


@pytest.mark.parametrize(
    ("path", "method"),
    [("/articles", "POST"), ("/user", "PUT"), ("/articles/some-slug", "DELETE")],
)
async def test_preflight_is_answered_without_a_token(
    client: httpx.AsyncClient, path: str, method: str
) -> None:
    response = await client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert _allows(response)
    assert method in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers


async def test_a_cross_origin_read_carries_the_allow_origin_header(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/tags", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert _allows(response)


async def test_a_401_error_carries_the_allow_origin_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/user", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}
    assert _allows(response)


async def test_a_404_error_carries_the_allow_origin_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles/no-such-article", headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert _allows(response)
