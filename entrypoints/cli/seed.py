"""Demo data through the use cases: `python -m entrypoints.cli seed` (`make seed`).

Everything is written by the use cases the API calls (RegisterUser, FollowProfile,
CreateArticle, FavoriteArticle, AddComment), so seeded data obeys every rule real data
does. The content is a pure function of the options (seed_plan.py); running the same
command again adds only what is missing, so it never duplicates anything and finishes
an interrupted run.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from application.articles import ArticleDraft
from application.comments import CommentDraft
from application.users import Credentials, Registration
from domain.errors import Conflict
from domain.model import UserId
from domain.views import MAX_LIMIT, ArticleFilter
from entrypoints.cli.progress import ProgressBar
from entrypoints.cli.seed_plan import PlannedComment, SeedOptions, SeedPlan, plan
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings

PASSWORD = "password123"
"""Every seeded user's password (documented in the README)."""
CONCURRENCY = 8
"""Use cases in flight at once (well under the pool's 20 connections)."""

CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}
"""Seeded users' hashes: their password is public anyway, so hashing fast costs nothing.
The cost is stored in each hash, so they sign in under any server setting."""

Progress = Callable[[str, int], ProgressBar | None]
"""Makes the bar of one phase (label, total), or None for no bar."""


def no_progress(label: str, total: int) -> None:
    return None


@dataclass(slots=True)
class Seeded:
    """Rows of each kind in the plan, and how many of them this run added.

    Follows and favorites are sets: a run asserts them all, so they have no `added`."""

    planned: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return ", ".join(
            f"{n} {kind}" + (f" ({self.added[kind]} new)" if kind in self.added else "")
            for kind, n in self.planned.items()
        )


def seeding_container(settings: Settings) -> Container:
    """The service's own container (same adapters, same use cases) with CHEAP_ARGON2."""
    return build_container(settings.model_copy(update=CHEAP_ARGON2))


async def seed(
    container: Container, options: SeedOptions, progress: Progress = no_progress
) -> Seeded:
    """Write `plan(options)` through the use cases, skipping whatever is already there."""
    run = _Run(container, plan(options), progress)
    await run.users()
    await run.follows()
    await run.articles()
    await run.favorites()
    await run.comments()
    return run.report


class _Bar:
    """A phase's progress bar, or nothing."""

    def __init__(self, progress: Progress, label: str, total: int) -> None:
        self._bar = progress(label, total)

    def tick(self) -> None:
        if self._bar is not None:
            self._bar.advance()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


async def _concurrently(jobs: Iterable[Callable[[], Awaitable[None]]]) -> None:
    """Run `jobs`, CONCURRENCY at a time."""
    queue = iter(jobs)

    async def worker() -> None:
        for job in queue:
            await job()

    # A TaskGroup: the first failure cancels the other workers.
    async with asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(worker())


class _Run:
    def __init__(self, container: Container, the_plan: SeedPlan, progress: Progress) -> None:
        self.c = container
        self.plan = the_plan
        self.progress = progress
        self.report = Seeded()
        self.ids: dict[int, UserId] = {}
        self.new_users: set[int] = set()
        self.slugs: list[str] = []
        self.new_articles: set[int] = set()

    async def users(self) -> None:
        bar = _Bar(self.progress, "users", len(self.plan.usernames))

        async def register(n: int) -> None:
            name, email = self.plan.usernames[n], self.plan.email(n)
            try:
                view = await self.c.register_user()(Registration(name, email, PASSWORD))
                self.new_users.add(n)
            except Conflict:
                # Registered by an earlier run: signing in tells us the id.
                view = await self.c.log_in()(Credentials(email, PASSWORD))
            self.ids[n] = self.c.tokens().verify(view.token)
            bar.tick()

        await _concurrently(_bind(register, n) for n in range(len(self.plan.usernames)))
        bar.close()
        self._count("users", len(self.new_users), len(self.plan.usernames))

    async def follows(self) -> None:
        bar = _Bar(self.progress, "follows", len(self.plan.follows))

        async def follow(follower: int, followee: int) -> None:
            username = self.plan.usernames[followee]
            await self.c.follow_profile()(self.ids[follower], username, follow=True)
            bar.tick()

        # Following is idempotent: a second run re-asserts the same pairs.
        await _concurrently(_bind(follow, *pair) for pair in self.plan.follows)
        bar.close()
        self.report.planned["follows"] = len(self.plan.follows)

    async def articles(self) -> None:
        """One at a time, in plan order, so the newest-first order is the same every run."""
        existing: dict[tuple[int, str], str] = {}
        for author in sorted({a.author for a in self.plan.articles} - self.new_users):
            for title, known in await self._titles_and_slugs(self.plan.usernames[author]):
                existing[(author, title)] = known
        bar = _Bar(self.progress, "articles", len(self.plan.articles))
        for n, planned in enumerate(self.plan.articles):
            slug = existing.get((planned.author, planned.title))
            if slug is None:
                draft = ArticleDraft(planned.title, planned.description, planned.body, planned.tags)
                slug = (await self.c.create_article()(self.ids[planned.author], draft)).slug
                self.new_articles.add(n)
            self.slugs.append(slug)
            bar.tick()
        bar.close()
        self._count("articles", len(self.new_articles), len(self.plan.articles))

    async def _titles_and_slugs(self, username: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        while True:
            page = await self.c.list_articles()(
                ArticleFilter(author=username, limit=MAX_LIMIT, offset=len(found)), None
            )
            found += [(article.title, article.slug) for article in page.articles]
            if len(found) >= page.count or not page.articles:
                return found

    async def favorites(self) -> None:
        bar = _Bar(self.progress, "favorites", len(self.plan.favorites))

        async def favorite(user: int, article: int) -> None:
            await self.c.favorite_article()(self.ids[user], self.slugs[article], favorite=True)
            bar.tick()

        # Favoriting is idempotent too.
        await _concurrently(_bind(favorite, *pair) for pair in self.plan.favorites)
        bar.close()
        self.report.planned["favorites"] = len(self.plan.favorites)

    async def comments(self) -> None:
        """An article's comments go in plan order; different articles side by side."""
        by_article: dict[int, list[PlannedComment]] = {}
        for planned in self.plan.comments:
            by_article.setdefault(planned.article, []).append(planned)
        bar = _Bar(self.progress, "comments", len(self.plan.comments))
        added = 0

        async def comment_on(article: int) -> None:
            nonlocal added
            slug = self.slugs[article]
            there: Counter[tuple[str, str]] = Counter()
            if article not in self.new_articles:
                listed = await self.c.list_comments()(slug, None)
                there.update((comment.author.username, comment.body) for comment in listed)
            for planned in by_article[article]:
                key = (self.plan.usernames[planned.author], planned.body)
                if there[key] > 0:
                    there[key] -= 1
                else:
                    await self.c.add_comment()(self.ids[planned.author], slug, CommentDraft(key[1]))
                    added += 1
                bar.tick()

        await _concurrently(_bind(comment_on, article) for article in by_article)
        bar.close()
        self._count("comments", added, len(self.plan.comments))

    def _count(self, kind: str, added: int, planned: int) -> None:
        self.report.planned[kind] = planned
        self.report.added[kind] = added


def _bind(job: Callable[..., Awaitable[None]], *args: int) -> Callable[[], Awaitable[None]]:
    return lambda: job(*args)


__all__ = ["PASSWORD", "Progress", "SeedOptions", "Seeded", "no_progress", "seed"]
