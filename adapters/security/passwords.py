"""argon2id password hashing, run in a worker thread so the event loop never waits."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    def __init__(
        self, *, time_cost: int = 2, memory_cost: int = 19_456, parallelism: int = 1
    ) -> None:
        # Defaults follow OWASP's argon2id minimum (19 MiB, t=2, p=1).
        self._argon2 = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified when the email is unknown, so both paths cost one argon2 check.
        self._decoy = self._argon2.hash("decoy password that matches no account")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._check, password_hash, password)

    def _check(self, password_hash: str | None, password: str) -> bool:
        try:
            self._argon2.verify(password_hash or self._decoy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return password_hash is not None
