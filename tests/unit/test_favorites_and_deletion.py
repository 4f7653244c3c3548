"""FavoriteArticle and DeleteArticle."""

from __future__ import annotations

import pytest

from application.comments import CommentDraft
from domain.errors import ArticleNotFound, NotArticleAuthor
from domain.views import ArticleFilter
from tests.use_cases import UseCases


async def test_favorite_returns_the_article_favorited_with_its_count(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)

    article = await conduit.favorite_article(bob.id, created.slug, favorite=True)

    assert (article.slug, article.favorited, article.favorites_count) == (created.slug, True, 1)
    assert article.body == created.body


async def test_favorite_twice_counts_once(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)

    await conduit.favorite_article(bob.id, created.slug, favorite=True)
    article = await conduit.favorite_article(bob.id, created.slug, favorite=True)

    assert (article.favorited, article.favorites_count) == (True, 1)


async def test_favorites_of_two_users_add_up(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)

    await conduit.favorite_article(bob.id, created.slug, favorite=True)
    article = await conduit.favorite_article(alice.id, created.slug, favorite=True)

    assert article.favorites_count == 2
    assert (await conduit.get_article(created.slug, None)).favorited is False


async def test_unfavorite_returns_the_article_not_favorited(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)
    await conduit.favorite_article(bob.id, created.slug, favorite=True)

    article = await conduit.favorite_article(bob.id, created.slug, favorite=False)

    assert (article.favorited, article.favorites_count) == (False, 0)


async def test_unfavorite_twice_or_without_favorite_is_harmless(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)
    await conduit.favorite_article(alice.id, created.slug, favorite=True)

    await conduit.favorite_article(bob.id, created.slug, favorite=False)
    article = await conduit.favorite_article(bob.id, created.slug, favorite=False)

    assert (article.favorited, article.favorites_count) == (False, 1)


@pytest.mark.parametrize("favorite", [True, False])
async def test_favorite_or_unfavorite_of_an_unknown_slug_is_article_not_found(
    conduit: UseCases, favorite: bool
) -> None:
    bob = await conduit.member()

    with pytest.raises(ArticleNotFound):
        await conduit.favorite_article(bob.id, "nope", favorite=favorite)


async def test_delete_removes_the_article(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice)

    await conduit.delete_article(alice.id, created.slug)

    with pytest.raises(ArticleNotFound):
        await conduit.get_article(created.slug, None)
    assert (await conduit.list_articles(ArticleFilter(), None)).count == 0


async def test_delete_takes_its_comments_favorites_and_tags_along(conduit: UseCases) -> None:
    alice = await conduit.member()
    bob = await conduit.member("bob")
    doomed = await conduit.article(alice, title="doomed", tags=["gone"])
    kept = await conduit.article(alice, title="kept", tags=["kept"])
    await conduit.favorite_article(bob.id, doomed.slug, favorite=True)
    await conduit.favorite_article(bob.id, kept.slug, favorite=True)
    await conduit.add_comment(bob.id, doomed.slug, CommentDraft("bye"))

    await conduit.delete_article(alice.id, doomed.slug)

    with pytest.raises(ArticleNotFound):
        await conduit.list_comments(doomed.slug, None)
    favorites = await conduit.list_articles(ArticleFilter(favorited_by="bob"), None)
    assert [a.slug for a in favorites.articles] == ["kept"]
    assert await conduit.list_tags() == ["kept"]


async def test_delete_of_an_unknown_slug_is_article_not_found(conduit: UseCases) -> None:
    alice = await conduit.member()

    with pytest.raises(ArticleNotFound):
        await conduit.delete_article(alice.id, "nope")


async def test_delete_by_another_user_is_forbidden_and_keeps_the_article(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)

    with pytest.raises(NotArticleAuthor):
        await conduit.delete_article(bob.id, created.slug)

    assert await conduit.get_article(created.slug, None) == created
