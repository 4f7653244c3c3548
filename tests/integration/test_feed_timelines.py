"""A heavy reader's timeline (migration 0022) is always her feed: every article of every
author she follows, through follows, unfollows, articles written and deleted, deletions of
users, the follow that builds it, the backfill, and writes racing each of them.

Readers here are heavy from three follows (`feed_filter_min`). The races hold one
transaction open at the point that matters and run the other against it: the second must
wait for the first's lock, and the timeline must come out exact whichever commits first.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres import queries
from adapters.postgres.counters import Mismatch, backfill_feed_timelines, mismatches
from tests.api.support import Conduit
from tests.integration.support import sql_constant

WAIT = 0.3
"""Seconds a racing transaction is given to get past the lock it should wait for."""


async def _timeline(engine: AsyncEngine, reader: str) -> list[str] | None:
    """The slugs of her timeline in the feed's order; None when she has none."""
    async with engine.connect() as conn:
        built = await conn.scalar(
            text(
                "SELECT t.timeline FROM feed_totals t JOIN users u ON u.id = t.user_id"
                " WHERE u.username = :u"
            ),
            {"u": reader},
        )
        if not built:
            return None
        rows = await conn.execute(
            text(
                "SELECT a.slug FROM feed_timelines e JOIN users u ON u.id = e.reader_id"
                " JOIN articles a ON a.id = e.article_id WHERE u.username = :u"
                " ORDER BY e.created_at DESC, e.article_id DESC"
            ),
            {"u": reader},
        )
        return list(rows.scalars())


async def _feed(engine: AsyncEngine, reader: str) -> list[str]:
    """The slugs of her feed as the contract defines it."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT a.slug FROM articles a JOIN follows f ON f.followee_id = a.author_id"
                " JOIN users u ON u.id = f.follower_id WHERE u.username = :u"
                " ORDER BY a.created_at DESC, a.id DESC"
            ),
            {"u": reader},
        )
        return list(rows.scalars())


async def _exact(engine: AsyncEngine, api: Conduit, reader: str, token: str) -> None:
    """Her timeline is her feed, the API's pages are its slices, and every check passes."""
    expected = await _feed(engine, reader)
    assert await _timeline(engine, reader) == expected
    for limit, offset in ((20, 0), (2, 1), (3, len(expected) - 2)):
        page = await api.feed(token, limit=limit, offset=max(offset, 0))
        assert [a["slug"] for a in page["articles"]] == expected[max(offset, 0) :][:limit]
        assert page["articlesCount"] == len(expected)
    assert await mismatches(engine) == []


async def _sql(engine: AsyncEngine, statement: str, **params: object) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(statement), params)


def _follow(reader: str, author: str) -> str:
    return (
        "INSERT INTO follows (follower_id, followee_id)"
        f" SELECT r.id, a.id FROM users r, users a"
        f" WHERE r.username = '{reader}' AND a.username = '{author}'"
    )


def _unfollow(reader: str, author: str) -> str:
    return (
        "DELETE FROM follows f USING users r, users a"
        " WHERE f.follower_id = r.id AND f.followee_id = a.id"
        f" AND r.username = '{reader}' AND a.username = '{author}'"
    )


def _write(author: str, slug: str) -> str:
    return (
        "INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)"
        f" SELECT '{slug}', '{slug}', 'd', 'b', id, now(), now() FROM users"
        f" WHERE username = '{author}'"
    )


def _delete(slug: str) -> str:
    return f"DELETE FROM articles WHERE slug = '{slug}'"


@pytest.mark.usefixtures("heavy_from_three")
async def test_the_timeline_is_built_at_the_threshold_and_follows_every_write(
    api: Conduit, engine: AsyncEngine
) -> None:
    reader = await api.token("reader")
    authors = {f"author{n}": await api.token(f"author{n}") for n in range(5)}
    slugs = {
        name: [(await api.create_article(token, f"{name} {k}"))["slug"] for k in range(3)]
        for name, token in authors.items()
    }
    await api.follow(reader, "author0")
    await api.follow(reader, "author1")
    assert await _timeline(engine, "reader") is None, "below the threshold: none"

    await api.follow(reader, "author2")
    await _exact(engine, api, "reader", reader)
    assert len(await _feed(engine, "reader")) == 9

    await api.create_article(authors["author1"], "author1 new")
    await api.delete_article(authors["author0"], slugs["author0"][1])
    await api.follow(reader, "author3")
    await api.unfollow(reader, "author2")
    await _exact(engine, api, "reader", reader)

    async with engine.begin() as conn:  # written and deleted before its commit
        await conn.execute(text(_write("author3", "gone-at-commit")))
        await conn.execute(text(_delete("gone-at-commit")))
    await _sql(engine, "DELETE FROM users WHERE username = 'author1'")
    await _exact(engine, api, "reader", reader)
    assert len(await _feed(engine, "reader")) == 5


@pytest.mark.usefixtures("heavy_from_three")
async def test_deletions_of_the_reader_and_truncation_leave_no_entry_behind(
    api: Conduit, engine: AsyncEngine
) -> None:
    for name in ("reader", "other"):
        token = await api.token(name)
        for n in range(3):
            if name == "reader":
                author = await api.token(f"author{n}")
                await api.create_article(author, f"Post {n}")
            await api.follow(token, f"author{n}")
    await _sql(engine, "DELETE FROM users WHERE username = 'reader'")

    async with engine.connect() as conn:
        left = await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM feed_timelines),"
                " (SELECT count(*) FROM feed_timeline_authors)"
            )
        )
        assert tuple(left.one()) == (3, 3), "only the other reader's"
    assert await mismatches(engine) == []

    await _sql(engine, "TRUNCATE articles CASCADE")
    assert await _timeline(engine, "other") == []
    assert await mismatches(engine) == []


RACES = {
    # (held open first, run against it, the reader's follows before)
    "an-article-then-a-follow": ([_write("author3", "new")], [_follow("reader", "author3")]),
    "a-follow-then-an-article": ([_follow("reader", "author3")], [_write("author3", "new")]),
    "an-article-then-an-unfollow": ([_write("author0", "new")], [_unfollow("reader", "author0")]),
    "an-unfollow-then-an-article": ([_unfollow("reader", "author0")], [_write("author0", "new")]),
    "a-deletion-then-a-follow": ([_delete("author3-old")], [_follow("reader", "author3")]),
    "a-follow-then-a-deletion": ([_follow("reader", "author3")], [_delete("author3-old")]),
}


@pytest.mark.usefixtures("heavy_from_three")
@pytest.mark.parametrize("race", list(RACES))
async def test_a_follow_or_unfollow_racing_an_articles_commit_leaves_the_timeline_exact(
    api: Conduit, engine: AsyncEngine, race: str
) -> None:
    """The first transaction has run its commit-time triggers (SET CONSTRAINTS ALL
    IMMEDIATE) and holds the author's row; the second must wait for it, then see its rows.
    Past the feed totals' cap (0), no lock of migration 0015 hides a missing one of 0022."""
    reader = await api.token("reader")
    for n in range(4):
        await api.token(f"author{n}")
        await _sql(engine, _write(f"author{n}", f"author{n}-old"))
    async with sql_constant(engine, "feed_total_cap", 0):
        for n in range(3):
            await api.follow(reader, f"author{n}")
        first, second = RACES[race]
        await _race(engine, first, second, immediate=True)
    await _exact(engine, api, "reader", reader)


@pytest.mark.usefixtures("heavy_from_three")
async def test_the_follow_that_builds_a_timeline_waits_for_article_writes_in_flight(
    api: Conduit, engine: AsyncEngine
) -> None:
    """An article written, not yet committed, when the reader's third follow builds her
    timeline: the build waits for it and copies it (its own fan-out, at commit, does not
    see her as a timeline reader yet)."""
    reader = await api.token("reader")
    for n in range(3):
        await api.token(f"author{n}")
        await _sql(engine, _write(f"author{n}", f"author{n}-old"))
    async with sql_constant(engine, "feed_total_cap", 0):
        await api.follow(reader, "author0")
        await api.follow(reader, "author1")
        await _race(engine, [_write("author0", "new")], [_follow("reader", "author2")])
    assert "new" in (await _timeline(engine, "reader") or [])
    await _exact(engine, api, "reader", reader)


async def _race(
    engine: AsyncEngine, first: list[str], second: list[str], *, immediate: bool = False
) -> None:
    async with engine.connect() as holder:
        await holder.begin()
        for statement in first:
            await holder.execute(text(statement))
        if immediate:
            await holder.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))

        async def against() -> None:
            async with engine.begin() as conn:
                for statement in second:
                    await conn.execute(text(statement))

        racing = asyncio.create_task(against())
        await asyncio.sleep(WAIT)
        assert not racing.done(), "the second transaction did not wait for the first"
        await holder.commit()
    await racing


@pytest.mark.usefixtures("heavy_from_three")
async def test_the_backfill_builds_the_missing_timelines_while_readers_follow_and_write(
    api: Conduit, engine: AsyncEngine
) -> None:
    authors = {f"author{n}": await api.token(f"author{n}") for n in range(6)}
    for name, token in authors.items():
        await api.create_article(token, f"{name} old")
    readers = {f"reader{n}": await api.token(f"reader{n}") for n in range(3)}
    for token in readers.values():
        for n in range(3):
            await api.follow(token, f"author{n}")
    # As right after 0022: filters, no timelines. Her feed is still right, by the walk.
    await _sql(engine, "DELETE FROM feed_timelines")
    await _sql(engine, "DELETE FROM feed_timeline_authors")
    await _sql(engine, "UPDATE feed_totals SET timeline = false")
    page = await api.feed(readers["reader0"])
    assert [a["slug"] for a in page["articles"]] == await _feed(engine, "reader0")

    await asyncio.gather(  # some may be built by their own follow first
        backfill_feed_timelines(engine),
        *(api.follow(token, "author3") for token in readers.values()),
        *(api.create_article(authors[f"author{n}"], f"author{n} new") for n in range(6)),
    )

    for name, token in readers.items():
        await _exact(engine, api, name, token)  # built, and exact
    assert await backfill_feed_timelines(engine) == 0, "a second run builds nothing"


@pytest.mark.usefixtures("heavy_from_three")
@pytest.mark.parametrize(
    ("doctor", "expected"),
    [
        (
            "DELETE FROM feed_timelines WHERE article_id ="
            " (SELECT id FROM articles WHERE slug = 'author0-old')",
            [Mismatch("feed timeline", "reader", 2, 3)],
        ),
        (
            "INSERT INTO feed_timelines SELECT u.id, a.created_at, a.id FROM users u, articles a"
            " WHERE u.username = 'reader' AND a.slug = 'author3-old'",
            [
                Mismatch("feed timeline", "reader", 4, 3),
                Mismatch("feed timeline strays", "reader", 1, 0),
            ],
        ),
        (
            "DELETE FROM feed_timeline_authors WHERE author_id ="
            " (SELECT id FROM users WHERE username = 'author1')",
            [Mismatch("feed timeline authors", "reader", 2, 3)],
        ),
    ],
    ids=["an-entry-missing", "an-entry-of-an-author-not-followed", "an-author-missing"],
)
async def test_the_check_reports_a_timeline_that_differs_from_its_rebuild(
    api: Conduit, engine: AsyncEngine, doctor: str, expected: list[Mismatch]
) -> None:
    reader = await api.token("reader")
    for n in range(4):
        await api.token(f"author{n}")
        await _sql(engine, _write(f"author{n}", f"author{n}-old"))
    for n in range(3):
        await api.follow(reader, f"author{n}")
    await _sql(engine, doctor)

    assert await mismatches(engine) == expected


@pytest.mark.usefixtures("heavy_from_three")
async def test_a_timeline_readers_page_is_a_range_of_her_timeline_and_nothing_else(
    api: Conduit, engine: AsyncEngine
) -> None:
    """Neither road of the other readers runs: no walk of the newest articles, no merge of
    her authors' indexes, and her filter is not read."""
    reader = await api.token("reader")
    for n in range(4):
        author = await api.token(f"author{n}")
        for k in range(5):
            await api.create_article(author, f"Post {n} {k}")
        await api.follow(reader, f"author{n}")
    async with engine.connect() as conn:
        viewer = await conn.scalar(text("SELECT id FROM users WHERE username = 'reader'"))
        sql = queries.feed_sql().replace("$1", str(viewer)).replace("$2", "5")
        rows = await conn.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql.replace('$3', '3')}"))
        plan = "\n".join(row[0] for row in rows)

    lines = plan.splitlines()
    timeline = next(n for n, line in enumerate(lines) if "on feed_timelines" in line)
    assert "Backward using pk_feed_timelines" in lines[timeline], plan
    assert "rows=8 loops=1" in lines[timeline], plan  # offset 3 + limit 5
    for road in ("ix_articles_created_at_id", "CTE Scan on followed", "on article_totals"):
        line = next(line for line in lines if road in line)
        assert "never executed" in line, plan


@pytest.mark.usefixtures("heavy_from_three")
async def test_an_article_committed_while_its_reader_is_deleted_writes_her_no_entry(
    api: Conduit, engine: AsyncEngine
) -> None:
    """The fan-out locks each reader's row (FOR KEY SHARE) before writing her entry: it
    waits for her deletion, then skips her, where an entry's foreign key would fail the
    article's commit."""
    reader = await api.token("reader")
    async with sql_constant(engine, "feed_total_cap", 0):  # no row lock of 0015's either
        for n in range(3):
            await api.token(f"author{n}")
            await api.follow(reader, f"author{n}")
        await _race(
            engine, ["DELETE FROM users WHERE username = 'reader'"], [_write("author0", "new")]
        )
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM feed_timelines")) == 0
    assert await mismatches(engine) == []
