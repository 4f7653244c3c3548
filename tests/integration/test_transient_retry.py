"""Serialization failures and deadlocks on PostgreSQL: the use case is re-run, then a 503."""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from typing import Self

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.articles import ArticleDraft
from application.transactions import TRANSIENT_ATTEMPTS
from domain.errors import TransientStorageError
from domain.model import User
from tests.integration.support import (
    add_user,
    container_of,
    count_rows,
    http_client,
    unit_of_work_overridden,
)
from tests.use_cases import UseCases

SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"

DRAFT = ArticleDraft(
    title="How to train your dragon",
    description="Ever wonder how?",
    body="Very carefully.",
    tag_list=["dragons", "training"],
)


class RefusingUnitOfWork(SqlAlchemyUnitOfWork):
    """PostgreSQL itself aborts the first `refusals` transactions with `code`, at COMMIT,
    after every write of the use case; `transactions` counts the attempts."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        code: str,
        refusals: float = math.inf,
    ) -> None:
        super().__init__(session_factory)
        self._code = code
        self._refusals = refusals
        self.transactions = 0

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.transactions += 1
        if self._refusals > 0:
            self._refusals -= 1
            assert self._session is not None
            event.listen(self._session.sync_session, "before_commit", self._refuse)
        return self

    def _refuse(self, session: Session) -> None:
        session.execute(
            text(f"DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '{self._code}'; END $$")
        )


async def test_a_serialization_failure_at_commit_is_retried_and_writes_once(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine, conduit: UseCases
) -> None:
    author = await add_user(uow, "author")
    refusing = RefusingUnitOfWork(create_session_factory(db), SERIALIZATION_FAILURE, refusals=1)

    view = await conduit.on(refusing).create_article(author.id, DRAFT)

    assert refusing.transactions == 2
    # The first attempt left nothing behind, so the second got the plain slug.
    assert view.slug == "how-to-train-your-dragon"
    counts = {t: await count_rows(db, t) for t in ("articles", "tags", "article_tags")}
    assert counts == {"articles": 1, "tags": 2, "article_tags": 2}


async def test_the_transient_error_keeps_the_database_error_as_its_cause(db: AsyncEngine) -> None:
    refusing = RefusingUnitOfWork(create_session_factory(db), DEADLOCK_DETECTED)

    async def look_then_commit() -> None:
        async with refusing:
            await refusing.users.get_by_username("nobody")
            await refusing.commit()

    with pytest.raises(TransientStorageError) as raised:
        await look_then_commit()

    assert isinstance(raised.value.__cause__, DBAPIError)


async def test_a_deadlock_at_every_attempt_answers_503_and_writes_nothing(
    postgres_app: FastAPI, engine: AsyncEngine
) -> None:
    refusing = RefusingUnitOfWork(container_of(postgres_app).session_factory(), DEADLOCK_DETECTED)
    user = {"username": "alice", "email": "alice@example.com", "password": "password123"}

    with unit_of_work_overridden(postgres_app, providers.Object(refusing)):
        async with http_client(postgres_app) as client:
            response = await client.post("/users", json={"user": user})

    assert response.status_code == 503
    assert response.json() == {"errors": {"database": ["is busy, try again"]}}
    assert refusing.transactions == TRANSIENT_ATTEMPTS
    assert await count_rows(engine, "users") == 0


async def test_a_real_deadlock_in_the_block_aborts_one_side_as_transient_and_undoes_it(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    alice, bob = await add_user(uow, "alice"), await add_user(uow, "bob")
    factory = create_session_factory(db)
    alice_done, bob_done = asyncio.Event(), asyncio.Event()

    async def touch_both(
        first: User, second: User, mine: asyncio.Event, theirs: asyncio.Event
    ) -> None:
        crossing = SqlAlchemyUnitOfWork(factory)
        async with crossing:
            await crossing.users.update(replace(first, bio=f"by {first.username}"))
            mine.set()
            await theirs.wait()
            # Each now waits for the row the other holds: PostgreSQL picks a victim.
            await crossing.users.update(replace(second, bio=f"by {first.username}"))
            await crossing.commit()

    outcomes = await asyncio.gather(
        touch_both(alice, bob, alice_done, bob_done),
        touch_both(bob, alice, bob_done, alice_done),
        return_exceptions=True,
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "NoneType",
        "TransientStorageError",
    ]
    victim = next(o for o in outcomes if isinstance(o, TransientStorageError))
    assert isinstance(victim.__cause__, DBAPIError)
    # The survivor's writes are all there, the victim's none of them.
    survivor = (alice, bob)[outcomes.index(None)].username
    async with db.connect() as conn:
        bios = set(await conn.scalars(text("SELECT bio FROM users")))
    assert bios == {f"by {survivor}"}
