"""Every use case wired over one adapter set, as the container does, for tests that drive
the application layer directly (unit tests, the adapters-agree state machine)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from application import articles, comments, profiles, users
from domain.ports import (
    ArticleQueries,
    Clock,
    CommentQueries,
    PasswordHasher,
    ProfileQueries,
    TokenIssuer,
    UnitOfWork,
)


@dataclass(frozen=True, slots=True)
class Tools:
    """Shared by both stacks: one clock, so that their timestamps can agree."""

    clock: Clock
    hasher: PasswordHasher
    tokens: TokenIssuer


class Stack:
    """Every use case over one adapter set; each has its own unit of work, as in the app."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        profile_queries: ProfileQueries,
        article_queries: ArticleQueries,
        comment_queries: CommentQueries,
        tools: Tools,
    ) -> None:
        clock, hasher, tokens = tools.clock, tools.hasher, tools.tokens
        self.register_user = users.RegisterUser(uow(), hasher, tokens)
        self.log_in = users.LogIn(uow(), hasher, tokens)
        self.get_current_user = users.GetCurrentUser(uow(), tokens)
        self.update_user = users.UpdateUser(uow(), hasher, tokens)
        self.get_profile = profiles.GetProfile(profile_queries)
        self.follow_profile = profiles.FollowProfile(uow())
        self.create_article = articles.CreateArticle(uow(), article_queries, clock)
        self.update_article = articles.UpdateArticle(uow(), article_queries, clock)
        self.delete_article = articles.DeleteArticle(uow())
        self.favorite_article = articles.FavoriteArticle(uow(), article_queries)
        self.get_article = articles.GetArticle(article_queries)
        self.list_articles = articles.ListArticles(article_queries)
        self.get_feed = articles.GetFeed(article_queries)
        self.list_tags = articles.ListTags(article_queries)
        self.add_comment = comments.AddComment(uow(), comment_queries, clock)
        self.list_comments = comments.ListComments(comment_queries)
        self.delete_comment = comments.DeleteComment(uow())
