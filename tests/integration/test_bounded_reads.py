"""The bounded reads give the same answers whichever road they take.

The feed and the search each choose between walking the newest articles and a road that
does not (merging the followed authors' indexes; the word index), by what they estimate
it costs. These stories force each road, and the case where a walk stops short, and check
the answer against what the contract says it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres import queries
from adapters.postgres.queries import PostgresArticleQueries
from adapters.sqlalchemy.engine import DriverReader, StatementCounter
from domain.views import ArticleFilter, Page
from tests.api.support import Conduit
from tests.integration.support import sql_constant


def _queries(engine: AsyncEngine, window: int = 500) -> PostgresArticleQueries:
    return PostgresArticleQueries(DriverReader(engine, StatementCounter()), search_window=window)


async def _reader_id(engine: AsyncEngine, username: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(text("SELECT id FROM users WHERE username = :u"), {"u": username})
    assert isinstance(found, int)
    return found


@pytest.fixture(params=[0, 10**9], ids=["walk-probes-follows", "walk-hashes-follows"])
def walk_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The walk tests each row by a probe of follows (cost 0) or against a hash of them all."""
    monkeypatch.setattr(queries, "PROBE_COST", request.param)
    queries.feed_sql.cache_clear()
    yield
    monkeypatch.undo()
    queries.feed_sql.cache_clear()


async def _feed_plan(engine: AsyncEngine, viewer: int, limit: int, offset: int) -> str:
    sql = queries.feed_sql().replace("$1", str(viewer))
    sql = sql.replace("$2", str(limit)).replace("$3", str(offset))
    async with engine.connect() as conn:
        rows = await conn.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"))
        return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("probe_cost", [0, 10**9], ids=["probes", "hashes"])
async def test_a_heavy_readers_walk_tests_rows_by_probe_or_hash_and_answers_alone(
    api: Conduit, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, probe_cost: int
) -> None:
    """A walk that missed rows would still answer right, from the merge it falls back to;
    so the plan must show the walk answering, by the test its cost chose, from the time
    index alone."""
    authors = [await api.token(f"author{n}") for n in range(4)]
    for n in range(24):
        await api.create_article(authors[n % 4], f"Post {n}")
    heavy = await api.token("heavy")
    for n in range(3):
        await api.follow(heavy, f"author{n}")
    async with engine.connect() as conn:  # the visibility map, as autovacuum keeps it
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM articles"))
    monkeypatch.setattr(queries, "PROBE_COST", probe_cost)
    queries.feed_sql.cache_clear()
    try:
        plan = await _feed_plan(engine, await _reader_id(engine, "heavy"), 5, 0)
    finally:
        monkeypatch.undo()
        queries.feed_sql.cache_clear()

    lines = plan.splitlines()
    merge = next(line for line in lines if "CTE Scan on followed" in line)
    assert "never executed" in merge, plan
    at = next(n for n, line in enumerate(lines) if "ix_articles_created_at_id" in line)
    assert "Index Only Scan Backward" in lines[at], plan  # author_id from the index (0017)
    assert lines[at + 1].strip() == "Heap Fetches: 0", plan
    probe = next(line for line in lines if "on follows fw" in line)
    hashed = re.search(r"hashed SubPlan (\d+)", plan)
    assert hashed is not None, plan
    hash_scan = lines[[line.strip() for line in lines].index(f"SubPlan {hashed[1]}") + 1]
    ran = {"probe": "never executed" not in probe, "hash": "never executed" not in hash_scan}
    assert ran == {"probe": probe_cost == 0, "hash": probe_cost != 0}, plan


async def test_a_heavy_readers_filter_spares_the_probes_of_authors_she_does_not_follow(
    api: Conduit, engine: AsyncEngine
) -> None:
    """With her author filter (0018) and no timeline yet (a reader made before 0022, until
    the backfill), a walked row whose author's bit is clear is dropped without a probe: 7
    rows walked for 5 of hers, 5 probes."""
    async with sql_constant(engine, "feed_filter_min", 1):
        authors = [await api.token(f"author{n}") for n in range(4)]
        slugs = [(await api.create_article(authors[n % 4], f"Post {n}"))["slug"] for n in range(24)]
        heavy = await api.token("heavy")
        for n in range(3):
            await api.follow(heavy, f"author{n}")
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM feed_timelines"))
            await conn.execute(text("UPDATE feed_totals SET timeline = false"))
        viewer = await _reader_id(engine, "heavy")
        plan = await _feed_plan(engine, viewer, 5, 0)
        page = await _queries(engine).feed(viewer, Page(limit=5, offset=0))

    expected = [s for n, s in reversed(list(enumerate(slugs))) if n % 4 != 3]
    assert [a.slug for a in page.articles] == expected[:5]
    assert page.count == 18
    lines = plan.splitlines()
    walked = next(line for line in lines if "using ix_articles_created_at_id" in line)
    assert "rows=7 loops=1" in walked, plan
    probes = next(line for line in lines if "on follows fw" in line)
    assert "loops=5)" in probes, plan


@pytest.mark.usefixtures("walk_test")
async def test_a_heavy_readers_feed_walks_and_a_light_readers_merges_to_the_same_order(
    api: Conduit, engine: AsyncEngine
) -> None:
    authors = [await api.token(f"author{n}") for n in range(4)]
    slugs = [(await api.create_article(authors[n % 4], f"Post {n}"))["slug"] for n in range(24)]
    heavy = await api.token("heavy")
    for n in range(3):  # 18 of 24 articles: the first page is a walk of a few rows
        await api.follow(heavy, f"author{n}")
    light = await api.token("light")
    await api.follow(light, "author3")  # 6 of 24: merged from one author's index
    queries = _queries(engine)

    for reader, followed in (("heavy", {0, 1, 2}), ("light", {3})):
        expected = [s for n, s in reversed(list(enumerate(slugs))) if n % 4 in followed]
        viewer = await _reader_id(engine, reader)
        for limit, offset in ((1, 0), (5, 0), (5, 4), (20, 0), (3, 16)):
            page = await queries.feed(viewer, Page(limit=limit, offset=offset))
            assert [a.slug for a in page.articles] == expected[offset : offset + limit]
            assert page.count == len(expected)


async def test_a_feed_whose_authors_wrote_long_ago_falls_back_from_the_walk(
    api: Conduit, engine: AsyncEngine
) -> None:
    """The walk expects the followed authors' articles spread over time; here they are all
    older than everything else, so it stops short and the merge answers."""
    old_authors = [await api.token(f"old{n}") for n in range(5)]
    old = [(await api.create_article(old_authors[n % 5], f"Old {n}"))["slug"] for n in range(30)]
    newcomer = await api.token("newcomer")
    for n in range(30):
        await api.create_article(newcomer, f"New {n}")
    reader = await api.token("reader")
    for n in range(5):
        await api.follow(reader, f"old{n}")

    page = await _queries(engine).feed(await _reader_id(engine, "reader"), Page(limit=2))

    assert [a.slug for a in page.articles] == [old[29], old[28]]
    assert page.count == 30


async def test_search_ranks_only_its_newest_matches_whichever_road(
    api: Conduit, engine: AsyncEngine
) -> None:
    author = await api.token("author")
    await api.create_article(author, "A lone griffin", body="No such creature.")
    for n in range(8):
        body = "dragons " * (n % 3 + 1)  # ranks differ, so order is not just age
        await api.create_article(author, f"Dragons number {n}", body=body)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE articles"))  # "dragons" is common: walked
    queries = _queries(engine, window=4)

    common = await queries.articles(ArticleFilter(q="dragons", limit=20), None)
    rare = await queries.articles(ArticleFilter(q="griffin", limit=20), None)

    assert common.count == 4, "the window caps the candidates and their count"
    assert {a.title for a in common.articles} == {f"Dragons number {n}" for n in (4, 5, 6, 7)}
    ranked = [a.title for a in common.articles]
    # More mentions rank higher; equal ranks list the newer first.
    assert ranked == [f"Dragons number {n}" for n in (5, 7, 4, 6)]
    assert [a.title for a in rare.articles] == ["A lone griffin"]
    assert rare.count == 1


@pytest.fixture
def short_walks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A walk budget of 10 articles, so a story of tens of articles meets its end."""
    monkeypatch.setattr(queries, "SEARCH_WALK_BUDGET", 10)
    queries.search_sql.cache_clear()
    yield
    monkeypatch.undo()
    queries.search_sql.cache_clear()


async def test_search_for_words_common_apart_but_rare_together_falls_back_to_the_index(
    api: Conduit, engine: AsyncEngine, short_walks: None
) -> None:
    author = await api.token("author")
    await api.create_article(author, "Knights and wizards", body="knights wizards")
    for n in range(40):
        word = "knights" if n % 2 else "wizards"
        await api.create_article(author, f"Only {word} {n}", body=word)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE articles"))

    found = await _queries(engine, window=4).articles(
        ArticleFilter(q="knights wizards", limit=20), None
    )

    assert [a.title for a in found.articles] == ["Knights and wizards"]
    assert found.count == 1


async def test_a_common_word_beyond_the_index_budget_ranks_what_the_walk_found(
    api: Conduit, engine: AsyncEngine, short_walks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documented bound: when the index would return more than its budget of matches and
    the newest articles walked hold fewer than the window, those few are the candidates."""
    monkeypatch.setattr(queries, "SEARCH_INDEX_BUDGET", 5)
    author = await api.token("author")
    for n in range(30):
        await api.create_article(author, f"Dragons {n}", body="dragons")
    for n in range(8):
        await api.create_article(author, f"Griffins {n}", body="griffins")
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE articles"))

    found = await _queries(engine, window=4).articles(ArticleFilter(q="dragons", limit=20), None)

    assert [a.title for a in found.articles] == ["Dragons 29", "Dragons 28"]
    assert found.count == 2


async def _search_plan(engine: AsyncEngine, q: str, window: int) -> str:
    sql = queries.search_sql(()).replace("$1", "NULL::bigint").replace("$2", "20")
    sql = sql.replace("$3", "0").replace("$4", f"'{q}'::text").replace("$5", str(window))
    async with engine.connect() as conn:
        rows = await conn.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"))
    return "\n".join(row[0] for row in rows)


async def test_a_word_too_rare_for_the_walks_budget_goes_to_the_index_without_walking(
    api: Conduit, engine: AsyncEngine, short_walks: None
) -> None:
    """One article in four holds the word: a window of 4 needs about 16 walked rows, more
    than the budget of 10. The walk would end short and the index answer anyway, so the
    walk is not taken, however cheap its rows."""
    author = await api.token("author")
    for n in range(40):
        await api.create_article(author, f"Wyvern {n}" if n % 4 == 0 else f"Plain {n}")
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE articles"))

    found = await _queries(engine, window=4).articles(ArticleFilter(q="wyvern", limit=20), None)
    plan = await _search_plan(engine, "wyvern", window=4)

    assert [a.title for a in found.articles] == [f"Wyvern {n}" for n in (36, 32, 28, 24)]
    walk = [line for line in plan.splitlines() if "ix_articles_created_at_id_author_id" in line]
    assert walk and all("never executed" in line for line in walk), plan
