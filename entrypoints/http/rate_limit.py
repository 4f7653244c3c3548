"""Per-client rate limit on the credential endpoints (login and registration)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.middleware import send_json

MAX_TRACKED_CLIENTS = 100_000


class TokenBucket:
    """`rate` requests per `per` seconds with bursts up to `rate`, per key."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(rate)
        self.refill_per_second = rate / per
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 when allowed; otherwise the seconds until a request would be allowed."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
        if tokens >= 1:
            if len(self._buckets) >= MAX_TRACKED_CLIENTS and key not in self._buckets:
                self._buckets.clear()  # bounded memory under a flood of distinct clients
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.refill_per_second


class CredentialRateLimitMiddleware:
    def __init__(self, app: ASGIApp, paths: frozenset[str], bucket: TokenBucket) -> None:
        self.app = app
        self.paths = paths
        self.bucket = bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths:
            client = scope.get("client")
            wait = self.bucket.take(client[0] if client else "unknown")
            if wait > 0:
                retry_after = str(max(1, math.ceil(wait))).encode()
                await send_json(
                    send,
                    429,
                    {"errors": {"request": ["too many attempts, try again later"]}},
                    headers=[(b"retry-after", retry_after)],
                )
                return
        await self.app(scope, receive, send)
