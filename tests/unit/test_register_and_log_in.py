"""RegisterUser, LogIn and GetCurrentUser on the in-memory adapters."""

from __future__ import annotations

import pytest

from adapters.security.tokens import JwtTokenIssuer
from application.users import Credentials, Registration
from domain.errors import Conflict, InvalidCredentials, InvalidToken, ValidationFailed
from domain.values import BLANK, NOT_UTF8, USERNAME_MAX
from tests.use_cases import PASSWORD, UseCases


async def test_register_returns_the_user_with_null_bio_and_image_and_a_usable_token(
    conduit: UseCases, tokens: JwtTokenIssuer
) -> None:
    view = await conduit.register_user(Registration("alice", "alice@example.com", PASSWORD))

    assert (view.username, view.email, view.bio, view.image) == (
        "alice",
        "alice@example.com",
        None,
        None,
    )
    current = await conduit.get_current_user(tokens.verify(view.token))
    assert current.username == "alice"


async def test_register_trims_username_and_email(conduit: UseCases) -> None:
    view = await conduit.register_user(Registration("  bob ", " bob@example.com ", PASSWORD))

    assert (view.username, view.email) == ("bob", "bob@example.com")


async def test_register_accepts_a_one_character_password(conduit: UseCases) -> None:
    view = await conduit.register_user(Registration("carol", "carol@example.com", "x"))

    assert view.username == "carol"


@pytest.mark.parametrize("blank", [None, "", "   "])
async def test_register_reports_every_blank_field(conduit: UseCases, blank: str | None) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await conduit.register_user(Registration(blank, blank, blank))

    assert failure.value.errors == {"username": [BLANK], "email": [BLANK], "password": [BLANK]}


async def test_register_with_blank_username_reports_only_the_username(conduit: UseCases) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await conduit.register_user(Registration("", "dave@example.com", "1234567"))

    assert failure.value.errors == {"username": [BLANK]}


async def test_register_rejects_malformed_username_and_email_together(conduit: UseCases) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await conduit.register_user(Registration("bad name!", "not-an-email", PASSWORD))

    assert set(failure.value.errors) == {"username", "email"}
    assert failure.value.errors["email"] == ["is invalid"]


async def test_register_rejects_a_too_long_username(conduit: UseCases) -> None:
    long_name = "a" * (USERNAME_MAX + 1)
    with pytest.raises(ValidationFailed) as failure:
        await conduit.register_user(Registration(long_name, "long@example.com", PASSWORD))

    assert list(failure.value.errors) == ["username"]


async def test_register_validation_failure_stores_nothing(conduit: UseCases) -> None:
    with pytest.raises(ValidationFailed):
        await conduit.register_user(Registration("erin", "", PASSWORD))

    with pytest.raises(InvalidCredentials):
        await conduit.log_in(Credentials("erin@example.com", PASSWORD))


async def test_register_with_a_taken_username_is_a_username_conflict(conduit: UseCases) -> None:
    await conduit.member("alice")

    with pytest.raises(Conflict) as conflict:
        await conduit.register_user(Registration("alice", "other@example.com", PASSWORD))

    assert conflict.value.fields == ("username",)


async def test_register_with_a_taken_email_is_an_email_conflict(conduit: UseCases) -> None:
    await conduit.member("alice")

    with pytest.raises(Conflict) as conflict:
        await conduit.register_user(Registration("other", "alice@example.com", PASSWORD))

    assert conflict.value.fields == ("email",)


async def test_register_reports_both_taken_fields_at_once(conduit: UseCases) -> None:
    await conduit.member("alice")

    with pytest.raises(Conflict) as conflict:
        await conduit.register_user(Registration("alice", "alice@example.com", PASSWORD))

    assert conflict.value.fields == ("username", "email")


async def test_log_in_with_the_right_password_returns_the_user_and_a_fresh_token(
    conduit: UseCases, tokens: JwtTokenIssuer
) -> None:
    alice = await conduit.member("alice")

    view = await conduit.log_in(Credentials("alice@example.com", PASSWORD))

    assert (view.username, view.email) == ("alice", "alice@example.com")
    assert tokens.verify(view.token) == alice.id


async def test_log_in_trims_the_email(conduit: UseCases) -> None:
    await conduit.member("alice")

    view = await conduit.log_in(Credentials("  alice@example.com ", PASSWORD))

    assert view.username == "alice"


async def test_log_in_with_a_wrong_password_is_invalid_credentials(conduit: UseCases) -> None:
    await conduit.member("alice")

    with pytest.raises(InvalidCredentials):
        await conduit.log_in(Credentials("alice@example.com", "wrong password"))


async def test_log_in_with_an_unknown_email_is_invalid_credentials(conduit: UseCases) -> None:
    await conduit.member("alice")

    with pytest.raises(InvalidCredentials):
        await conduit.log_in(Credentials("nobody@example.com", PASSWORD))


@pytest.mark.parametrize("blank", [None, "", "  "])
async def test_log_in_reports_blank_email_and_password(
    conduit: UseCases, blank: str | None
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await conduit.log_in(Credentials(blank, blank))

    assert failure.value.errors == {"email": [BLANK], "password": [BLANK]}


async def test_log_in_with_only_a_blank_password_reports_the_password(conduit: UseCases) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await conduit.log_in(Credentials("alice@example.com", ""))

    assert failure.value.errors == {"password": [BLANK]}


async def test_current_user_is_returned_with_a_fresh_usable_token(
    conduit: UseCases, tokens: JwtTokenIssuer
) -> None:
    alice = await conduit.member("alice")

    view = await conduit.get_current_user(alice.id)

    assert (view.username, view.email, view.bio, view.image) == (
        "alice",
        "alice@example.com",
        None,
        None,
    )
    assert tokens.verify(view.token) == alice.id


async def test_current_user_of_a_token_naming_no_user_is_an_invalid_token(
    conduit: UseCases,
) -> None:
    with pytest.raises(InvalidToken):
        await conduit.get_current_user(404)


async def test_log_in_refuses_a_password_no_hasher_can_read(conduit: UseCases) -> None:
    await conduit.member("alice")
    with pytest.raises(ValidationFailed) as failure:
        await conduit.log_in(Credentials("alice@example.com", "secret\ud800"))
    assert failure.value.errors == {"password": [NOT_UTF8]}


async def test_log_in_with_an_email_no_database_can_read_is_invalid_credentials(
    conduit: UseCases,
) -> None:
    await conduit.member("alice")
    with pytest.raises(InvalidCredentials):
        await conduit.log_in(Credentials("alice\udfff@example.com", PASSWORD))
