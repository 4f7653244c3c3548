"""The load: K users, each writing through one instance and at once reading the write back
through the other (read-your-writes across instances), with no think time.

A read that answers 2xx (or 404 for what was just created) without the acknowledged write
is a read-your-writes violation. Every acknowledged write goes into the ledger.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.drill.balancer import Answer, Balancer
from tests.drill.ledger import Ledger
from tests.drill.timeline import Timeline

PASSWORD = "drill-password-1"
SHOWN_VIOLATIONS = 5
"""The first few violations go to the timeline with their details; all are counted."""


@dataclass
class DrillUser:
    username: str
    token: str
    articles: list[str] = field(default_factory=list)
    comments: list[tuple[str, int]] = field(default_factory=list)
    """(slug, id) of this user's comments not deleted yet, oldest first."""
    following: dict[str, bool] = field(default_factory=dict)
    favorited: set[str] = field(default_factory=set)
    turn: int = 0

    def next_turn(self) -> tuple[int, int]:
        """(write instance, read instance): the other one each time."""
        self.turn += 1
        return self.turn % 2, (self.turn + 1) % 2


async def register(balancer: Balancer, username: str, preferred: int) -> DrillUser:
    body = {"user": {"username": username, "email": f"{username}@drill.test", "password": PASSWORD}}
    answer = await balancer.send(preferred, "POST", "/api/users", body=body)
    if answer.status != "201":
        raise RuntimeError(f"registering {username}: {answer.status} {answer.body}")
    return DrillUser(username, answer.body["user"]["token"])


Check = Callable[[Any], bool]


class Load:
    def __init__(
        self, balancer: Balancer, ledger: Ledger, timeline: Timeline, users: list[DrillUser]
    ) -> None:
        self.balancer = balancer
        self.ledger = ledger
        self.timeline = timeline
        self.users = users
        self.violations: list[str] = []
        self._pool: list[tuple[str, str]] = []
        """(author, slug) of acknowledged articles: what users favorite."""
        self._random = random.Random(1)
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(user), name=f"load-{user.username}")
            for user in self.users
        ]

    async def stop(self) -> None:
        """Each user finishes the write and read in hand, then stops."""
        self._stopping = True
        await asyncio.gather(*self._tasks)

    async def _run(self, user: DrillUser) -> None:
        steps: list[Callable[[DrillUser], Awaitable[None]]] = [
            self._create_article,
            self._add_comment,
            self._favorite,
            self._update_bio,
            self._toggle_follow,
            self._delete_comment,
        ]
        while not self._stopping:
            for step in steps:
                if self._stopping:
                    return
                try:
                    await step(user)
                except (KeyError, TypeError, ValueError) as error:
                    # A 2xx whose body lacks what the contract promises: say so, go on.
                    self.timeline.say(f"malformed answer to {user.username}: {error!r}")
            await self.balancer.send(user.turn, "GET", "/api/articles?limit=10")
            await self.balancer.send(user.turn + 1, "GET", "/api/tags")

    # --- the writes and their reads ---------------------------------------------------

    async def _create_article(self, user: DrillUser) -> None:
        write, read = user.next_turn()
        title = f"Drill {user.username} {user.turn}"
        article = {"title": title, "description": "game day", "body": "x", "tagList": ["drill"]}
        answer = await self._write(write, "POST", "/api/articles", user, {"article": article})
        if not answer.ok:
            return
        slug = answer.body["article"]["slug"]
        self.ledger.articles[slug] = title
        user.articles.append(slug)
        self._pool.append((user.username, slug))
        await self._check(
            user, read, f"/api/articles/{slug}", lambda b: b["article"]["title"] == title
        )
        await self._check(
            user,
            read,
            f"/api/articles?author={user.username}&limit=1",
            lambda b: b["articles"][0]["slug"] == slug,
        )

    async def _add_comment(self, user: DrillUser) -> None:
        if not user.articles:
            return
        write, read = user.next_turn()
        slug, text = user.articles[-1], f"comment {user.username} {user.turn}"
        path = f"/api/articles/{slug}/comments"
        answer = await self._write(write, "POST", path, user, {"comment": {"body": text}})
        if not answer.ok:
            return
        comment_id = int(answer.body["comment"]["id"])
        self.ledger.comments[comment_id] = text
        user.comments.append((slug, comment_id))
        await self._check(user, read, path, lambda b: _has_comment(b, comment_id))

    async def _favorite(self, user: DrillUser) -> None:
        recent = [
            slug
            for author, slug in self._pool[-64:]
            if author != user.username and slug not in user.favorited
        ]
        if not recent:
            return
        write, read = user.next_turn()
        slug = self._random.choice(recent)
        answer = await self._write(write, "POST", f"/api/articles/{slug}/favorite", user)
        if not answer.ok:
            return
        user.favorited.add(slug)
        self.ledger.favorites.add((user.username, slug))
        await self._check(user, read, f"/api/articles/{slug}", lambda b: b["article"]["favorited"])

    async def _update_bio(self, user: DrillUser) -> None:
        write, read = user.next_turn()
        bio = f"bio {user.username} {user.turn}"
        self.ledger.bio_sent(user.username, bio)
        answer = await self._write(write, "PUT", "/api/user", user, {"user": {"bio": bio}})
        if not answer.ok:
            return
        self.ledger.bio_acknowledged(user.username, bio)
        path = f"/api/profiles/{user.username}"
        await self._check(user, read, path, lambda b: b["profile"]["bio"] == bio)

    async def _toggle_follow(self, user: DrillUser) -> None:
        others = [other.username for other in self.users if other is not user]
        target = self._random.choice(others)
        follow = not user.following.get(target, False)
        write, read = user.next_turn()
        path = f"/api/profiles/{target}"
        answer = await self._write(write, "POST" if follow else "DELETE", f"{path}/follow", user)
        if not answer.ok:
            return
        # Following is a set: whatever earlier unanswered requests did, this one decides.
        user.following[target] = follow
        await self._check(user, read, path, lambda b: b["profile"]["following"] is follow)

    async def _delete_comment(self, user: DrillUser) -> None:
        if not user.comments:
            return
        write, read = user.next_turn()
        slug, comment_id = user.comments.pop(0)
        path = f"/api/articles/{slug}/comments"
        answer = await self._write(write, "DELETE", f"{path}/{comment_id}", user)
        if not answer.ok:
            # Sent, never answered clearly: it may be gone or not.
            self.ledger.doubtful_comments.add(comment_id)
            return
        self.ledger.deleted_comments.add(comment_id)
        await self._check(user, read, path, lambda b: not _has_comment(b, comment_id))

    # --- plumbing ---------------------------------------------------------------------

    async def _write(
        self, preferred: int, method: str, path: str, user: DrillUser, body: Any = None
    ) -> Answer:
        return await self.balancer.send(
            preferred, method, path, token=user.token, body=body, write=True
        )

    async def _check(self, user: DrillUser, preferred: int, path: str, shows: Check) -> None:
        """Read `path` as `user` right after their write; count it if the write is missing."""
        phase = self.balancer.recorder.current
        answer = await self.balancer.send(preferred, "GET", path, token=user.token)
        if answer.ok:
            try:
                if shows(answer.body):
                    return
            except (KeyError, IndexError, TypeError):
                pass  # a body without the write in it: the same violation
        elif answer.status != "404":
            return  # no answer to judge (counted as non-2xx)
        if phase is not None:
            phase.violations += 1
        detail = f"{user.username} GET {path} -> {answer.status} {str(answer.body)[:200]}"
        self.violations.append(detail)
        if len(self.violations) <= SHOWN_VIOLATIONS:
            self.timeline.say(f"read-your-writes violation: {detail}")


def _has_comment(body: Any, comment_id: int) -> bool:
    return any(comment["id"] == comment_id for comment in body["comments"])
