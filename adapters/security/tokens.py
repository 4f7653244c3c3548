"""JWTs signed with a secret from the environment, verified with one fixed algorithm."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jwt

from domain.errors import ExpiredToken, InvalidToken
from domain.model import UserId
from domain.ports import Clock

ALGORITHM = "HS256"

MAX_USER_ID = 2**63 - 1
"""Ids are PostgreSQL bigints: a subject past them names nobody (and would overflow the driver)."""
_SUBJECT = re.compile(r"[1-9][0-9]{0,18}")

VERIFIED_CACHE_SIZE = 10_000


class JwtTokenIssuer:
    """Issues and verifies tokens; a verified token is remembered until it expires.

    Clients send the same token with every request, and verifying it (base64, JSON,
    HMAC) was 5% of a write request's CPU. The cache is keyed by the whole token, so a
    tampered token is never a hit; a hit still honours the expiry. Time is the clock's:
    the one that stamps `iat` and `exp` also decides when a token has expired.
    """

    def __init__(self, secret: str, ttl: timedelta, clock: Clock, issuer: str = "conduit") -> None:
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        self._issuer = issuer
        self._verified: dict[str, tuple[UserId, float]] = {}

    def issue(self, user_id: UserId) -> str:
        now = self._clock.now()
        claims = {"sub": str(user_id), "iat": now, "exp": now + self._ttl, "iss": self._issuer}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> UserId:
        known = self._verified.get(token)
        if known is not None:
            user_id, expires_at = known
            if self._now() < expires_at:
                return user_id
            del self._verified[token]
        user_id, expires_at = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # bounded memory; the next requests verify again
        self._verified[token] = (user_id, expires_at)
        return user_id

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _decode(self, token: str) -> tuple[UserId, float]:
        try:
            # An explicit algorithm list: "none" and algorithm swaps are rejected. PyJWT
            # checks the signature and that the claims are there; their times, on our clock.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={
                    "require": ["sub", "exp", "iat"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_iss": False,
                    "verify_sub": False,
                },
            )
        except jwt.PyJWTError as error:
            raise InvalidToken() from error
        expires_at = self._check_claims(claims)
        subject = claims["sub"]
        # ASCII digits only (str.isdigit() takes "²"), and within the id range.
        if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
            raise InvalidToken()
        user_id = int(subject)
        if user_id > MAX_USER_ID:
            raise InvalidToken()
        return user_id, expires_at

    def _check_claims(self, claims: dict[str, Any]) -> float:
        """As PyJWT would, in its order, with our clock: issued, valid from, expiry, issuer."""
        now = self._now()
        times = {name: _seconds(claims[name]) for name in ("iat", "nbf", "exp") if name in claims}
        if times.get("iat", 0) > now or times.get("nbf", 0) > now:
            raise InvalidToken()
        if times["exp"] <= now:
            raise ExpiredToken()
        if claims.get("iss") != self._issuer:
            raise InvalidToken()
        return float(claims["exp"])


def _seconds(value: object) -> int:
    """A NumericDate claim as whole seconds, as PyJWT reads it."""
    if not isinstance(value, int | float | str):
        raise InvalidToken()
    try:
        return int(value)
    except (ValueError, OverflowError) as error:
        raise InvalidToken() from error
