"""Readiness of the in-memory store: always ready."""

from __future__ import annotations


class InMemoryDatabaseProbe:
    async def ready(self, within_seconds: float) -> bool:
        return True
