"""Readiness: can the database answer a trivial query in time?"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine


class SqlAlchemyDatabaseProbe:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: asyncio.Task[bool] | None = None

    async def ready(self, within_seconds: float) -> bool:
        """Whether SELECT 1 answered in time; returns by then, whatever the database does.

        The query runs in a task of its own: at the deadline the answer is False at once,
        and the task is cancelled and left to clean up (a rollback on a frozen server waits
        for as long as the freeze). Until it has, later probes answer False straight away
        rather than pile up connections behind it.
        """
        if self._pending is not None and not self._pending.done():
            return False
        self._pending = probe = asyncio.ensure_future(self._select_one())
        done, _ = await asyncio.wait((probe,), timeout=within_seconds)
        if not done:
            probe.cancel()
            return False
        return probe.result()

    async def _select_one(self) -> bool:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (OSError, SQLAlchemyError):
            return False
        return True
