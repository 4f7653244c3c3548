"""Read-your-writes across app instances: where each user's last write ended in the WAL.

After a unit of work commits on the primary, the position of the primary's WAL is recorded
for the user acting in this request (`ActorScope`), in the primary's `write_positions`
(migration 0013). Before a read for that user, any instance looks the position up and
reads from a replica only if the replica has replayed that far (read_routing.py). This is
how large Rails and GitLab deployments do it; they keep the position in Redis, we keep it
in the one store every instance already shares.

Cost, with replicas only (nothing here runs without them): one statement after each write
(an UNLOGGED upsert: no WAL, no fsync) and one primary-key lookup before each
authenticated read.
"""

from __future__ import annotations

from contextvars import ContextVar

from adapters.sqlalchemy.engine import DriverReader
from domain.model import UserId

_actor: ContextVar[UserId | None] = ContextVar("conduit_actor", default=None)

LSN = "(pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
"""The primary's WAL write position as a number: past the end of every committed write."""

RECORD_SQL = f"""
INSERT INTO write_positions AS w (user_id, lsn) VALUES ($1, {LSN})
ON CONFLICT (user_id) DO UPDATE SET lsn = GREATEST(w.lsn, excluded.lsn), written_at = now()"""  # noqa: S608 - constants only

LOOKUP_SQL = "SELECT lsn FROM write_positions WHERE user_id = $1"

PRUNE_SQL = "DELETE FROM write_positions WHERE written_at < now() - make_interval(secs => $1)"


class ActorScope:
    """Who is acting in the current request (a context variable): bound by the HTTP layer
    once the token is verified, read by the storage to know whose writes and reads these
    are. Use cases never see it."""

    def bind(self, user_id: UserId | None) -> None:
        _actor.set(user_id)

    def current(self) -> UserId | None:
        return _actor.get()


class WritePositions:
    """Records and looks up, on the primary, the WAL position of each user's last write."""

    def __init__(self, primary: DriverReader, actor: ActorScope) -> None:
        self._primary = primary
        self._actor = actor

    async def record(self) -> None:
        """After a commit: the position now is past the end of what the actor just wrote."""
        user_id = self._actor.current()
        if user_id is not None:
            await self._primary.execute(RECORD_SQL, user_id)

    async def required(self) -> int:
        """How far a replica must have replayed to serve the acting user (0: any)."""
        user_id = self._actor.current()
        if user_id is None:
            return 0
        row = await self._primary.fetchrow(LOOKUP_SQL, user_id)
        return 0 if row is None else int(row["lsn"])

    async def prune(self, older_than_seconds: float) -> None:
        """Positions every healthy replica has long replayed (a replica lagging that far
        is out of rotation) are forgotten, so the table stays as small as the active set."""
        await self._primary.execute(PRUNE_SQL, older_than_seconds)
