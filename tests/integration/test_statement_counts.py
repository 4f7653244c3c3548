"""Reads answer in a fixed number of SQL statements, whatever the page size or the viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import StatementCounter, create_session_factory
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import NewArticle, NewComment, NewUser
from tests.api.support import auth
from tests.fakes import TickingClock

ARTICLES = 25


@dataclass(frozen=True, slots=True)
class World:
    client: httpx.AsyncClient
    counter: StatementCounter
    reader_token: str


@pytest.fixture
async def world(postgres_app: FastAPI, engine: AsyncEngine) -> AsyncIterator[World]:
    """An author with 25 tagged articles; a reader who follows them and favorites each.

    `quiet` has one comment and `chatty` twenty; a stranger comments on nothing.
    """
    clock = TickingClock()
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    async with uow:
        author, reader = [
            await uow.users.add(NewUser(name, f"{name}@example.com", "hash"))
            for name in ("author", "reader")
        ]
        await uow.follows.add(reader.id, author.id)
        slugs = [f"dragon-{n}" for n in range(ARTICLES - 2)] + ["quiet", "chatty"]
        for slug in slugs:
            article = await uow.articles.add(
                NewArticle(
                    slug, slug, "About it", "All of it", ("dragons", slug), author.id, clock.now()
                )
            )
            await uow.favorites.add(reader.id, article.id)
            await uow.favorites.add(author.id, article.id)
            comments = {"quiet": 1, "chatty": 20}.get(slug, 0)
            for n in range(comments):
                commenter = (author, reader)[n % 2].id
                await uow.comments.add(NewComment(article.id, commenter, f"#{n}", clock.now()))
        await uow.commit()

    container = postgres_app.state.container
    transport = httpx.ASGITransport(app=postgres_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
        await client.get("/articles")  # the first checkout of a pool can run setup queries
        yield World(client, container.statement_counter(), container.tokens().issue(reader.id))


async def count(world: World, path: str, *, token: str | None = None, **params: Any) -> int:
    """The statements one GET costs (the app's own counter sees every path to the
    database: SQLAlchemy's and the read models' driver calls); the response must be a 200."""
    headers = auth(token) if token else {}
    before = world.counter.count
    response = await world.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return world.counter.count - before


async def test_article_list_is_one_statement_whatever_the_page_size_or_viewer(
    world: World,
) -> None:
    token = world.reader_token
    counts = {
        (limit, viewer): await count(world, "/articles", token=viewer, limit=limit)
        for limit in (1, 20)
        for viewer in (None, token)
    }
    filtered = await count(world, "/articles", token=token, limit=20, tag="dragons")

    assert set(counts.values()) == {1}  # the page and the total together
    assert filtered == 1
    page = (await world.client.get("/articles", params={"limit": 20})).json()
    assert (len(page["articles"]), page["articlesCount"]) == (20, ARTICLES)


async def test_feed_is_one_statement_whatever_the_page_size(world: World) -> None:
    token = world.reader_token
    counts = [await count(world, "/articles/feed", token=token, limit=n) for n in (1, 20)]

    assert counts == [1, 1]
    feed = (await world.client.get("/articles/feed", headers=auth(token))).json()
    assert feed["articlesCount"] == ARTICLES


async def test_single_article_is_one_statement_for_any_viewer(world: World) -> None:
    counts = [await count(world, "/articles/chatty", token=t) for t in (None, world.reader_token)]

    assert counts == [1, 1]


async def test_comments_are_one_statement_however_many_there_are(world: World) -> None:
    token = world.reader_token
    counts = {
        (slug, viewer): await count(world, f"/articles/{slug}/comments", token=viewer)
        for slug in ("quiet", "chatty", "dragon-0")
        for viewer in (None, token)
    }

    assert set(counts.values()) == {1}
    chatty = (await world.client.get("/articles/chatty/comments")).json()
    assert len(chatty["comments"]) == 20


async def test_profile_is_one_statement_for_any_viewer(world: World) -> None:
    counts = [await count(world, "/profiles/author", token=t) for t in (None, world.reader_token)]

    assert counts == [1, 1]


async def test_tags_are_one_statement(world: World) -> None:
    assert await count(world, "/tags") == 1


async def test_search_is_one_statement_whatever_the_page_size_or_filters(world: World) -> None:
    token = world.reader_token
    counts = {
        (limit, viewer): await count(world, "/articles", token=viewer, q="dragon", limit=limit)
        for limit in (1, 20)
        for viewer in (None, token)
    }
    combined = await count(world, "/articles", token=token, q="all dragon", tag="dragons")

    assert set(counts.values()) == {1}
    assert combined == 1
    page = (await world.client.get("/articles", params={"q": "dragon", "limit": 20})).json()
    assert (len(page["articles"]), page["articlesCount"]) == (20, ARTICLES - 2)
