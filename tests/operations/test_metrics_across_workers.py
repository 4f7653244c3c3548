"""With several workers, /metrics counts every worker's requests, whichever worker answers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 40
TAGS_OK = re.compile(
    r'^conduit_http_requests_total\{method="GET",route="/api/tags",status="200"\} (\S+)$', re.M
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_metrics_add_up_across_two_workers() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="conduit-metrics-test-") as shared:
        env = {
            **os.environ,
            "STORAGE": "memory",
            "WORKERS": "2",
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": shared,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, "server exited during start-up"
                try:
                    if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.1)
            for _ in range(REQUESTS):
                # A new connection each time, so both workers take some of them.
                assert httpx.get(f"{base}/api/tags", timeout=5).status_code == 200
            scrapes = [httpx.get(f"{base}/metrics", timeout=5).text for _ in range(6)]
            writers = {p.name.rsplit("_", 1)[-1] for p in Path(shared).glob("counter_*.db")}
        finally:
            server.terminate()
            server.wait(timeout=30)

    for scrape in scrapes:
        found = TAGS_OK.search(scrape)
        assert found is not None, scrape[:500]
        assert float(found.group(1)) == REQUESTS
    assert len(writers) >= 2, f"one worker served everything: {writers}"
