"""AddComment, ListComments and DeleteComment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.comments import CommentDraft
from domain.errors import ArticleNotFound, CommentNotFound, NotCommentAuthor, ValidationFailed
from domain.values import BLANK, COMMENT_MAX
from domain.views import ProfileView
from tests.fakes import START, FakeClock
from tests.use_cases import UseCases


async def test_add_comment_returns_it_with_its_author_and_time(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    bob = await conduit.member("bob")
    article = await conduit.article(alice)

    comment = await conduit.add_comment(bob.id, article.slug, CommentDraft("Nice!"))

    assert comment.body == "Nice!"
    assert comment.author == ProfileView("bob", None, None, following=False)
    assert comment.created_at == comment.updated_at == START
    assert isinstance(comment.id, int)


async def test_add_comment_keeps_the_body_as_written(conduit: UseCases) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)

    comment = await conduit.add_comment(alice.id, article.slug, CommentDraft("  spaced  "))

    assert comment.body == "  spaced  "


@pytest.mark.parametrize("blank", [None, "", "   "])
async def test_add_comment_with_a_blank_body_fails_validation(
    conduit: UseCases, blank: str | None
) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)

    with pytest.raises(ValidationFailed) as failure:
        await conduit.add_comment(alice.id, article.slug, CommentDraft(blank))

    assert failure.value.errors == {"body": [BLANK]}
    assert await conduit.list_comments(article.slug, None) == []


async def test_add_comment_rejects_a_too_long_body(conduit: UseCases) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)

    with pytest.raises(ValidationFailed) as failure:
        await conduit.add_comment(alice.id, article.slug, CommentDraft("x" * (COMMENT_MAX + 1)))

    assert list(failure.value.errors) == ["body"]


async def test_add_comment_to_an_unknown_article_is_not_found_before_validation(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()

    with pytest.raises(ArticleNotFound):
        await conduit.add_comment(alice.id, "nope", CommentDraft(""))


async def test_comments_are_listed_in_creation_order(conduit: UseCases, clock: FakeClock) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)
    for body in ("first", "second", "third"):
        await conduit.add_comment(alice.id, article.slug, CommentDraft(body))
        clock.advance(timedelta(milliseconds=1))

    listed = await conduit.list_comments(article.slug, None)

    assert [c.body for c in listed] == ["first", "second", "third"]


async def test_comments_list_only_those_of_the_article(conduit: UseCases) -> None:
    alice = await conduit.member()
    one = await conduit.article(alice, title="one")
    two = await conduit.article(alice, title="two")
    await conduit.add_comment(alice.id, one.slug, CommentDraft("on one"))
    await conduit.add_comment(alice.id, two.slug, CommentDraft("on two"))

    assert [c.body for c in await conduit.list_comments(two.slug, None)] == ["on two"]


async def test_comments_show_whether_the_viewer_follows_each_author(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    bob = await conduit.member("bob")
    article = await conduit.article(alice)
    await conduit.add_comment(alice.id, article.slug, CommentDraft("by alice"))
    await conduit.add_comment(bob.id, article.slug, CommentDraft("by bob"))
    await conduit.follow_profile(alice.id, "bob", follow=True)

    listed = await conduit.list_comments(article.slug, alice.id)

    assert [(c.author.username, c.author.following) for c in listed] == [
        ("alice", False),
        ("bob", True),
    ]


async def test_comments_of_an_unknown_article_is_not_found(conduit: UseCases) -> None:
    with pytest.raises(ArticleNotFound):
        await conduit.list_comments("nope", None)


async def test_delete_comment_leaves_the_others_in_place(conduit: UseCases) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)
    first = await conduit.add_comment(alice.id, article.slug, CommentDraft("first"))
    await conduit.add_comment(alice.id, article.slug, CommentDraft("second"))

    await conduit.delete_comment(alice.id, article.slug, first.id)

    assert [c.body for c in await conduit.list_comments(article.slug, None)] == ["second"]


async def test_delete_comment_of_an_unknown_article_is_article_not_found(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)
    comment = await conduit.add_comment(alice.id, article.slug, CommentDraft("hi"))

    with pytest.raises(ArticleNotFound):
        await conduit.delete_comment(alice.id, "nope", comment.id)


async def test_delete_of_an_unknown_comment_is_comment_not_found(conduit: UseCases) -> None:
    alice = await conduit.member()
    article = await conduit.article(alice)

    with pytest.raises(CommentNotFound):
        await conduit.delete_comment(alice.id, article.slug, 404)


async def test_delete_of_a_comment_through_another_article_is_comment_not_found(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    one = await conduit.article(alice, title="one")
    two = await conduit.article(alice, title="two")
    comment = await conduit.add_comment(alice.id, one.slug, CommentDraft("on one"))

    with pytest.raises(CommentNotFound):
        await conduit.delete_comment(alice.id, two.slug, comment.id)

    assert [c.id for c in await conduit.list_comments(one.slug, None)] == [comment.id]


async def test_delete_of_someone_elses_comment_is_forbidden_and_keeps_it(
    conduit: UseCases,
) -> None:
    alice = await conduit.member()
    bob = await conduit.member()
    article = await conduit.article(alice)
    comment = await conduit.add_comment(bob.id, article.slug, CommentDraft("mine"))

    with pytest.raises(NotCommentAuthor):
        await conduit.delete_comment(alice.id, article.slug, comment.id)

    assert [c.id for c in await conduit.list_comments(article.slug, None)] == [comment.id]
