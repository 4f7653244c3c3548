"""article days: backfill (each day's count made exact, in batches, without blocking writes)

Revision 0020's trigger counts every article written since it committed. Each day here
gets a base row (shard -1, which no trigger writes) of

    base = (articles of the day) - (sum of the day's trigger rows)

both read in one statement, so under one snapshot: a write committed before it is in both
terms and cancels out, and a write committed after it is in neither, and its trigger's row
adds it. The day's sum is then its exact count, whatever was written meanwhile, and no row
a writer updates is written here: no lock is taken that a writer waits for. Running it
again recomputes the same bases.

Days go oldest first, about `BATCH` articles a statement, in this revision's transaction:
at a million articles, 200 statements and 0.3-0.5 s in all. The days a batch covers are
those of its articles and those that only have trigger rows (every article of the day
deleted since 0020).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

# The first day on or after :from that has articles or rows of its own.
FIRST_DAY = sa.text(
    """
    SELECT least(
        (SELECT article_day(min(created_at)) FROM articles
         WHERE created_at >= CAST(:from AS date)::timestamp AT TIME ZONE 'UTC'),
        (SELECT min(day) FROM article_days WHERE day >= CAST(:from AS date)))
    """
)
# The day of the article BATCH articles on from the first day's start (or the first day).
LAST_DAY = sa.text(
    """
    SELECT COALESCE((
        SELECT article_day(created_at) FROM articles
        WHERE created_at >= CAST(:first AS date)::timestamp AT TIME ZONE 'UTC'
        ORDER BY created_at OFFSET :size LIMIT 1), CAST(:first AS date))
    """
)
COUNT_DAYS = sa.text(
    """
    WITH counted AS (
        SELECT article_day(created_at) AS day, count(*) AS n FROM articles
        WHERE created_at >= CAST(:first AS date)::timestamp AT TIME ZONE 'UTC'
          AND created_at < (CAST(:last AS date) + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1),
    kept AS (
        SELECT day, COALESCE(sum(articles) FILTER (WHERE shard >= 0), 0) AS n
        FROM article_days WHERE day BETWEEN CAST(:first AS date) AND CAST(:last AS date)
        GROUP BY day)
    INSERT INTO article_days (day, shard, articles)
    SELECT day, -1, COALESCE(c.n, 0) - COALESCE(k.n, 0)
    FROM counted c FULL JOIN kept k USING (day)
    ON CONFLICT (day, shard) DO UPDATE SET articles = EXCLUDED.articles
    """
)


def upgrade() -> None:
    connection = op.get_bind()
    start = date.min
    while (first := connection.execute(FIRST_DAY, {"from": start}).scalar()) is not None:
        last: date = connection.execute(LAST_DAY, {"first": first, "size": BATCH}).scalar_one()
        connection.execute(COUNT_DAYS, {"first": first, "last": last})
        start = last + timedelta(days=1)


def downgrade() -> None:
    op.execute("DELETE FROM article_days WHERE shard = -1")
