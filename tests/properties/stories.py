"""The stories' inputs, and their own record of what happened, for test_adapters_agree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import strategies as st

from application.articles import ArticleChanges, ArticleDraft
from application.users import Registration, UserChanges
from domain.model import CommentId, UserId

PASSWORD = "password123"

# Small pools, so that usernames, emails, slugs and tags collide. Each input is either
# well formed or anything (blank, missing, malformed), so that most steps get through.
NAMES = ("alice", "bob", "Alice", "carol", "dave")
EMAILS = ("alice@example.com", "bob@example.com", "Bob@example.com", " carol@example.com ")
TITLES = ("Hello", "hello!", "Hello 2", "Héllo", "Hello world", "???")
TAGS = ("dragons", "Dragons", "ß", "x y")
BLANKS = ("", "  ", None)

usernames = st.sampled_from((*NAMES, " bob "))
any_usernames = st.sampled_from((*NAMES, "two words", *BLANKS))
emails = st.sampled_from(EMAILS)
any_emails = st.sampled_from((*EMAILS, "not-an-email", *BLANKS))
passwords = st.sampled_from((PASSWORD, "another password"))
any_passwords = st.sampled_from((PASSWORD, "short", *BLANKS))
titles = st.sampled_from(TITLES)
any_titles = st.sampled_from((*TITLES, *BLANKS))
descriptions = st.sampled_from(("About dragons", "d"))
any_descriptions = st.sampled_from(("About dragons", *BLANKS))
bodies = st.sampled_from(("Very carefully.", "  padded  "))
any_bodies = st.sampled_from(("Very carefully.", *BLANKS))
tag_lists = st.lists(st.sampled_from((*TAGS, " dragons ", "", "  ")), max_size=4)
cleared_or_tags: st.SearchStrategy[list[str]] = st.just([]) | tag_lists
comment_bodies = st.sampled_from(("Nice!", " spaced ", "Same here.", *BLANKS))
searches = st.sampled_from(("dragons", "hello", "carefully", "Hello, dragons!", "héllo"))
slug_guesses = st.sampled_from(("hello", "hello-2", "missing"))
limits = st.integers(min_value=1, max_value=4)
offsets = st.integers(min_value=0, max_value=4)
article_fields = st.frozensets(st.sampled_from(("title", "description", "body", "tag_list")))
user_fields = st.frozensets(st.sampled_from(("email", "username", "password", "bio", "image")))
bios = st.sampled_from(("I like dragons", "", None))
images = st.sampled_from(("https://example.com/me.png", " ", None))

registrations = st.one_of(
    st.builds(Registration, usernames, emails, passwords),
    st.builds(Registration, any_usernames, any_emails, any_passwords),
)
drafts = st.one_of(
    st.builds(ArticleDraft, titles, descriptions, bodies, tag_lists),
    st.builds(ArticleDraft, any_titles, any_descriptions, any_bodies, st.none() | tag_lists),
)
article_changes = st.one_of(
    st.builds(ArticleChanges, titles, descriptions, bodies, cleared_or_tags, article_fields),
    st.builds(
        ArticleChanges,
        any_titles,
        any_descriptions,
        any_bodies,
        st.none() | cleared_or_tags,
        article_fields,
    ),
)
user_changes = st.one_of(
    st.builds(UserChanges, emails, usernames, passwords, bios, images, user_fields),
    st.builds(UserChanges, any_emails, any_usernames, any_passwords, bios, images, user_fields),
)


@dataclass(eq=False)
class Account:
    """A registered user as the story knows them now."""

    id: UserId
    username: str
    email: str
    password: str


@dataclass(eq=False)
class Post:
    """An article as the story knows it; its slug follows its title."""

    slug: str
    author: Account
    live: bool = True


@dataclass(frozen=True, eq=False)
class Remark:
    id: CommentId
    on: Post
    author: Account


def name_of(whom: Account | str) -> str:
    return whom.username if isinstance(whom, Account) else whom


def maybe_name_of(whom: Account | str | None) -> str | None:
    return None if whom is None else name_of(whom)


def slug_of(article: Post | str) -> str:
    return article.slug if isinstance(article, Post) else article


def id_of(viewer: Account | None) -> UserId | None:
    return None if viewer is None else viewer.id


@dataclass
class Story:
    """What the story did so far, as the story tells it; every answer must agree with it."""

    accounts: list[Account] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    favorites: set[tuple[UserId, Post]] = field(default_factory=set)

    def live(self, slug: str) -> Post | None:
        return next((p for p in self.posts if p.live and p.slug == slug), None)

    def owner(self, slug: str) -> Post:
        """The live article that a successful call on `slug` acted on."""
        post = self.live(slug)
        assert post is not None, f"the call succeeded, but the story has no article {slug!r}"
        return post

    def viewer(self, someone: Account, as_author: bool, slug: str) -> Account:
        """`someone`, or the author of the live article at `slug` when there is one."""
        post = self.live(slug)
        return post.author if as_author and post is not None else someone

    def live_slugs(self) -> set[str]:
        return {post.slug for post in self.posts if post.live}

    def delete(self, slug: str) -> None:
        gone = self.owner(slug)
        gone.live = False
        self.favorites = {(fan, post) for fan, post in self.favorites if post is not gone}

    def favorite(self, user_id: UserId, slug: str, *, favorite: bool) -> None:
        mark = (user_id, self.owner(slug))
        if favorite:
            self.favorites.add(mark)
        else:
            self.favorites.discard(mark)

    def favorites_counts(self) -> dict[str, int]:
        """Every live article's slug, with the number of users who favorite it."""
        fans = Counter(post.slug for _, post in self.favorites)
        return {slug: fans[slug] for slug in self.live_slugs()}

    def liked_by(self, username: str) -> set[str]:
        fans = {account.id for account in self.accounts if account.username == username}
        return {post.slug for fan, post in self.favorites if fan in fans}
