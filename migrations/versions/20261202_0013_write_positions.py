"""write_positions: where in the WAL each user's last write ended, for read-your-writes

With read replicas (DATABASE_REPLICA_URLS), a user's reads go to a replica only once it has
replayed the WAL up to that user's last write. Every app instance must see the position
another instance recorded, so it lives on the primary, in a table.

UNLOGGED: a position is needed only while replicas may lag behind it (seconds), so it is
not worth WAL, an fsync or a standby's acknowledgement per write. The cost: a crash or a
failover empties the table. The app covers that by a fence (adapters/postgres/
read_routing.py): after it sees the primary restart or change, no replica serves reads
until it has replayed the new primary's position at that moment.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE IF NOT EXISTS write_positions (
            user_id bigint NOT NULL,
            lsn bigint NOT NULL,
            written_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_write_positions PRIMARY KEY (user_id)
        )"""
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS write_positions")
