"""counters: added at commit (deferred constraint triggers), not at the statement

Measured under write_mix at a million articles, most waiting writers waited on a row lock
of a counter (`Lock:transactionid` on `article_totals` shards and `users` rows): a row
trigger takes the counter's lock when the row is written and keeps it until the whole
transaction commits. As a constraint trigger `DEFERRABLE INITIALLY DEFERRED` the same
function runs at COMMIT, so the lock is held only while the transaction commits. The count
is still written in the transaction that changes what it counts (exact, atomic); only a read
inside that same transaction, which no use case makes, would see it before the commit.

Each trigger is dropped and created again in this revision's transaction, under the lock
CREATE TRIGGER takes on its table: no write falls between the two.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {  # trigger (and its function): table
    "article_counters_refresh": "articles",
    "tag_counters_refresh": "article_tags",
    "user_favorites_count_refresh": "favorites",
}


def upgrade() -> None:
    for trigger, table in TRIGGERS.items():
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT OR DELETE ON {table}"
            f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {trigger}()"
        )


def downgrade() -> None:
    for trigger, table in TRIGGERS.items():
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER INSERT OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {trigger}()"
        )
