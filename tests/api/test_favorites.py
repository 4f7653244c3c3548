"""POST and DELETE /articles/{slug}/favorite: CONTRACT.md's rows, on both adapter sets."""

from __future__ import annotations

import httpx
import pytest

from tests.api.support import ARTICLE_KEYS, Conduit, auth

MISSING_TOKEN = {"errors": {"token": ["is missing"]}}
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}


async def test_favorite_returns_the_article_favorited_with_its_count(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    author = await api.token()
    fan = await api.token()
    slug = (await api.create_article(author))["slug"]
    response = await client.post(f"/articles/{slug}/favorite", headers=auth(fan))
    assert response.status_code == 200
    article = response.json()["article"]
    assert set(article) == ARTICLE_KEYS
    assert article["slug"] == slug
    assert article["favorited"] is True
    assert article["favoritesCount"] == 1
    assert type(article["favoritesCount"]) is int


async def test_favorite_ignores_a_request_body(client: httpx.AsyncClient, api: Conduit) -> None:
    author = await api.token()
    slug = (await api.create_article(author))["slug"]
    response = await client.post(
        f"/articles/{slug}/favorite", json={"anything": True}, headers=auth(author)
    )
    assert response.status_code == 200
    assert response.json()["article"]["favorited"] is True


async def test_unfavorite_returns_the_article_not_favorited(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    author = await api.token()
    fan = await api.token()
    slug = (await api.create_article(author))["slug"]
    await api.favorite(fan, slug)
    response = await client.delete(f"/articles/{slug}/favorite", headers=auth(fan))
    assert response.status_code == 200
    article = response.json()["article"]
    assert set(article) == ARTICLE_KEYS
    assert article["favorited"] is False
    assert article["favoritesCount"] == 0


async def test_favorite_is_idempotent(client: httpx.AsyncClient, api: Conduit) -> None:
    author = await api.token()
    fan = await api.token()
    slug = (await api.create_article(author))["slug"]
    for _ in range(2):
        response = await client.post(f"/articles/{slug}/favorite", headers=auth(fan))
        assert response.status_code == 200
        assert response.json()["article"]["favorited"] is True
        assert response.json()["article"]["favoritesCount"] == 1


async def test_unfavorite_is_idempotent(client: httpx.AsyncClient, api: Conduit) -> None:
    author = await api.token()
    fan = await api.token()
    slug = (await api.create_article(author))["slug"]
    await api.favorite(fan, slug)
    for _ in range(2):
        response = await client.delete(f"/articles/{slug}/favorite", headers=auth(fan))
        assert response.status_code == 200
        assert response.json()["article"]["favorited"] is False
        assert response.json()["article"]["favoritesCount"] == 0


async def test_favorites_count_counts_every_fan_and_favorited_is_per_viewer(
    api: Conduit,
) -> None:
    author = await api.token()
    slug = (await api.create_article(author))["slug"]
    await api.favorite(await api.token(), slug)
    await api.favorite(await api.token(), slug)
    as_author = await api.article(slug, author)
    anonymous = await api.article(slug)
    assert as_author["favoritesCount"] == anonymous["favoritesCount"] == 2
    assert as_author["favorited"] is False
    assert anonymous["favorited"] is False


async def test_favorited_shows_when_the_viewer_reads_the_article(api: Conduit) -> None:
    author = await api.token()
    fan = await api.token()
    slug = (await api.create_article(author))["slug"]
    await api.favorite(fan, slug)
    assert (await api.article(slug, fan))["favorited"] is True


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("known", [True, False])
async def test_favorite_and_unfavorite_without_a_token_are_401(
    client: httpx.AsyncClient, api: Conduit, method: str, known: bool
) -> None:
    author = await api.token()
    slug = (await api.create_article(author))["slug"] if known else "no-such-article"
    response = await client.request(method, f"/articles/{slug}/favorite")
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_favorite_and_unfavorite_of_an_unknown_article_are_404(
    client: httpx.AsyncClient, api: Conduit, method: str
) -> None:
    fan = await api.token()
    response = await client.request(method, "/articles/no-such-article/favorite", headers=auth(fan))
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND
