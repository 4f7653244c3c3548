"""Choosing a free slug reads an index, not the whole table, even in a generic plan."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.article_repository import _TAKEN_SLUGS
from tests.support import truncate_all


async def test_the_taken_slugs_query_uses_the_prefix_index(engine: AsyncEngine) -> None:
    await truncate_all(engine)
    # The repository's own statement as the asyncpg dialect sends it: $1 base, $2 '-', $3 '.'.
    sql = str(_TAKEN_SLUGS.compile(dialect=engine.dialect))
    async with engine.connect() as conn:
        await conn.execute(text("SET enable_seqscan = off"))
        await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        await conn.exec_driver_sql(f"PREPARE taken_slugs AS {sql}")
        rows = await conn.exec_driver_sql("EXPLAIN EXECUTE taken_slugs('dragons', '-', '.')")
        plan = "\n".join(row[0] for row in rows)
        await conn.exec_driver_sql("DEALLOCATE taken_slugs")
    assert "ix_articles_slug_pattern" in plan, plan
    assert "Seq Scan" not in plan, plan
