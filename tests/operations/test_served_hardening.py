"""What only a real server shows: whom it believes about client addresses, header limits."""

from __future__ import annotations

import httpx

from tests.operations.served import served

LOGIN = {"user": {"email": "nobody@example.com", "password": "wrong-password"}}


def _refused(base: str, forwarded_for: list[str]) -> int:
    statuses = [
        httpx.post(
            f"{base}/api/users/login", json=LOGIN, headers={"X-Forwarded-For": f}, timeout=10
        ).status_code
        for f in forwarded_for
    ]
    return statuses.count(429)


def test_the_server_believes_no_forwarded_header_unless_told() -> None:
    distinct = [f"203.0.113.{n}" for n in range(8)]
    with served(RATE_LIMIT_PER_MINUTE="3") as base:
        assert _refused(base, distinct) == 5
    with served(RATE_LIMIT_PER_MINUTE="3", FORWARDED_ALLOW_IPS="127.0.0.1") as base:
        assert _refused(base, distinct) == 0
