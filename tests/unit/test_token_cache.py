"""Verified tokens are remembered, but never past their expiry and never when altered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.security.tokens import JwtTokenIssuer
from domain.errors import ExpiredToken, InvalidToken
from tests.fakes import FakeClock

SECRET = "s" * 40


def test_a_remembered_token_still_expires() -> None:
    clock = FakeClock()
    tokens = JwtTokenIssuer(SECRET, ttl=timedelta(seconds=1), clock=clock)
    token = tokens.issue(7)
    assert tokens.verify(token) == 7
    assert tokens.verify(token) == 7  # from the cache
    clock.advance(timedelta(seconds=1))
    with pytest.raises(ExpiredToken):
        tokens.verify(token)


def test_a_token_is_valid_until_the_second_it_expires() -> None:
    clock = FakeClock(datetime(2026, 2, 18, 3, 22, 56, tzinfo=UTC))
    token = JwtTokenIssuer(SECRET, ttl=timedelta(seconds=2), clock=clock).issue(7)
    clock.advance(timedelta(seconds=1, milliseconds=999))
    # A fresh issuer each time: decoded, not remembered.
    assert JwtTokenIssuer(SECRET, ttl=timedelta(seconds=2), clock=clock).verify(token) == 7
    clock.advance(timedelta(milliseconds=1))
    with pytest.raises(ExpiredToken):
        JwtTokenIssuer(SECRET, ttl=timedelta(seconds=2), clock=clock).verify(token)


def test_a_token_issued_in_the_future_is_invalid() -> None:
    clock = FakeClock()
    later = FakeClock()
    later.advance(timedelta(minutes=5))
    token = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1), clock=later).issue(7)
    with pytest.raises(InvalidToken):
        JwtTokenIssuer(SECRET, ttl=timedelta(hours=1), clock=clock).verify(token)


def test_an_altered_token_is_never_taken_from_the_cache() -> None:
    tokens = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1), clock=FakeClock())
    token = tokens.issue(7)
    assert tokens.verify(token) == 7
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        tokens.verify(f"{header}.{payload}.{signature[:-2]}xx")


def test_a_token_from_another_secret_is_refused_even_after_a_valid_one() -> None:
    clock = FakeClock()
    ours = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1), clock=clock)
    theirs = JwtTokenIssuer("t" * 40, ttl=timedelta(hours=1), clock=clock)
    assert ours.verify(ours.issue(1)) == 1
    with pytest.raises(InvalidToken):
        ours.verify(theirs.issue(1))


@pytest.mark.parametrize("subject", [str(2**63), str(2**64), "0", "-1", "007", "²", "1e3", " 1"])
def test_a_signed_token_whose_subject_is_not_an_id_is_invalid(subject: str) -> None:
    clock = FakeClock()
    tokens = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1), clock=clock)
    now = int(clock.now().timestamp())
    forged = jwt.encode(
        {"sub": subject, "iat": now, "exp": now + 60, "iss": "conduit"}, SECRET, algorithm="HS256"
    )
    with pytest.raises(InvalidToken):
        tokens.verify(forged)


def test_the_largest_id_is_still_a_valid_subject() -> None:
    tokens = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1), clock=FakeClock())
    assert tokens.verify(tokens.issue(2**63 - 1)) == 2**63 - 1
