"""PUT /articles/{slug}: partial updates, dates, slugs and the order of checks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.support import DATE, Conduit, auth

MISSING_TOKEN = {"errors": {"token": ["is missing"]}}
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}
ARTICLE_FORBIDDEN = {"errors": {"article": ["forbidden"]}}


def _changes(**fields: Any) -> dict[str, Any]:
    return {"article": fields}


async def test_update_article_changes_only_the_sent_fields(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token("jake")
    created = await api.create_article(token, tags=["dragons"])
    response = await client.put(
        f"/articles/{created['slug']}",
        json=_changes(description="A new description"),
        headers=auth(token),
    )
    assert response.status_code == 200
    updated = response.json()["article"]
    assert updated["description"] == "A new description"
    for unchanged in ("slug", "title", "body", "tagList", "createdAt", "author"):
        assert updated[unchanged] == created[unchanged], unchanged
    assert await api.article(created["slug"]) == updated


async def test_update_article_body(client: httpx.AsyncClient, api: Conduit) -> None:
    token = await api.token()
    slug = (await api.create_article(token))["slug"]
    response = await client.put(
        f"/articles/{slug}", json=_changes(body="With love."), headers=auth(token)
    )
    assert response.status_code == 200
    assert response.json()["article"]["body"] == "With love."
    assert (await api.article(slug))["body"] == "With love."


async def test_update_article_without_a_tag_list_keeps_the_tags(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token, tags=["dragons", "training"]))["slug"]
    response = await client.put(f"/articles/{slug}", json=_changes(body="x"), headers=auth(token))
    assert response.json()["article"]["tagList"] == ["dragons", "training"]


async def test_update_article_with_an_empty_tag_list_removes_every_tag(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token, tags=["dragons", "training"]))["slug"]
    response = await client.put(f"/articles/{slug}", json=_changes(tagList=[]), headers=auth(token))
    assert response.status_code == 200
    assert response.json()["article"]["tagList"] == []
    assert (await api.article(slug))["tagList"] == []


async def test_update_article_tag_list_replaces_the_tags_sorted(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token, tags=["dragons"]))["slug"]
    response = await client.put(
        f"/articles/{slug}", json=_changes(tagList=["zebras", "apes"]), headers=auth(token)
    )
    assert response.json()["article"]["tagList"] == ["apes", "zebras"]
    assert (await api.articles(tag="dragons"))["articlesCount"] == 0
    assert (await api.articles(tag="zebras"))["articlesCount"] == 1


async def test_update_article_with_a_null_tag_list_is_422_and_keeps_the_tags(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token, tags=["dragons"]))["slug"]
    response = await client.put(
        f"/articles/{slug}", json=_changes(tagList=None), headers=auth(token)
    )
    assert response.status_code == 422
    assert "tagList" in response.json()["errors"]
    assert (await api.article(slug))["tagList"] == ["dragons"]


async def test_update_article_keeps_created_at_and_moves_updated_at(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    created = await api.create_article(token)
    response = await client.put(
        f"/articles/{created['slug']}", json=_changes(body="Edited"), headers=auth(token)
    )
    updated = response.json()["article"]
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] != created["updatedAt"]
    assert updated["updatedAt"] > created["updatedAt"]
    assert DATE.match(updated["updatedAt"]), updated["updatedAt"]
    fetched = await api.article(created["slug"])
    assert fetched["createdAt"] == created["createdAt"]
    assert fetched["updatedAt"] == updated["updatedAt"]


async def test_update_article_title_gives_a_new_slug_and_the_old_one_is_404(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    old = (await api.create_article(token, title="Old title"))["slug"]
    response = await client.put(
        f"/articles/{old}", json=_changes(title="A brand new title"), headers=auth(token)
    )
    assert response.status_code == 200
    article = response.json()["article"]
    assert article["title"] == "A brand new title"
    assert article["slug"] != old
    assert (await api.article(article["slug"]))["title"] == "A brand new title"
    gone = await client.get(f"/articles/{old}")
    assert gone.status_code == 404
    assert gone.json() == ARTICLE_NOT_FOUND


async def test_update_article_to_another_articles_title_keeps_slugs_distinct(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    taken = (await api.create_article(token, title="Taken title"))["slug"]
    mine = (await api.create_article(token, title="Mine"))["slug"]
    response = await client.put(
        f"/articles/{mine}", json=_changes(title="Taken title"), headers=auth(token)
    )
    assert response.status_code == 200
    assert response.json()["article"]["slug"] != taken
    assert (await api.article(taken))["title"] == "Taken title"


@pytest.mark.parametrize("field", ["title", "description", "body"])
@pytest.mark.parametrize("blank", ["", "   "])
async def test_update_article_with_a_blank_field_is_422_cant_be_blank(
    client: httpx.AsyncClient, api: Conduit, field: str, blank: str
) -> None:
    token = await api.token()
    created = await api.create_article(token)
    response = await client.put(
        f"/articles/{created['slug']}", json=_changes(**{field: blank}), headers=auth(token)
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}
    assert (await api.article(created["slug"]))[field] == created[field]


async def test_update_article_reports_every_failing_field(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token))["slug"]
    response = await client.put(
        f"/articles/{slug}", json=_changes(title="", body=" "), headers=auth(token)
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"title": ["can't be blank"], "body": ["can't be blank"]}}


@pytest.mark.parametrize("known", [True, False])
@pytest.mark.parametrize("changes", [_changes(title="New"), _changes(title="")])
async def test_update_article_without_a_token_is_401_before_anything_else(
    client: httpx.AsyncClient, api: Conduit, known: bool, changes: dict[str, Any]
) -> None:
    token = await api.token()
    slug = (await api.create_article(token))["slug"] if known else "no-such-article"
    response = await client.put(f"/articles/{slug}", json=changes)
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


@pytest.mark.parametrize("changes", [_changes(title="New"), _changes(title="")])
async def test_update_unknown_article_is_404_even_with_a_blank_field(
    client: httpx.AsyncClient, api: Conduit, changes: dict[str, Any]
) -> None:
    token = await api.token()
    response = await client.put("/articles/no-such-article", json=changes, headers=auth(token))
    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


@pytest.mark.parametrize(
    "changes", [_changes(title="Hijacked"), _changes(title=""), _changes(tagList=None)]
)
async def test_update_someone_elses_article_is_403_even_with_invalid_fields(
    client: httpx.AsyncClient, api: Conduit, changes: dict[str, Any]
) -> None:
    author = await api.token()
    intruder = await api.token()
    created = await api.create_article(author)
    response = await client.put(
        f"/articles/{created['slug']}", json=changes, headers=auth(intruder)
    )
    assert response.status_code == 403
    assert response.json() == ARTICLE_FORBIDDEN
    assert await api.article(created["slug"]) == created
