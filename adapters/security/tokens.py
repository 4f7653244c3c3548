"""JWTs signed with a secret from the environment, verified with one fixed algorithm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from domain.errors import ExpiredToken, InvalidToken
from domain.model import UserId

ALGORITHM = "HS256"


class JwtTokenIssuer:
    def __init__(self, secret: str, ttl: timedelta, issuer: str = "conduit") -> None:
        self._secret = secret
        self._ttl = ttl
        self._issuer = issuer

    def issue(self, user_id: UserId) -> str:
        now = datetime.now(UTC)
        claims = {"sub": str(user_id), "iat": now, "exp": now + self._ttl, "iss": self._issuer}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> UserId:
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
        return int(subject)
