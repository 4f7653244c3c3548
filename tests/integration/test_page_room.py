"""A favorite updates its article's and its reader's counters on their own pages (HOT):
the room that migration 0014 reserves on each page, and 0015 on `feed_totals`, which every
article's fan-out updates. Without it, a full page sends the new row version to another
page, with new entries in every index of the table."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.support import Conduit

READERS = 45
"""More users than a full page of users holds (about 40 at 100%)."""
ARTICLES = 12
"""More articles than a full page holds (7 rows of about 1 KB at 100%)."""

_BLOCKS = {
    "articles": text("SELECT slug, (ctid::text::point)[0]::int FROM articles"),
    "users": text("SELECT username, (ctid::text::point)[0]::int FROM users"),
    "feed_totals": text("SELECT user_id::text, (ctid::text::point)[0]::int FROM feed_totals"),
}
FOLLOWERS = 170
"""More readers than a full page of feed totals holds (about 157 rows at 100%)."""


async def _blocks(engine: AsyncEngine, table: str) -> dict[str, int]:
    async with engine.connect() as conn:
        return {key: block for key, block in await conn.execute(_BLOCKS[table])}


BODY = "The lorem ipsum dolor sit amet. " * 22
"""With its search vector, a row of about 1 KB, as the bulk seed's rows are on disk."""


async def test_favorites_update_their_rows_in_place(api: Conduit, engine: AsyncEngine) -> None:
    users = [await api.register(f"reader{n:02d}") for n in range(READERS)]
    # Registered last, on a later page: the first page sees no update before the favorites.
    author = await api.token("author")
    for n in range(ARTICLES):
        await api.create_article(author, f"Roomy {n}", body=BODY)
    articles, readers = await _blocks(engine, "articles"), await _blocks(engine, "users")
    first_articles = [slug for slug, block in articles.items() if block == 0]
    first_readers = [name for name, block in readers.items() if block == 0]
    # The first page of each table is as full as its fillfactor lets it be.
    assert len(first_articles) >= 5, Counter(articles.values())
    assert len(first_readers) >= 30, Counter(readers.values())
    tokens = {str(user["username"]): str(user["token"]) for user in users}

    for slug, reader in zip(first_articles, first_readers, strict=False):
        await api.favorite(tokens[reader], slug)

    assert await _blocks(engine, "articles") == articles
    assert await _blocks(engine, "users") == readers


async def test_an_articles_fan_out_updates_its_readers_totals_in_place(
    api: Conduit, engine: AsyncEngine
) -> None:
    author = await api.token("author")
    for n in range(FOLLOWERS):
        await api.follow(await api.token(f"reader{n:03d}"), "author")
    totals = await _blocks(engine, "feed_totals")
    first = [reader for reader, block in totals.items() if block == 0]
    # 56-byte rows since 0022's flag, and a line pointer each: 4,096 / 60 = 68 on half a page.
    assert len(first) >= 60, Counter(totals.values())

    await api.create_article(author, "Fanned out")

    assert await _blocks(engine, "feed_totals") == totals
