"""The SQLAlchemy unit of work owns one transaction: commit keeps it, anything else undoes it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.articles import ArticleDraft
from domain.errors import StorageUnavailable
from domain.model import NewUser
from tests.integration.support import add_user, count_rows
from tests.use_cases import UseCases

DRAFT = ArticleDraft(
    title="How to train your dragon",
    description="Ever wonder how?",
    body="Very carefully.",
    tag_list=["dragons", "training"],
)


class Boom(Exception):
    pass


class ConnectionLostAtCommit(SqlAlchemyUnitOfWork):
    """A unit of work whose database connection really dies just before COMMIT."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(create_session_factory(engine))
        self._engine = engine

    async def commit(self) -> None:
        assert self._session is not None
        pid = (await self._session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with self._engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        await super().commit()


async def add_users_then_fail(uow: SqlAlchemyUnitOfWork, *names: str) -> None:
    async with uow:
        for name in names:
            await uow.users.add(NewUser(name, f"{name}@example.com", "hash"))
        raise Boom


async def test_leaving_without_commit_rolls_back(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    async with uow:
        await uow.users.add(NewUser("alice", "alice@example.com", "hash"))

    async with uow:
        assert await uow.users.get_by_username("alice") is None
    assert await count_rows(db, "users") == 0


async def test_an_exception_after_writes_leaves_nothing(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    with pytest.raises(Boom):
        await add_users_then_fail(uow, "alice", "bob")

    assert await count_rows(db, "users") == 0


async def test_uncommitted_writes_are_invisible_to_other_connections(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    async with uow:
        await uow.users.add(NewUser("alice", "alice@example.com", "hash"))
        assert await count_rows(db, "users") == 0
        await uow.commit()
        assert await count_rows(db, "users") == 1


async def test_commit_persists_for_later_units_of_work(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    alice = await add_user(uow, "alice")

    fresh = SqlAlchemyUnitOfWork(create_session_factory(db))
    async with fresh:
        assert await fresh.users.get(alice.id) == alice
    assert await count_rows(db, "users") == 1


async def test_the_same_unit_of_work_is_reusable_after_a_rollback(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine
) -> None:
    with pytest.raises(Boom):
        await add_users_then_fail(uow, "alice")

    await add_user(uow, "alice")

    assert await count_rows(db, "users") == 1


async def test_commit_outside_the_block_is_refused(uow: SqlAlchemyUnitOfWork) -> None:
    with pytest.raises(RuntimeError, match="outside"):
        await uow.commit()


async def test_create_article_that_fails_at_commit_leaves_no_article_and_no_tags(
    uow: SqlAlchemyUnitOfWork, db: AsyncEngine, conduit: UseCases
) -> None:
    author = await add_user(uow, "author")
    failing = conduit.on(ConnectionLostAtCommit(db)).create_article

    with pytest.raises(StorageUnavailable) as lost:
        await failing(author.id, DRAFT)

    assert isinstance(lost.value.__cause__, DBAPIError)

    counts = {t: await count_rows(db, t) for t in ("articles", "tags", "article_tags")}
    assert counts == {"articles": 0, "tags": 0, "article_tags": 0}
    # Nothing half-written remains: the retry gets the plain slug, not "-2".
    view = await conduit.create_article(author.id, DRAFT)
    assert view.slug == "how-to-train-your-dragon"
    assert view.tags == ("dragons", "training")
