"""Comments on articles: CONTRACT.md's rows, on both adapter sets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.support import DATE, Conduit, auth

MISSING_TOKEN = {"errors": {"token": ["is missing"]}}
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}
COMMENT_NOT_FOUND = {"errors": {"comment": ["not found"]}}
COMMENT_FORBIDDEN = {"errors": {"comment": ["forbidden"]}}


def _comment(body: Any = "Thank you so much!") -> dict[str, Any]:
    return {"comment": {"body": body}}


@pytest.fixture
async def slug(api: Conduit) -> str:
    """An article by "author" to comment on."""
    token = await api.token("author")
    return str((await api.create_article(token))["slug"])


async def test_add_comment_returns_201_with_the_comment(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    token = await api.token("jake")
    response = await client.post(f"/articles/{slug}/comments", json=_comment(), headers=auth(token))
    assert response.status_code == 201
    comment = response.json()["comment"]
    assert set(comment) == {"id", "createdAt", "updatedAt", "body", "author"}
    assert type(comment["id"]) is int
    assert DATE.match(comment["createdAt"]), comment["createdAt"]
    assert DATE.match(comment["updatedAt"]), comment["updatedAt"]
    assert comment["body"] == "Thank you so much!"
    assert comment["author"] == {"username": "jake", "bio": None, "image": None, "following": False}


@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_add_comment_with_a_blank_body_is_422_cant_be_blank(
    client: httpx.AsyncClient, api: Conduit, slug: str, blank: str | None
) -> None:
    token = await api.token()
    payload: dict[str, Any] = {"comment": {}} if blank is None else _comment(blank)
    response = await client.post(f"/articles/{slug}/comments", json=payload, headers=auth(token))
    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["can't be blank"]}}
    assert await api.comments(slug) == []


@pytest.mark.parametrize("known", [True, False])
async def test_add_comment_without_a_token_is_401(
    client: httpx.AsyncClient, slug: str, known: bool
) -> None:
    target = slug if known else "no-such-article"
    response = await client.post(f"/articles/{target}/comments", json=_comment())
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


@pytest.mark.parametrize("body", ["Hello", ""])
async def test_add_comment_to_an_unknown_article_is_404_even_with_a_blank_body(
    client: httpx.AsyncClient, api: Conduit, body: str
) -> None:
    token = await api.token()
    response = await client.post(
        "/articles/no-such-article/comments", json=_comment(body), headers=auth(token)
    )
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


async def test_list_comments_in_creation_order_anonymously(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    token = await api.token()
    made = [await api.comment(token, slug, f"Comment {n}") for n in range(3)]
    response = await client.get(f"/articles/{slug}/comments")
    assert response.status_code == 200
    assert response.json() == {"comments": made}


async def test_list_comments_of_an_article_without_comments_is_empty(
    api: Conduit, slug: str
) -> None:
    assert await api.comments(slug) == []


async def test_list_comments_only_shows_that_articles_comments(api: Conduit, slug: str) -> None:
    token = await api.token()
    other = (await api.create_article(token, title="Other"))["slug"]
    mine = await api.comment(token, slug, "Here")
    await api.comment(token, other, "There")
    assert await api.comments(slug) == [mine]


async def test_list_comments_shows_that_the_viewer_follows_the_commenter(
    api: Conduit, slug: str
) -> None:
    commenter = await api.token("commenter")
    fan = await api.token()
    await api.comment(commenter, slug)
    await api.follow(fan, "commenter")
    [as_fan] = await api.comments(slug, fan)
    [anonymous] = await api.comments(slug)
    assert as_fan["author"]["following"] is True
    assert anonymous["author"]["following"] is False


async def test_list_comments_of_an_unknown_article_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles/no-such-article/comments")
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


async def test_delete_comment_returns_204_and_leaves_the_others(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    token = await api.token()
    first, second, third = [await api.comment(token, slug, f"Comment {n}") for n in range(3)]
    response = await client.delete(f"/articles/{slug}/comments/{second['id']}", headers=auth(token))
    assert response.status_code == 204
    assert response.content == b""
    assert await api.comments(slug) == [first, third]


@pytest.mark.parametrize("known", [True, False])
async def test_delete_comment_without_a_token_is_401(
    client: httpx.AsyncClient, api: Conduit, slug: str, known: bool
) -> None:
    comment = await api.comment(await api.token(), slug)
    target = slug if known else "no-such-article"
    response = await client.delete(f"/articles/{target}/comments/{comment['id']}")
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN
    assert await api.comments(slug) == [comment]


async def test_delete_comment_of_an_unknown_article_is_404_article(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    token = await api.token()
    comment = await api.comment(token, slug)
    response = await client.delete(
        f"/articles/no-such-article/comments/{comment['id']}", headers=auth(token)
    )
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


async def test_delete_unknown_comment_is_404_comment(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    token = await api.token()
    response = await client.delete(f"/articles/{slug}/comments/999999", headers=auth(token))
    assert response.status_code == 404
    assert response.json() == COMMENT_NOT_FOUND


async def test_delete_a_comment_through_another_article_is_404_comment(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    token = await api.token()
    other = (await api.create_article(token, title="Other"))["slug"]
    comment = await api.comment(token, other)
    response = await client.delete(
        f"/articles/{slug}/comments/{comment['id']}", headers=auth(token)
    )
    assert response.status_code == 404
    assert response.json() == COMMENT_NOT_FOUND
    assert await api.comments(other) == [comment]


async def test_delete_someone_elses_comment_is_403_and_keeps_it(
    client: httpx.AsyncClient, api: Conduit, slug: str
) -> None:
    comment = await api.comment(await api.token(), slug)
    intruder = await api.token()
    response = await client.delete(
        f"/articles/{slug}/comments/{comment['id']}", headers=auth(intruder)
    )
    assert response.status_code == 403
    assert response.json() == COMMENT_FORBIDDEN
    assert await api.comments(slug) == [comment]
