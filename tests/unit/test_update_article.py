"""UpdateArticle: partial changes, slugs that follow the title, and a moving updatedAt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from adapters.memory.store import InMemoryStore
from application.articles import ArticleChanges
from domain.errors import ArticleNotFound, NotArticleAuthor, ValidationFailed
from domain.values import BLANK
from tests.fakes import START, FakeClock, RacingUnitOfWork
from tests.use_cases import UseCases

MS = timedelta(milliseconds=1)


def changes(
    title: str | None = None,
    description: str | None = None,
    body: str | None = None,
    tag_list: Sequence[str] | None = None,
    *,
    sent: Sequence[str],
) -> ArticleChanges:
    return ArticleChanges(title, description, body, tag_list, sent=frozenset(sent))


async def test_update_changes_only_the_sent_fields(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice, title="Dragons", tags=["fire"])

    updated = await conduit.update_article(
        alice.id, created.slug, changes(title="ignored", body="New body", sent=["body"])
    )

    assert (updated.slug, updated.title, updated.description, updated.body, updated.tags) == (
        "dragons",
        "Dragons",
        created.description,
        "New body",
        ("fire",),
    )
    assert (await conduit.get_article("dragons", None)).body == "New body"


async def test_update_without_tag_list_keeps_the_tags(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice, tags=["a", "b"])

    updated = await conduit.update_article(
        alice.id, created.slug, changes(description="d2", sent=["description"])
    )

    assert updated.tags == ("a", "b")


async def test_update_with_an_empty_tag_list_removes_every_tag(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice, tags=["a", "b"])

    updated = await conduit.update_article(
        alice.id, created.slug, changes(tag_list=[], sent=["tag_list"])
    )

    assert updated.tags == ()
    assert await conduit.list_tags() == []


async def test_update_replaces_tags_sorted_and_deduplicated(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice, tags=["a"])

    updated = await conduit.update_article(
        alice.id, created.slug, changes(tag_list=["zeta", " alpha", "zeta"], sent=["tag_list"])
    )

    assert updated.tags == ("alpha", "zeta")


async def test_update_reports_every_invalid_field_including_a_null_tag_list(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice)

    with pytest.raises(ValidationFailed) as failure:
        await conduit.update_article(
            alice.id,
            created.slug,
            changes("", " ", None, None, sent=["title", "description", "body", "tag_list"]),
        )

    assert set(failure.value.errors) == {"title", "description", "body", "tagList"}
    assert failure.value.errors["title"] == [BLANK]
    assert failure.value.errors["body"] == [BLANK]


async def test_update_that_fails_validation_changes_nothing(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice, title="Dragons")

    with pytest.raises(ValidationFailed):
        await conduit.update_article(
            alice.id, created.slug, changes(title="Wyverns", body="", sent=["title", "body"])
        )

    assert await conduit.get_article("dragons", None) == created


async def test_update_of_an_unknown_slug_is_article_not_found(conduit: UseCases) -> None:
    alice = await conduit.member()

    with pytest.raises(ArticleNotFound):
        await conduit.update_article(alice.id, "nope", changes(title="", sent=["title"]))


async def test_update_by_another_user_is_forbidden_even_with_invalid_changes(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    created = await conduit.article(alice)

    with pytest.raises(NotArticleAuthor):
        await conduit.update_article(bob.id, created.slug, changes(title="", sent=["title"]))

    assert await conduit.get_article(created.slug, None) == created


async def test_a_new_title_gives_a_new_slug_and_frees_the_old_one(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice, title="Dragons")

    updated = await conduit.update_article(
        alice.id, created.slug, changes(title="Wyverns", sent=["title"])
    )

    assert (updated.slug, updated.title) == ("wyverns", "Wyverns")
    with pytest.raises(ArticleNotFound):
        await conduit.get_article("dragons", None)


async def test_a_new_title_taken_by_another_article_gets_a_suffixed_slug(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="Wyverns")
    created = await conduit.article(alice, title="Dragons")

    updated = await conduit.update_article(
        alice.id, created.slug, changes(title="Wyverns", sent=["title"])
    )

    assert updated.slug == "wyverns-2"


async def test_a_retitle_to_the_same_slug_keeps_the_slug(conduit: UseCases) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="Dragons")
    second = await conduit.article(alice, title="Dragons")

    updated = await conduit.update_article(
        alice.id, second.slug, changes(title="DRAGONS!", sent=["title"])
    )

    assert (updated.slug, updated.title) == ("dragons-2", "DRAGONS!")


async def test_updated_at_moves_by_a_millisecond_when_the_clock_stands_still(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice)
    body_only = changes(body="again", sent=["body"])

    first = await conduit.update_article(alice.id, created.slug, body_only)
    second = await conduit.update_article(alice.id, created.slug, body_only)

    assert first.updated_at == START + MS
    assert second.updated_at == START + 2 * MS
    assert first.created_at == second.created_at == created.created_at == START


async def test_updated_at_follows_the_clock_when_it_moves(
    conduit: UseCases, clock: FakeClock
) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice)
    clock.advance(timedelta(seconds=5))

    updated = await conduit.update_article(
        alice.id, created.slug, changes(body="later", sent=["body"])
    )

    assert updated.updated_at == START + timedelta(seconds=5)
    assert updated.created_at == START


async def test_an_update_with_nothing_sent_still_moves_updated_at(conduit: UseCases) -> None:
    alice = await conduit.member()
    created = await conduit.article(alice)

    updated = await conduit.update_article(alice.id, created.slug, ArticleChanges())

    assert updated.updated_at > created.updated_at
    assert (updated.title, updated.body, updated.tags) == (
        created.title,
        created.body,
        created.tags,
    )


async def test_a_retitle_picks_another_slug_when_a_concurrent_writer_took_it(
    conduit: UseCases, store: InMemoryStore
) -> None:
    alice = await conduit.member()
    await conduit.article(alice, title="Wyverns")
    created = await conduit.article(alice, title="Dragons")
    update = conduit.on(RacingUnitOfWork(store, stale_reads=1)).update_article

    updated = await update(alice.id, created.slug, changes(title="Wyverns", sent=["title"]))

    assert updated.slug == "wyverns-2"
