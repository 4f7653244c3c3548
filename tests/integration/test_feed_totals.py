"""The feed totals of migration 0015 stay exact: through the API, past the cap, under racing
follows and articles, a user's deletion, TRUNCATE, and the backfill of follows made before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.counters import backfill, mismatches
from tests.api.support import Conduit
from tests.integration.support import sql_constant


@pytest.fixture
async def cap_of_two(engine: AsyncEngine) -> AsyncIterator[None]:
    """An author's first two follows are in their readers' totals, the rest summed at read."""
    async with sql_constant(engine, "feed_total_cap", 2):
        yield


async def _in_total(engine: AsyncEngine) -> dict[tuple[str, str], bool]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT r.username, a.username, f.in_feed_total FROM follows f"
                " JOIN users r ON r.id = f.follower_id JOIN users a ON a.id = f.followee_id"
            )
        )
        return {(reader, author): flag for reader, author, flag in rows}


async def _feed_count(api: Conduit, token: str) -> int:
    count: int = (await api.feed(token))["articlesCount"]
    return count


async def test_feed_totals_follow_every_write_of_the_api(api: Conduit, engine: AsyncEngine) -> None:
    ann, bob, cid = await api.token("ann"), await api.token("bob"), await api.token("cid")
    reader = await api.token("reader")
    await api.create_article(ann, "Before the follow")
    await api.follow(reader, "ann")
    await api.follow(reader, "bob")
    second = await api.create_article(ann, "After the follow")
    await api.create_article(bob, "Bob's")
    await api.create_article(cid, "Not followed")
    assert await _feed_count(api, reader) == 3

    await api.delete_article(ann, second["slug"])
    await api.unfollow(reader, "bob")
    await api.create_article(bob, "After the unfollow")

    assert await _feed_count(api, reader) == 1
    assert set((await _in_total(engine)).values()) == {True}
    async with engine.connect() as conn:
        kept = await conn.scalar(text("SELECT sum(articles) FROM feed_totals"))
    assert kept == 1
    assert await mismatches(engine) == []


@pytest.mark.usefixtures("cap_of_two")
async def test_follows_past_the_cap_are_summed_when_the_feed_is_read(
    api: Conduit, engine: AsyncEngine
) -> None:
    author = await api.token("author")
    readers = [await api.token(f"reader{n}") for n in range(4)]
    for n in range(4):
        await api.follow(readers[n], "author")
    articles = [await api.create_article(author, f"Post {n}") for n in range(3)]
    await api.delete_article(author, articles[0]["slug"])

    flags = await _in_total(engine)
    assert [flags[(f"reader{n}", "author")] for n in range(4)] == [True, True, False, False]
    for token in readers:
        assert await _feed_count(api, token) == 2
    assert await mismatches(engine) == []

    # An unfollow frees a place; the next follow takes it, and the one past the cap stays out.
    await api.unfollow(readers[0], "author")
    await api.follow(readers[0], "author")
    await api.create_article(author, "Post 3")
    flags = await _in_total(engine)
    assert [flags[(f"reader{n}", "author")] for n in range(4)] == [True, True, False, False]
    for token in readers:
        assert await _feed_count(api, token) == 3
    assert await mismatches(engine) == []


async def test_racing_follows_unfollows_and_articles_are_counted_once(
    api: Conduit, engine: AsyncEngine
) -> None:
    authors = [await api.token(f"author{n}") for n in range(3)]
    readers = [await api.token(f"reader{n}") for n in range(12)]
    old = [await api.create_article(authors[n % 3], f"Old {n}") for n in range(6)]
    for reader in readers[:6]:
        await api.follow(reader, "author0")

    await asyncio.gather(
        *(api.follow(reader, f"author{n % 3}") for n, reader in enumerate(readers[6:])),
        *(api.unfollow(reader, "author0") for reader in readers[:3]),
        *(api.create_article(authors[n % 3], f"New {n}") for n in range(12)),
        *(api.delete_article(authors[n % 3], old[n]["slug"]) for n in range(3)),
    )

    assert await mismatches(engine) == []
    # Each author: 2 old articles, one deleted, 4 new. Readers 0-2 unfollowed; the rest
    # follow one author each.
    for n, reader in enumerate(readers):
        assert await _feed_count(api, reader) == (5 if n >= 3 else 0), n


async def test_a_users_deletion_leaves_every_total_exact(api: Conduit, engine: AsyncEngine) -> None:
    author, reader = await api.token("author"), await api.token("reader")
    await api.token("other")
    for n in range(3):
        await api.create_article(author, f"Post {n}")
    await api.follow(reader, "author")
    await api.follow(author, "reader")
    await api.create_article(reader, "The reader writes too")
    async with engine.begin() as conn:
        # A follow and its author's deletion in one transaction: counted, then taken off.
        await conn.execute(
            text(
                "INSERT INTO follows (follower_id, followee_id) SELECT r.id, o.id"
                " FROM users r, users o WHERE r.username = 'reader' AND o.username = 'other'"
            )
        )
        await conn.execute(text("DELETE FROM users WHERE username = 'other'"))
    assert await mismatches(engine) == []

    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE username = 'author'"))
    assert await mismatches(engine) == []
    assert await _feed_count(api, reader) == 0
    async with engine.connect() as conn:
        kept = (await conn.execute(text("SELECT authors, articles FROM feed_totals"))).all()
    assert [tuple(row) for row in kept] == [(0, 0)], "the author's own total went with her"


async def test_truncate_resets_the_totals(api: Conduit, engine: AsyncEngine) -> None:
    author, reader = await api.token("author"), await api.token("reader")
    await api.create_article(author, "Post")
    await api.follow(reader, "author")

    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE articles CASCADE"))
    assert await mismatches(engine) == []
    await api.create_article(author, "Post again")
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE follows"))
    assert await mismatches(engine) == []
    assert await _feed_count(api, reader) == 0


async def _as_before_0015(engine: AsyncEngine) -> None:
    """The state right after revision 0015 on a populated database: no follow marked."""
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE follows SET in_feed_total = false"))
        await conn.execute(text("DELETE FROM feed_totals"))


@pytest.mark.usefixtures("cap_of_two")
async def test_backfill_marks_follows_made_before_and_the_total_is_exact_throughout(
    api: Conduit, engine: AsyncEngine
) -> None:
    authors = [await api.token(f"author{n}") for n in range(3)]
    readers = [await api.token(f"reader{n}") for n in range(4)]
    for n in range(6):
        await api.create_article(authors[n % 3], f"Post {n}")
    for reader in readers:
        for n in range(3):
            await api.follow(reader, f"author{n}")
    await _as_before_0015(engine)
    for reader in readers:
        assert await _feed_count(api, reader) == 6, "summed at read time before the backfill"
    assert await mismatches(engine) == []

    writes = asyncio.gather(
        *(api.create_article(authors[n % 3], f"During {n}") for n in range(6)),
        api.unfollow(readers[3], "author0"),
    )
    await asyncio.gather(writes, backfill(engine, batch_size=1))
    await backfill(engine, batch_size=1)

    assert await mismatches(engine) == []
    flags = await _in_total(engine)
    for n in range(3):
        marked = sorted(r for (r, a), flag in flags.items() if a == f"author{n}" and flag)
        assert len(marked) == 2, f"the cap holds for author{n}: {marked}"
    for n, reader in enumerate(readers):
        assert await _feed_count(api, reader) == (8 if n == 3 else 12)
    assert await backfill(engine, batch_size=1) == 0, "a second run finds nothing to do"
