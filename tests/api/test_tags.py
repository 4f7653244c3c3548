"""GET /tags: every tag in use, at once, with no top-N cut."""

from __future__ import annotations

import httpx

from tests.api.support import Conduit, auth


async def test_tags_is_empty_on_a_new_site(client: httpx.AsyncClient) -> None:
    response = await client.get("/tags")
    assert response.status_code == 200
    assert response.json() == {"tags": []}


async def test_tags_contains_tags_created_moments_earlier(api: Conduit) -> None:
    token = await api.token()
    await api.create_article(token, tags=["dragons", "training"])
    tags = await api.tags()
    assert "dragons" in tags
    assert "training" in tags


async def test_tags_lists_every_tag_without_a_top_n_cut(api: Conduit) -> None:
    token = await api.token()
    # A popular tag on every article, so a "top 10 by use" would drop the others.
    wanted = [f"tag{n:02d}" for n in range(15)]
    for start in range(0, 15, 5):
        await api.create_article(token, tags=["popular", *wanted[start : start + 5]])
    await api.create_article(token, tags=["popular"])
    tags = await api.tags()
    assert set(tags) == {"popular", *wanted}


async def test_tags_lists_a_shared_tag_once(api: Conduit) -> None:
    token = await api.token()
    await api.create_article(token, tags=["dragons"])
    await api.create_article(token, tags=["dragons"])
    assert await api.tags() == ["dragons"]


async def test_tags_of_a_deleted_article_disappear_when_unused(api: Conduit) -> None:
    token = await api.token()
    doomed = (await api.create_article(token, title="Doomed", tags=["shared", "only-here"]))["slug"]
    await api.create_article(token, title="Kept", tags=["shared"])
    await api.delete_article(token, doomed)
    assert await api.tags() == ["shared"]


async def test_tags_removed_from_an_article_disappear_when_unused(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    token = await api.token()
    slug = (await api.create_article(token, tags=["dragons", "training"]))["slug"]
    response = await client.put(
        f"/articles/{slug}", json={"article": {"tagList": ["dragons"]}}, headers=auth(token)
    )
    assert response.status_code == 200
    assert await api.tags() == ["dragons"]
