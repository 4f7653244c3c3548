"""/api/openapi.json documents every status each operation can return, with its error body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from entrypoints.http.app import create_app
from tests.api.test_openapi import OPERATIONS
from tests.support import make_settings

EVERYWHERE = {"413", "422", "431", "500", "503"}
WITH_A_BODY = {
    ("post", "/api/users"),
    ("post", "/api/users/login"),
    ("put", "/api/user"),
    ("post", "/api/articles"),
    ("put", "/api/articles/{slug}"),
    ("post", "/api/articles/{slug}/comments"),
}
RATE_LIMITED = {("post", "/api/users"), ("post", "/api/users/login")}
OWN_ANSWERS: dict[tuple[str, str], set[str]] = {
    ("post", "/api/users"): {"201", "409"},
    ("post", "/api/users/login"): {"200", "401"},
    ("get", "/api/user"): {"200", "401"},
    ("put", "/api/user"): {"200", "401", "409"},
    ("get", "/api/profiles/{username}"): {"200", "401", "404"},
    ("post", "/api/profiles/{username}/follow"): {"200", "401", "404"},
    ("delete", "/api/profiles/{username}/follow"): {"200", "401", "404"},
    ("get", "/api/articles/feed"): {"200", "401"},
    ("get", "/api/articles"): {"200", "401"},
    ("post", "/api/articles"): {"201", "401"},
    ("get", "/api/articles/{slug}"): {"200", "401", "404"},
    ("put", "/api/articles/{slug}"): {"200", "401", "403", "404"},
    ("delete", "/api/articles/{slug}"): {"204", "401", "403", "404"},
    ("get", "/api/articles/{slug}/comments"): {"200", "401", "404"},
    ("post", "/api/articles/{slug}/comments"): {"201", "401", "404"},
    ("delete", "/api/articles/{slug}/comments/{id}"): {"204", "401", "403", "404"},
    ("post", "/api/articles/{slug}/favorite"): {"200", "401", "404"},
    ("delete", "/api/articles/{slug}/favorite"): {"200", "401", "404"},
    ("get", "/api/tags"): {"200"},
}


async def _document(rate_limit_per_minute: int) -> dict[str, Any]:
    app = create_app(make_settings(storage="memory", rate_limit_per_minute=rate_limit_per_minute))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        body: dict[str, Any] = (await client.get("/api/openapi.json")).json()
    return body


def test_the_table_covers_every_operation() -> None:
    assert set(OWN_ANSWERS) == set(OPERATIONS)


async def test_every_operation_documents_every_status_it_can_return() -> None:
    document = await _document(rate_limit_per_minute=30)
    for (method, path), own in OWN_ANSWERS.items():
        expected = own | EVERYWHERE
        if (method, path) in WITH_A_BODY:
            expected |= {"400"}
        if (method, path) in RATE_LIMITED:
            expected |= {"429"}
        documented = document["paths"][path][method]["responses"]
        assert set(documented) == expected, (method, path)


async def test_every_error_is_documented_with_the_realworld_error_body() -> None:
    document = await _document(rate_limit_per_minute=30)
    error_body = {"$ref": "#/components/schemas/ErrorResponse"}
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == error_body
    assert "HTTPValidationError" not in document["components"]["schemas"]


@pytest.mark.parametrize(("limit", "documented"), [(30, True), (0, False)])
async def test_429_and_503_say_when_to_retry(limit: int, documented: bool) -> None:
    document = await _document(rate_limit_per_minute=limit)
    login = document["paths"]["/api/users/login"]["post"]["responses"]
    assert ("429" in login) is documented
    assert "Retry-After" in login["503"]["headers"]
    if documented:
        assert "Retry-After" in login["429"]["headers"]
