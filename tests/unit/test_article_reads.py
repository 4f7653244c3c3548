"""GetArticle, ListArticles, GetFeed and ListTags: the read side of articles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import ArticleNotFound
from domain.views import ArticleFilter, ArticlePage, Page
from tests.fakes import FakeClock
from tests.use_cases import UseCases


def slugs(page: ArticlePage) -> list[str]:
    return [a.slug for a in page.articles]


async def test_get_article_returns_the_body(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice)

    article = await conduit.get_article(created.slug, None)

    assert article == created
    assert article.body == "Very carefully."


async def test_get_article_of_an_unknown_slug_is_not_found(conduit: UseCases) -> None:
    with pytest.raises(ArticleNotFound):
        await conduit.get_article("nope", None)


async def test_get_article_shows_the_viewer_follows_the_author(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    bob = await conduit.member()
    created = await conduit.article(alice)
    await conduit.follow_profile(bob.id, "alice", follow=True)

    assert (await conduit.get_article(created.slug, bob.id)).author.following is True
    assert (await conduit.get_article(created.slug, None)).author.following is False


async def test_list_is_newest_first_and_items_have_no_body(
    conduit: UseCases, clock: FakeClock
) -> None:
    alice = await conduit.member()
    for title in ("one", "two", "three"):
        await conduit.article(alice, title=title)
        clock.advance(timedelta(seconds=1))

    page = await conduit.list_articles(ArticleFilter(), None)

    assert slugs(page) == ["three", "two", "one"]
    assert page.count == 3
    assert all(a.body is None for a in page.articles)


async def test_list_orders_articles_created_in_the_same_millisecond_newest_first(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="first")
    await conduit.article(alice, title="second")

    page = await conduit.list_articles(ArticleFilter(), None)

    assert slugs(page) == ["second", "first"]


async def test_list_counts_every_match_whatever_the_limit_and_offset(
    conduit: UseCases, clock: FakeClock
) -> None:
    alice = await conduit.member()
    for n in range(5):
        await conduit.article(alice, title=f"a{n}")
        clock.advance(timedelta(seconds=1))

    page = await conduit.list_articles(ArticleFilter(limit=2, offset=1), None)

    assert slugs(page) == ["a3", "a2"]
    assert page.count == 5


async def test_list_filters_by_tag_author_and_favorited_combined(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    bob = await conduit.member("bob")
    fan = await conduit.member("fan")
    loved = await conduit.article(alice, title="loved", tags=["dragons"])
    await conduit.article(alice, title="ignored", tags=["dragons"])
    await conduit.article(alice, title="untagged")
    by_bob = await conduit.article(bob, title="bobs", tags=["dragons"])
    for slug in (loved.slug, by_bob.slug):
        await conduit.favorite_article(fan.id, slug, favorite=True)

    by_tag = await conduit.list_articles(ArticleFilter(tag="dragons"), None)
    by_author = await conduit.list_articles(ArticleFilter(author="alice"), None)
    favorited = await conduit.list_articles(ArticleFilter(favorited_by="fan"), None)
    combined = await conduit.list_articles(
        ArticleFilter(tag="dragons", author="alice", favorited_by="fan"), None
    )

    assert sorted(slugs(by_tag)) == ["bobs", "ignored", "loved"]
    assert sorted(slugs(by_author)) == ["ignored", "loved", "untagged"]
    assert sorted(slugs(favorited)) == ["bobs", "loved"]
    assert (slugs(combined), combined.count) == (["loved"], 1)


@pytest.mark.parametrize(
    "filters",
    [ArticleFilter(tag="none"), ArticleFilter(author="nobody"), ArticleFilter(favorited_by="x")],
)
async def test_list_with_an_unknown_filter_value_is_empty(
    conduit: UseCases, filters: ArticleFilter
) -> None:
    alice = await conduit.member()
    await conduit.article(alice, tags=["dragons"])

    page = await conduit.list_articles(filters, None)

    assert (page.articles, page.count) == ([], 0)


async def test_list_shows_favorited_for_the_viewer_only(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)
    await conduit.favorite_article(bob.id, created.slug, favorite=True)

    [seen_by_bob] = (await conduit.list_articles(ArticleFilter(), bob.id)).articles
    [seen_by_alice] = (await conduit.list_articles(ArticleFilter(), alice.id)).articles

    assert (seen_by_bob.favorited, seen_by_bob.favorites_count) == (True, 1)
    assert (seen_by_alice.favorited, seen_by_alice.favorites_count) == (False, 1)


async def test_feed_of_a_new_user_is_empty(conduit: UseCases) -> None:
    alice = await conduit.member()
    await conduit.article(alice)
    newcomer = await conduit.member()

    page = await conduit.get_feed(newcomer.id, Page())

    assert (page.articles, page.count) == ([], 0)


async def test_feed_lists_only_followed_authors(conduit: UseCases, clock: FakeClock) -> None:
    reader = await conduit.member()
    alice = await conduit.member("alice")
    bob = await conduit.member("bob")
    carol = await conduit.member("carol")
    await conduit.follow_profile(reader.id, "alice", follow=True)
    await conduit.follow_profile(reader.id, "carol", follow=True)
    for author, title in ((alice, "by-alice"), (bob, "by-bob"), (carol, "by-carol")):
        await conduit.article(author, title=title)
        clock.advance(timedelta(seconds=1))
    await conduit.article(reader, title="by-reader")

    page = await conduit.get_feed(reader.id, Page())

    assert slugs(page) == ["by-carol", "by-alice"]
    assert page.count == 2
    assert all(a.author.following and a.body is None for a in page.articles)


async def test_feed_pages_with_limit_and_offset(conduit: UseCases, clock: FakeClock) -> None:
    reader = await conduit.member()
    alice = await conduit.member("alice")
    await conduit.follow_profile(reader.id, "alice", follow=True)
    for n in range(3):
        await conduit.article(alice, title=f"a{n}")
        clock.advance(timedelta(seconds=1))

    page = await conduit.get_feed(reader.id, Page(limit=1, offset=1))

    assert (slugs(page), page.count) == (["a1"], 3)


async def test_feed_drops_an_author_once_unfollowed(conduit: UseCases) -> None:
    reader = await conduit.member()
    alice = await conduit.member("alice")
    await conduit.follow_profile(reader.id, "alice", follow=True)
    await conduit.article(alice)

    await conduit.follow_profile(reader.id, "alice", follow=False)

    assert (await conduit.get_feed(reader.id, Page())).count == 0


async def test_tags_lists_every_tag_in_use_once(conduit: UseCases) -> None:
    alice = await conduit.member()
    await conduit.article(alice, tags=["dragons", "training"])
    await conduit.article(alice, tags=["dragons", "fire"])

    assert sorted(await conduit.list_tags()) == ["dragons", "fire", "training"]


async def test_tags_of_no_articles_is_empty(conduit: UseCases) -> None:
    assert await conduit.list_tags() == []
