"""retry_transient: a write use case refused by the storage is re-run whole, a few times."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

import pytest

from adapters.memory.queries import InMemoryArticleQueries, InMemoryCommentQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenIssuer
from application.articles import (
    ArticleChanges,
    ArticleDraft,
    CreateArticle,
    DeleteArticle,
    FavoriteArticle,
    UpdateArticle,
)
from application.comments import AddComment, CommentDraft, DeleteComment
from application.profiles import FollowProfile
from application.transactions import DEFAULT_ATTEMPTS, retry_transient
from application.users import RegisterUser, Registration, UpdateUser, UserChanges
from domain.errors import TransientStorageError, UsernameTaken
from domain.model import UserId
from domain.ports import UnitOfWork
from tests.unit.conftest import PASSWORD, FakeClock, UseCases, as_port


class RefusingUnitOfWork(InMemoryUnitOfWork):
    """Its first `refusals` commits fail as a serialization failure would, after every
    write of the block; `transactions` counts the blocks entered."""

    def __init__(self, store: InMemoryStore, refusals: float = math.inf) -> None:
        super().__init__(store)
        self.refusals = refusals
        self.transactions = 0

    async def __aenter__(self) -> Self:
        self.transactions += 1
        return await super().__aenter__()

    async def commit(self) -> None:
        if self.refusals > 0:
            self.refusals -= 1
            raise TransientStorageError("could not serialize access")
        await super().commit()


def usernames(store: InMemoryStore) -> list[str]:
    return [user.username for user in store.committed.users.values()]


async def test_a_use_case_refused_once_succeeds_on_its_second_attempt_and_writes_once(
    store: InMemoryStore, hasher: Argon2PasswordHasher, tokens: JwtTokenIssuer
) -> None:
    refusing = RefusingUnitOfWork(store, refusals=1)

    view = await RegisterUser(as_port(refusing), hasher, tokens)(
        Registration("alice", "alice@example.com", PASSWORD)
    )

    assert view.username == "alice"
    assert refusing.transactions == 2
    assert usernames(store) == ["alice"]


async def test_a_use_case_refused_every_time_raises_after_the_last_attempt(
    store: InMemoryStore, hasher: Argon2PasswordHasher, tokens: JwtTokenIssuer
) -> None:
    refusing = RefusingUnitOfWork(store)

    with pytest.raises(TransientStorageError):
        await RegisterUser(as_port(refusing), hasher, tokens)(
            Registration("alice", "alice@example.com", PASSWORD)
        )

    assert refusing.transactions == DEFAULT_ATTEMPTS
    assert usernames(store) == []


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    @retry_transient(attempts=5)
    async def rename() -> None:
        nonlocal calls
        calls += 1
        raise UsernameTaken

    with pytest.raises(UsernameTaken):
        await rename()
    assert calls == 1


async def test_the_number_of_attempts_is_the_callers_choice() -> None:
    calls = 0

    @retry_transient(attempts=1)
    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise TransientStorageError

    with pytest.raises(TransientStorageError):
        await refused()
    assert calls == 1
    with pytest.raises(ValueError, match="at least 1"):
        retry_transient(attempts=0)


@dataclass(frozen=True, slots=True)
class World:
    """What a scenario needs besides the refusing unit of work: setup and adapters."""

    setup: UseCases
    store: InMemoryStore
    clock: FakeClock
    hasher: Argon2PasswordHasher
    tokens: JwtTokenIssuer

    async def article(self) -> tuple[UserId, str]:
        author = await self.setup.member()
        return author.id, (await self.setup.article(author)).slug


Scenario = Callable[[World, UnitOfWork], Awaitable[object]]
DRAFT = ArticleDraft("Dragons", "About dragons", "They fly.", ["fire"])


async def register_user(w: World, uow: UnitOfWork) -> object:
    return await RegisterUser(uow, w.hasher, w.tokens)(Registration("new", "n@x.io", PASSWORD))


async def update_user(w: World, uow: UnitOfWork) -> object:
    me = await w.setup.member()
    changes = UserChanges(bio="Hi.", sent=frozenset({"bio"}))
    return await UpdateUser(uow, w.hasher, w.tokens)(me.id, changes)


async def follow_profile(w: World, uow: UnitOfWork) -> object:
    fan, idol = await w.setup.member(), await w.setup.member()
    return await FollowProfile(uow)(fan.id, idol.username, follow=True)


async def create_article(w: World, uow: UnitOfWork) -> object:
    me = await w.setup.member()
    return await CreateArticle(uow, InMemoryArticleQueries(w.store), w.clock)(me.id, DRAFT)


async def update_article(w: World, uow: UnitOfWork) -> object:
    author, slug = await w.article()
    changes = ArticleChanges(body="Higher.", sent=frozenset({"body"}))
    update = UpdateArticle(uow, InMemoryArticleQueries(w.store), w.clock)
    return await update(author, slug, changes)


async def delete_article(w: World, uow: UnitOfWork) -> object:
    author, slug = await w.article()
    await DeleteArticle(uow)(author, slug)
    return slug


async def favorite_article(w: World, uow: UnitOfWork) -> object:
    author, slug = await w.article()
    return await FavoriteArticle(uow, InMemoryArticleQueries(w.store))(author, slug, favorite=True)


async def add_comment(w: World, uow: UnitOfWork) -> object:
    author, slug = await w.article()
    add = AddComment(uow, InMemoryCommentQueries(w.store), w.clock)
    return await add(author, slug, CommentDraft("Nice."))


async def delete_comment(w: World, uow: UnitOfWork) -> object:
    author, slug = await w.article()
    comment = await w.setup.add_comment(author, slug, CommentDraft("Nice."))
    await DeleteComment(uow)(author, slug, comment.id)
    return comment.id


@pytest.mark.parametrize(
    "scenario",
    [
        register_user,
        update_user,
        follow_profile,
        create_article,
        update_article,
        delete_article,
        favorite_article,
        add_comment,
        delete_comment,
    ],
)
async def test_every_write_use_case_is_retried_after_a_transient_refusal(
    conduit: UseCases,
    store: InMemoryStore,
    clock: FakeClock,
    hasher: Argon2PasswordHasher,
    tokens: JwtTokenIssuer,
    scenario: Scenario,
) -> None:
    world = World(conduit, store, clock, hasher, tokens)
    refusing = RefusingUnitOfWork(store, refusals=1)

    await scenario(world, as_port(refusing))

    assert refusing.transactions == 2
