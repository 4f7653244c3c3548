"""feed totals: expand (a reader's feed total kept ahead, for authors of up to 1,000 followers)

The feed's `articlesCount` is the sum of the followed authors' `articles_count`: a reader
following 5,000 authors looked up 5,000 users rows per page (96% of her feed's cost at a
million articles). A total per reader, kept by triggers, makes that one row, but each new
article would then update a row per follower of its author, without bound. So the total is
kept ahead only for the first followers of each author:

- `follows.in_feed_total`: decided once, when the follow is made (BEFORE INSERT): true
  while its author has fewer than `feed_total_cap()` (1,000) such follows. It never flips
  back but for the author's deletion; an unfollow removes the row.
- `feed_totals (user_id, authors, articles)`: for each reader, how many of her follows are
  `in_feed_total` and the sum of their authors' `articles_count`. The follow adds one and
  the author's count, the unfollow subtracts them, and each article written or deleted
  adds or subtracts one for each of its author's follows `in_feed_total` (at most the cap).
- The feed reads `feed_totals` plus the reader's other follows, those of authors past the
  cap (a partial index, revision 0016): her total, and how many authors she follows (which
  decides how the page is read), without reading every follow.

Races: a follow reads its author's count under `FOR SHARE` of the author's row, and an
article's counter update at commit (0012) takes that row before its fan-out, whose next
statement sees every follow committed before: a follow racing an article counts it once,
in one of the two. Fan-outs lock readers' rows in reader id order (no deadlock between
them). A user's deletion subtracts her articles from her followers' totals and unmarks
their follows before the cascades run, so the cascades subtract nothing twice. TRUNCATE
of `follows` or `articles` resets the totals.

Expand only, and exact at every step: existing follows start `false` (a constant default
is a catalog change, no rewrite), so they are summed at read time as before, until
`db backfill-counters` marks them in batches under their authors' row locks.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAP = """
CREATE FUNCTION feed_total_cap() RETURNS integer
LANGUAGE sql AS $$ SELECT 1000 $$
"""

# How many more follows of an author may be marked: the new follow's trigger and the
# backfill ask the same question. Counts at most the cap's worth (a partial index, 0016).
ROOM = """
CREATE FUNCTION feed_total_room(author bigint) RETURNS integer
LANGUAGE sql AS $$
SELECT feed_total_cap() - count(*)::integer FROM (
    SELECT FROM follows WHERE followee_id = author AND in_feed_total
    LIMIT feed_total_cap()) marked
$$
"""

# The trigger's own statements below follow reader id order: see the module docstring.
FAN_OUT = """
CREATE FUNCTION feed_totals_fan_out(author bigint, authors integer, articles integer)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    reader bigint;
BEGIN
    FOR reader IN
        SELECT follower_id FROM follows WHERE followee_id = author AND in_feed_total
        ORDER BY follower_id
    LOOP
        UPDATE feed_totals t
        SET authors = t.authors + feed_totals_fan_out.authors,
            articles = t.articles + feed_totals_fan_out.articles
        WHERE t.user_id = reader;
    END LOOP;
END
$$
"""

FOLLOW_MARK = """
CREATE FUNCTION follow_in_feed_total_mark() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.in_feed_total := feed_total_room(NEW.followee_id) > 0;
    RETURN NEW;
END
$$
"""

FOLLOW_COUNT = """
CREATE FUNCTION follow_feed_total_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.in_feed_total THEN
            INSERT INTO feed_totals (user_id, authors, articles)
            SELECT NEW.follower_id, 1, articles_count FROM users
            WHERE id = NEW.followee_id FOR SHARE
            ON CONFLICT (user_id) DO UPDATE
            SET authors = feed_totals.authors + 1,
                articles = feed_totals.articles + EXCLUDED.articles;
        END IF;
    ELSIF OLD.in_feed_total THEN
        UPDATE feed_totals SET authors = authors - 1, articles = articles - (
            SELECT articles_count FROM users WHERE id = OLD.followee_id FOR SHARE)
        WHERE user_id = OLD.follower_id;
    END IF;
    RETURN NULL;
END
$$
"""

USER_GONE = """
CREATE FUNCTION user_leaves_feed_totals() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM feed_totals_fan_out(OLD.id, -1, -OLD.articles_count);
    UPDATE follows SET in_feed_total = false WHERE followee_id = OLD.id AND in_feed_total;
    RETURN OLD;
END
$$
"""

ARTICLE_COUNTERS = """
CREATE OR REPLACE FUNCTION article_counters_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET articles_count = articles_count + 1 WHERE id = NEW.author_id;
        UPDATE article_totals SET articles = articles + 1
        WHERE shard = pg_backend_pid() % 16;{fan_out_insert}
    ELSE
        UPDATE users SET articles_count = articles_count - 1 WHERE id = OLD.author_id;
        UPDATE article_totals SET articles = articles - 1
        WHERE shard = pg_backend_pid() % 16;{fan_out_delete}
    END IF;
    RETURN NULL;
END
$$
"""

TRUNCATED = """
CREATE OR REPLACE FUNCTION counters_truncated() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_TABLE_NAME = 'articles' THEN
        UPDATE article_totals SET articles = 0;
        UPDATE users SET articles_count = 0 WHERE articles_count IS DISTINCT FROM 0;{articles}
    ELSIF TG_TABLE_NAME = 'article_tags' THEN
        UPDATE tags SET articles_count = 0 WHERE articles_count IS DISTINCT FROM 0;
    ELSIF TG_TABLE_NAME = 'favorites' THEN
        UPDATE users SET favorites_count = 0 WHERE favorites_count IS DISTINCT FROM 0;
        UPDATE articles SET favorites_count = 0 WHERE favorites_count <> 0;{follows}
    END IF;
    RETURN NULL;
END
$$
"""
TRUNCATED_NOW = TRUNCATED.format(
    articles="\n        UPDATE feed_totals SET articles = 0 WHERE articles <> 0;",
    follows="\n    ELSIF TG_TABLE_NAME = 'follows' THEN\n        DELETE FROM feed_totals;",
)


def upgrade() -> None:
    op.execute("ALTER TABLE follows ADD COLUMN in_feed_total boolean NOT NULL DEFAULT false")
    op.execute(
        "CREATE TABLE feed_totals ("
        " user_id bigint CONSTRAINT pk_feed_totals PRIMARY KEY"
        " CONSTRAINT fk_feed_totals_user_id_users REFERENCES users (id) ON DELETE CASCADE,"
        " authors integer NOT NULL, articles bigint NOT NULL)"
        # Half of each page left for updated versions: every article updates up to 1,000 of
        # these rows, and an update that finds no room on its page moves and indexes anew.
        " WITH (fillfactor = 50)"
    )
    for function in (CAP, ROOM, FAN_OUT, FOLLOW_MARK, FOLLOW_COUNT, USER_GONE, TRUNCATED_NOW):
        op.execute(function)
    op.execute(
        ARTICLE_COUNTERS.format(
            fan_out_insert="\n        PERFORM feed_totals_fan_out(NEW.author_id, 0, 1);",
            fan_out_delete="\n        PERFORM feed_totals_fan_out(OLD.author_id, 0, -1);",
        )
    )
    op.execute(
        "CREATE TRIGGER follows_in_feed_total_mark BEFORE INSERT ON follows"
        " FOR EACH ROW EXECUTE FUNCTION follow_in_feed_total_mark()"
    )
    # Immediate, not at commit (unlike 0012): a deletion of the author later in the same
    # transaction must find the follow already counted.
    op.execute(
        "CREATE TRIGGER follows_feed_total_refresh AFTER INSERT OR DELETE ON follows"
        " FOR EACH ROW EXECUTE FUNCTION follow_feed_total_refresh()"
    )
    op.execute(
        "CREATE TRIGGER users_leave_feed_totals BEFORE DELETE ON users"
        " FOR EACH ROW EXECUTE FUNCTION user_leaves_feed_totals()"
    )
    op.execute(
        "CREATE TRIGGER follows_counters_truncated AFTER TRUNCATE ON follows"
        " FOR EACH STATEMENT EXECUTE FUNCTION counters_truncated()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER follows_counters_truncated ON follows")
    op.execute("DROP TRIGGER users_leave_feed_totals ON users")
    op.execute("DROP TRIGGER follows_feed_total_refresh ON follows")
    op.execute("DROP TRIGGER follows_in_feed_total_mark ON follows")
    op.execute(ARTICLE_COUNTERS.format(fan_out_insert="", fan_out_delete=""))
    op.execute(TRUNCATED.format(articles="", follows=""))
    op.execute("DROP FUNCTION user_leaves_feed_totals()")
    op.execute("DROP FUNCTION follow_feed_total_refresh()")
    op.execute("DROP FUNCTION follow_in_feed_total_mark()")
    op.execute("DROP FUNCTION feed_totals_fan_out(bigint, integer, integer)")
    op.execute("DROP FUNCTION feed_total_room(bigint)")
    op.execute("DROP FUNCTION feed_total_cap()")
    op.execute("DROP TABLE feed_totals")
    op.execute("ALTER TABLE follows DROP COLUMN in_feed_total")
