"""The schema: Alembic driven from Python (migrations/ holds the revisions), and starting
over. The CLI and the tests share these functions."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from sqlalchemy import text

from adapters.sqlalchemy.engine import side_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VERSIONS = PROJECT_ROOT / "migrations" / "versions"


def alembic_config(database_url: str, *, lock_timeout: str | None = None) -> Config:
    """The [tool.alembic] configuration of pyproject.toml, pointed at `database_url`.

    `lock_timeout` overrides how long a migration's DDL may wait for a lock (env.py).
    """
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser interpolation would eat the % of URL-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if lock_timeout is not None:
        config.set_main_option("lock_timeout", lock_timeout)
    return config


def upgrade(database_url: str, revision: str = "head", *, lock_timeout: str | None = None) -> None:
    command.upgrade(alembic_config(database_url, lock_timeout=lock_timeout), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raises when the models and the migrations disagree."""
    command.check(alembic_config(database_url))


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=True)


def history(database_url: str) -> None:
    command.history(alembic_config(database_url), verbose=True)


def next_revision_id(config: Config) -> str:
    """Revisions are numbered 0001, 0002, ...: the file names sort in the order they apply."""
    numbers = [
        int(script.revision)
        for script in ScriptDirectory.from_config(config).walk_revisions()
        if script.revision.isdigit()
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def revision(database_url: str, message: str, *, version_path: Path | None = None) -> Path:
    """Autogenerate `YYYYMMDD_<next id>_<slug>.py` from the models; ruff formats it
    (post-write hooks in [tool.alembic]). `version_path`: elsewhere than migrations/versions.
    Returns the new file."""
    config = alembic_config(database_url)
    if version_path is not None:
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", f"{VERSIONS}{os.pathsep}{version_path}")
    script = command.revision(
        config,
        message=message,
        autogenerate=True,
        rev_id=next_revision_id(config),
        version_path=None if version_path is None else str(version_path),
    )
    assert isinstance(script, Script)
    return Path(script.path)


def reset(database_url: str) -> None:
    """Drop everything in the public schema (tables, data, functions), then migrate to head."""
    asyncio.run(_recreate_public_schema(database_url))
    upgrade(database_url)


_PUBLIC_SCHEMA_OWNER = text(
    "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'"
)


async def _recreate_public_schema(database_url: str) -> None:
    engine = side_engine(database_url)
    try:
        async with engine.begin() as conn:
            owner = (await conn.execute(_PUBLIC_SCHEMA_OWNER)).scalar_one()
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            # As PostgreSQL 15+ creates it: owned as before, usable by everyone.
            await conn.execute(text(f"CREATE SCHEMA public AUTHORIZATION {owner}"))
            await conn.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
    finally:
        await engine.dispose()
