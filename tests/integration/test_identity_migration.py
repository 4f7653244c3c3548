"""Migration 0011: identities unique without case, refused while accounts differ only by case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Select, pool, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.postgres import schema
from adapters.sqlalchemy.repositories import _USER_BY_EMAIL, _USER_BY_USERNAME_ANY_CASE
from domain.values import identity_key

BEFORE, AFTER = "0010", "0011"


@pytest.fixture
async def fresh(fresh_url: str) -> AsyncIterator[tuple[str, AsyncEngine]]:
    engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
    yield fresh_url, engine
    await engine.dispose()


async def _run(engine: AsyncEngine, sql: str, **params: object) -> list[tuple[object, ...]]:
    async with engine.begin() as conn:
        result = await conn.execute(text(sql), params)
        return [tuple(row) for row in result.all()] if result.returns_rows else []


async def _add(engine: AsyncEngine, username: str, email: str) -> None:
    await _run(
        engine,
        "INSERT INTO users (username, email, password_hash) VALUES (:u, :e, 'hash')",
        u=username,
        e=email,
    )


async def _version(engine: AsyncEngine) -> object:
    return (await _run(engine, "SELECT version_num FROM alembic_version"))[0][0]


async def test_the_upgrade_lists_every_case_duplicate_and_changes_nothing(
    fresh: tuple[str, AsyncEngine],
) -> None:
    url, engine = fresh
    await asyncio.to_thread(schema.upgrade, url, BEFORE)
    await _add(engine, "pa18e1e6", "a@ex.com")
    await _add(engine, "PA18E1E6", "A@EX.COM")
    await _add(engine, "carol", "carol@ex.com")
    await _add(engine, "Carol2", "Carol@Ex.com")

    with pytest.raises(RuntimeError) as refused:
        await asyncio.to_thread(schema.upgrade, url, AFTER)

    message = str(refused.value)
    assert "changed nothing" in message
    assert "username pa18e1e6: pa18e1e6 (id 1), PA18E1E6 (id 2)" in message
    assert "email a@ex.com: a@ex.com (id 1), A@EX.COM (id 2)" in message
    assert "email carol@ex.com: carol@ex.com (id 3), Carol@Ex.com (id 4)" in message
    assert "carol2" not in message.lower().replace("carol@ex.com", "")
    assert await _version(engine) == BEFORE
    indexes = await _run(engine, "SELECT indexname FROM pg_indexes WHERE tablename = 'users'")
    assert ("uq_users_email_lower",) not in indexes


async def test_once_the_duplicates_are_resolved_identities_are_unique_in_any_case(
    fresh: tuple[str, AsyncEngine],
) -> None:
    url, engine = fresh
    await asyncio.to_thread(schema.upgrade, url, BEFORE)
    await _add(engine, "jake", "jake@ex.com")
    await _add(engine, "JAKE", "JAKE@EX.COM")
    with pytest.raises(RuntimeError):
        await asyncio.to_thread(schema.upgrade, url, AFTER)

    await _run(engine, "UPDATE users SET username = 'jake2', email = 'jake2@ex.com' WHERE id = 2")
    await asyncio.to_thread(schema.upgrade, url, AFTER)

    assert await _version(engine) == AFTER
    for username, email in (("Jake", "other@ex.com"), ("other", "Jake@Ex.Com")):
        with pytest.raises(IntegrityError):
            await _add(engine, username, email)
    await _add(engine, "Ärger", "ärger@ex.com")
    await _add(engine, "ärger", "Ärger@ex.com")  # only ASCII letters fold, on every server


async def test_the_downgrade_restores_the_exact_constraint(fresh: tuple[str, AsyncEngine]) -> None:
    url, engine = fresh
    await asyncio.to_thread(schema.upgrade, url, AFTER)
    await _add(engine, "jake", "jake@ex.com")

    await asyncio.to_thread(schema.downgrade, url, BEFORE)

    with pytest.raises(IntegrityError, match="uq_users_email"):
        await _add(engine, "jane", "jake@ex.com")
    await _add(engine, "Jake", "JAKE@ex.com")  # case-sensitive again, as before 0011


async def test_identity_key_is_what_the_unique_indexes_compare(engine: AsyncEngine) -> None:
    """The in-memory adapter folds with identity_key; PostgreSQL with lower(... COLLATE "C")."""
    letters = [chr(c) for c in range(0x20, 0x530)]  # Latin, IPA, Greek, Cyrillic
    # Letters whose case a locale folds in surprising ways (dotless i, long s, Kelvin sign).
    specials = ["ß", "İ", "\u0131", "\u017f", "\u212a", "\u212b", "ǅ", "ﬀ", "Straße", "A@EX.COM"]
    values = [v for v in letters + specials if v != "\x00"]
    async with engine.connect() as conn:
        folded = await conn.execute(
            text('SELECT v, lower(v COLLATE "C") FROM unnest(CAST(:values AS text[])) AS v'),
            {"values": values},
        )
        pairs = {value: lowered for value, lowered in folded}
    assert pairs == {value: identity_key(value) for value in values}


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        (_USER_BY_EMAIL, "uq_users_email_lower"),
        (_USER_BY_USERNAME_ANY_CASE, "uq_users_username_lower"),
    ],
)
async def test_lookups_without_case_read_the_unique_index_in_a_generic_plan(
    engine: AsyncEngine, statement: Select[Any], index: str
) -> None:
    sql = str(statement.compile(dialect=engine.dialect))
    async with engine.connect() as conn:
        await conn.execute(text("SET enable_seqscan = off"))
        await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        await conn.exec_driver_sql(f"PREPARE lookup AS {sql}")
        rows = await conn.exec_driver_sql("EXPLAIN EXECUTE lookup('Jake@Example.com')")
        plan = "\n".join(row[0] for row in rows)
        await conn.exec_driver_sql("DEALLOCATE lookup")
    assert index in plan, plan
