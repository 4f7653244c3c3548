"""What only a real server shows: whom it believes about client addresses, header limits."""

from __future__ import annotations

import select
import socket

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


def _exchange(base: str, *parts: bytes) -> bytes:
    """Send `parts` one by one on a fresh connection, stopping early once the server
    answers (it refuses a head before it is all sent); what came back before it closed."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        for part in parts:
            conn.sendall(part)
            if select.select([conn], [], [], 0.05)[0]:
                break
        received = b""
        while chunk := conn.recv(65_536):
            received += chunk
    return received


def _head(extra: str) -> bytes:
    return f"GET /livez HTTP/1.1\r\nHost: t\r\n{extra}Connection: close\r\n\r\n".encode()


def test_request_heads_over_the_limit_are_431_and_normal_ones_pass() -> None:
    with served(MAX_HEADER_BYTES="8192") as base:
        streamed = _exchange(
            base,
            b"GET /livez HTTP/1.1\r\nHost: t\r\nX-Big: ",
            *([b"a" * 65_536] * 16),  # a 1 MB header, arriving over many reads
            b"\r\n\r\n",
        )
        at_once = _exchange(base, _head(f"X-Big: {'a' * 9_000}\r\n"))
        many = _exchange(base, _head("".join(f"X-H{n}: {'v' * 100}\r\n" for n in range(100))))
        long_url = _exchange(base, f"GET /livez?{'q' * 9_000} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        fine = _exchange(base, _head(f"X-Fine: {'a' * 7_000}\r\n"))
        body = b'{"user": {"email": "a@b.io", "password": "' + b"p" * 500_000 + b'"}}'
        big_body = _exchange(
            base,
            b"POST /api/users/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body,
        )

        keep_alive = (
            b"POST /api/users/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        after_a_body = _exchange(base, keep_alive + _head(f"X-Fine: {'a' * 7_000}\r\n"))

    for refused in (streamed, at_once, many, long_url):
        assert refused.startswith(b"HTTP/1.1 431 "), refused[:100]
        assert refused.endswith(b'{"errors":{"headers":["are too large (maximum is 8192 bytes)"]}}')
    assert fine.startswith(b"HTTP/1.1 200 "), fine[:100]
    assert big_body.startswith(b"HTTP/1.1 401 "), big_body[:100]
    assert after_a_body.startswith(b"HTTP/1.1 401 ")
    assert after_a_body.count(b"HTTP/1.1 200 ") == 1, after_a_body[-300:]
