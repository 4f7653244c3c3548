"""`seed`: demo data through the use cases, deterministic for a seed, idempotent, on both stacks."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.schema import PROJECT_ROOT
from application.users import Credentials
from domain.views import MAX_LIMIT, ArticleFilter
from entrypoints.cli.progress import ProgressBar
from entrypoints.cli.seed import PASSWORD, seed, seeding_container
from entrypoints.cli.seed_plan import BODY_MAX, BODY_MIN, SeedOptions, plan
from entrypoints.container import Container
from tests.integration.support import count_rows
from tests.support import make_settings

SMALL = SeedOptions(
    users=6, articles=12, comments=30, follows_per_user=2, favorites_per_article=2, tags=5, seed=7
)
EXPECTED = {"users": 6, "follows": 12, "articles": 12, "favorites": 24, "comments": 30}


@pytest.fixture
async def memory() -> Container:
    return seeding_container(make_settings(storage="memory"))


@pytest.fixture
async def postgres(db: AsyncEngine, postgres_url: str) -> AsyncIterator[Container]:
    container = seeding_container(make_settings(storage="postgres", database_url=postgres_url))
    yield container
    await container.storage_runtime().stop()


def memory_counts(container: Container) -> dict[str, int]:
    t = container.store().committed
    tables = {"users": t.users, "follows": t.follows, "articles": t.articles}
    tables |= {"favorites": t.favorites, "comments": t.comments}
    return {name: len(rows) for name, rows in tables.items()}


async def postgres_counts(engine: AsyncEngine) -> dict[str, int]:
    return {name: await count_rows(engine, name) for name in EXPECTED}


async def snapshot(container: Container) -> dict[str, Any]:
    """Everything a reader can see, by natural keys (no ids, no dates)."""
    the_plan = plan(SMALL)
    listed = await container.list_articles()(ArticleFilter(limit=MAX_LIMIT), None)
    articles = {}
    for item in listed.articles:
        full = await container.get_article()(item.slug, None)
        comments = await container.list_comments()(item.slug, None)
        articles[item.slug] = (
            full.author.username,
            full.title,
            full.description,
            full.body,
            full.tags,
            full.favorites_count,
            sorted((c.author.username, c.body) for c in comments),
        )
    ids = {}
    for n, name in enumerate(the_plan.usernames):
        view = await container.log_in()(Credentials(the_plan.email(n), PASSWORD))
        ids[name] = container.tokens().verify(view.token)
    following = {
        (fan, idol)
        for fan in the_plan.usernames
        for idol in the_plan.usernames
        if (await container.get_profile()(idol, ids[fan])).following
    }
    return {"order": [a.slug for a in listed.articles], "articles": articles, "follows": following}


def test_the_plan_is_a_function_of_the_seed() -> None:
    other = plan(replace(SMALL, seed=8))

    assert plan(SMALL) == plan(SMALL)
    assert other.usernames[0] == "u8_001"
    assert [a.title for a in other.articles] != [a.title for a in plan(SMALL).articles]


def test_the_plan_has_the_promised_shape() -> None:
    the_plan = plan(SeedOptions())

    assert the_plan.usernames[:2] == ("u1_001", "u1_002") and len(the_plan.usernames) == 50
    assert the_plan.email(0) == "u1_001@seed.example"
    assert Counter(follower for follower, _ in the_plan.follows) == dict.fromkeys(range(50), 10)
    assert all(follower != followee for follower, followee in the_plan.follows)
    assert len(set(the_plan.follows)) == 500
    assert len({a.title for a in the_plan.articles}) == 500
    assert all(2 <= len(a.tags) <= 4 for a in the_plan.articles)
    assert len({tag for a in the_plan.articles for tag in a.tags}) <= 20
    assert all(BODY_MIN <= len(a.body.encode()) <= BODY_MAX for a in the_plan.articles)
    assert all("\n## " in a.body and "\n- " in a.body for a in the_plan.articles)
    assert len(set(the_plan.favorites)) == 1500
    assert set(Counter(c.article for c in the_plan.comments).values()) == {10}


async def test_seed_on_the_memory_stack_writes_the_plan(memory: Container) -> None:
    report = await seed(memory, SMALL)

    assert memory_counts(memory) == EXPECTED
    assert report.planned == EXPECTED
    assert report.added == {"users": 6, "articles": 12, "comments": 30}
    user = await memory.log_in()(Credentials("u7_001@seed.example", "password123"))
    assert user.username == "u7_001"


async def test_seeding_twice_adds_nothing(memory: Container) -> None:
    await seed(memory, SMALL)
    before = await snapshot(memory)

    again = await seed(memory, SMALL)

    assert again.added == {"users": 0, "articles": 0, "comments": 0}
    assert memory_counts(memory) == EXPECTED
    assert await snapshot(memory) == before


class Interrupted(Exception):
    pass


def interrupt_at(phase: str, after: int) -> Any:
    """A progress factory whose `phase` bar stops the run after `after` steps."""

    class Stopping(ProgressBar):
        def advance(self, steps: int = 1) -> None:
            super().advance(steps)
            if self.label == phase and self.done >= after:
                raise Interrupted(phase)

    return lambda label, total: Stopping(label, total, io.StringIO())


@pytest.mark.parametrize("phase", ["articles", "comments"])
async def test_an_interrupted_seed_resumes_without_duplicates(
    memory: Container, phase: str
) -> None:
    with pytest.raises((Interrupted, ExceptionGroup)):
        await seed(memory, SMALL, interrupt_at(phase, 5))
    assert memory_counts(memory)[phase] < EXPECTED[phase]

    await seed(memory, SMALL)

    assert memory_counts(memory) == EXPECTED


async def test_seed_on_postgresql_writes_the_same_data_as_in_memory(
    postgres: Container, memory: Container, db: AsyncEngine
) -> None:
    await seed(postgres, SMALL)
    await seed(memory, SMALL)

    assert await postgres_counts(db) == EXPECTED
    assert await snapshot(postgres) == await snapshot(memory)


async def test_seeding_postgresql_twice_adds_nothing(postgres: Container, db: AsyncEngine) -> None:
    await seed(postgres, SMALL)
    before = await snapshot(postgres)

    again = await seed(postgres, SMALL)

    assert again.added == {"users": 0, "articles": 0, "comments": 0}
    assert await postgres_counts(db) == EXPECTED
    assert await snapshot(postgres) == before


async def test_the_cli_seeds_the_database_it_is_given(db: AsyncEngine, postgres_url: str) -> None:
    command = [sys.executable, "-m", "entrypoints.cli", "seed", "--users", "3", "--articles"]
    command += ["4", "--comments", "8", "--follows-per-user", "1", "--seed", "5"]
    env = os.environ | {"DATABASE_URL": postgres_url, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(  # noqa: ASYNC221 - a short child process
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "seed 5: 3 users (3 new), 3 follows, 4 articles (4 new)" in done.stdout
    assert "comments" in done.stderr  # the progress bars
    async with db.connect() as conn:
        names = (await conn.execute(text("SELECT username FROM users ORDER BY 1"))).scalars()
        assert list(names) == ["u5_001", "u5_002", "u5_003"]
