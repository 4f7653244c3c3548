"""counters: expand (counts kept by triggers, article dates copied to the link tables)

Counting rows at a million articles costs 100+ ms per page; every count the API shows is
kept instead, in the transaction that changes what it counts:

- `article_totals`: the number of articles, in 16 shards (a row per shard, chosen by the
  writer's backend pid) so concurrent writers do not queue on one row lock; a read sums
  16 rows.
- `users.articles_count` (articles written), `users.favorites_count` (articles favorited),
  `tags.articles_count` (articles carrying the tag; a tag with 0 is not in use).
- `article_tags.article_created_at` and `favorites.article_created_at`: the article's
  creation time (never changes), so a tag's or a user's favorites page is read from one
  index in the list's order (revision 0009) instead of sorting every match.

Triggers, not the repository, keep them: a release that knows nothing of the counters
(still running during the rollout), a cascade or a manual delete counts too.

Expand only: the columns are added nullable without defaults (catalog changes, no
rewrite). NULL means "not counted yet": a trigger's `NULL + 1` stays NULL, so the backfill
(`db backfill-counters`, or revision 0010) can tell what it still has to do and set the
exact figure, under the row lock the triggers take, so no write is counted twice or
missed. Rows created from now on start at 0 (the defaults below only apply to new rows).
TRUNCATE, which fires no row triggers, resets the counts of what it empties.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 16

ARTICLE_COUNTERS = """
CREATE FUNCTION article_counters_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET articles_count = articles_count + 1 WHERE id = NEW.author_id;
        UPDATE article_totals SET articles = articles + 1
        WHERE shard = pg_backend_pid() % SHARDS;
    ELSE
        UPDATE users SET articles_count = articles_count - 1 WHERE id = OLD.author_id;
        UPDATE article_totals SET articles = articles - 1
        WHERE shard = pg_backend_pid() % SHARDS;
    END IF;
    RETURN NULL;
END
$$
""".replace("SHARDS", str(SHARDS))

TAG_COUNTERS = """
CREATE FUNCTION tag_counters_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tags SET articles_count = articles_count + 1 WHERE id = NEW.tag_id;
    ELSE
        UPDATE tags SET articles_count = articles_count - 1 WHERE id = OLD.tag_id;
    END IF;
    RETURN NULL;
END
$$
"""

FAVORITE_COUNTERS = """
CREATE FUNCTION user_favorites_count_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET favorites_count = favorites_count + 1 WHERE id = NEW.user_id;
    ELSE
        UPDATE users SET favorites_count = favorites_count - 1 WHERE id = OLD.user_id;
    END IF;
    RETURN NULL;
END
$$
"""

ARTICLE_DATE = """
CREATE FUNCTION article_created_at_copy() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.article_created_at := (SELECT created_at FROM articles WHERE id = NEW.article_id);
    RETURN NEW;
END
$$
"""

# TRUNCATE fires no row triggers: a truncated table's counts are reset by a statement one.
TRUNCATED = """
CREATE FUNCTION counters_truncated() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_TABLE_NAME = 'articles' THEN
        UPDATE article_totals SET articles = 0;
        UPDATE users SET articles_count = 0 WHERE articles_count IS DISTINCT FROM 0;
    ELSIF TG_TABLE_NAME = 'article_tags' THEN
        UPDATE tags SET articles_count = 0 WHERE articles_count IS DISTINCT FROM 0;
    ELSIF TG_TABLE_NAME = 'favorites' THEN
        UPDATE users SET favorites_count = 0 WHERE favorites_count IS DISTINCT FROM 0;
        UPDATE articles SET favorites_count = 0 WHERE favorites_count <> 0;
    END IF;
    RETURN NULL;
END
$$
"""
TRUNCATED_TABLES = ("articles", "article_tags", "favorites")


def upgrade() -> None:
    op.execute(
        "CREATE TABLE article_totals ("
        " shard smallint CONSTRAINT pk_article_totals PRIMARY KEY,"
        " articles bigint)"
    )
    op.execute(f"INSERT INTO article_totals (shard) SELECT generate_series(0, {SHARDS - 1})")
    op.execute(
        "ALTER TABLE users ADD COLUMN articles_count integer, ADD COLUMN favorites_count integer"
    )
    op.execute(
        "ALTER TABLE users ALTER COLUMN articles_count SET DEFAULT 0,"
        " ALTER COLUMN favorites_count SET DEFAULT 0"
    )
    op.execute("ALTER TABLE tags ADD COLUMN articles_count integer")
    op.execute("ALTER TABLE tags ALTER COLUMN articles_count SET DEFAULT 0")
    op.execute("ALTER TABLE article_tags ADD COLUMN article_created_at timestamptz")
    op.execute("ALTER TABLE favorites ADD COLUMN article_created_at timestamptz")
    for function in (ARTICLE_COUNTERS, TAG_COUNTERS, FAVORITE_COUNTERS, ARTICLE_DATE, TRUNCATED):
        op.execute(function)
    for table in TRUNCATED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_counters_truncated AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION counters_truncated()"
        )
    op.execute(
        "CREATE TRIGGER article_counters_refresh AFTER INSERT OR DELETE ON articles"
        " FOR EACH ROW EXECUTE FUNCTION article_counters_refresh()"
    )
    op.execute(
        "CREATE TRIGGER tag_counters_refresh AFTER INSERT OR DELETE ON article_tags"
        " FOR EACH ROW EXECUTE FUNCTION tag_counters_refresh()"
    )
    op.execute(
        "CREATE TRIGGER user_favorites_count_refresh AFTER INSERT OR DELETE ON favorites"
        " FOR EACH ROW EXECUTE FUNCTION user_favorites_count_refresh()"
    )
    for table in ("article_tags", "favorites"):
        op.execute(
            f"CREATE TRIGGER {table}_article_created_at BEFORE INSERT ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION article_created_at_copy()"
        )


def downgrade() -> None:
    for table in TRUNCATED_TABLES:
        op.execute(f"DROP TRIGGER {table}_counters_truncated ON {table}")
    op.execute("DROP FUNCTION counters_truncated()")
    for table in ("article_tags", "favorites"):
        op.execute(f"DROP TRIGGER {table}_article_created_at ON {table}")
    op.execute("DROP TRIGGER user_favorites_count_refresh ON favorites")
    op.execute("DROP TRIGGER tag_counters_refresh ON article_tags")
    op.execute("DROP TRIGGER article_counters_refresh ON articles")
    op.execute("DROP FUNCTION article_created_at_copy()")
    op.execute("DROP FUNCTION user_favorites_count_refresh()")
    op.execute("DROP FUNCTION tag_counters_refresh()")
    op.execute("DROP FUNCTION article_counters_refresh()")
    op.execute("ALTER TABLE favorites DROP COLUMN article_created_at")
    op.execute("ALTER TABLE article_tags DROP COLUMN article_created_at")
    op.execute("ALTER TABLE tags DROP COLUMN articles_count")
    op.execute("ALTER TABLE users DROP COLUMN favorites_count, DROP COLUMN articles_count")
    op.execute("DROP TABLE article_totals")
