"""The in-memory search repeats PostgreSQL's: same words, same vectors, same ranks, same pages.

What is guaranteed (and pinned here): for ASCII text and ordinary letters of other
alphabets, both adapters split text into the same words, build the same weighted vector,
compute the same ts_rank (bit for bit, in float4) and so return the same articles in the
same order. Rare code points may be classified differently by the database's locale; the
answer set can then differ for queries that involve them (see adapters/memory/search.py).
"""

from __future__ import annotations

import random
import string
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory import search
from tests.api.support import Conduit, auth, slugs

LETTERS = "éÉßçñøåæœжЖёσΣ中文한"
"""Non-ASCII letters whose classification every UTF-8 locale agrees on."""
VOCABULARY = ["Dragon", "dragons", "fly", "FLY", "night", "e-mail", "x_y", "7e3zy", "Été", "a"]


def _noise(rng: random.Random, length: int) -> str:
    alphabet = string.ascii_letters + string.digits + string.punctuation + " \n" + LETTERS
    return "".join(rng.choice(alphabet) for _ in range(length))


def _prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


async def _vector(engine: AsyncEngine, title: str, description: str, body: str) -> search.Document:
    query = text(
        "SELECT lexeme, positions, weights"
        " FROM unnest(articles_search_vector(:title, :description, :body))"
    )
    weights = {"A": search.WEIGHT_A, "B": search.WEIGHT_B, "C": search.WEIGHT_C}
    async with engine.connect() as conn:
        rows = (
            await conn.execute(query, {"title": title, "description": description, "body": body})
        ).all()
    return {
        row.lexeme: [(p, weights[w]) for p, w in zip(row.positions, row.weights, strict=True)]
        for row in rows
    }


async def test_memory_builds_the_vector_postgresql_builds(engine: AsyncEngine) -> None:
    rng = random.Random(11)
    for _ in range(300):
        texts = (_noise(rng, rng.randint(0, 30)), _noise(rng, 40), _noise(rng, rng.randint(0, 200)))

        assert search.document(*texts) == await _vector(engine, *texts), texts


async def test_memory_keeps_postgresqls_limits_on_long_texts(engine: AsyncEngine) -> None:
    texts = ("dragon " * 300, "dragon fly", "x " * 17_000 + "dragon night night")

    assert search.document(*texts) == await _vector(engine, *texts)


async def test_memory_ranks_exactly_like_ts_rank(engine: AsyncEngine) -> None:
    rng = random.Random(12)
    query = text(
        "SELECT articles_search_vector(:t, :d, :b) @@ articles_search_query(:q) AS hit,"
        " ts_rank(articles_search_vector(:t, :d, :b), articles_search_query(:q)) AS rank"
    )
    async with engine.connect() as conn:
        for _ in range(500):
            t, d, b = _prose(rng, 4), _prose(rng, 10), _prose(rng, rng.choice([20, 300]))
            q = _prose(rng, rng.randint(1, 3))
            row = (await conn.execute(query, {"t": t, "d": d, "b": b, "q": q})).one()
            expected = row.rank if row.hit else None

            assert search.rank(search.document(t, d, b), search.query_terms(q)) == expected


FILTERS: list[dict[str, str | int]] = [
    {},
    {"tag": "myth"},
    {"author": "bob", "limit": 3, "offset": 1},
]


@pytest.fixture
async def both(memory_app: FastAPI, postgres_app: FastAPI) -> AsyncIterator[list[Conduit]]:
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(memory_app), base_url="http://m/api") as m,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(postgres_app), base_url="http://p/api"
        ) as p,
    ):
        yield [Conduit(m), Conduit(p)]


async def test_both_adapters_answer_every_search_with_the_same_page(both: list[Conduit]) -> None:
    rng = random.Random(13)
    tokens = [[await api.token(name) for name in ("alice", "bob")] for api in both]
    for n in range(40):
        article = {
            "title": f"{_prose(rng, 3)} {n}",
            "description": _prose(rng, rng.randint(1, 8)),
            "body": _prose(rng, rng.randint(1, 120)),
            "tagList": rng.sample(["myth", "zoo"], rng.randint(0, 2)),
        }
        author = rng.randrange(2)
        for api, pair in zip(both, tokens, strict=True):
            response = await api.client.post(
                "/articles", json={"article": article}, headers=auth(pair[author])
            )
            assert response.status_code == 201, response.text

    queries = [_prose(rng, rng.randint(1, 3)) for _ in range(30)] + ["nothing", "e mail"]
    for q in queries:
        for extra in FILTERS:
            params: dict[str, str | int] = {"q": q, "limit": 100, **extra}
            pages = [await api.articles(None, **params) for api in both]
            memory, postgres = ((slugs(page), page["articlesCount"]) for page in pages)

            assert memory == postgres, (q, extra)
