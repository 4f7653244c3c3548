"""What only a real server shows: whom it believes about client addresses, header limits."""

from __future__ import annotations

import httpx

from tests.operations.served import free_port, served

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


def test_production_serves_metrics_on_the_metrics_port_only_summing_every_worker() -> None:
    metrics_port = free_port()
    production = {
        "ENVIRONMENT": "production",
        "JWT_SECRET": "served-test-secret-0123456789abcdefghij",
        "CORS_ORIGINS": '["https://app.example"]',
        "WORKERS": "2",
        "METRICS_PORT": str(metrics_port),
    }
    with served(**production) as base:
        operations = f"http://127.0.0.1:{metrics_port}"
        for _ in range(20):  # new connections: both workers take some
            assert httpx.get(f"{base}/api/tags", timeout=10).status_code == 200
        on_api = httpx.get(f"{base}/metrics", timeout=10)
        scraped = httpx.get(f"{operations}/metrics", timeout=10)
        api_there = httpx.get(f"{operations}/api/tags", timeout=10)
        ready = httpx.get(f"{operations}/readyz", timeout=10)

    assert on_api.status_code == 404
    assert scraped.status_code == 200
    assert 'conduit_http_requests_total{method="GET",route="/api/tags",status="200"} 20.0' in (
        scraped.text
    )
    assert api_there.status_code == 404
    assert ready.status_code == 200
