"""article days: expand (the number of articles per UTC day, kept by the article trigger)

A page of every article at `offset` k skipped k entries of the time index: at a million
articles, offset 10,000 cost 0.5 ms more than offset 0, the deepest page's whole cost. With
the articles counted per day, a page starts at the right day instead: the days newer than
it are summed (a few rows per day), and only the articles of that day before the page are
skipped (`adapters/postgres/queries.py`, `list_sql`).

- `article_days (day, shard, articles)`: `day` is the article's `created_at` as a UTC date
  (`article_day()`, the one definition). The article trigger (0008, at commit since 0012)
  adds or subtracts one in shard `pg_backend_pid() % 16`, as it does for `article_totals`:
  concurrent writers of today's articles do not queue on one row. Shard -1 is the base a
  backfill writes (0021, the bulk seed); no trigger writes it. A day's count is the sum of
  its rows.
- TRUNCATE of articles empties it.

Expand only: the trigger counts every write from this revision's commit on; revision 0021
counts what was there before. Until then no reader uses the table. The articles table is
locked against writes (SHARE ROW EXCLUSIVE) while the function is replaced, so no write
commits with the old function after this revision does.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARTICLE_DAY = """
CREATE FUNCTION article_day(created_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (created_at AT TIME ZONE 'UTC')::date
"""

# As revision 0015 left it, plus the day's count. {days} is empty in the downgrade.
ARTICLE_COUNTERS = """
CREATE OR REPLACE FUNCTION article_counters_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET articles_count = articles_count + 1 WHERE id = NEW.author_id;
        UPDATE article_totals SET articles = articles + 1
        WHERE shard = pg_backend_pid() % 16;{days_insert}
        PERFORM feed_totals_fan_out(NEW.author_id, 0, 1);
    ELSE
        UPDATE users SET articles_count = articles_count - 1 WHERE id = OLD.author_id;
        UPDATE article_totals SET articles = articles - 1
        WHERE shard = pg_backend_pid() % 16;{days_delete}
        PERFORM feed_totals_fan_out(OLD.author_id, 0, -1);
    END IF;
    RETURN NULL;
END
$$
"""
DAY_CHANGE = """
        INSERT INTO article_days (day, shard, articles)
        VALUES (article_day({row}.created_at), pg_backend_pid() % 16, {change})
        ON CONFLICT (day, shard) DO UPDATE SET articles = article_days.articles + {change};"""

# As revision 0015 left it, plus emptying the days. {days} is empty in the downgrade.
TRUNCATED = """
CREATE OR REPLACE FUNCTION counters_truncated() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_TABLE_NAME = 'articles' THEN
        UPDATE article_totals SET articles = 0;{days}
        UPDATE users SET articles_count = 0 WHERE articles_count IS DISTINCT FROM 0;
        UPDATE feed_totals SET articles = 0 WHERE articles <> 0;
    ELSIF TG_TABLE_NAME = 'article_tags' THEN
        UPDATE tags SET articles_count = 0 WHERE articles_count IS DISTINCT FROM 0;
    ELSIF TG_TABLE_NAME = 'favorites' THEN
        UPDATE users SET favorites_count = 0 WHERE favorites_count IS DISTINCT FROM 0;
        UPDATE articles SET favorites_count = 0 WHERE favorites_count <> 0;
    ELSIF TG_TABLE_NAME = 'follows' THEN
        DELETE FROM feed_totals;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(ARTICLE_DAY)
    op.execute(
        "CREATE TABLE article_days ("
        " day date NOT NULL, shard smallint NOT NULL, articles bigint NOT NULL,"
        " CONSTRAINT pk_article_days PRIMARY KEY (day, shard))"
        # Today's rows take an update per article written: room for their new versions on
        # their own page (HOT), as 0014 leaves on articles.
        " WITH (fillfactor = 50)"
    )
    op.execute("LOCK TABLE articles IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        ARTICLE_COUNTERS.format(
            days_insert=DAY_CHANGE.format(row="NEW", change="1"),
            days_delete=DAY_CHANGE.format(row="OLD", change="-1"),
        )
    )
    op.execute(TRUNCATED.format(days="\n        DELETE FROM article_days;"))


def downgrade() -> None:
    op.execute(ARTICLE_COUNTERS.format(days_insert="", days_delete=""))
    op.execute(TRUNCATED.format(days=""))
    op.execute("DROP TABLE article_days")
    op.execute("DROP FUNCTION article_day(timestamptz)")
