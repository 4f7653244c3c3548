"""The service's own container, built for tests: every use case is wired once, in
entrypoints/container.py, and the tests put their doubles in by overriding providers (the
clock, the in-memory store, the engine, the unit of work)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.store import InMemoryStore
from application import articles, comments, profiles, users
from application.articles import ArticleDraft
from application.users import Registration
from domain.model import UserId
from domain.ports import Clock, UnitOfWork
from domain.views import ArticleView
from entrypoints.container import Container, build_container
from tests.support import make_settings

PASSWORD = "password123"


def memory_container(
    *, clock: Clock | None = None, store: InMemoryStore | None = None
) -> Container:
    """The in-memory container, on `clock` and `store` when given."""
    return _overridden(build_container(make_settings(storage="memory")), clock=clock, store=store)


def postgres_container(
    database_url: str, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> Container:
    """The PostgreSQL container, on `clock` and `engine` (then the caller's to dispose) when
    given; otherwise it makes its own engine, which `storage_runtime().stop()` disposes."""
    settings = make_settings(storage="postgres", database_url=database_url)
    return _overridden(build_container(settings), clock=clock, engine=engine)


def _overridden(container: Container, **doubles: object) -> Container:
    # Before anything is built: singletons (the token issuer has the clock) keep what they got.
    for name, double in doubles.items():
        if double is not None:
            getattr(container, name).override(providers.Object(double))
    return container


@dataclass(frozen=True, slots=True)
class Member:
    """A registered user as the tests drive it: the id for use cases, the rest for asserts."""

    id: UserId
    username: str
    email: str
    token: str


class UseCases:
    """Every use case of one container, typed, plus shortcuts to set a scene.

    Each is built by the container, with a unit of work of its own, as for a request."""

    def __init__(self, container: Container) -> None:
        c = self.container = container
        self.register_user: users.RegisterUser = c.register_user()
        self.log_in: users.LogIn = c.log_in()
        self.get_current_user: users.GetCurrentUser = c.get_current_user()
        self.update_user: users.UpdateUser = c.update_user()
        self.get_profile: profiles.GetProfile = c.get_profile()
        self.follow_profile: profiles.FollowProfile = c.follow_profile()
        self.create_article: articles.CreateArticle = c.create_article()
        self.update_article: articles.UpdateArticle = c.update_article()
        self.delete_article: articles.DeleteArticle = c.delete_article()
        self.favorite_article: articles.FavoriteArticle = c.favorite_article()
        self.get_article: articles.GetArticle = c.get_article()
        self.list_articles: articles.ListArticles = c.list_articles()
        self.get_feed: articles.GetFeed = c.get_feed()
        self.list_tags: articles.ListTags = c.list_tags()
        self.add_comment: comments.AddComment = c.add_comment()
        self.list_comments: comments.ListComments = c.list_comments()
        self.delete_comment: comments.DeleteComment = c.delete_comment()
        self._names = itertools.count(1)

    def on(self, uow: UnitOfWork) -> UseCases:
        """The same use cases, every one of them on `uow` (a double that misbehaves)."""
        with self.container.uow.override(providers.Object(uow)):
            return UseCases(self.container)

    async def member(self, username: str | None = None, password: str = PASSWORD) -> Member:
        """Register a user named `username` (or a fresh name) with `username@example.com`."""
        name = username or f"user{next(self._names)}"
        view = await self.register_user(Registration(name, f"{name}@example.com", password))
        user_id = self.container.tokens().verify(view.token)
        return Member(user_id, view.username, view.email, view.token)

    async def article(
        self,
        author: Member,
        title: str = "How to train your dragon",
        tags: Sequence[str] = (),
    ) -> ArticleView:
        draft = ArticleDraft(title, "Ever wonder how?", "Very carefully.", list(tags))
        return await self.create_article(author.id, draft)
