"""The in-memory database: plain dicts of frozen rows, copied per transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import Any

from domain.model import Article, ArticleId, Comment, CommentId, User, UserId


@dataclass(slots=True)
class Tables:
    """One consistent state; rows are immutable, so a shallow copy is a snapshot."""

    users: dict[UserId, User] = field(default_factory=dict)
    follows: set[tuple[UserId, UserId]] = field(default_factory=set)
    articles: dict[ArticleId, Article] = field(default_factory=dict)
    favorites: set[tuple[UserId, ArticleId]] = field(default_factory=set)
    comments: dict[CommentId, Comment] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    """Shared by every copy: like PostgreSQL sequences, ids are not rolled back."""

    def copy(self) -> Tables:
        return replace(
            self,
            users=dict(self.users),
            follows=set(self.follows),
            articles=dict(self.articles),
            favorites=set(self.favorites),
            comments=dict(self.comments),
        )

    def new_id(self, table: str) -> int:
        value = self.sequences.get(table, 0) + 1
        self.sequences[table] = value
        return value


class InMemoryStore:
    """Holds the committed state; writers take turns, like serializable transactions."""

    def __init__(self) -> None:
        self.committed = Tables()
        self.write_lock = asyncio.Lock()

    def clear(self) -> None:
        self.committed = Tables()


class InMemoryStorageRuntime:
    """Nothing to start or stop, no pool, no statements: the store lives in the process."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def databases(self) -> list[dict[str, Any]] | None:
        return None

    def pool_stats(self) -> tuple[int, int] | None:
        return None

    def statements(self) -> int | None:
        return None
