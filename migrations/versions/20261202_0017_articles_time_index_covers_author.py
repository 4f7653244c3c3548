"""articles: the time index carries author_id, so the feed's walk never reads the heap

The heavy reader's feed walks the newest articles in `(created_at, id)` order and keeps
those whose author she follows (`adapters/postgres/queries.py`, `feed_sql`). With the old
index each walked row fetched its heap tuple for `author_id`: at 1M, a walk of 534 rows read
534 heap pages. `INCLUDE (author_id)` answers it from the index (7 buffers for the same
walk). Each entry grows by 8 bytes: at 1M the index went from 31 MB to 39 MB, so a deep
page, which steps over offset entries of it, reads a quarter more index pages.

- `ix_articles_created_at_id_author_id (created_at, id) INCLUDE (author_id)` replaces
  `ix_articles_created_at_id`; every reader of the old index (the front page, deep pages,
  the search walk) reads the new one the same way.
- `autovacuum_vacuum_insert_scale_factor = 0.01` on articles: an index-only scan reads the
  heap for rows on pages not yet marked all-visible, and the walk reads the newest rows
  first, which are exactly those. The default (20% of the table: 200,000 new articles at 1M)
  would leave a busy site's newest articles unmarked for days; 1% vacuums after 10,000
  inserts, and such a vacuum reads only the pages the visibility map does not cover.

Built CONCURRENTLY (outside a transaction) so writes go on during the build; a failed
build leaves an INVALID index that a second run drops and rebuilds. The old index goes only
once the new one is valid.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = "ix_articles_created_at_id_author_id"
OLD = "ix_articles_created_at_id"
INSERT_SCALE = "autovacuum_vacuum_insert_scale_factor"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}")
        op.create_index(
            NEW,
            "articles",
            ["created_at", "id"],
            postgresql_include=["author_id"],
            postgresql_concurrently=True,
        )
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}")
    op.execute(f"ALTER TABLE articles SET ({INSERT_SCALE} = 0.01)")


def downgrade() -> None:
    op.execute(f"ALTER TABLE articles RESET ({INSERT_SCALE})")
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}")
        op.create_index(OLD, "articles", ["created_at", "id"], postgresql_concurrently=True)
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}")
