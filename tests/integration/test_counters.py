"""The counters of migration 0008 stay exact: through the API, races, cascades, TRUNCATE and
the backfill of a database that predates them."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.counters import Mismatch, backfill, mismatches
from tests.api.support import Conduit, auth


async def _story(api: Conduit) -> dict[str, str]:
    """Two authors, tagged articles, favorites, follows, an edit and a deletion."""
    ann, bob = await api.token("ann"), await api.token("bob")
    first = await api.create_article(ann, "First", tags=["dragons", "python"])
    second = await api.create_article(ann, "Second", tags=["dragons"])
    third = await api.create_article(bob, "Third", tags=["go"])
    for token, slug in ((ann, third["slug"]), (bob, first["slug"]), (bob, second["slug"])):
        await api.favorite(token, slug)
    await api.follow(bob, "ann")
    edited = await api.client.put(
        f"/articles/{second['slug']}",
        json={"article": {"tagList": ["python", "rust"]}},
        headers=auth(ann),
    )
    assert edited.status_code == 200, edited.text
    await api.delete_article(bob, third["slug"])
    return {"ann": ann, "bob": bob}


async def _counters(engine: AsyncEngine) -> dict[str, object]:
    async with engine.connect() as conn:
        total = (await conn.execute(text("SELECT sum(articles) FROM article_totals"))).scalar()
        users = {
            name: n
            for name, n in await conn.execute(text("SELECT username, articles_count FROM users"))
        }
        tags = {
            name: n for name, n in await conn.execute(text("SELECT name, articles_count FROM tags"))
        }
    return {"total": total, "users": users, "tags": tags}


async def test_counters_follow_every_write_of_the_api(api: Conduit, engine: AsyncEngine) -> None:
    await _story(api)

    assert await mismatches(engine) == []
    counters = await _counters(engine)
    assert counters["total"] == 2
    assert counters["users"] == {"ann": 2, "bob": 0}
    # "go" lost its only article; the edit moved "second" from dragons to python and rust.
    assert counters["tags"] == {"dragons": 1, "python": 2, "go": 0, "rust": 1}


async def test_lists_report_the_counters(api: Conduit) -> None:
    await _story(api)

    assert (await api.articles())["articlesCount"] == 2
    assert (await api.articles(tag="python"))["articlesCount"] == 2
    assert (await api.articles(author="ann"))["articlesCount"] == 2
    assert (await api.articles(favorited="bob"))["articlesCount"] == 2
    assert (await api.articles(favorited="bob", tag="rust"))["articlesCount"] == 1
    assert await api.tags() == ["dragons", "python", "rust"]


async def test_counters_stay_exact_under_racing_writers(api: Conduit, engine: AsyncEngine) -> None:
    author = await api.token("author")
    fans = [await api.token(f"fan{n}") for n in range(20)]
    articles = await asyncio.gather(
        *(api.create_article(author, f"Race {n}", tags=["hot", f"t{n % 3}"]) for n in range(20))
    )
    await asyncio.gather(
        *(api.favorite(fan, a["slug"]) for fan in fans[:10] for a in articles[:5]),
        *(api.delete_article(author, a["slug"]) for a in articles[15:]),
    )

    assert await mismatches(engine) == []
    assert (await api.articles(tag="hot"))["articlesCount"] == 15


async def test_truncate_resets_the_counts_of_what_it_empties(
    api: Conduit, engine: AsyncEngine
) -> None:
    await _story(api)

    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE favorites"))
    assert await mismatches(engine) == []
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE articles CASCADE"))
    assert await mismatches(engine) == []


async def _forget_counters(engine: AsyncEngine) -> None:
    """The state right after revision 0008 on a populated database: nothing counted yet."""
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE users ALTER articles_count DROP NOT NULL"))
        await conn.execute(text("ALTER TABLE users ALTER favorites_count DROP NOT NULL"))
        await conn.execute(text("ALTER TABLE tags ALTER articles_count DROP NOT NULL"))
        await conn.execute(text("ALTER TABLE article_totals ALTER articles DROP NOT NULL"))
        for table in ("article_tags", "favorites"):
            await conn.execute(text(f"ALTER TABLE {table} ALTER article_created_at DROP NOT NULL"))
            await conn.execute(
                text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_article_created_at")
            )
            await conn.execute(text(f"UPDATE {table} SET article_created_at = NULL"))
            await conn.execute(
                text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_article_created_at")
            )
        await conn.execute(text("UPDATE users SET articles_count = NULL, favorites_count = NULL"))
        await conn.execute(text("UPDATE tags SET articles_count = NULL"))
        await conn.execute(text("UPDATE article_totals SET articles = NULL"))


async def _restore_not_null(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table, column in (
            ("users", "articles_count"),
            ("users", "favorites_count"),
            ("tags", "articles_count"),
            ("article_totals", "articles"),
            ("article_tags", "article_created_at"),
            ("favorites", "article_created_at"),
        ):
            await conn.execute(text(f"ALTER TABLE {table} ALTER {column} SET NOT NULL"))


async def test_backfill_counts_what_was_never_counted_and_resumes(
    api: Conduit, engine: AsyncEngine
) -> None:
    await _story(api)
    await _forget_counters(engine)
    try:
        assert Mismatch("articles", "", None, 2) in await mismatches(engine)
        batches = await backfill(engine, batch_size=1)
        assert batches > 5, "one row per batch: the work is cut into many short transactions"
        assert await mismatches(engine) == []
        assert await backfill(engine, batch_size=1) == 0, "a second run finds nothing to do"
    finally:
        await _restore_not_null(engine)


async def test_writes_during_the_backfill_are_counted_once(
    api: Conduit, engine: AsyncEngine
) -> None:
    tokens = await _story(api)
    await _forget_counters(engine)
    try:
        writes = asyncio.gather(
            *(api.create_article(tokens["ann"], f"During {n}", tags=["live"]) for n in range(10))
        )
        await asyncio.gather(writes, backfill(engine, batch_size=1))
        await backfill(engine, batch_size=1)
        assert await mismatches(engine) == []
    finally:
        await _restore_not_null(engine)
