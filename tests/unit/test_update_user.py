"""UpdateUser: a partial update where only the fields named in `sent` change."""

from __future__ import annotations

import pytest

from adapters.security.tokens import JwtTokenIssuer
from application.users import Credentials, UserChanges
from domain.errors import Conflict, InvalidCredentials, InvalidToken, ValidationFailed
from domain.values import BIO_MAX, BLANK, IMAGE_MAX, NOT_HTTP_URL
from tests.use_cases import PASSWORD, UseCases


def changes(**fields: str | None) -> UserChanges:
    """UserChanges that sends exactly the given fields."""
    return UserChanges(**fields, sent=frozenset(fields))


async def test_update_changes_only_the_sent_fields(conduit: UseCases) -> None:
    alice = await conduit.member("alice")

    view = await conduit.update_user(
        alice.id, UserChanges(bio="I like dragons", username="ignored", sent=frozenset({"bio"}))
    )

    assert (view.username, view.email, view.bio, view.image) == (
        "alice",
        "alice@example.com",
        "I like dragons",
        None,
    )


async def test_update_keeps_bio_and_image_when_they_are_not_sent(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.update_user(alice.id, changes(bio="bio", image="https://img.test/a.png"))

    view = await conduit.update_user(alice.id, changes(username="alice2"))

    assert (view.username, view.bio, view.image) == ("alice2", "bio", "https://img.test/a.png")


@pytest.mark.parametrize("cleared", ["", "   ", None])
async def test_update_stores_blank_or_null_bio_and_image_as_null(
    conduit: UseCases, cleared: str | None
) -> None:
    alice = await conduit.member("alice")
    await conduit.update_user(alice.id, changes(bio="bio", image="https://img.test/a.png"))

    view = await conduit.update_user(alice.id, changes(bio=cleared, image=cleared))

    assert (view.bio, view.image) == (None, None)
    assert (await conduit.get_profile("alice", None)).bio is None


async def test_update_of_username_and_email_keeps_the_token_working(
    conduit: UseCases, tokens: JwtTokenIssuer
) -> None:
    alice = await conduit.member("alice")

    view = await conduit.update_user(alice.id, changes(username="alicia", email="a@example.org"))

    assert (view.username, view.email) == ("alicia", "a@example.org")
    again = await conduit.get_current_user(tokens.verify(view.token))
    assert again.username == "alicia"
    assert (await conduit.get_current_user(tokens.verify(alice.token))).email == "a@example.org"


async def test_update_with_your_own_current_email_and_username_is_not_a_conflict(
    conduit: UseCases,
) -> None:
    alice = await conduit.member("alice")

    view = await conduit.update_user(alice.id, changes(email="alice@example.com", username="alice"))

    assert (view.username, view.email) == ("alice", "alice@example.com")


async def test_update_to_a_taken_username_is_a_username_conflict(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")

    with pytest.raises(Conflict) as conflict:
        await conduit.update_user(alice.id, changes(username="bob"))

    assert conflict.value.fields == ("username",)


async def test_update_to_a_taken_email_is_an_email_conflict(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")

    with pytest.raises(Conflict) as conflict:
        await conduit.update_user(alice.id, changes(email="bob@example.com"))

    assert conflict.value.fields == ("email",)


async def test_update_reports_both_taken_fields_and_changes_nothing(conduit: UseCases) -> None:
    alice = await conduit.member("alice")
    await conduit.member("bob")
    await conduit.member("carol")

    with pytest.raises(Conflict) as conflict:
        await conduit.update_user(
            alice.id, changes(username="bob", email="carol@example.com", bio="new bio")
        )

    assert conflict.value.fields == ("username", "email")
    assert (await conduit.get_current_user(alice.id)).bio is None


async def test_update_reports_every_invalid_field(conduit: UseCases) -> None:
    alice = await conduit.member("alice")

    with pytest.raises(ValidationFailed) as failure:
        await conduit.update_user(
            alice.id,
            changes(
                username="",
                email="not-an-email",
                password="short",
                bio="b" * (BIO_MAX + 1),
                image="i" * (IMAGE_MAX + 1),
            ),
        )

    assert failure.value.errors == {
        "username": [BLANK],
        "email": ["is invalid"],
        "password": ["is too short (minimum is 8 characters)"],
        "bio": [f"is too long (maximum is {BIO_MAX} characters)"],
        "image": [f"is too long (maximum is {IMAGE_MAX} characters)"],
    }


@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("blank", [None, "", "  "])
async def test_update_rejects_blank_or_null_username_email_and_password(
    conduit: UseCases, field: str, blank: str | None
) -> None:
    alice = await conduit.member("alice")

    with pytest.raises(ValidationFailed) as failure:
        await conduit.update_user(alice.id, changes(**{field: blank}))

    assert failure.value.errors == {field: [BLANK]}


@pytest.mark.parametrize("length", [8, 64])
async def test_update_accepts_a_password_of_8_or_64_characters(
    conduit: UseCases, length: int
) -> None:
    alice = await conduit.member("alice")
    new_password = "p" * length

    await conduit.update_user(alice.id, changes(password=new_password))

    view = await conduit.log_in(Credentials("alice@example.com", new_password))
    assert view.username == "alice"


async def test_update_of_the_password_retires_the_old_one(conduit: UseCases) -> None:
    alice = await conduit.member("alice")

    await conduit.update_user(alice.id, changes(password="a brand new password"))

    with pytest.raises(InvalidCredentials):
        await conduit.log_in(Credentials("alice@example.com", PASSWORD))


async def test_update_with_nothing_sent_changes_nothing(conduit: UseCases) -> None:
    alice = await conduit.member("alice")

    view = await conduit.update_user(alice.id, UserChanges(username="ignored", email=""))

    assert (view.username, view.email) == ("alice", "alice@example.com")


async def test_update_of_a_user_that_no_longer_exists_is_an_invalid_token(
    conduit: UseCases,
) -> None:
    with pytest.raises(InvalidToken):
        await conduit.update_user(404, changes(bio="hello"))


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/avatars/me.png",
        "//img.test/a.png",
        "ftp://img.test/a.png",
        "https://",
        "https://img.test/a\x07.png",
        "https://img.test/a b.png",
        "https://img.test/\u0085.png",
        "https://[::1/a.png",
    ],
)
async def test_image_must_be_an_http_or_https_url(conduit: UseCases, image: str) -> None:
    alice = await conduit.member("alice")

    with pytest.raises(ValidationFailed) as failure:
        await conduit.update_user(alice.id, changes(image=image))

    assert failure.value.errors == {"image": [NOT_HTTP_URL]}
    assert (await conduit.get_profile("alice", None)).image is None


@pytest.mark.parametrize(
    ("image", "stored"),
    [
        ("https://img.test/a.png", "https://img.test/a.png"),
        ("HTTP://IMG.TEST/A.PNG?size=2#top", "HTTP://IMG.TEST/A.PNG?size=2#top"),
        (" https://img.test/ünïcode.png ", "https://img.test/ünïcode.png"),
        ("https://[::1]:8443/a.png", "https://[::1]:8443/a.png"),
    ],
)
async def test_an_http_or_https_image_is_kept(conduit: UseCases, image: str, stored: str) -> None:
    alice = await conduit.member("alice")

    view = await conduit.update_user(alice.id, changes(image=image))

    assert view.image == stored
