"""What `seed` writes: a pure function of its options, so a seed always means the same data."""

from __future__ import annotations

import random
from dataclasses import dataclass

TAG_NAMES = (
    "dragons",
    "training",
    "python",
    "postgresql",
    "testing",
    "architecture",
    "databases",
    "performance",
    "security",
    "async",
    "design",
    "devops",
    "career",
    "frontend",
    "rust",
    "writing",
    "open-source",
    "ux",
    "go",
    "history",
)
_ADJECTIVES = (
    "quiet", "hidden", "practical", "brave", "tiny", "ancient", "honest", "curious",
    "patient", "modern", "gentle", "stubborn", "elegant", "forgotten", "wild", "careful",
)  # fmt: skip
_NOUNS = (
    "dragon", "database", "index", "queue", "garden", "library", "compiler", "river",
    "migration", "lighthouse", "kitchen", "protocol", "mountain", "cache", "teacher", "map",
)  # fmt: skip
_VERBS = (
    "train", "tame", "debug", "measure", "rebuild", "explain", "ship", "refactor",
    "observe", "feed", "deploy", "sketch", "profile", "document", "scale", "question",
)  # fmt: skip
_WORDS = _ADJECTIVES + _NOUNS + _VERBS + (
    "the", "a", "with", "without", "before", "after", "every", "because", "and", "slowly",
    "at", "night", "in", "production", "on", "Tuesday", "together", "again", "lock", "row",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SeedOptions:
    users: int = 50
    articles: int = 500
    comments: int = 5000
    follows_per_user: int = 10
    favorites_per_article: int = 3
    tags: int = 20
    seed: int = 1

    def __post_init__(self) -> None:
        for name in ("users", "articles", "comments", "follows_per_user"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.favorites_per_article < 0 or self.tags < 0:
            raise ValueError("favorites per article and tags must not be negative")
        if self.users == 0 and (self.articles or self.comments):
            raise ValueError("articles and comments need at least one user")
        if self.articles == 0 and self.comments:
            raise ValueError("comments need at least one article")


@dataclass(frozen=True, slots=True)
class PlannedArticle:
    author: int
    """Index into SeedPlan.usernames, as are every user reference below."""
    title: str
    description: str
    body: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlannedComment:
    author: int
    article: int
    """Index into SeedPlan.articles."""
    body: str


@dataclass(frozen=True, slots=True)
class SeedPlan:
    usernames: tuple[str, ...]
    follows: tuple[tuple[int, int], ...]
    """(follower, followee)."""
    articles: tuple[PlannedArticle, ...]
    favorites: tuple[tuple[int, int], ...]
    """(user, article)."""
    comments: tuple[PlannedComment, ...]

    def email(self, user: int) -> str:
        return f"{self.usernames[user]}@seed.example"


def plan(options: SeedOptions) -> SeedPlan:
    """The seeded data for `options`; the same options always give the same plan."""
    rng = random.Random(options.seed)  # noqa: S311 - demo data, not secrets
    usernames = tuple(f"u{options.seed}_{n:03d}" for n in range(1, options.users + 1))
    pool = _tag_pool(options.tags)
    return SeedPlan(
        usernames=usernames,
        follows=_follows(rng, options.users, options.follows_per_user),
        articles=_articles(rng, options.users, options.articles, pool),
        favorites=_favorites(rng, options.users, options.articles, options.favorites_per_article),
        comments=tuple(
            PlannedComment(
                rng.randrange(options.users), n % options.articles, _sentences(rng, 1, 3)
            )
            for n in range(options.comments)
        ),
    )


def _tag_pool(size: int) -> tuple[str, ...]:
    extra = tuple(f"topic-{n}" for n in range(len(TAG_NAMES) + 1, size + 1))
    return (TAG_NAMES + extra)[:size]


def _follows(rng: random.Random, users: int, per_user: int) -> tuple[tuple[int, int], ...]:
    pairs: list[tuple[int, int]] = []
    for follower in range(users):
        others = [n for n in range(users) if n != follower]
        pairs += [
            (follower, followee) for followee in rng.sample(others, min(per_user, len(others)))
        ]
    return tuple(pairs)


def _favorites(
    rng: random.Random, users: int, articles: int, per_article: int
) -> tuple[tuple[int, int], ...]:
    """About `per_article` fans per article: distinct (user, article) pairs drawn at random."""
    total = min(articles * per_article, articles * users)
    cells = sorted(rng.sample(range(articles * users), total))
    return tuple((cell % users, cell // users) for cell in cells)


def _articles(
    rng: random.Random, users: int, count: int, pool: tuple[str, ...]
) -> tuple[PlannedArticle, ...]:
    titles: set[str] = set()
    planned: list[PlannedArticle] = []
    while len(planned) < count:
        title = _title(rng)
        if title in titles:
            continue
        titles.add(title)
        tags = tuple(sorted(rng.sample(pool, min(rng.randint(2, 4), len(pool)))))
        planned.append(
            PlannedArticle(rng.randrange(users), title, _sentences(rng, 1, 1), _body(rng), tags)
        )
    return tuple(planned)


def _title(rng: random.Random) -> str:
    shapes = (
        "How to {verb} a {adjective} {noun}",
        "The {adjective} {noun}",
        "Why every {noun} needs a {adjective} {noun2}",
        "{Verb} the {noun}, {verb2} the {noun2}",
        "Notes on the {adjective} {noun} of {noun2}",
    )
    text = rng.choice(shapes).format(
        verb=rng.choice(_VERBS),
        verb2=rng.choice(_VERBS),
        Verb=rng.choice(_VERBS).capitalize(),
        adjective=rng.choice(_ADJECTIVES),
        noun=rng.choice(_NOUNS),
        noun2=rng.choice(_NOUNS),
    )
    return text[0].upper() + text[1:]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 14))]
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", "!", "?"))


def _sentences(rng: random.Random, low: int, high: int) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(low, high)))


BODY_MIN, BODY_MAX = 1024, 2048


def _body(rng: random.Random) -> str:
    """Markdown of 1-2 KB: headings, paragraphs, a list, sometimes code or a quote."""
    target = rng.randint(BODY_MIN + 100, BODY_MAX - 150)
    blocks = [_sentences(rng, 2, 4), _block(rng, "heading"), _block(rng, "list")]
    while len("\n\n".join(blocks)) < target:
        block = _block(rng)
        if len("\n\n".join([*blocks, block])) >= BODY_MAX:
            break
        blocks.append(block)
    return "\n\n".join(blocks) + "\n"


def _block(rng: random.Random, kind: str | None = None) -> str:
    kind = kind or rng.choice(("heading", "paragraph", "paragraph", "list", "code", "quote"))
    if kind == "heading":
        return f"## {rng.choice(_ADJECTIVES).capitalize()} {rng.choice(_NOUNS)}s"
    if kind == "list":
        return "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 4)))
    if kind == "code":
        noun, verb = rng.choice(_NOUNS), rng.choice(_VERBS)
        return f"```python\ndef {verb}_{noun}({noun}):\n    return {noun}.{verb}()\n```"
    if kind == "quote":
        return f"> {_sentence(rng)}"
    return _sentences(rng, 2, 4)
