"""counters: contract (every counter counted, every copied date filled: NOT NULL)

Deploy this once `db backfill-counters` has run. Whatever it has not done yet is done here
first, with the same statements and locks (in this revision's transaction), so the revision
cannot fail for want of a backfill (it only takes longer, and holds the locks of what it
counts until it commits). Then each column becomes NOT NULL the way
revision 0005 did it (a CHECK added NOT VALID, validated under a lock that lets reads and
writes through, then SET NOT NULL, which trusts the check instead of scanning). The old
`article_tags (tag_id)` index goes: the index of revision 0009 starts with tag_id too.

The SQL is written out here rather than imported from the backfill module: a revision is a
snapshot of the schema it migrates, and must not change when the application does.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

NOT_NULL = {
    "users": ("articles_count", "favorites_count"),
    "tags": ("articles_count",),
    "article_totals": ("articles",),
    "article_tags": ("article_created_at",),
    "favorites": ("article_created_at",),
}

DATES = sa.text(
    """
    WITH batch AS (SELECT id, created_at FROM articles WHERE id > :after ORDER BY id LIMIT :size),
    tagged AS (
        UPDATE article_tags t SET article_created_at = b.created_at FROM batch b
        WHERE t.article_id = b.id AND t.article_created_at IS NULL),
    favorited AS (
        UPDATE favorites f SET article_created_at = b.created_at FROM batch b
        WHERE f.article_id = b.id AND f.article_created_at IS NULL)
    SELECT max(id) FROM batch
    """
)
# Lock the counter rows first, then count in a later statement (a fresh snapshot): a
# writer's trigger either committed before the lock (and is counted) or waits for it (and
# adds its one to the exact figure).
LOCK_USERS = sa.text(
    "SELECT id FROM users WHERE id > :after"
    " AND (articles_count IS NULL OR favorites_count IS NULL)"
    " ORDER BY id LIMIT :size FOR UPDATE"
)
COUNT_USERS = sa.text(
    """
    UPDATE users u SET
        articles_count = (SELECT count(*) FROM articles a WHERE a.author_id = u.id),
        favorites_count = (SELECT count(*) FROM favorites f WHERE f.user_id = u.id)
    WHERE u.id = ANY(:ids)
    """
)
LOCK_TAGS = sa.text(
    "SELECT id FROM tags WHERE id > :after AND articles_count IS NULL"
    " ORDER BY id LIMIT :size FOR UPDATE"
)
COUNT_TAGS = sa.text(
    "UPDATE tags t SET articles_count ="
    " (SELECT count(*) FROM article_tags at WHERE at.tag_id = t.id) WHERE t.id = ANY(:ids)"
)
LOCK_TOTALS = sa.text(
    "SELECT shard FROM article_totals WHERE EXISTS"
    " (SELECT FROM article_totals WHERE articles IS NULL) FOR UPDATE"
)
COUNT_TOTALS = sa.text(
    "UPDATE article_totals SET articles ="
    " CASE WHEN shard = 0 THEN (SELECT count(*) FROM articles) ELSE 0 END"
)


def upgrade() -> None:
    # In the revision's transaction: the row locks taken below hold until it commits.
    connection = op.get_bind()
    after = 0
    while (last := connection.execute(DATES, {"after": after, "size": BATCH}).scalar()) is not None:
        after = last
    for lock, count in ((LOCK_USERS, COUNT_USERS), (LOCK_TAGS, COUNT_TAGS)):
        after = 0
        while ids := connection.execute(lock, {"after": after, "size": BATCH}).scalars().all():
            connection.execute(count, {"ids": list(ids)})
            after = max(ids)
    if connection.execute(LOCK_TOTALS).first() is not None:
        connection.execute(COUNT_TOTALS)
    with op.get_context().autocommit_block():
        for table, columns in NOT_NULL.items():
            for column in columns:
                check = f"ck_{table}_{column}_not_null"
                op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {check}")
                op.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {check}"
                    f" CHECK ({column} IS NOT NULL) NOT VALID"
                )
                op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}")
                op.alter_column(table, column, nullable=False)
                op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {check}")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_article_tags_tag_id")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_article_tags_tag_id"
            " ON article_tags (tag_id)"
        )
        for table, columns in NOT_NULL.items():
            for column in columns:
                op.alter_column(table, column, nullable=True)
