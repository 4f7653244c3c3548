"""A real server for a test: `python -m entrypoints.cli serve` on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(**env: str) -> Iterator[str]:
    """The base URL of a memory-backed server run with `env` on top of ours; stopped after."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="conduit-served-") as data_dir:
        server = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env={
                **os.environ,
                "STORAGE": "memory",
                "WORKERS": "1",
                "LOG_LEVEL": "WARNING",
                "DATA_DIR": data_dir,
                **env,
            },
        )
        try:
            _wait_live(base, server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_live(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, "server exited during start-up"
        try:
            if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
