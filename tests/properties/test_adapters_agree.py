"""The same random story on the in-memory and the PostgreSQL adapters gets the same answers.

Every step calls one use case on both stacks, at the same moment of one fake clock: they
must return equal views (tokens compared by the user they name) or raise the same domain
error with the same details. After every step, on each stack, the full list of articles
must match the story: every live article and no deleted one, a count equal to the unpaged
list, favorites counted right, and no tag that no live article uses.

The story runs twice: with the feed's thresholds as shipped (every reader's feed is a walk
or a merge) and with readers heavy from two follows, so that most feeds are read from the
timelines of migration 0022, written by triggers at each step.

A failure prints the shortest story found, a @reproduce_failure blob (for the
`AdaptersAgree` class) and a seed: `pytest tests/properties/test_adapters_agree.py
--hypothesis-seed=<seed>` replays it. `make test-deep` tells more and longer stories.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import ClassVar, TypeVar

import pytest
from hypothesis import seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from application.articles import ArticleChanges, ArticleDraft
from application.comments import CommentDraft
from application.users import Credentials, Registration, UserChanges
from domain.errors import DomainError
from domain.views import (
    MAX_LIMIT,
    ArticleFilter,
    ArticlePage,
    ArticleView,
    CommentView,
    Page,
    UserView,
)
from tests.fakes import FakeClock
from tests.integration.support import SQL_CONSTANTS, replace_constant
from tests.properties.stacks import Twins
from tests.properties.stories import (
    NAMES,
    PASSWORD,
    TAGS,
    Account,
    Post,
    Remark,
    Story,
    any_emails,
    any_passwords,
    article_changes,
    comment_bodies,
    drafts,
    id_of,
    limits,
    maybe_name_of,
    name_of,
    offsets,
    registrations,
    searches,
    slug_guesses,
    slug_of,
    user_changes,
)
from tests.use_cases import UseCases

T = TypeVar("T")

TICK = timedelta(milliseconds=1)


class AdaptersAgree(RuleBasedStateMachine):
    postgres_url: ClassVar[str] = ""
    """Set by the test from the session's PostgreSQL."""

    users: Bundle[Account] = Bundle("users")
    articles: Bundle[Post] = Bundle("articles")
    comments: Bundle[Remark] = Bundle("comments")
    profiles = users | st.sampled_from(NAMES)
    slugs = articles | slug_guesses
    viewers = st.none() | users

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.twins = Twins(self.postgres_url, self.clock)
        self.story = Story()

    def teardown(self) -> None:
        self.twins.close()

    def _both(
        self, call: Callable[[UseCases], Awaitable[T]], *, tick: bool = True
    ) -> T | DomainError:
        """One step: the shared clock moves on (unless told not to), then both stacks answer."""
        if tick:
            self.clock.advance(TICK)
        return self.twins.agree(call)

    def _register(self, registration: Registration) -> Account | None:
        view = self._both(lambda s: s.register_user(registration))
        if isinstance(view, DomainError):
            return None
        assert registration.password is not None
        user_id = self.twins.tokens.verify(view.token)
        account = Account(user_id, view.username, view.email, registration.password)
        self.story.accounts.append(account)
        return account

    def _create(self, author: Account, draft: ArticleDraft, *, tick: bool = True) -> Post | None:
        view = self._both(lambda s: s.create_article(author.id, draft), tick=tick)
        if isinstance(view, DomainError):
            return None
        post = Post(view.slug, author)
        self.story.posts.append(post)
        return post

    @initialize(
        target=users,
        names=st.lists(st.sampled_from(NAMES[:-1]), min_size=2, unique_by=str.lower),
    )
    def founders(self, names: list[str]) -> MultipleResults[Account]:
        accounts = [
            self._register(Registration(name, f"{name}@example.com", PASSWORD)) for name in names
        ]
        assert None not in accounts
        return multiple(*(account for account in accounts if account is not None))

    @initialize(target=articles)
    def opening_article(self) -> Post:
        """dave wrote "Hello" before the story begins, so that every story has an article."""
        writer = self._register(Registration(NAMES[-1], "dave@example.com", PASSWORD))
        assert writer is not None
        post = self._create(writer, ArticleDraft("Hello", "Dragons", "Carefully.", ["dragons"]))
        assert post is not None
        return post

    @rule(target=users, registration=registrations)
    def register(self, registration: Registration) -> MultipleResults[Account]:
        account = self._register(registration)
        return multiple() if account is None else multiple(account)

    @rule(account=users, right=st.booleans())
    def log_in(self, account: Account, right: bool) -> None:
        password = account.password if right else account.password + "!"
        view = self._both(lambda s: s.log_in(Credentials(account.email, password)))
        assert isinstance(view, UserView) is right, view

    @rule(email=any_emails, password=any_passwords)
    def log_in_with_anything(self, email: str | None, password: str | None) -> None:
        self._both(lambda s: s.log_in(Credentials(email, password)))

    @rule(account=users)
    def current_user(self, account: Account) -> None:
        view = self._both(lambda s: s.get_current_user(account.id))
        assert isinstance(view, UserView) and view.username == account.username, view

    @rule(account=users, changes=user_changes)
    def update_user(self, account: Account, changes: UserChanges) -> None:
        view = self._both(lambda s: s.update_user(account.id, changes))
        if isinstance(view, UserView):
            account.username, account.email = view.username, view.email
            if "password" in changes.sent and changes.password is not None:
                account.password = changes.password

    @rule(viewer=users, whom=profiles, follow=st.booleans())
    def follow(self, viewer: Account, whom: Account | str, follow: bool) -> None:
        name = name_of(whom)
        self._both(lambda s: s.follow_profile(viewer.id, name, follow=follow))

    @rule(viewer=viewers, whom=profiles)
    def get_profile(self, viewer: Account | None, whom: Account | str) -> None:
        name = name_of(whom)
        self._both(lambda s: s.get_profile(name, id_of(viewer)))

    @rule(target=articles, author=users, burst=st.lists(drafts, min_size=1, max_size=2))
    def create_articles(self, author: Account, burst: list[ArticleDraft]) -> MultipleResults[Post]:
        """One or two articles in the same millisecond: the newest-first order needs its ids."""
        created = [self._create(author, draft, tick=n == 0) for n, draft in enumerate(burst)]
        return multiple(*(post for post in created if post is not None))

    @rule(someone=users, as_author=st.booleans(), article=articles, changes=article_changes)
    def update_article(
        self, someone: Account, as_author: bool, article: Post, changes: ArticleChanges
    ) -> None:
        slug = article.slug
        viewer = self.story.viewer(someone, as_author, slug)
        view = self._both(lambda s: s.update_article(viewer.id, slug, changes))
        if isinstance(view, ArticleView):
            self.story.owner(slug).slug = view.slug

    @rule(
        target=articles,
        someone=users,
        as_author=st.booleans(),
        article=consumes(articles) | slug_guesses,
    )
    def delete_article(
        self, someone: Account, as_author: bool, article: Post | str
    ) -> MultipleResults[Post]:
        """An article goes back to the bundle unless deleted: the other rules rarely miss."""
        slug = slug_of(article)
        viewer = self.story.viewer(someone, as_author, slug)
        if self._both(lambda s: s.delete_article(viewer.id, slug)) is None:
            self.story.delete(slug)
        if isinstance(article, Post) and article.live:
            return multiple(article)
        return multiple()

    @rule(viewer=users, article=slugs, favorite=st.booleans())
    def favorite(self, viewer: Account, article: Post | str, favorite: bool) -> None:
        slug = slug_of(article)
        view = self._both(lambda s: s.favorite_article(viewer.id, slug, favorite=favorite))
        if isinstance(view, ArticleView):
            assert view.favorited is favorite
            self.story.favorite(viewer.id, slug, favorite=favorite)

    @rule(viewer=viewers, article=slugs)
    def get_article(self, viewer: Account | None, article: Post | str) -> None:
        slug = slug_of(article)
        self._both(lambda s: s.get_article(slug, id_of(viewer)))

    def _comment(self, author: Account, slug: str, body: str | None) -> CommentView | None:
        view = self._both(lambda s: s.add_comment(author.id, slug, CommentDraft(body)))
        return None if isinstance(view, DomainError) else view

    @rule(
        target=comments,
        author=users,
        article=slugs,
        bodies=st.lists(comment_bodies, min_size=1, max_size=2),
    )
    def add_comments(
        self, author: Account, article: Post | str, bodies: list[str | None]
    ) -> MultipleResults[Remark]:
        """A comment or two on one article: they come last in its list, in creation order."""
        slug = slug_of(article)
        added = [view for body in bodies if (view := self._comment(author, slug, body))]
        if added:
            listed = self._both(lambda s: s.list_comments(slug, author.id), tick=False)
            assert isinstance(listed, list) and listed[-len(added) :] == added
        return multiple(*(Remark(view.id, self.story.owner(slug), author) for view in added))

    @rule(someone=users, as_author=st.booleans(), remark=comments, elsewhere=st.none() | slugs)
    def delete_comment(
        self, someone: Account, as_author: bool, remark: Remark, elsewhere: Post | str | None
    ) -> None:
        viewer = remark.author if as_author else someone
        slug = slug_of(remark.on if elsewhere is None else elsewhere)
        if self._both(lambda s: s.delete_comment(viewer.id, slug, remark.id)) is None:
            listed = self._both(lambda s: s.list_comments(slug, None), tick=False)
            assert isinstance(listed, list) and remark.id not in {c.id for c in listed}

    @rule(viewer=viewers, article=slugs)
    def list_comments(self, viewer: Account | None, article: Post | str) -> None:
        slug = slug_of(article)
        self._both(lambda s: s.list_comments(slug, id_of(viewer)))

    @rule(
        viewer=viewers,
        tag=st.none() | st.sampled_from(TAGS),
        author=st.none() | profiles,
        favorited=st.none() | profiles,
        q=st.none() | searches,
        limit=limits,
        offset=offsets,
    )
    def list_articles(
        self,
        viewer: Account | None,
        tag: str | None,
        author: Account | str | None,
        favorited: Account | str | None,
        q: str | None,
        limit: int,
        offset: int,
    ) -> None:
        names = maybe_name_of(author), maybe_name_of(favorited)
        filters = ArticleFilter(tag, *names, limit=limit, offset=offset, q=q)
        unpaged = replace(filters, limit=MAX_LIMIT, offset=0)
        page = self._both(lambda s: s.list_articles(filters, id_of(viewer)))
        everything = self._both(lambda s: s.list_articles(unpaged, id_of(viewer)), tick=False)
        assert isinstance(page, ArticlePage) and isinstance(everything, ArticlePage)
        assert page.count == everything.count == len(everything.articles)
        assert page.articles == everything.articles[offset : offset + limit]
        liked = None if filters.favorited_by is None else self.story.liked_by(filters.favorited_by)
        for listed in everything.articles:
            assert tag is None or tag in listed.tags
            assert filters.author is None or listed.author.username == filters.author
            assert liked is None or listed.slug in liked

    @rule(viewer=users, limit=limits, offset=offsets)
    def feed(self, viewer: Account, limit: int, offset: int) -> None:
        page = self._both(lambda s: s.get_feed(viewer.id, Page(limit, offset)))
        assert isinstance(page, ArticlePage)
        assert all(listed.author.following for listed in page.articles)
        assert {listed.slug for listed in page.articles} <= self.story.live_slugs()

    @rule()
    def list_tags(self) -> None:
        self._both(lambda s: s.list_tags())

    @invariant()
    def lists_match_the_story(self) -> None:
        everything = ArticleFilter(limit=MAX_LIMIT)
        pages = self.twins.each(lambda s: s.list_articles(everything, None))
        tags = self.twins.each(lambda s: s.list_tags())
        for stack, page in pages.items():
            counts = {listed.slug: listed.favorites_count for listed in page.articles}
            assert page.count == len(page.articles), stack
            assert counts == self.story.favorites_counts(), stack
            used = {tag for listed in page.articles for tag in listed.tags}
            assert tags[stack] == sorted(used), stack
        assert pages["memory"] == pages["postgres"] and tags["memory"] == tags["postgres"]


def _heavy_readers_from(postgres_url: str, follows: int) -> None:
    async def replace() -> None:
        engine = create_async_engine(postgres_url, poolclass=pool.NullPool)
        try:
            await replace_constant(engine, "feed_filter_min", follows)
        finally:
            await engine.dispose()

    asyncio.run(replace())


@pytest.mark.parametrize(
    "heavy_from",
    [SQL_CONSTANTS["feed_filter_min"], 2],
    ids=["walks-and-merges", "timelines-from-two-follows"],
)
def test_adapters_agree(
    postgres_url: str, story_settings: settings, request: pytest.FixtureRequest, heavy_from: int
) -> None:
    AdaptersAgree.postgres_url = postgres_url
    _heavy_readers_from(postgres_url, heavy_from)
    request.addfinalizer(
        lambda: _heavy_readers_from(postgres_url, SQL_CONSTANTS["feed_filter_min"])
    )
    # Chosen here rather than by hypothesis, so that every failure can name it.
    forced = request.config.getoption("hypothesis_seed", None)
    story_seed = forced if forced is not None else random.getrandbits(64)
    machine = AdaptersAgree if forced is not None else seed(story_seed)(AdaptersAgree)
    try:
        run_state_machine_as_test(machine, settings=story_settings)
    except Exception as failure:
        failure.add_note(f"Replay: pytest '{request.node.nodeid}' --hypothesis-seed={story_seed}")
        raise
