"""users: usernames and emails unique without regard to case

`A@EX.COM` could register next to `a@ex.com`, and `PA18E1E6` next to `pa18e1e6`. Two unique
indexes on lower(... COLLATE "C") (ASCII letters folded, the same on every server) make
each identity unique whatever its case; logins then find an email in any case. The exact
unique constraint on email goes (every email comparison is now without case); the one on
username stays, since profiles and filters look usernames up as written.

Existing rows that differ only by case would make the index build fail on the first pair,
or leave the choice of which account wins to whoever reads the error. So the upgrade first
lists every such group and refuses, changing nothing: an operator decides, renames or merges
those accounts, and runs it again. The indexes are built CONCURRENTLY (writes go on); a
build that fails (a new duplicate raced in, a lock timeout) leaves an INVALID index, which
running the upgrade again drops and rebuilds.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"uq_users_username_lower": "username", "uq_users_email_lower": "email"}
SHOWN_GROUPS = 50

_DUPLICATES = """
SELECT field, key, count(*) OVER () AS groups, holders FROM (
    SELECT 'username' AS field, lower(username COLLATE "C") AS key,
           string_agg(format('%s (id %s)', username, id), ', ' ORDER BY id) AS holders
    FROM users GROUP BY 2 HAVING count(*) > 1
    UNION ALL
    SELECT 'email', lower(email COLLATE "C"),
           string_agg(format('%s (id %s)', email, id), ', ' ORDER BY id)
    FROM users GROUP BY 2 HAVING count(*) > 1
) duplicates
ORDER BY field DESC, key
LIMIT :shown"""


class CaseDuplicates(RuntimeError):
    """Accounts whose usernames or emails differ only by case: a person has to choose."""


def upgrade() -> None:
    rows = op.get_bind().execute(sa.text(_DUPLICATES), {"shown": SHOWN_GROUPS}).all()
    if rows:
        raise CaseDuplicates(_report(rows))
    with op.get_context().autocommit_block():
        for name, column in INDEXES.items():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(
                f'CREATE UNIQUE INDEX CONCURRENTLY {name} ON users (lower({column} COLLATE "C"))'
            )
    op.drop_constraint("uq_users_email", "users", type_="unique")


def downgrade() -> None:
    op.create_unique_constraint("uq_users_email", "users", ["email"])
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name="users", postgresql_concurrently=True)


def _report(rows: Sequence[Any]) -> str:
    lines = [f"  {field} {key}: {holders}" for field, key, _, holders in rows]
    groups = rows[0].groups
    if groups > len(rows):
        lines.append(f"  ... and {groups - len(rows)} more")
    return (
        "migration 0011 changed nothing: usernames and emails become unique without regard "
        "to case, and these accounts differ only by case. Decide which account keeps each "
        "value, change or merge the others, then run the migration again.\n" + "\n".join(lines)
    )
