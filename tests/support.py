"""Helpers every test folder shares: settings for tests, and an empty database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.settings import Settings

TABLES = (
    "users, follows, feed_totals, articles, tags, article_tags, favorites, comments,"
    " write_positions, article_days, feed_timelines, feed_timeline_authors"
)
JWT_SECRET = "test-secret-" + "0123456789abcdef" * 4
"""The apps under test sign with this, so a test can forge what only the secret's holder can."""


def make_settings(**overrides: object) -> Settings:
    """Fast argon2 (the real cost is a production setting, not a behaviour)."""
    values: dict[str, object] = {
        "environment": "test",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "database_url": None,
        "rate_limit_per_minute": 0,
        "jwt_secret": JWT_SECRET,
    }
    values.update(overrides)
    return Settings.model_validate(values)


async def truncate_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
