"""articles search: a GIN index, built CONCURRENTLY

CREATE INDEX would hold a SHARE lock for the whole build and stop every write to articles.
CONCURRENTLY lets reads and writes go on, but cannot run inside a transaction, so this
revision runs in an autocommit block and holds nothing else. If the build fails (say
lock_timeout while it waits for old transactions), PostgreSQL leaves an INVALID index
behind; running the upgrade again drops it and builds afresh.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_articles_search")
        op.create_index(
            "ix_articles_search",
            "articles",
            ["search"],
            postgresql_using="gin",
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_articles_search", table_name="articles", postgresql_concurrently=True)
