"""Hostile input gets a contract answer (a 4xx with a RealWorld error body), never a 500."""

from __future__ import annotations

import time

import httpx
import jwt

from tests.support import JWT_SECRET

INVALID_TOKEN = {"errors": {"token": ["is invalid"]}}


def _signed(subject: str) -> dict[str, str]:
    """A correctly signed token whose subject is `subject`, as only the secret's holder makes."""
    now = int(time.time())
    claims = {"sub": subject, "iat": now, "exp": now + 600, "iss": "conduit"}
    return {"Authorization": f"Token {jwt.encode(claims, JWT_SECRET, algorithm='HS256')}"}


async def test_a_signed_token_whose_subject_overflows_an_id_is_401(
    client: httpx.AsyncClient,
) -> None:
    for subject in (str(2**63), str(2**64 + 1), "9" * 40):
        response = await client.get("/user", headers=_signed(subject))
        assert response.status_code == 401, subject
        assert response.json() == INVALID_TOKEN
