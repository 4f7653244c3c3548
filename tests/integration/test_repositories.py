"""SQLAlchemy repositories on a real PostgreSQL, through the unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import EmailTaken, SlugTaken, UsernameTaken
from domain.model import NewArticle, NewComment, NewUser, User
from tests.integration.support import add_user, count_rows

CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def new_article(author: User, slug: str, tags: tuple[str, ...] = ()) -> NewArticle:
    return NewArticle(
        slug=slug,
        title=slug.replace("-", " ").title(),
        description="About it",
        body="All of it",
        tags=tags,
        author_id=author.id,
        created_at=CREATED,
    )


async def test_added_user_reads_back_by_id_username_and_email(uow: SqlAlchemyUnitOfWork) -> None:
    alice = await add_user(uow, "alice")

    async with uow:
        by_id = await uow.users.get(alice.id)
        by_name = await uow.users.get_by_username("alice")
        by_email = await uow.users.get_by_email("alice@example.com")
        missing = await uow.users.get_by_username("nobody")

    assert alice.id > 0
    assert by_id == by_name == by_email == alice
    assert (alice.bio, alice.image) == (None, None)
    assert missing is None


async def test_duplicate_username_is_username_taken(uow: SqlAlchemyUnitOfWork) -> None:
    await add_user(uow, "alice")

    async with uow:
        with pytest.raises(UsernameTaken):
            await uow.users.add(NewUser("alice", "other@example.com", "hash"))


async def test_duplicate_email_is_email_taken(uow: SqlAlchemyUnitOfWork) -> None:
    await add_user(uow, "alice")

    async with uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(NewUser("alicia", "alice@example.com", "hash"))


async def test_update_to_a_taken_username_is_username_taken(uow: SqlAlchemyUnitOfWork) -> None:
    await add_user(uow, "alice")
    bob = await add_user(uow, "bob")

    async with uow:
        with pytest.raises(UsernameTaken):
            await uow.users.update(replace(bob, username="alice"))


async def test_article_reads_back_by_slug_with_tags_sorted(uow: SqlAlchemyUnitOfWork) -> None:
    author = await add_user(uow, "author")
    async with uow:
        added = await uow.articles.add(new_article(author, "dragons", ("b", "a", "c")))
        await uow.commit()

    async with uow:
        loaded = await uow.articles.get_by_slug("dragons")
        missing = await uow.articles.get_by_slug("no-such-slug")

    assert loaded is not None
    assert loaded.id == added.id
    assert loaded.tags == ("a", "b", "c")
    assert (loaded.title, loaded.author_id) == ("Dragons", author.id)
    assert loaded.created_at == loaded.updated_at == CREATED
    assert missing is None


async def test_update_replaces_the_tags(uow: SqlAlchemyUnitOfWork, db: AsyncEngine) -> None:
    author = await add_user(uow, "author")
    async with uow:
        article = await uow.articles.add(new_article(author, "dragons", ("a", "b")))
        await uow.commit()

    async with uow:
        await uow.articles.update(replace(article, slug="wyverns", tags=("b", "c")))
        await uow.commit()

    async with uow:
        loaded = await uow.articles.get_by_slug("wyverns")
        old = await uow.articles.get_by_slug("dragons")
    assert loaded is not None
    assert loaded.tags == ("b", "c")
    assert old is None
    assert await count_rows(db, "article_tags") == 2


async def test_update_to_no_tags_unlinks_every_tag(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    author = await add_user(uow, "author")
    async with uow:
        article = await uow.articles.add(new_article(author, "dragons", ("a", "b")))
        await uow.commit()

    async with uow:
        await uow.articles.update(replace(article, tags=()))
        await uow.commit()

    async with uow:
        loaded = await uow.articles.get_by_slug("dragons")
    assert loaded is not None
    assert loaded.tags == ()
    assert await count_rows(db, "article_tags") == 0


async def test_taken_slugs_finds_the_base_and_its_dashed_variants_only(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    author = await add_user(uow, "author")
    async with uow:
        for slug in ("dragon", "dragon-2", "dragon-fire", "dragons", "a-dragon"):
            await uow.articles.add(new_article(author, slug))
        await uow.commit()

    async with uow:
        taken = await uow.articles.taken_slugs("dragon")
        none = await uow.articles.taken_slugs("wyvern")

    assert set(taken) == {"dragon", "dragon-2", "dragon-fire"}
    assert set(none) == set()


async def test_duplicate_slug_is_slug_taken(uow: SqlAlchemyUnitOfWork) -> None:
    author = await add_user(uow, "author")
    async with uow:
        await uow.articles.add(new_article(author, "dragons"))
        await uow.commit()

    async with uow:
        with pytest.raises(SlugTaken):
            await uow.articles.add(new_article(author, "dragons"))


async def test_delete_article_cascades_to_comments_favorites_and_tag_links(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    author = await add_user(uow, "author")
    reader = await add_user(uow, "reader")
    async with uow:
        doomed = await uow.articles.add(new_article(author, "doomed", ("a", "b")))
        kept = await uow.articles.add(new_article(author, "kept", ("b",)))
        for article in (doomed, kept):
            await uow.favorites.add(reader.id, article.id)
            await uow.comments.add(NewComment(article.id, reader.id, "Hi", CREATED))
        await uow.commit()

    async with uow:
        await uow.articles.delete(doomed.id)
        await uow.commit()

    counts = {t: await count_rows(db, t) for t in ("articles", "comments", "favorites")}
    assert counts == {"articles": 1, "comments": 1, "favorites": 1}
    assert await count_rows(db, "article_tags") == 1
    # Tags are shared vocabulary: they outlive the articles that used them.
    assert await count_rows(db, "tags") == 2


async def test_following_twice_is_following_once(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    alice = await add_user(uow, "alice")
    bob = await add_user(uow, "bob")

    for _ in range(2):
        async with uow:
            await uow.follows.add(alice.id, bob.id)
            await uow.follows.add(alice.id, bob.id)
            await uow.commit()
    assert await count_rows(db, "follows") == 1

    async with uow:
        await uow.follows.remove(alice.id, bob.id)
        await uow.follows.remove(alice.id, bob.id)
        await uow.commit()
    assert await count_rows(db, "follows") == 0


async def test_favoriting_twice_is_favoriting_once(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    author = await add_user(uow, "author")
    async with uow:
        article = await uow.articles.add(new_article(author, "dragons"))
        await uow.commit()

    for _ in range(2):
        async with uow:
            await uow.favorites.add(author.id, article.id)
            await uow.favorites.add(author.id, article.id)
            await uow.commit()
    assert await count_rows(db, "favorites") == 1

    async with uow:
        await uow.favorites.remove(author.id, article.id)
        await uow.favorites.remove(author.id, article.id)
        await uow.commit()
    assert await count_rows(db, "favorites") == 0


async def test_comment_reads_back_and_deletes(uow: SqlAlchemyUnitOfWork) -> None:
    author = await add_user(uow, "author")
    async with uow:
        article = await uow.articles.add(new_article(author, "dragons"))
        comment = await uow.comments.add(NewComment(article.id, author.id, "First!", CREATED))
        await uow.commit()

    async with uow:
        loaded = await uow.comments.get(comment.id)
        await uow.comments.delete(comment.id)
        await uow.commit()
    async with uow:
        gone = await uow.comments.get(comment.id)

    assert loaded == comment
    assert gone is None
