"""counters: list indexes in the lists' order, built CONCURRENTLY

A tag's page and a user's favorites page are read from one index each, in the order the
list shows (newest article first), so a page costs O(page + log N) however many articles
carry the tag: `article_tags (tag_id, article_created_at DESC, article_id DESC)` and
`favorites (user_id, article_created_at DESC, article_id DESC)`. Before them, the most used
tag of a million articles sorted 100,000 rows per page (747 ms).

Built CONCURRENTLY (outside a transaction) so writes go on during the build; a failed
build leaves an INVALID index that a second run drops and rebuilds.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_article_tags_tag_id_article_created_at": ("article_tags", "tag_id"),
    "ix_favorites_user_id_article_created_at": ("favorites", "user_id"),
}


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, (table, owner) in INDEXES.items():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.create_index(
                name,
                table,
                [owner, sa.text("article_created_at DESC"), sa.text("article_id DESC")],
                postgresql_concurrently=True,
            )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, (table, _) in INDEXES.items():
            op.drop_index(name, table_name=table, postgresql_concurrently=True)
