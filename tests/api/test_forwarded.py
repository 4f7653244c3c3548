"""X-Forwarded-For is believed only from the proxies in FORWARDED_ALLOW_IPS (none by default):
otherwise any client names itself anew with each request and walks past the rate limit."""

from __future__ import annotations

import httpx
import pytest

from tests.api.support import Clients
from tests.support import make_settings

LOGIN = {"user": {"email": "nobody@example.com", "password": "wrong-password"}}
LIMIT = 3


async def _logins(client: httpx.AsyncClient, forwarded_for: list[str]) -> list[int]:
    return [
        (await client.post("/users/login", json=LOGIN, headers={"X-Forwarded-For": f})).status_code
        for f in forwarded_for
    ]


async def test_by_default_forwarded_headers_are_ignored_even_from_loopback(
    clients: Clients,
) -> None:
    async with clients(rate_limit_per_minute=LIMIT) as client:
        statuses = await _logins(client, [f"203.0.113.{n}" for n in range(6)])
    assert statuses == [401] * LIMIT + [429] * (6 - LIMIT)


async def test_a_listed_proxy_is_believed_and_each_client_it_names_is_limited_alone(
    clients: Clients,
) -> None:
    async with clients(
        rate_limit_per_minute=LIMIT, forwarded_allow_ips="127.0.0.1, 10.0.0.0/8"
    ) as client:
        distinct = await _logins(client, [f"203.0.113.{n}" for n in range(6)])
        same = await _logins(client, ["198.51.100.7"] * (LIMIT + 1))
        chained = await _logins(client, ["198.51.100.7, 10.1.2.3"])  # through a second proxy
    assert distinct == [401] * 6
    assert same == [401] * LIMIT + [429]
    assert chained == [429]


async def test_a_peer_that_is_not_listed_is_not_believed(clients: Clients) -> None:
    async with clients(
        peer="192.0.2.50", rate_limit_per_minute=LIMIT, forwarded_allow_ips="127.0.0.1"
    ) as client:
        statuses = await _logins(client, [f"203.0.113.{n}" for n in range(6)])
    assert statuses == [401] * LIMIT + [429] * (6 - LIMIT)


@pytest.mark.parametrize("value", ["10.0.0.1/8", "proxy.internal", "127.0.0.1, nope"])
def test_an_address_that_is_not_an_ip_or_network_stops_the_start(value: str) -> None:
    with pytest.raises(ValueError, match="forwarded_allow_ips"):
        make_settings(forwarded_allow_ips=value)
