"""GetProfile and FollowProfile on the in-memory adapters."""

from __future__ import annotations

import pytest

from application.users import UserChanges
from domain.errors import CannotFollowYourself, ProfileNotFound
from domain.views import ProfileView
from tests.use_cases import UseCases


async def test_profile_of_a_new_user_has_null_bio_and_image(conduit: UseCases) -> None:
    await conduit.member("alice")

    profile = await conduit.get_profile("alice", None)

    assert profile == ProfileView(username="alice", bio=None, image=None, following=False)


async def test_profile_shows_bio_and_image(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.update_user(
        alice.id,
        UserChanges(bio="hi", image="https://img.test/a.png", sent=frozenset({"bio", "image"})),
    )

    profile = await conduit.get_profile("alice", None)

    assert (profile.bio, profile.image) == ("hi", "https://img.test/a.png")


async def test_profile_of_an_unknown_username_is_not_found(conduit: UseCases) -> None:
    with pytest.raises(ProfileNotFound):
        await conduit.get_profile("nobody", None)


async def test_follow_returns_the_profile_as_followed(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")

    profile = await conduit.follow_profile(alice.id, "bob", follow=True)

    assert profile == ProfileView(username="bob", bio=None, image=None, following=True)


async def test_followed_profile_shows_following_only_to_the_follower(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    bob = await conduit.member("bob")
    carol = await conduit.member("carol")
    await conduit.follow_profile(alice.id, "bob", follow=True)

    assert (await conduit.get_profile("bob", alice.id)).following is True
    assert (await conduit.get_profile("bob", carol.id)).following is False
    assert (await conduit.get_profile("bob", None)).following is False
    assert (await conduit.get_profile("alice", bob.id)).following is False


async def test_unfollow_returns_the_profile_as_not_followed(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")
    await conduit.follow_profile(alice.id, "bob", follow=True)

    profile = await conduit.follow_profile(alice.id, "bob", follow=False)

    assert profile.following is False
    assert (await conduit.get_profile("bob", alice.id)).following is False


async def test_follow_twice_then_unfollow_once_leaves_the_profile_unfollowed(
    conduit: UseCases,
) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")
    await conduit.follow_profile(alice.id, "bob", follow=True)
    await conduit.follow_profile(alice.id, "bob", follow=True)

    await conduit.follow_profile(alice.id, "bob", follow=False)

    assert (await conduit.get_profile("bob", alice.id)).following is False


async def test_unfollow_of_a_profile_never_followed_is_harmless(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")

    profile = await conduit.follow_profile(alice.id, "bob", follow=False)

    assert profile.following is False


@pytest.mark.parametrize("follow", [True, False])
async def test_follow_or_unfollow_of_an_unknown_username_is_profile_not_found(
    conduit: UseCases, follow: bool
) -> None:
    alice = await conduit.member("alice")

    with pytest.raises(ProfileNotFound):
        await conduit.follow_profile(alice.id, "nobody", follow=follow)


async def test_following_yourself_is_refused_and_changes_nothing(conduit: UseCases) -> None:
    alice = await conduit.member("alice")

    with pytest.raises(CannotFollowYourself) as refused:
        await conduit.follow_profile(alice.id, "alice", follow=True)

    assert refused.value.errors == {"profile": ["cannot follow yourself"]}
    assert (await conduit.get_profile("alice", alice.id)).following is False


async def test_unfollowing_yourself_is_allowed(conduit: UseCases) -> None:
    alice = await conduit.member("alice")

    profile = await conduit.follow_profile(alice.id, "alice", follow=False)

    assert profile.following is False
