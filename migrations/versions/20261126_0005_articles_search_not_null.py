"""articles search: contract (every row has a vector: NOT NULL)

Deploy this once `db backfill-search` has filled the rows older than revision 0003. Any
row still NULL is filled here first, in the same bounded batches, so the revision cannot
fail for want of a backfill (it only takes longer).

`SET NOT NULL` on its own scans the table under an ACCESS EXCLUSIVE lock. Instead: a
CHECK constraint added NOT VALID (catalog only), validated under a lock that lets reads
and writes continue, which lets SET NOT NULL skip its scan; then the check goes. Each
statement commits on its own (autocommit), so no lock outlives its statement.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

FILL_BATCH = sa.text(
    """
    UPDATE articles SET search = articles_search_vector(title, description, body)
    WHERE id IN (
        SELECT id FROM articles WHERE id > :after AND search IS NULL ORDER BY id LIMIT :size
    )
    RETURNING id
    """
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        _fill_remaining_rows()
        op.execute("ALTER TABLE articles DROP CONSTRAINT IF EXISTS ck_articles_search_not_null")
        op.execute(
            "ALTER TABLE articles ADD CONSTRAINT ck_articles_search_not_null"
            " CHECK (search IS NOT NULL) NOT VALID"
        )
        op.execute("ALTER TABLE articles VALIDATE CONSTRAINT ck_articles_search_not_null")
        op.alter_column("articles", "search", nullable=False)
        op.execute("ALTER TABLE articles DROP CONSTRAINT ck_articles_search_not_null")


def _fill_remaining_rows() -> None:
    """Keyset batches (by id), each its own transaction; the trigger fills new rows."""
    connection = op.get_bind()
    after = 0
    while ids := connection.execute(FILL_BATCH, {"after": after, "size": BATCH}).scalars().all():
        after = max(ids)


def downgrade() -> None:
    op.alter_column("articles", "search", nullable=True)
