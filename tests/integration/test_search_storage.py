"""A typical article's search vector stays in its row (migration 0019), so a search's walk
tests and ranks it without a TOAST lookup; the body, which no list or search reads, is what
leaves the row when it is too wide."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.cli.seed_plan import SeedOptions, plan
from tests.api.support import Conduit

ARTICLES = 6
"""Bodies of 1-2 KB of the demo seed's prose: rows over the 2 KB TOAST threshold."""


async def _toasted_bytes(engine: AsyncEngine) -> int:
    """What the articles' TOAST table holds: every value moved out of a row, whole."""
    async with engine.connect() as conn:
        toast = await conn.scalar(
            text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'articles'")
        )
        total = await conn.scalar(
            text(f"SELECT COALESCE(sum(octet_length(chunk_data)), 0) FROM {toast}")
        )
    return int(total)


async def test_a_typical_articles_search_vector_stays_in_its_row(
    api: Conduit, engine: AsyncEngine
) -> None:
    author = await api.token("author")
    seeded = plan(SeedOptions(users=1, articles=ARTICLES, comments=0, follows_per_user=0))
    moved_out: list[tuple[int, int, int]] = []
    for n, planned in enumerate(seeded.articles):
        before = await _toasted_bytes(engine)
        article = await api.create_article(author, f"Stored {n}", body=planned.body)
        async with engine.connect() as conn:
            body, vector = (
                await conn.execute(
                    text(
                        "SELECT pg_column_size(body), pg_column_size(search)"
                        " FROM articles WHERE slug = :slug"
                    ),
                    {"slug": article["slug"]},
                )
            ).one()
        moved_out.append((await _toasted_bytes(engine) - before, body, vector))

    # The rows were wide enough for the toaster to move something out...
    assert any(moved for moved, _, _ in moved_out), moved_out
    # ...and what it moved was the body, never the vector.
    assert all(moved in (0, body) for moved, body, _ in moved_out), moved_out
    assert all(vector > 1000 for _, _, vector in moved_out), moved_out
