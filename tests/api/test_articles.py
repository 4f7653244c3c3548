"""Creating, reading and deleting articles: CONTRACT.md's rows, on both adapter sets."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.support import ARTICLE_KEYS, DATE, PROFILE_KEYS, Conduit, auth

MISSING_TOKEN = {"errors": {"token": ["is missing"]}}
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}
ARTICLE_FORBIDDEN = {"errors": {"article": ["forbidden"]}}


def _draft(**fields: Any) -> dict[str, Any]:
    article: dict[str, Any] = {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["training", "dragons"],
    }
    article.update(fields)
    return {"article": article}


async def test_create_article_returns_201_with_the_full_article(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    response = await client.post("/articles", json=_draft(), headers=auth(token))
    assert response.status_code == 201
    article = response.json()["article"]
    assert set(article) == ARTICLE_KEYS
    assert isinstance(article["slug"], str) and article["slug"]
    assert article["title"] == "How to train your dragon"
    assert article["description"] == "Ever wonder how?"
    assert article["body"] == "You have to believe"
    assert article["favorited"] is False
    assert article["favoritesCount"] == 0
    assert type(article["favoritesCount"]) is int
    assert DATE.match(article["createdAt"]), article["createdAt"]
    assert DATE.match(article["updatedAt"]), article["updatedAt"]
    assert set(article["author"]) == PROFILE_KEYS
    assert article["author"] == {
        "username": "jake",
        "bio": None,
        "image": None,
        "following": False,
    }


async def test_create_article_returns_the_tags_sorted_alphabetically(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    response = await client.post(
        "/articles", json=_draft(tagList=["training", "dragons"]), headers=auth(token)
    )
    assert response.json()["article"]["tagList"] == ["dragons", "training"]
    slug = response.json()["article"]["slug"]
    assert (await api.article(slug))["tagList"] == ["dragons", "training"]


async def test_create_article_without_a_tag_list_has_no_tags(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    draft = _draft()
    del draft["article"]["tagList"]
    response = await client.post("/articles", json=draft, headers=auth(token))
    assert response.status_code == 201
    assert response.json()["article"]["tagList"] == []


async def test_duplicate_titles_are_allowed_and_get_distinct_slugs(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    first = await client.post("/articles", json=_draft(), headers=auth(token))
    second = await client.post("/articles", json=_draft(body="Another take"), headers=auth(token))
    assert first.status_code == second.status_code == 201
    first_slug = first.json()["article"]["slug"]
    second_slug = second.json()["article"]["slug"]
    assert first_slug != second_slug
    assert (await api.article(first_slug))["body"] == "You have to believe"
    assert (await api.article(second_slug))["body"] == "Another take"


@pytest.mark.parametrize("field", ["title", "description", "body"])
@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_create_article_with_a_blank_field_is_422_cant_be_blank(
    client: httpx.AsyncClient, api: Conduit, field: str, blank: str | None
) -> None:
    token = await api.token()
    draft = _draft()
    if blank is None:
        del draft["article"][field]
    else:
        draft["article"][field] = blank
    response = await client.post("/articles", json=draft, headers=auth(token))
    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}


async def test_create_article_reports_every_blank_field(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    response = await client.post(
        "/articles", json=_draft(title="", description=" ", body=""), headers=auth(token)
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "title": ["can't be blank"],
            "description": ["can't be blank"],
            "body": ["can't be blank"],
        }
    }


async def test_create_article_with_a_null_field_is_422_cant_be_blank(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    response = await client.post("/articles", json=_draft(body=None), headers=auth(token))
    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["can't be blank"]}}


@pytest.mark.parametrize("draft", [_draft(), _draft(title="")])
async def test_create_article_without_a_token_is_401_even_with_a_bad_body(
    client: httpx.AsyncClient, draft: dict[str, Any]
) -> None:
    response = await client.post("/articles", json=draft)
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


async def test_create_article_accepts_utf8_json_with_a_charset(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    draft = _draft(title="Drachen zähmen", body="Mit Geduld 🐉")
    response = await client.post(
        "/articles",
        content=json.dumps(draft, ensure_ascii=False).encode("utf-8"),
        headers={**auth(token), "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201
    article = response.json()["article"]
    assert article["title"] == "Drachen zähmen"
    assert article["body"] == "Mit Geduld 🐉"
    assert (await api.article(article["slug"]))["title"] == "Drachen zähmen"


async def test_get_article_by_slug_works_anonymously(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    created = await api.create_article(token, tags=["dragons"])
    response = await client.get(f"/articles/{created['slug']}")
    assert response.status_code == 200
    assert response.json() == {"article": created}


async def test_get_article_shows_that_the_viewer_follows_the_author(
    api: Conduit,
) -> None:
    author = await api.token("jake")
    fan = await api.token("fan")
    slug = (await api.create_article(author))["slug"]
    await api.follow(fan, "jake")
    assert (await api.article(slug, fan))["author"]["following"] is True
    assert (await api.article(slug))["author"]["following"] is False


async def test_get_unknown_article_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles/no-such-article")
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


async def test_delete_article_returns_204_with_an_empty_body(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token))["slug"]
    response = await client.delete(f"/articles/{slug}", headers=auth(token))
    assert response.status_code == 204
    assert response.content == b""
    gone = await client.get(f"/articles/{slug}")
    assert gone.status_code == 404
    assert gone.json() == ARTICLE_NOT_FOUND
    assert (await api.articles())["articlesCount"] == 0


@pytest.mark.parametrize("known", [True, False])
async def test_delete_article_without_a_token_is_401_even_for_an_unknown_slug(
    client: httpx.AsyncClient, api: Conduit, known: bool
) -> None:
    token = await api.token()
    slug = (await api.create_article(token))["slug"] if known else "no-such-article"
    response = await client.delete(f"/articles/{slug}")
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


async def test_delete_unknown_article_is_404(client: httpx.AsyncClient, api: Conduit) -> None:
    token = await api.token()
    response = await client.delete("/articles/no-such-article", headers=auth(token))
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


async def test_delete_someone_elses_article_is_403_and_keeps_it(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    author = await api.token()
    intruder = await api.token()
    slug = (await api.create_article(author))["slug"]
    response = await client.delete(f"/articles/{slug}", headers=auth(intruder))
    assert response.status_code == 403
    assert response.json() == ARTICLE_FORBIDDEN
    assert (await api.article(slug))["slug"] == slug


async def test_deleting_an_article_deletes_its_comments_and_favorites(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    author = await api.token()
    fan = (await api.register("fan"))["token"]
    slug = (await api.create_article(author, title="Doomed"))["slug"]
    await api.comment(fan, slug)
    await api.favorite(fan, slug)
    kept = (await api.create_article(author, title="Kept"))["slug"]
    await api.favorite(fan, kept)

    await api.delete_article(author, slug)

    comments = await client.get(f"/articles/{slug}/comments")
    assert comments.status_code == 404
    assert comments.json() == ARTICLE_NOT_FOUND
    favorites = await api.articles(favorited="fan")
    assert [a["slug"] for a in favorites["articles"]] == [kept]
    assert favorites["articlesCount"] == 1
    # A new article under the same title starts with no comments and no favorites.
    again = await api.create_article(author, title="Doomed")
    assert again["favoritesCount"] == 0
    assert await api.comments(again["slug"]) == []
