"""articles: the search vector stays in the row (STORAGE MAIN), the body goes to TOAST

A search over every article walks the newest rows and tests and ranks each one's `search`
vector (`adapters/postgres/queries.py`, `search_sql`). A typical vector is about 1.3 KB
that pglz cannot shrink, and with the default storage (EXTENDED) PostgreSQL moved it out
of the row into the TOAST table whenever the row passed 2 KB: at a million articles, every
walked row then cost a TOAST index lookup and a second heap read, about 4 us of the 5 us a
row cost.

With STORAGE MAIN the toaster moves the other wide columns out first: the body (compressed
inline, or out of line when that is not enough) leaves the row, and the vector stays. Only
a vector too big for the row by itself (an article of several pages) still goes out of
line. The body is read once per article page, never by a list or a search.

Rows take the new storage when they are written: new articles, and edited ones (an edit
recomputes the vector). The rows already stored keep theirs until the table is rewritten
(pg_repack online, or VACUUM FULL in a maintenance window); a live site's newest articles,
the ones a search walks, are soon written under it. Changing a column's storage takes an
ACCESS EXCLUSIVE lock for a catalog update only, no rewrite: milliseconds.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN")


def downgrade() -> None:
    op.execute("ALTER TABLE articles ALTER COLUMN search SET STORAGE EXTENDED")
