"""drill_rehearsal: REHEARSAL ONLY, run by `make drill` (tests/drill), never by a deploy.

A rehearsal of the expand / backfill / contract procedure on a cluster under load: upgrade
adds a nullable column (`articles.drill_rehearsal`, no default: a catalog change, instant
once its lock is granted), the drill backfills it in batches of 1,000 rows, each its own
transaction, then downgrades (contract) so the schema ends at the app's head again. It lives
outside migrations/versions, so `make migrate` and the app never see it; the drill adds this
folder to Alembic's version_locations.

Revision ID: drill_rehearsal
Revises: the app's head, read from migrations/versions when this file is loaded
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

_APP_MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

revision: str = "drill_rehearsal"
# On top of whatever the app's newest revision is, so it never needs editing.
down_revision: str | Sequence[str] | None = ScriptDirectory(str(_APP_MIGRATIONS)).get_current_head()
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("drill_rehearsal", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "drill_rehearsal")
