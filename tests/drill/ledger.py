"""Every write the service acknowledged, and the check that the final primary still has it.

A write whose outcome the drill cannot know (a transport error, a timeout, a 5xx) may or
may not have committed: it is never counted as acknowledged, and where it could have
changed what an acknowledged write left behind (a later bio, a delete), either outcome
passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg


@dataclass
class Ledger:
    articles: dict[str, str] = field(default_factory=dict)
    """slug: title of every acknowledged article (the drill deletes none)."""
    comments: dict[int, str] = field(default_factory=dict)
    """id: body of every acknowledged comment."""
    deleted_comments: set[int] = field(default_factory=set)
    """Comments whose delete was acknowledged: they must be gone."""
    doubtful_comments: set[int] = field(default_factory=set)
    """Comments whose delete was sent without a clear answer: present or gone both pass."""
    favorites: set[tuple[str, str]] = field(default_factory=set)
    """(username, slug) of every acknowledged favorite (the drill unfavorites none)."""
    bios: dict[str, str] = field(default_factory=dict)
    """The last acknowledged bio of each user."""
    later_bios: dict[str, set[str]] = field(default_factory=dict)
    """Bios a user sent after their last acknowledged one, with no clear answer."""

    def bio_sent(self, username: str, bio: str) -> None:
        self.later_bios.setdefault(username, set()).add(bio)

    def bio_acknowledged(self, username: str, bio: str) -> None:
        self.bios[username] = bio
        self.later_bios[username] = set()

    @property
    def acknowledged(self) -> int:
        return (
            len(self.articles)
            + len(self.comments)
            + len(self.deleted_comments)
            + len(self.favorites)
            + len(self.bios)
        )


@dataclass
class LostWrites:
    checked: int
    lost: list[str]
    summary: str
    """What was looked up, by kind."""


async def find_lost_writes(dsn: str, ledger: Ledger) -> LostWrites:
    """Each acknowledged write, looked up on the server at `dsn` (the final primary)."""
    conn = await asyncpg.connect(dsn)
    try:
        titles = dict(
            await conn.fetch(
                "SELECT slug, title FROM articles WHERE slug = ANY($1::text[])",
                list(ledger.articles),
            )
        )
        present = {
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM comments WHERE id = ANY($1::bigint[])", list(ledger.comments)
            )
        }
        favorites = {
            (row["username"], row["slug"])
            for row in await conn.fetch(
                """SELECT u.username, a.slug FROM favorites f
                   JOIN users u ON u.id = f.user_id JOIN articles a ON a.id = f.article_id
                   WHERE u.username = ANY($1::text[])""",
                list({username for username, _ in ledger.favorites}),
            )
        }
        bios = dict(
            await conn.fetch(
                "SELECT username, bio FROM users WHERE username = ANY($1::text[])",
                list(ledger.bios),
            )
        )
    finally:
        await conn.close()
    lost = [
        f"article {slug!r}: title {titles.get(slug)!r}, acknowledged {title!r}"
        for slug, title in ledger.articles.items()
        if titles.get(slug) != title
    ]
    for comment_id in ledger.comments:
        if comment_id in ledger.doubtful_comments:
            continue
        deleted = comment_id in ledger.deleted_comments
        if deleted == (comment_id in present):
            lost.append(f"comment {comment_id}: {'still there' if deleted else 'missing'}")
    lost += [f"favorite {pair}: missing" for pair in sorted(ledger.favorites - favorites)]
    for username, bio in ledger.bios.items():
        if bios.get(username) != bio and bios.get(username) not in ledger.later_bios[username]:
            lost.append(f"bio of {username}: {bios.get(username)!r}, acknowledged {bio!r}")
    summary = (
        f"{len(ledger.articles)} articles, {len(ledger.comments)} comments"
        f" ({len(ledger.deleted_comments)} deleted, {len(ledger.doubtful_comments)} with a"
        f" delete unanswered), {len(ledger.favorites)} favorites, {len(ledger.bios)} bios"
    )
    return LostWrites(ledger.acknowledged, lost, summary)
