"""`make conformance`: the upstream Postman suite against a fresh service and database.

Starts a throwaway embedded PostgreSQL (the suite asserts global article counts, so the
database must be empty), serves the API with the production CLI on a free port, runs
../shared/conformance/run-postman.sh against it, and exits with the suite's status.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from adapters.postgres import embedded, schema

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT.parent / "shared" / "conformance" / "run-postman.sh"
STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_live(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the service exited early with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the service did not answer {url} within {STARTUP_SECONDS}s")


def main() -> int:
    if not RUNNER.exists():
        print(f"conformance runner not found at {RUNNER}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="conduit-conformance-") as tmp:
        database = embedded.start(Path(tmp) / "pg")
        try:
            schema.upgrade(database.url)
            port = _free_port()
            env = {**os.environ, "DATABASE_URL": database.url, "LOG_LEVEL": "WARNING"}
            server = subprocess.Popen(
                [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
            )
            try:
                _wait_until_live(f"http://127.0.0.1:{port}/livez", server)
                result = subprocess.run(
                    ["bash", str(RUNNER), f"http://127.0.0.1:{port}/api"], check=False
                )
                return result.returncode
            finally:
                server.terminate()
                server.wait(timeout=30)
        finally:
            database.stop()


if __name__ == "__main__":
    sys.exit(main())
