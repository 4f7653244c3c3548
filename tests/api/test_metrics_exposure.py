"""/metrics is not public outside development: with METRICS_PORT it has a port of its own."""

from __future__ import annotations

import pytest

from tests.api.support import Clients
from tests.support import make_settings

API = "http://conduit.test:8000"
OPERATIONS = "http://conduit.test:9100"


async def test_metrics_are_not_served_on_the_api_port_outside_development(
    clients: Clients,
) -> None:
    for environment in ("test", "production"):
        async with clients(environment=environment, cors_origins=["https://a.example"]) as client:
            response = await client.get(f"{API}/metrics")
            assert response.status_code == 404, environment
            assert response.json() == {"errors": {"route": ["not found"]}}
            assert (await client.get(f"{API}/livez")).status_code == 200


async def test_with_a_metrics_port_metrics_are_served_there_and_only_there(
    clients: Clients,
) -> None:
    async with clients(environment="development", metrics_port=9100) as client:
        await client.get(f"{API}/api/tags")
        metrics = await client.get(f"{OPERATIONS}/metrics")
        on_api = await client.get(f"{API}/metrics")
        api_on_operations = await client.get(f"{OPERATIONS}/api/tags")
        probes = [await client.get(f"{OPERATIONS}{path}") for path in ("/livez", "/readyz")]

    assert metrics.status_code == 200
    assert 'route="/api/tags",status="200"' in metrics.text
    assert on_api.status_code == 404
    assert api_on_operations.status_code == 404
    assert [probe.status_code for probe in probes] == [200, 200]


def test_the_metrics_port_is_not_the_api_port() -> None:
    with pytest.raises(ValueError, match="METRICS_PORT must differ from PORT"):
        make_settings(port=9100, metrics_port=9100)
