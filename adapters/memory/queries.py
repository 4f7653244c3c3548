"""Read models computed from the committed in-memory tables."""

from __future__ import annotations

from adapters.memory import search
from adapters.memory.store import InMemoryStore, Tables
from domain.errors import UnknownUser
from domain.model import Article, ArticleId, CommentId, User, UserId
from domain.views import (
    SEARCH_WINDOW,
    ArticleFilter,
    ArticlePage,
    ArticleView,
    CommentView,
    Page,
    ProfileView,
)


def _profile(t: Tables, user: User, viewer_id: UserId | None) -> ProfileView:
    return ProfileView(
        username=user.username,
        bio=user.bio,
        image=user.image,
        following=viewer_id is not None and (viewer_id, user.id) in t.follows,
    )


def _article(t: Tables, a: Article, viewer_id: UserId | None, *, with_body: bool) -> ArticleView:
    return ArticleView(
        slug=a.slug,
        title=a.title,
        description=a.description,
        body=a.body if with_body else None,
        tags=a.tags,
        created_at=a.created_at,
        updated_at=a.updated_at,
        favorited=viewer_id is not None and (viewer_id, a.id) in t.favorites,
        favorites_count=sum(1 for _, article_id in t.favorites if article_id == a.id),
        author=_profile(t, t.users[a.author_id], viewer_id),
    )


def _ordered(articles: list[Article], ranks: dict[ArticleId, float] | None) -> list[Article]:
    """Newest first; when searching, best rank first and newest first among equals."""
    if ranks is None:
        return sorted(articles, key=lambda a: (a.created_at, a.id), reverse=True)
    return sorted(articles, key=lambda a: (ranks[a.id], a.created_at, a.id), reverse=True)


def _page(
    t: Tables,
    matches: list[Article],
    limit: int,
    offset: int,
    viewer_id: UserId | None,
    ranks: dict[ArticleId, float] | None = None,
) -> ArticlePage:
    ordered = _ordered(matches, ranks)
    return ArticlePage(
        articles=[
            _article(t, a, viewer_id, with_body=False) for a in ordered[offset : offset + limit]
        ],
        count=len(ordered),
    )


def _search(articles: list[Article], q: str) -> dict[ArticleId, float]:
    """The articles matching `q`, with ts_rank's score (see adapters/memory/search.py)."""
    terms = search.query_terms(q)
    ranks: dict[ArticleId, float] = {}
    for a in articles:
        score = search.rank(search.document(a.title, a.description, a.body), terms)
        if score is not None:
            ranks[a.id] = score
    return ranks


def _require_viewer(t: Tables, viewer_id: UserId | None) -> None:
    """A token that names no user is refused, as the PostgreSQL statements refuse it."""
    if viewer_id is not None and viewer_id not in t.users:
        raise UnknownUser()


def _user_id(t: Tables, username: str) -> UserId | None:
    return next((u.id for u in t.users.values() if u.username == username), None)


class InMemoryProfileQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def profile(self, username: str, viewer_id: UserId | None) -> ProfileView | None:
        t = self._store.committed
        _require_viewer(t, viewer_id)
        user = next((u for u in t.users.values() if u.username == username), None)
        return None if user is None else _profile(t, user, viewer_id)


class InMemoryArticleQueries:
    def __init__(self, store: InMemoryStore, search_window: int = SEARCH_WINDOW) -> None:
        self._store = store
        self._search_window = search_window

    async def article(self, slug: str, viewer_id: UserId | None) -> ArticleView | None:
        t = self._store.committed
        _require_viewer(t, viewer_id)
        found = next((a for a in t.articles.values() if a.slug == slug), None)
        return None if found is None else _article(t, found, viewer_id, with_body=True)

    async def articles(self, filters: ArticleFilter, viewer_id: UserId | None) -> ArticlePage:
        t = self._store.committed
        _require_viewer(t, viewer_id)
        matches = list(t.articles.values())
        if filters.tag is not None:
            matches = [a for a in matches if filters.tag in a.tags]
        if filters.author is not None:
            author_id = _user_id(t, filters.author)
            matches = [a for a in matches if a.author_id == author_id]
        if filters.favorited_by is not None:
            fan_id = _user_id(t, filters.favorited_by)
            favorite_ids: set[ArticleId] = {aid for uid, aid in t.favorites if uid == fan_id}
            matches = [a for a in matches if a.id in favorite_ids]
        ranks = None
        if filters.q is not None:
            ranks = _search(matches, filters.q)
            # Only the newest matches are ranked and counted, as PostgreSQL does.
            matches = _ordered([a for a in matches if a.id in ranks], None)[: self._search_window]
        return _page(t, matches, filters.limit, filters.offset, viewer_id, ranks)

    async def feed(self, viewer_id: UserId, page: Page) -> ArticlePage:
        t = self._store.committed
        _require_viewer(t, viewer_id)
        followed = {followee for follower, followee in t.follows if follower == viewer_id}
        matches = [a for a in t.articles.values() if a.author_id in followed]
        return _page(t, matches, page.limit, page.offset, viewer_id)

    async def tags(self) -> list[str]:
        t = self._store.committed
        return sorted({tag for a in t.articles.values() for tag in a.tags})


class InMemoryCommentQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def _view(self, t: Tables, comment_id: CommentId, viewer_id: UserId | None) -> CommentView:
        c = t.comments[comment_id]
        return CommentView(
            id=c.id,
            created_at=c.created_at,
            updated_at=c.created_at,
            body=c.body,
            author=_profile(t, t.users[c.author_id], viewer_id),
        )

    async def comments(self, slug: str, viewer_id: UserId | None) -> list[CommentView] | None:
        t = self._store.committed
        _require_viewer(t, viewer_id)
        article = next((a for a in t.articles.values() if a.slug == slug), None)
        if article is None:
            return None
        ids = sorted(c.id for c in t.comments.values() if c.article_id == article.id)
        return [self._view(t, cid, viewer_id) for cid in ids]

    async def comment(self, comment_id: CommentId, viewer_id: UserId | None) -> CommentView | None:
        t = self._store.committed
        return self._view(t, comment_id, viewer_id) if comment_id in t.comments else None
