"""Verified tokens are remembered, but never past their expiry and never when altered."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from adapters.security.tokens import JwtTokenIssuer
from domain.errors import ExpiredToken, InvalidToken

SECRET = "s" * 40


def test_a_remembered_token_still_expires() -> None:
    tokens = JwtTokenIssuer(SECRET, ttl=timedelta(seconds=1))
    token = tokens.issue(7)
    assert tokens.verify(token) == 7
    assert tokens.verify(token) == 7  # from the cache
    time.sleep(1.1)
    with pytest.raises(ExpiredToken):
        tokens.verify(token)


def test_an_altered_token_is_never_taken_from_the_cache() -> None:
    tokens = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1))
    token = tokens.issue(7)
    assert tokens.verify(token) == 7
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        tokens.verify(f"{header}.{payload}.{signature[:-2]}xx")


def test_a_token_from_another_secret_is_refused_even_after_a_valid_one() -> None:
    ours = JwtTokenIssuer(SECRET, ttl=timedelta(hours=1))
    theirs = JwtTokenIssuer("t" * 40, ttl=timedelta(hours=1))
    assert ours.verify(ours.issue(1)) == 1
    with pytest.raises(InvalidToken):
        ours.verify(theirs.issue(1))
