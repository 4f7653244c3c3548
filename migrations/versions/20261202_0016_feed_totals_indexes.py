"""feed totals: the follows on each side of the cap, indexed apart (CONCURRENTLY)

- `ix_follows_followee_id_in_feed_total (followee_id, follower_id) WHERE in_feed_total`:
  an article's fan-out reads its author's follows kept ahead, in reader order, and a new
  follow counts them up to the cap (revision 0015).
- `ix_follows_follower_id_not_in_feed_total (follower_id, followee_id) WHERE NOT
  in_feed_total`: the feed's total adds the reader's follows of authors past the cap (and,
  until the backfill has run, the follows made before 0015).

Each follow is in exactly one of them. Built CONCURRENTLY (outside a transaction) so
writes go on during the build; a failed build leaves an INVALID index that a second run
drops and rebuilds.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_follows_followee_id_in_feed_total": (["followee_id", "follower_id"], "in_feed_total"),
    "ix_follows_follower_id_not_in_feed_total": (
        ["follower_id", "followee_id"],
        "NOT in_feed_total",
    ),
}


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, (columns, where) in INDEXES.items():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.create_index(
                name,
                "follows",
                columns,
                postgresql_where=sa.text(where),
                postgresql_concurrently=True,
            )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name="follows", postgresql_concurrently=True)
