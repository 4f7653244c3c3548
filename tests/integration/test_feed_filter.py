"""The author filters of migration 0018 never miss a followed author: built when a reader
reaches the threshold, set by each later follow, under racing follows, and by the backfill.

A missing bit would drop that author's articles from a heavy reader's walk; a stale one (an
unfollow's) only costs a probe. `mismatches()` reports every follow whose bit is clear.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.counters import Mismatch, backfill_feed_filters, mismatches
from tests.api.support import Conduit
from tests.integration.support import sql_constant

BITS = 131072


async def _bits(engine: AsyncEngine, reader: str) -> set[int] | None:
    """The bits set in the reader's filter, None when she has none."""
    async with engine.connect() as conn:
        found = await conn.scalar(
            text(
                "SELECT t.author_bits FROM feed_totals t JOIN users u ON u.id = t.user_id"
                " WHERE u.username = :u"
            ),
            {"u": reader},
        )
    if found is None:
        return None
    return {n for n in range(BITS) if found[n // 8] >> (n % 8) & 1}


async def _ids(engine: AsyncEngine, *names: str) -> set[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id FROM users WHERE username = ANY(:n)"), {"n": list(names)}
        )
        return {row[0] % BITS for row in rows}


@pytest.mark.usefixtures("heavy_from_three")
async def test_the_filter_is_built_at_the_threshold_and_set_by_each_follow_after(
    api: Conduit, engine: AsyncEngine
) -> None:
    reader = await api.token("reader")
    names = [f"author{n}" for n in range(5)]
    tokens = [await api.token(name) for name in names]
    for name in names[:2]:
        await api.follow(reader, name)
    assert await _bits(engine, "reader") is None, "below the threshold: no filter"

    await api.follow(reader, names[2])
    assert await _bits(engine, "reader") == await _ids(engine, *names[:3])
    await api.follow(reader, names[3])
    assert await _bits(engine, "reader") == await _ids(engine, *names[:4])

    await api.unfollow(reader, names[0])
    assert await _bits(engine, "reader") == await _ids(engine, *names[1:4])
    for n, token in enumerate(tokens):
        await api.create_article(token, f"Post {n}")
    feed = await api.feed(reader)
    assert sorted(a["author"]["username"] for a in feed["articles"]) == names[1:4]
    assert feed["articlesCount"] == 3
    assert await mismatches(engine) == []


@pytest.mark.usefixtures("heavy_from_three")
@pytest.mark.parametrize("cap", [1000, 0], ids=["in-feed-totals", "past-the-cap"])
async def test_racing_follows_of_one_reader_leave_no_author_out_of_her_filter(
    api: Conduit, engine: AsyncEngine, cap: int
) -> None:
    """The follow that reaches the threshold builds the filter from what it sees; the
    reader's row lock makes the follows racing it either committed by then or set after.
    Past the cap no other trigger takes that lock (0015 takes it for follows it counts)."""
    names = [f"author{n}" for n in range(10)]
    for name in names:
        await api.token(name)
    async with sql_constant(engine, "feed_total_cap", cap):
        for round_ in range(6):
            reader = await api.token(f"reader{round_}")
            await api.follow(reader, names[0])
            await asyncio.gather(*(api.follow(reader, name) for name in names[1:]))
            assert await _bits(engine, f"reader{round_}") == await _ids(engine, *names)
    assert await mismatches(engine) == []


@pytest.mark.usefixtures("heavy_from_three")
async def test_an_unfollow_keeps_the_bit_another_followed_author_shares(
    api: Conduit, engine: AsyncEngine
) -> None:
    reader = await api.token("reader")
    for name in ("ann", "bob", "cid", "twin"):
        await api.token(name)
    async with engine.begin() as conn:  # twin's id is ann's plus the filter's size
        await conn.execute(
            text(
                f"UPDATE users SET id = (SELECT id FROM users WHERE username = 'ann') + {BITS}"
                " WHERE username = 'twin'"
            )
        )
    for name in ("ann", "bob", "cid", "twin"):
        await api.follow(reader, name)
    assert await _ids(engine, "ann") == await _ids(engine, "twin")

    await api.unfollow(reader, "ann")
    assert await _bits(engine, "reader") == await _ids(engine, "bob", "cid", "twin")
    await api.unfollow(reader, "twin")
    assert await _bits(engine, "reader") == await _ids(engine, "bob", "cid")
    assert await mismatches(engine) == []


@pytest.mark.usefixtures("heavy_from_three")
async def test_racing_follows_and_unfollows_of_one_reader_leave_her_filter_exact(
    api: Conduit, engine: AsyncEngine
) -> None:
    """Unfollows racing the follow that builds the filter: each clears its bit after the
    build, or is gone before it."""
    names = [f"author{n}" for n in range(8)]
    for name in names:
        await api.token(name)
    async with sql_constant(engine, "feed_total_cap", 0):  # no lock from 0015 either
        for round_ in range(6):
            reader = await api.token(f"reader{round_}")
            for name in names[:2]:
                await api.follow(reader, name)
            await asyncio.gather(
                *(api.unfollow(reader, name) for name in names[:2]),
                *(api.follow(reader, name) for name in names[2:]),
            )
            assert await _bits(engine, f"reader{round_}") == await _ids(engine, *names[2:])
    assert await mismatches(engine) == []


@pytest.mark.usefixtures("heavy_from_three")
@pytest.mark.parametrize(
    ("doctor", "expected"),
    [
        (
            "set_bit(author_bits,"
            " author_bit((SELECT id FROM users WHERE username = 'author1')), 0)",
            [
                Mismatch("feed filter misses", "reader", 1, 0),
                Mismatch("feed filter bits", "reader", 2, 3),
            ],
        ),
        ("set_bit(author_bits, 131071, 1)", [Mismatch("feed filter bits", "reader", 4, 3)]),
    ],
    ids=["a-followed-author-missing", "a-bit-no-follow-explains"],
)
async def test_the_check_reports_a_filter_that_differs_from_its_rebuild(
    api: Conduit, engine: AsyncEngine, doctor: str, expected: list[Mismatch]
) -> None:
    reader = await api.token("reader")
    for n in range(3):
        await api.token(f"author{n}")
        await api.follow(reader, f"author{n}")
    async with engine.begin() as conn:
        await conn.execute(text(f"UPDATE feed_totals SET author_bits = {doctor}"))

    assert await mismatches(engine) == expected


@pytest.mark.usefixtures("heavy_from_three")
async def test_the_backfill_builds_the_missing_filters_while_readers_follow(
    api: Conduit, engine: AsyncEngine
) -> None:
    names = [f"author{n}" for n in range(8)]
    for name in names:
        await api.token(name)
    readers = [await api.token(f"reader{n}") for n in range(4)]
    for reader in readers:
        for name in names[:4]:
            await api.follow(reader, name)
    light = await api.token("light")
    await api.follow(light, names[0])
    async with engine.begin() as conn:  # as right after 0018: no filter anywhere
        await conn.execute(text("UPDATE feed_totals SET author_bits = NULL"))

    await asyncio.gather(
        backfill_feed_filters(engine, batch_size=1),
        *(api.follow(reader, name) for reader in readers for name in names[4:]),
    )

    for n in range(4):
        assert await _bits(engine, f"reader{n}") == await _ids(engine, *names)
    assert await _bits(engine, "light") is None
    assert await mismatches(engine) == []
    assert await backfill_feed_filters(engine) == 0, "a second run builds nothing"


@pytest.mark.usefixtures("heavy_from_three")
async def test_deletions_of_a_followed_author_and_of_the_reader_leave_the_filters_exact(
    api: Conduit, engine: AsyncEngine
) -> None:
    names = [f"author{n}" for n in range(4)]
    for name in names:
        await api.token(name)
    for reader in ("reader", "other"):
        token = await api.token(reader)
        for name in names:
            await api.follow(token, name)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE username = 'author0'"))
    assert await _bits(engine, "reader") == await _ids(engine, *names[1:])
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE username = 'reader'"))

    assert await _bits(engine, "reader") is None
    assert await _bits(engine, "other") == await _ids(engine, *names[1:])
    assert await mismatches(engine) == []
