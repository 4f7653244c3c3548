"""articles and users leave room on each page for their counters' updates (fillfactor)

Every favorite updates its article's `favorites_count`, and every write updates a user's
counters (0008). PostgreSQL keeps such an update on the row's own page, touching no index
(a HOT update), only when the page has room for the new version. Filled to 100%, a page
has none: the new version goes to another page and gets new entries in every index of the
table, seven for articles, the full-text GIN index among them.

A full table also leaves slivers of free space on most pages, and the free space map
sends new rows into them. At a million articles each insert then lands on a different old
page, and after every checkpoint the first change to a page writes the whole page into
the WAL: the articles heap was 2,982 of the 3,283 full-page images in 12 s of write_mix
just after a checkpoint. With room reserved, inserts go to the table's end.

80% for articles: a version of a typical row (about 1 KB on disk) fits in the reserve.
90% for users, whose rows are about 200 bytes.

Only pages written from now on keep the room; existing pages get it when the table is
rewritten (pg_repack, or VACUUM FULL in a maintenance window). Changing a storage
parameter takes a SHARE UPDATE EXCLUSIVE lock, which does not block reads or writes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = {"articles": 80, "users": 90}


def upgrade() -> None:
    for table, percent in FILLFACTOR.items():
        op.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")


def downgrade() -> None:
    for table in FILLFACTOR:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
