"""The served OpenAPI document covers the RealWorld spec, and /docs renders it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

PROJECT = Path(__file__).resolve().parents[2]
SPEC = PROJECT.parent / "shared" / "spec" / "openapi.yml"
"""The RealWorld spec, in `../shared/spec/` beside the checkout."""

# Every operation of the RealWorld openapi.yml v2.0.0, under the /api base path; True when
# the spec secures it with the "Token" scheme.
OPERATIONS: dict[tuple[str, str], bool] = {
    ("post", "/api/users/login"): False,
    ("post", "/api/users"): False,
    ("get", "/api/user"): True,
    ("put", "/api/user"): True,
    ("get", "/api/profiles/{username}"): False,
    ("post", "/api/profiles/{username}/follow"): True,
    ("delete", "/api/profiles/{username}/follow"): True,
    ("get", "/api/articles/feed"): True,
    ("get", "/api/articles"): False,
    ("post", "/api/articles"): True,
    ("get", "/api/articles/{slug}"): False,
    ("put", "/api/articles/{slug}"): True,
    ("delete", "/api/articles/{slug}"): True,
    ("get", "/api/articles/{slug}/comments"): False,
    ("post", "/api/articles/{slug}/comments"): True,
    ("delete", "/api/articles/{slug}/comments/{id}"): True,
    ("post", "/api/articles/{slug}/favorite"): True,
    ("delete", "/api/articles/{slug}/favorite"): True,
    ("get", "/api/tags"): False,
}


def _spec_operations(text: str) -> dict[tuple[str, str], bool]:
    """(method, /api path) -> secured, read from openapi.yml's `paths:` block."""
    operations: dict[tuple[str, str], bool] = {}
    path: str | None = None
    operation: tuple[str, str] | None = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            path = operation = None
        elif found := re.fullmatch(r"  (/\S*):", line):
            path, operation = found[1], None
        elif path and (found := re.fullmatch(r"    (get|put|post|delete|patch):", line)):
            operation = (found[1], f"/api{path}")
            operations[operation] = False
        elif operation and line == "      security:":
            operations[operation] = True
    return operations


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_the_operation_table_matches_the_spec_file() -> None:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not available")
    assert _spec_operations(SPEC.read_text(encoding="utf-8")) == OPERATIONS


async def test_openapi_lists_every_realworld_path_and_method(document: dict[str, Any]) -> None:
    served = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }
    missing = set(OPERATIONS) - served
    assert not missing, sorted(missing)


async def test_openapi_declares_the_token_security_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["Token"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"


async def test_openapi_secures_the_operations_the_spec_secures(document: dict[str, Any]) -> None:
    for (method, path), secured in OPERATIONS.items():
        if secured:
            security = document["paths"][path][method].get("security", [])
            assert {"Token": []} in security, (method, path)


async def test_docs_page_is_served_as_html(client: httpx.AsyncClient) -> None:
    response = await client.get("http://conduit.test/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/openapi.json" in response.text
