"""Readiness: can the database answer a trivial query in time?"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine


class SqlAlchemyDatabaseProbe:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ready(self, within_seconds: float) -> bool:
        try:
            async with asyncio.timeout(within_seconds), self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (TimeoutError, OSError, SQLAlchemyError):
            return False
        return True
