"""Many requests at once on PostgreSQL: counts add up, races end in 409s, nothing leaks.

A use case that raises after its writes leaving no trace is pinned, through a separate
connection, by tests/integration/test_unit_of_work.py
(test_create_article_that_fails_at_commit_leaves_no_article_and_no_tags) and, after
every retry, by test_transient_retry.py.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from adapters.postgres.counters import mismatches
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.api.support import PASSWORD, auth
from tests.integration.support import container_of, count_rows, http_client, unit_of_work_overridden

TAKEN = ["has already been taken"]


@pytest.fixture
async def client(postgres_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(postgres_app) as c:
        yield c


async def register(client: httpx.AsyncClient, *names: str) -> list[str]:
    """Register every name at once; their tokens, in order."""

    async def one(name: str) -> str:
        user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        response = await client.post("/users", json={"user": user})
        assert response.status_code == 201, response.text
        return str(response.json()["user"]["token"])

    return list(await asyncio.gather(*(one(name) for name in names)))


async def create_article(client: httpx.AsyncClient, token: str) -> str:
    article = {"title": "Dragons", "description": "About dragons", "body": "They fly."}
    response = await client.post("/articles", json={"article": article}, headers=auth(token))
    assert response.status_code == 201, response.text
    return str(response.json()["article"]["slug"])


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def test_a_hundred_concurrent_favorites_count_a_hundred_and_unfavorites_undo_them(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    author, *fans = await register(client, "author", *(f"fan{i}" for i in range(100)))
    slug = await create_article(client, author)

    liked = await asyncio.gather(
        *(client.post(f"/articles/{slug}/favorite", headers=auth(fan)) for fan in fans)
    )
    assert statuses(liked) == {200: 100}, {r.text for r in liked}
    assert (await client.get(f"/articles/{slug}")).json()["article"]["favoritesCount"] == 100
    assert await mismatches(engine) == [], "every counter (migration 0008) is exact too"

    unliked = await asyncio.gather(
        *(client.delete(f"/articles/{slug}/favorite", headers=auth(fan)) for fan in fans)
    )
    assert statuses(unliked) == {200: 100}, {r.text for r in unliked}
    assert (await client.get(f"/articles/{slug}")).json()["article"]["favoritesCount"] == 0
    assert await count_rows(engine, "favorites") == 0
    assert await mismatches(engine) == []


async def test_interleaved_follows_and_unfollows_of_one_pair_end_consistent(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fan, _ = await register(client, "fan", "idol")
    path, headers = "/profiles/idol/follow", auth(fan)

    responses = await asyncio.gather(
        *(
            client.post(path, headers=headers) if i % 2 else client.delete(path, headers=headers)
            for i in range(40)
        )
    )

    assert statuses(responses) == {200: 40}, {r.text for r in responses}
    following = (await client.get("/profiles/idol", headers=headers)).json()["profile"]
    rows = await count_rows(engine, "follows")
    assert rows in (0, 1)
    assert following["following"] is (rows == 1)


@pytest.mark.parametrize("racers", [2, 5])
async def test_racing_renames_to_one_username_give_one_200_and_409s(
    client: httpx.AsyncClient, engine: AsyncEngine, racers: int
) -> None:
    tokens = await register(client, *(f"racer{i}" for i in range(racers)))

    responses = await asyncio.gather(
        *(
            client.put("/user", json={"user": {"username": "dragon"}}, headers=auth(token))
            for token in tokens
        )
    )

    assert statuses(responses) == {200: 1, 409: racers - 1}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json() == {"errors": {"username": TAKEN}}
    async with engine.connect() as conn:
        named = await conn.scalar(text("SELECT count(*) FROM users WHERE username = 'dragon'"))
    assert named == 1


class StalledCommit(SqlAlchemyUnitOfWork):
    """Keeps its transaction open for a second after the use case's writes: in PostgreSQL
    (a slow statement) or in the app (awaiting something else before COMMIT)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], where: str) -> None:
        super().__init__(session_factory)
        self._where = where

    async def commit(self) -> None:
        assert self._session is not None
        if self._where == IN_POSTGRES:
            await self._session.execute(text("SELECT pg_sleep(1)"))
        else:
            await asyncio.sleep(1)
        await super().commit()


IN_POSTGRES, IN_THE_APP = "in-postgres", "in-the-app"
STALLED = {
    IN_POSTGRES: "state = 'active' AND query = 'SELECT pg_sleep(1)'",
    IN_THE_APP: "state = 'idle in transaction' AND backend_xid IS NOT NULL",
}
"""How pg_stat_activity shows the request stalled after its writes."""

IN_A_TRANSACTION = "state <> 'idle' OR xact_start IS NOT NULL"


async def sessions(
    engine: AsyncEngine, condition: str, *, present: bool, seconds: float = 2.0
) -> list[tuple[str, str]]:
    """Other sessions of this database that meet `condition`, as (state, query), once
    some are there (`present`) or none are, or `seconds` have passed."""
    query = text(
        "SELECT state, query FROM pg_stat_activity"
        " WHERE datname = current_database() AND backend_type = 'client backend'"
        f" AND pid <> pg_backend_pid() AND ({condition})"
    )
    deadline = time.monotonic() + seconds
    while True:
        async with engine.connect() as conn:
            found = [(row.state, row.query) for row in await conn.execute(query)]
        if bool(found) == present or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)


# Not pinned: cancelled at every await inside a statement, SQLAlchemy force-closes the
# socket and PostgreSQL finishes the statement (at most statement_timeout) before it
# notices and rolls back.
@pytest.mark.parametrize(
    ("where", "cancelled"),
    [(IN_POSTGRES, "once"), (IN_THE_APP, "once"), (IN_THE_APP, "at-every-await")],
)
async def test_a_client_that_disconnects_mid_request_leaves_no_connection_or_transaction(
    client: httpx.AsyncClient,
    postgres_app: FastAPI,
    engine: AsyncEngine,
    where: str,
    cancelled: str,
) -> None:
    author, fan = await register(client, "author", "fan")
    slug = await create_article(client, author)
    container = container_of(postgres_app)
    pool = container.engine().pool
    assert isinstance(pool, QueuePool)
    invalidated: list[BaseException | None] = []
    scope = anyio.CancelScope()

    def on_invalidate(
        dbapi_connection: object, record: object, error: BaseException | None
    ) -> None:
        invalidated.append(error)

    async def favorite() -> None:
        with scope:
            await client.post(f"/articles/{slug}/favorite", headers=auth(fan))

    stalled = providers.Factory(StalledCommit, container.session_factory, where)
    event.listen(pool, "invalidate", on_invalidate)
    try:
        with unit_of_work_overridden(postgres_app, stalled):
            request = asyncio.create_task(favorite())
            assert await sessions(engine, STALLED[where], present=True), "never stalled"
            # A server cancels the task once when the client goes away; anyio's cancel
            # scopes (Starlette's task groups) cancel again at every further await.
            if cancelled == "once":
                request.cancel()
            else:
                scope.cancel()
            await asyncio.wait([request])
            assert request.cancelled() or scope.cancelled_caught
        left_open = await sessions(engine, IN_A_TRANSACTION, present=False)
    finally:
        event.remove(pool, "invalidate", on_invalidate)

    assert left_open == []
    assert pool.checkedout() == 0
    assert await count_rows(engine, "favorites") == 0
    if where == IN_THE_APP:
        # Rolled back and handed back for reuse; SQLAlchemy throws away only a connection
        # whose statement was interrupted (its state is unknown).
        assert invalidated == []
