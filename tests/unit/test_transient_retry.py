"""retry: a write use case refused by the storage, or beaten to its slug, is re-run whole."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.articles import ArticleChanges, ArticleDraft
from application.comments import CommentDraft
from application.transactions import TRANSIENT_ATTEMPTS, retry
from application.users import Registration, UserChanges
from domain.errors import SlugTaken, TransientStorageError, UsernameTaken
from domain.model import UserId
from tests.use_cases import PASSWORD, UseCases


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
    store: InMemoryStore, conduit: UseCases
) -> None:
    refusing = RefusingUnitOfWork(store, refusals=1)

    view = await conduit.on(refusing).register_user(
        Registration("alice", "alice@example.com", PASSWORD)
    )

    assert view.username == "alice"
    assert refusing.transactions == 2
    assert usernames(store) == ["alice"]


async def test_a_use_case_refused_every_time_raises_after_the_last_attempt(
    store: InMemoryStore, conduit: UseCases
) -> None:
    refusing = RefusingUnitOfWork(store)

    with pytest.raises(TransientStorageError):
        await conduit.on(refusing).register_user(
            Registration("alice", "alice@example.com", PASSWORD)
        )

    assert refusing.transactions == TRANSIENT_ATTEMPTS
    assert usernames(store) == []


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    @retry(transient=5, slug_races=5)
    async def rename() -> None:
        nonlocal calls
        calls += 1
        raise UsernameTaken

    with pytest.raises(UsernameTaken):
        await rename()
    assert calls == 1


async def test_the_number_of_attempts_is_the_callers_choice() -> None:
    calls = 0

    @retry(transient=1)
    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise TransientStorageError

    with pytest.raises(TransientStorageError):
        await refused()
    assert calls == 1
    with pytest.raises(ValueError, match="at least 1"):
        retry(transient=0)
    with pytest.raises(ValueError, match="at least 1"):
        retry(slug_races=0)


async def test_a_lost_slug_race_is_retried_only_where_asked_each_kind_on_its_own_count() -> None:
    failures = [SlugTaken(), TransientStorageError(), SlugTaken(), TransientStorageError()]

    async def write() -> str:
        if failures:
            raise failures.pop(0)
        return "written"

    with pytest.raises(SlugTaken):
        await retry()(write)()
    assert len(failures) == 3
    # The rest, one kind after the other: each is counted on its own, so three attempts do.
    assert await retry(transient=3, slug_races=3)(write)() == "written"
    failures[:] = [SlugTaken(), SlugTaken()]
    with pytest.raises(SlugTaken):
        await retry(slug_races=2)(write)()


@dataclass(frozen=True, slots=True)
class World:
    """A scenario's stage (`setup`, on the real unit of work) and its use cases, all on the
    refusing unit of work (`refused`)."""

    setup: UseCases
    refused: UseCases

    async def article(self) -> tuple[UserId, str]:
        author = await self.setup.member()
        return author.id, (await self.setup.article(author)).slug


Scenario = Callable[[World], Awaitable[object]]
DRAFT = ArticleDraft("Dragons", "About dragons", "They fly.", ["fire"])


async def register_user(w: World) -> object:
    return await w.refused.register_user(Registration("new", "n@x.io", PASSWORD))


async def update_user(w: World) -> object:
    me = await w.setup.member()
    changes = UserChanges(bio="Hi.", sent=frozenset({"bio"}))
    return await w.refused.update_user(me.id, changes)


async def follow_profile(w: World) -> object:
    fan, idol = await w.setup.member(), await w.setup.member()
    return await w.refused.follow_profile(fan.id, idol.username, follow=True)


async def create_article(w: World) -> object:
    me = await w.setup.member()
    return await w.refused.create_article(me.id, DRAFT)


async def update_article(w: World) -> object:
    author, slug = await w.article()
    changes = ArticleChanges(body="Higher.", sent=frozenset({"body"}))
    return await w.refused.update_article(author, slug, changes)


async def delete_article(w: World) -> object:
    author, slug = await w.article()
    await w.refused.delete_article(author, slug)
    return slug


async def favorite_article(w: World) -> object:
    author, slug = await w.article()
    return await w.refused.favorite_article(author, slug, favorite=True)


async def add_comment(w: World) -> object:
    author, slug = await w.article()
    return await w.refused.add_comment(author, slug, CommentDraft("Nice."))


async def delete_comment(w: World) -> object:
    author, slug = await w.article()
    comment = await w.setup.add_comment(author, slug, CommentDraft("Nice."))
    await w.refused.delete_comment(author, slug, comment.id)
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
    conduit: UseCases, store: InMemoryStore, scenario: Scenario
) -> None:
    refusing = RefusingUnitOfWork(store, refusals=1)

    await scenario(World(setup=conduit, refused=conduit.on(refusing)))

    assert refusing.transactions == 2
