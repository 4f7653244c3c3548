"""SIGTERM: stop accepting, finish what is in flight, exit cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_live(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "server exited during start-up"
        try:
            if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def test_sigterm_lets_the_in_flight_request_finish() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "STORAGE": "memory",
        # A deliberately slow hash makes registration a long in-flight request (~1 s).
        "ARGON2_TIME_COST": "40",
        "SHUTDOWN_GRACE_SECONDS": "10",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_live(base, server)
        result: dict[str, httpx.Response] = {}

        def register() -> None:
            result["response"] = httpx.post(
                f"{base}/api/users",
                json={"user": {"username": "jake", "email": "jake@example.com", "password": "x"}},
                timeout=30,
            )

        in_flight = threading.Thread(target=register)
        started = time.monotonic()
        in_flight.start()
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        in_flight.join(timeout=30)
        assert result["response"].status_code == 201
        assert server.wait(timeout=15) == 0
        assert time.monotonic() - started < 15
        try:
            httpx.get(f"{base}/livez", timeout=1)
            raise AssertionError("the server still accepts connections after shutdown")
        except httpx.TransportError:
            pass
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
