"""GET /articles?q=...: full-text search, on both adapter sets with the same expectations."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.support import Conduit, auth, slugs


async def _write(
    api: Conduit,
    token: str,
    title: str,
    description: str = "Notes",
    body: str = "Text.",
    tags: list[str] | None = None,
) -> str:
    """An article with exactly these texts; its slug."""
    article = {"title": title, "description": description, "body": body, "tagList": tags or []}
    response = await api.client.post("/articles", json={"article": article}, headers=auth(token))
    assert response.status_code == 201, response.text
    slug: str = response.json()["article"]["slug"]
    return slug


async def _search(api: Conduit, q: str, **params: str | int) -> list[str]:
    return slugs(await api.articles(None, q=q, **params))


async def test_search_finds_a_word_in_the_title_description_or_body(api: Conduit) -> None:
    token = await api.token()
    in_title = await _write(api, token, "Dragons of the north")
    in_description = await _write(api, token, "Field notes", description="On dragons")
    in_body = await _write(api, token, "Diary", body="Today I met two dragons.")
    await _write(api, token, "Unrelated", description="Cats", body="Only cats here.")

    found = await _search(api, "dragons")

    assert set(found) == {in_title, in_description, in_body}


async def test_search_needs_every_word_in_any_field(api: Conduit) -> None:
    token = await api.token()
    both = await _write(api, token, "Dragons", body="They fly at night.")
    await _write(api, token, "Dragons", body="They sleep all day.")

    assert await _search(api, "dragons night") == [both]
    assert await _search(api, "night dragons") == [both]


async def test_search_ignores_case_and_punctuation(api: Conduit) -> None:
    token = await api.token()
    slug = await _write(api, token, "HOW-TO: Train Your DRAGON!", body="Mail me: a@b.example")

    assert await _search(api, "how to train your dragon") == [slug]
    assert await _search(api, "  Dragon, TRAIN.  ") == [slug]
    assert await _search(api, "example") == [slug]


async def test_search_matches_whole_words_without_stemming(api: Conduit) -> None:
    token = await api.token()
    await _write(api, token, "Dragons")

    assert await _search(api, "dragon") == []
    assert await _search(api, "drag") == []


async def test_search_ranks_title_over_description_over_body(api: Conduit) -> None:
    token = await api.token()
    # Written in the opposite order, so newest-first alone would give the reverse.
    in_title = await _write(api, token, "Dragons")
    in_description = await _write(api, token, "Notes", description="Dragons")
    in_body = await _write(api, token, "Diary", body="Dragons.")

    assert await _search(api, "dragons") == [in_title, in_description, in_body]


async def test_search_orders_equal_matches_newest_first(api: Conduit) -> None:
    token = await api.token()
    written = [await _write(api, token, "Dragons") for _ in range(3)]

    assert await _search(api, "dragons") == written[::-1]


async def test_search_counts_every_match_and_pages_through_them(api: Conduit) -> None:
    token = await api.token()
    written = [await _write(api, token, f"Dragons {n}") for n in range(5)]
    await _write(api, token, "Cats")

    listing = await api.articles(q="dragons", limit=2, offset=1)

    assert listing["articlesCount"] == 5
    assert slugs(listing) == written[::-1][1:3]


async def test_search_combines_with_tag_author_and_favorited(api: Conduit) -> None:
    alice, bob = await api.token("alice"), await api.token("bob")
    wanted = await _write(api, alice, "Dragons", tags=["myth"])
    await _write(api, alice, "Dragons", tags=["zoo"])
    await _write(api, bob, "Dragons", tags=["myth"])
    await _write(api, alice, "Cats", tags=["myth"])
    await api.favorite(bob, wanted)

    assert await _search(api, "dragons", tag="myth", author="alice") == [wanted]
    assert await _search(api, "dragons", favorited="bob") == [wanted]
    combined = await api.articles(q="dragons", tag="myth", author="alice", favorited="bob")
    assert (slugs(combined), combined["articlesCount"]) == ([wanted], 1)


async def test_search_sees_edits_and_forgets_deleted_articles(api: Conduit) -> None:
    token = await api.token()
    slug = await _write(api, token, "Diary", body="About cats.")
    gone = await _write(api, token, "Dragons")
    response = await api.client.put(
        f"/articles/{slug}", json={"article": {"body": "About dragons."}}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    await api.delete_article(token, gone)

    assert await _search(api, "dragons") == [slug]
    assert await _search(api, "cats") == []


async def test_blank_q_is_no_search_and_punctuation_alone_matches_nothing(
    api: Conduit,
) -> None:
    token = await api.token()
    written = [await _write(api, token, "Dragons"), await _write(api, token, "Cats")]

    assert await _search(api, "") == written[::-1]
    assert await _search(api, "   ") == written[::-1]
    assert await api.articles(q="?!") == {"articles": [], "articlesCount": 0}


async def test_search_items_have_the_list_shape(api: Conduit) -> None:
    token = await api.token("jake")
    await _write(api, token, "Dragons", body="Long body about dragons.")

    [item] = (await api.articles(q="dragons"))["articles"]

    assert "body" not in item
    assert item["author"]["username"] == "jake"


async def test_too_long_a_search_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles", params={"q": "x" * 257})
    body: dict[str, Any] = response.json()
    assert response.status_code == 422
    assert "errors" in body
