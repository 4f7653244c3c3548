"""JWTs signed with a secret from the environment, verified with one fixed algorithm."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt

from domain.errors import ExpiredToken, InvalidToken
from domain.model import UserId

ALGORITHM = "HS256"


VERIFIED_CACHE_SIZE = 10_000


class JwtTokenIssuer:
    """Issues and verifies tokens; a verified token is remembered until it expires.

    Clients send the same token with every request, and verifying it (base64, JSON,
    HMAC) was 5% of a write request's CPU. The cache is keyed by the whole token, so a
    tampered token is never a hit; a hit still honours the expiry.
    """

    def __init__(self, secret: str, ttl: timedelta, issuer: str = "conduit") -> None:
        self._secret = secret
        self._ttl = ttl
        self._issuer = issuer
        self._verified: dict[str, tuple[UserId, float]] = {}

    def issue(self, user_id: UserId) -> str:
        now = datetime.now(UTC)
        claims = {"sub": str(user_id), "iat": now, "exp": now + self._ttl, "iss": self._issuer}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> UserId:
        known = self._verified.get(token)
        if known is not None:
            user_id, expires_at = known
            if time.time() < expires_at:
                return user_id
            del self._verified[token]
        user_id, expires_at = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # bounded memory; the next requests verify again
        self._verified[token] = (user_id, expires_at)
        return user_id

    def _decode(self, token: str) -> tuple[UserId, float]:
        try:
            # An explicit algorithm list: "none" and algorithm swaps are rejected.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["sub", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise ExpiredToken() from error
        except jwt.PyJWTError as error:
            raise InvalidToken() from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.isdigit():
            raise InvalidToken()
        return int(subject), float(claims["exp"])
