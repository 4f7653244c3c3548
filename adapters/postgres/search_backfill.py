"""Fill articles.search for the rows written before the expand revision (0003).

`python -m entrypoints.cli db backfill-search [--batch-size N]`: bounded batches in id
order, each its own short transaction, so live traffic is never blocked for long and an
interrupted run loses at most the batch in flight. Only rows still NULL are touched, so
running it again resumes where it stopped and never rewrites a row twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

DEFAULT_BATCH_SIZE = 1000
LOCK_TIMEOUT = "5s"
"""A batch that meets a row locked this long fails; run the command again to resume."""

_HAS_COLUMN = text(
    "SELECT EXISTS (SELECT FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = 'articles'"
    " AND column_name = 'search')"
)
_PENDING = text("SELECT count(*) FROM articles WHERE search IS NULL")
_BATCH = text(
    """
    UPDATE articles SET search = articles_search_vector(title, description, body)
    WHERE id IN (
        SELECT id FROM articles WHERE id > :after AND search IS NULL ORDER BY id LIMIT :size
    )
    RETURNING id
    """
)


class SearchColumnMissing(RuntimeError):
    """The database is older than revision 0003: migrate first."""


@dataclass(frozen=True, slots=True)
class Backfilled:
    updated: int
    batches: int


async def pending(engine: AsyncEngine) -> int:
    """Articles whose search vector is still missing."""
    async with engine.connect() as conn:
        if not (await conn.execute(_HAS_COLUMN)).scalar_one():
            raise SearchColumnMissing(
                "articles.search does not exist yet: run `make migrate` (revision 0003) first"
            )
        return int((await conn.execute(_PENDING)).scalar_one())


async def backfill(
    engine: AsyncEngine,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> Backfilled:
    """Fill every NULL search vector; `on_batch(rows)` runs after each committed batch."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    after, updated, batches = 0, 0, 0
    while True:
        async with engine.begin() as conn:
            await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            ids = (await conn.execute(_BATCH, {"after": after, "size": batch_size})).scalars()
            done = list(ids)
        if not done:
            return Backfilled(updated=updated, batches=batches)
        after, updated, batches = max(done), updated + len(done), batches + 1
        if on_batch is not None:
            on_batch(len(done))
