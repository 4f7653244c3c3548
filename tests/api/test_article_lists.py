"""GET /articles and GET /articles/feed: order, paging, filters and the list item shape."""

from __future__ import annotations

import httpx
import pytest

from tests.api.support import DATE, LIST_ITEM_KEYS, Conduit, auth, slugs

MISSING_TOKEN = {"errors": {"token": ["is missing"]}}
EMPTY = {"articles": [], "articlesCount": 0}


async def _write(api: Conduit, token: str, count: int, prefix: str = "Article") -> list[str]:
    """`count` articles created back to back; their slugs, oldest first."""
    return [(await api.create_article(token, title=f"{prefix} {n}"))["slug"] for n in range(count)]


async def test_list_articles_is_empty_on_a_new_site(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles")
    assert response.status_code == 200
    assert response.json() == EMPTY


async def test_list_articles_newest_first_even_when_created_back_to_back(api: Conduit) -> None:
    token = await api.token()
    created = await _write(api, token, 10)
    listing = await api.articles()
    assert slugs(listing) == created[::-1]
    assert listing["articlesCount"] == 10


async def test_list_items_have_no_body_key(api: Conduit) -> None:
    token = await api.token("jake")
    await api.create_article(token, tags=["training", "dragons"])
    [item] = (await api.articles())["articles"]
    assert set(item) == LIST_ITEM_KEYS
    assert "body" not in item
    assert item["tagList"] == ["dragons", "training"]
    assert item["author"] == {"username": "jake", "bio": None, "image": None, "following": False}
    assert DATE.match(item["createdAt"]) and DATE.match(item["updatedAt"])
    assert item["favorited"] is False
    assert item["favoritesCount"] == 0


async def test_articles_count_ignores_limit_and_offset(api: Conduit) -> None:
    token = await api.token()
    created = await _write(api, token, 3)
    listing = await api.articles(limit=1, offset=1)
    assert slugs(listing) == [created[1]]
    assert listing["articlesCount"] == 3


async def test_limit_defaults_to_20(api: Conduit) -> None:
    token = await api.token()
    created = await _write(api, token, 21)
    listing = await api.articles()
    assert slugs(listing) == created[::-1][:20]
    assert listing["articlesCount"] == 21


async def test_offset_counts_items_not_pages(api: Conduit) -> None:
    token = await api.token()
    newest_first = (await _write(api, token, 5))[::-1]
    assert slugs(await api.articles(limit=2, offset=3)) == newest_first[3:5]
    assert slugs(await api.articles(limit=2, offset=1)) == newest_first[1:3]


async def test_offset_past_the_end_gives_no_articles_but_the_full_count(api: Conduit) -> None:
    token = await api.token()
    await _write(api, token, 2)
    assert await api.articles(offset=10) == {"articles": [], "articlesCount": 2}


@pytest.fixture
async def library(api: Conduit) -> dict[str, str]:
    """alice: "a-dragons" [dragons], "a-training" [training]; bob: "b-dragons" [dragons].

    carol favorited a-dragons and b-dragons. Values are the slugs.
    """
    alice = await api.token("alice")
    bob = await api.token("bob")
    carol = await api.token("carol")
    made = {
        "a-dragons": (await api.create_article(alice, "A dragons", ["dragons"]))["slug"],
        "a-training": (await api.create_article(alice, "A training", ["training"]))["slug"],
        "b-dragons": (await api.create_article(bob, "B dragons", ["dragons"]))["slug"],
    }
    await api.favorite(carol, made["a-dragons"])
    await api.favorite(carol, made["b-dragons"])
    return made


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"author": "alice"}, ["a-training", "a-dragons"]),
        ({"tag": "dragons"}, ["b-dragons", "a-dragons"]),
        ({"favorited": "carol"}, ["b-dragons", "a-dragons"]),
        ({"author": "alice", "tag": "dragons"}, ["a-dragons"]),
        ({"author": "bob", "favorited": "carol"}, ["b-dragons"]),
        ({"tag": "dragons", "favorited": "carol", "author": "alice"}, ["a-dragons"]),
        ({"tag": "training", "favorited": "carol"}, []),
        ({"author": "bob", "tag": "training"}, []),
    ],
)
async def test_filters_select_matching_articles_and_combine_with_and(
    api: Conduit, library: dict[str, str], filters: dict[str, str], expected: list[str]
) -> None:
    listing = await api.articles(**filters)
    assert slugs(listing) == [library[name] for name in expected]
    assert listing["articlesCount"] == len(expected)


@pytest.mark.parametrize("filter_name", ["author", "tag", "favorited"])
async def test_filter_on_an_unknown_value_gives_an_empty_list(
    api: Conduit, library: dict[str, str], filter_name: str
) -> None:
    assert await api.articles(**{filter_name: "nobody"}) == EMPTY


async def test_filtered_count_ignores_limit(api: Conduit, library: dict[str, str]) -> None:
    listing = await api.articles(tag="dragons", limit=1)
    assert slugs(listing) == [library["b-dragons"]]
    assert listing["articlesCount"] == 2


@pytest.mark.parametrize("path", ["/articles", "/articles/feed"])
@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=abc", "limit"),
        ("offset=abc", "offset"),
        ("offset=-1", "offset"),
    ],
)
async def test_bad_paging_parameters_are_a_json_422(
    client: httpx.AsyncClient, api: Conduit, path: str, query: str, param: str
) -> None:
    token = await api.token()
    response = await client.get(f"{path}?{query}", headers=auth(token))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    errors = response.json()["errors"]
    assert list(errors) == [param]
    assert all(isinstance(message, str) for message in errors[param])


async def test_feed_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles/feed")
    assert response.status_code == 401
    assert response.json() == MISSING_TOKEN


async def test_feed_of_a_new_user_is_empty(api: Conduit) -> None:
    author = await api.token()
    await api.create_article(author)
    newcomer = await api.token()
    assert await api.feed(newcomer) == EMPTY


async def test_feed_lists_only_followed_authors_newest_first(api: Conduit) -> None:
    reader = await api.token("reader")
    alice = await api.token("alice")
    bob = await api.token("bob")
    first = (await api.create_article(alice, "Alice one"))["slug"]
    await api.create_article(bob, "Bob one")
    await api.create_article(reader, "My own")
    second = (await api.create_article(alice, "Alice two"))["slug"]
    await api.follow(reader, "alice")

    feed = await api.feed(reader)

    assert slugs(feed) == [second, first]
    assert feed["articlesCount"] == 2
    for item in feed["articles"]:
        assert set(item) == LIST_ITEM_KEYS
        assert item["author"]["username"] == "alice"
        assert item["author"]["following"] is True


async def test_feed_respects_limit_and_offset(api: Conduit) -> None:
    reader = await api.token()
    author = await api.token("alice")
    newest_first = (await _write(api, author, 4))[::-1]
    await api.follow(reader, "alice")
    feed = await api.feed(reader, limit=2, offset=1)
    assert slugs(feed) == newest_first[1:3]
    assert feed["articlesCount"] == 4


async def test_unfollowing_removes_the_author_from_the_feed(
    client: httpx.AsyncClient, api: Conduit
) -> None:
    reader = await api.token()
    author = await api.token("alice")
    await api.create_article(author)
    await api.follow(reader, "alice")
    assert (await api.feed(reader))["articlesCount"] == 1
    await client.delete("/profiles/alice/follow", headers=auth(reader))
    assert await api.feed(reader) == EMPTY


async def test_list_shows_the_viewers_follow_and_favorite_state(api: Conduit) -> None:
    author = await api.token("alice")
    fan = await api.token("fan")
    slug = (await api.create_article(author))["slug"]
    await api.follow(fan, "alice")
    await api.favorite(fan, slug)
    [as_fan] = (await api.articles(fan))["articles"]
    [anonymous] = (await api.articles())["articles"]
    assert as_fan["favorited"] is True
    assert as_fan["author"]["following"] is True
    assert anonymous["favorited"] is False
    assert anonymous["author"]["following"] is False
    assert as_fan["favoritesCount"] == anonymous["favoritesCount"] == 1
