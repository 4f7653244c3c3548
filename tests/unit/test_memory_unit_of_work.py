"""The in-memory unit of work and repositories: rollback really discards, commit publishes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from adapters.memory.queries import InMemoryProfileQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.users import Registration
from domain.errors import Conflict, EmailTaken, SlugTaken, TransientStorageError, UsernameTaken
from domain.model import NewArticle, NewUser
from domain.ports import UnitOfWork
from tests.fakes import START
from tests.use_cases import PASSWORD, UseCases


def new_user(name: str) -> NewUser:
    return NewUser(name, f"{name}@example.com", "hash")


class Boom(Exception):
    """Stands for any failure in the middle of a use case."""


async def usernames(store: InMemoryStore) -> list[str]:
    async with InMemoryUnitOfWork(store) as uow:
        return [
            user.username
            for name in ("alice", "bob")
            if (user := await uow.users.get_by_username(name)) is not None
        ]


async def test_leaving_without_commit_discards_the_writes(store: InMemoryStore) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(new_user("alice"))

    assert await usernames(store) == []


async def test_an_exception_inside_discards_the_writes_and_propagates(
    store: InMemoryStore,
) -> None:
    async def add_alice_then_fail() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            await uow.users.add(new_user("alice"))
            raise Boom

    with pytest.raises(Boom):
        await add_alice_then_fail()

    assert await usernames(store) == []


async def test_commit_publishes_the_writes_to_later_transactions_and_queries(
    store: InMemoryStore,
) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(new_user("alice"))
        await uow.commit()

    assert await usernames(store) == ["alice"]
    assert await InMemoryProfileQueries(store).profile("alice", None) is not None


async def test_writes_after_a_commit_need_a_commit_of_their_own(store: InMemoryStore) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(new_user("alice"))
        await uow.commit()
        await uow.users.add(new_user("bob"))

    assert await usernames(store) == ["alice"]


async def test_an_exception_after_a_commit_keeps_only_what_was_committed(
    store: InMemoryStore,
) -> None:
    async def commit_alice_then_add_bob_and_fail() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            await uow.users.add(new_user("alice"))
            await uow.commit()
            await uow.users.add(new_user("bob"))
            raise Boom

    with pytest.raises(Boom):
        await commit_alice_then_add_bob_and_fail()

    assert await usernames(store) == ["alice"]


async def test_uncommitted_writes_are_invisible_to_queries(store: InMemoryStore) -> None:
    queries = InMemoryProfileQueries(store)
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(new_user("alice"))

        assert await queries.profile("alice", None) is None


async def test_commit_outside_the_block_is_refused(store: InMemoryStore) -> None:
    with pytest.raises(RuntimeError):
        await InMemoryUnitOfWork(store).commit()


async def test_ids_are_not_reused_after_a_rollback(store: InMemoryStore) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        discarded = await uow.users.add(new_user("alice"))
    async with InMemoryUnitOfWork(store) as uow:
        kept = await uow.users.add(new_user("alice"))

    assert kept.id > discarded.id


async def test_transactions_take_turns(store: InMemoryStore) -> None:
    order: list[str] = []

    async def writer(name: str) -> None:
        async with InMemoryUnitOfWork(store) as uow:
            order.append(f"{name} in")
            await asyncio.sleep(0)
            await uow.users.add(new_user(name))
            await uow.commit()
            order.append(f"{name} out")

    await asyncio.gather(writer("alice"), writer("bob"))

    assert order == ["alice in", "alice out", "bob in", "bob out"]
    assert await usernames(store) == ["alice", "bob"]


async def test_user_repository_guards_unique_username_and_email(store: InMemoryStore) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(new_user("alice"))

        with pytest.raises(UsernameTaken) as username_taken:
            await uow.users.add(NewUser("alice", "other@example.com", "hash"))
        with pytest.raises(EmailTaken) as email_taken:
            await uow.users.add(NewUser("other", "alice@example.com", "hash"))

    assert isinstance(username_taken.value, Conflict)
    assert (username_taken.value.fields, email_taken.value.fields) == (("username",), ("email",))


async def test_user_repository_update_guards_unique_values(store: InMemoryStore) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        alice = await uow.users.add(new_user("alice"))
        await uow.users.add(new_user("bob"))

        with pytest.raises(UsernameTaken):
            await uow.users.update(replace(alice, username="bob"))
        with pytest.raises(EmailTaken):
            await uow.users.update(replace(alice, email="bob@example.com"))


async def test_article_repository_refuses_a_taken_slug(store: InMemoryStore) -> None:
    async with InMemoryUnitOfWork(store) as uow:
        author = await uow.users.add(new_user("alice"))
        article = NewArticle("dragons", "Dragons", "d", "b", (), author.id, START)
        await uow.articles.add(article)

        with pytest.raises(SlugTaken):
            await uow.articles.add(article)


class RegisterThenFail:
    """A use case that fails after it has written: open the unit of work, add a user, raise."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, username: str) -> None:
        async with self._uow as uow:
            await uow.users.add(new_user(username))
            raise Boom


async def test_a_use_case_that_raises_after_writing_leaves_nothing(
    store: InMemoryStore, conduit: UseCases
) -> None:
    with pytest.raises(Boom):
        await RegisterThenFail(InMemoryUnitOfWork(store))("alice")

    assert await usernames(store) == []
    await conduit.member("alice")
    assert await usernames(store) == ["alice"]


class FailingCommit(InMemoryUnitOfWork):
    """The database refuses the commit, after the use case has written everything."""

    async def commit(self) -> None:
        raise TransientStorageError("could not serialize access")


async def test_a_use_case_whose_commit_fails_leaves_nothing(
    store: InMemoryStore, conduit: UseCases
) -> None:
    register = conduit.on(FailingCommit(store)).register_user

    with pytest.raises(TransientStorageError):
        await register(Registration("alice", "alice@example.com", PASSWORD))

    assert await usernames(store) == []
