"""articles search: expand (a nullable tsvector column, kept current by a trigger)

Expand step of full-text search (see README, "Schema changes"). Adding a nullable column
without a default only touches the catalog, so the ACCESS EXCLUSIVE lock it needs is held
for milliseconds (and lock_timeout in env.py stops it from queueing behind a long reader).
A `GENERATED ALWAYS AS (...) STORED` column would rewrite the whole table under that lock.

The trigger, not the application, writes the column: replicas still running the previous
release keep inserting and editing articles during the rollout, and their rows must be
searchable too. Rows older than this revision stay NULL until
`python -m entrypoints.cli db backfill-search` (or revision 0005) fills them.

The functions are the single definition of what is searchable; the in-memory adapter
(adapters/memory/search.py) mimics them. ASCII punctuation becomes a space before the
`simple` parser runs, so e-mail addresses, URLs and decimals split into plain words.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = r"""
CREATE FUNCTION articles_search_text(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT regexp_replace(value, '[^a-zA-Z0-9\u0080-\U0010ffff]+', ' ', 'g') $$
"""

VECTOR = """
CREATE FUNCTION articles_search_vector(title text, description text, body text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT
    setweight(to_tsvector('simple', articles_search_text(coalesce(title, ''))), 'A')
    || setweight(to_tsvector('simple', articles_search_text(coalesce(description, ''))), 'B')
    || setweight(to_tsvector('simple', articles_search_text(coalesce(body, ''))), 'C')
$$
"""

QUERY = """
CREATE FUNCTION articles_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT plainto_tsquery('simple', articles_search_text(q)) $$
"""

REFRESH = """
CREATE FUNCTION articles_search_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search := articles_search_vector(NEW.title, NEW.description, NEW.body);
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    for function in (TEXT, VECTOR, QUERY, REFRESH):
        op.execute(function)
    op.execute("ALTER TABLE articles ADD COLUMN search tsvector")
    op.execute(
        "CREATE TRIGGER articles_search_refresh"
        " BEFORE INSERT OR UPDATE OF title, description, body ON articles"
        " FOR EACH ROW EXECUTE FUNCTION articles_search_refresh()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER articles_search_refresh ON articles")
    op.execute("ALTER TABLE articles DROP COLUMN search")
    op.execute("DROP FUNCTION articles_search_refresh()")
    op.execute("DROP FUNCTION articles_search_query(text)")
    op.execute("DROP FUNCTION articles_search_vector(text, text, text)")
    op.execute("DROP FUNCTION articles_search_text(text)")
