"""CreateArticle: validation, tags and unique slugs."""

from __future__ import annotations

import pytest

from adapters.memory.store import InMemoryStore
from application.articles import SLUG_ATTEMPTS, ArticleDraft
from domain.errors import SlugTaken, ValidationFailed
from domain.values import BLANK, TAG_MAX, TAGS_PER_ARTICLE_MAX, TITLE_MAX
from domain.views import ArticleFilter, ProfileView
from tests.fakes import START, RacingUnitOfWork
from tests.use_cases import UseCases


async def test_create_returns_the_article_with_its_author_and_no_favorites(
    conduit: UseCases,
) -> None:
    alice = await conduit.member("alice")

    article = await conduit.create_article(
        alice.id, ArticleDraft("How to train your dragon", "Ever wonder how?", "Carefully.")
    )

    assert (article.slug, article.title, article.description, article.body) == (
        "how-to-train-your-dragon",
        "How to train your dragon",
        "Ever wonder how?",
        "Carefully.",
    )
    assert article.tags == ()
    assert (article.favorited, article.favorites_count) == (False, 0)
    assert article.author == ProfileView("alice", None, None, following=False)


async def test_create_stamps_created_and_updated_at_with_the_clock(conduit: UseCases) -> None:
    alice = await conduit.member()

    article = await conduit.article(alice)

    assert article.created_at == article.updated_at == START


async def test_create_returns_tags_sorted_trimmed_and_deduplicated(conduit: UseCases) -> None:
    alice = await conduit.member()

    article = await conduit.article(alice, tags=["training", " dragons ", "dragons", "", "  "])

    assert article.tags == ("dragons", "training")
    assert (await conduit.get_article(article.slug, None)).tags == ("dragons", "training")


async def test_create_reports_every_blank_field(conduit: UseCases) -> None:
    alice = await conduit.member()

    with pytest.raises(ValidationFailed) as failure:
        await conduit.create_article(alice.id, ArticleDraft("", "  ", None))

    assert failure.value.errors == {"title": [BLANK], "description": [BLANK], "body": [BLANK]}


async def test_create_reports_bad_tags_together_with_other_fields(conduit: UseCases) -> None:
    alice = await conduit.member()

    with pytest.raises(ValidationFailed) as failure:
        await conduit.create_article(
            alice.id, ArticleDraft("x" * (TITLE_MAX + 1), "d", "b", ["t" * (TAG_MAX + 1)])
        )

    assert set(failure.value.errors) == {"title", "tagList"}


async def test_create_rejects_more_tags_than_an_article_may_carry(conduit: UseCases) -> None:
    alice = await conduit.member()
    tags = [f"tag{n}" for n in range(TAGS_PER_ARTICLE_MAX + 1)]

    with pytest.raises(ValidationFailed) as failure:
        await conduit.create_article(alice.id, ArticleDraft("t", "d", "b", tags))

    assert list(failure.value.errors) == ["tagList"]


async def test_create_validation_failure_stores_nothing(conduit: UseCases) -> None:
    alice = await conduit.member()

    with pytest.raises(ValidationFailed):
        await conduit.create_article(alice.id, ArticleDraft("Title", "", "b", ["kept?"]))

    assert (await conduit.list_tags()) == []
    assert await article_count(conduit) == 0


async def test_same_title_twice_gets_distinct_slugs(conduit: UseCases) -> None:
    alice = await conduit.member()

    slugs = [(await conduit.article(alice, title="Dragons!")).slug for _ in range(3)]

    assert slugs == ["dragons", "dragons-2", "dragons-3"]


async def test_a_title_without_letters_or_digits_still_gets_a_slug(conduit: UseCases) -> None:
    alice = await conduit.member()

    first = await conduit.article(alice, title="¿¡!?")
    second = await conduit.article(alice, title="...")

    assert (first.slug, second.slug) == ("article", "article-2")


async def test_a_slug_freed_by_a_deleted_article_is_reused(conduit: UseCases) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="Dragons")
    second = await conduit.article(alice, title="Dragons")
    await conduit.article(alice, title="Dragons")

    await conduit.delete_article(alice.id, second.slug)

    assert (await conduit.article(alice, title="Dragons")).slug == "dragons-2"


async def article_count(conduit: UseCases) -> int:
    return (await conduit.list_articles(ArticleFilter(), None)).count


async def test_create_picks_another_slug_when_a_concurrent_writer_took_it(
    conduit: UseCases, store: InMemoryStore
) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="Dragons")
    create = conduit.on(RacingUnitOfWork(store, stale_reads=1)).create_article

    article = await create(alice.id, ArticleDraft("Dragons", "d", "b"))

    assert article.slug == "dragons-2"


async def test_create_gives_up_with_slug_taken_after_every_attempt_lost_the_race(
    conduit: UseCases, store: InMemoryStore
) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="Dragons")
    create = conduit.on(RacingUnitOfWork(store, stale_reads=SLUG_ATTEMPTS)).create_article

    with pytest.raises(SlugTaken):
        await create(alice.id, ArticleDraft("Dragons", "d", "b"))

    assert await article_count(conduit) == 1
