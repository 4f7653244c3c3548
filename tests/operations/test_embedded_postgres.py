"""The embedded PostgreSQL behind `make run`: data survives a restart; a fallback exists."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest

from adapters.postgres import embedded


def _libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _query(url: str, *statements: str) -> object:
    """Run the statements in order; the last one's first value."""
    conn = await asyncpg.connect(_libpq(url))
    try:
        for sql in statements[:-1]:
            await conn.execute(sql)
        return await conn.fetchval(statements[-1])
    finally:
        await conn.close()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Under /tmp rather than pytest's private tmp: the server runs as an unprivileged user.
    root = Path(tempfile.mkdtemp(prefix="conduit-embedded-"))
    root.chmod(0o755)
    yield root / "pg"
    shutil.rmtree(root, ignore_errors=True)


def test_a_second_start_finds_the_data_again(data_dir: Path) -> None:
    first = embedded.start(data_dir)
    asyncio.run(_query(first.url, "CREATE TABLE kept (n int)", "INSERT INTO kept VALUES (42)"))
    first.stop()

    second = embedded.start(data_dir)
    try:
        assert asyncio.run(_query(second.url, "SELECT n FROM kept")) == 42
    finally:
        second.stop()


@pytest.mark.skipif(
    shutil.which("pg_ctl") is None and not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")),
    reason="no PostgreSQL binaries on this machine for the fallback",
)
@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("runuser") is None, reason="runuser is needed as root"
)
def test_without_pgserver_the_machines_postgresql_binaries_are_used(data_dir: Path) -> None:
    server = embedded._start_with_system_binaries(data_dir)
    try:
        assert asyncio.run(_query(server.url, "SELECT 1")) == 1
    finally:
        server.stop()
    assert not (data_dir / "postmaster.pid").exists()


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def _wait_gone(pid: int, seconds: float = 30) -> bool:
    """Until the process is gone and reaped (a zombie still looks like a running postmaster)."""
    deadline = time.monotonic() + seconds
    while psutil.pid_exists(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


RESTART = "from pathlib import Path; from adapters.postgres import embedded as e; e.start(Path"
ROOT = Path(__file__).resolve().parents[2]


def test_stop_stops_a_postmaster_restarted_behind_our_back(data_dir: Path) -> None:
    server = embedded.start(data_dir)
    first = _postmaster_pid(data_dir)
    try:
        os.kill(first, signal.SIGINT)  # PostgreSQL goes away (fast shutdown)...
        assert _wait_gone(first)
        subprocess.run(  # ...and another process starts it again, then leaves it running
            [sys.executable, "-c", f"{RESTART}({str(data_dir)!r}))"],
            cwd=ROOT,
            check=True,
            timeout=60,
        )
        second = _postmaster_pid(data_dir)
        assert second != first and psutil.pid_exists(second)

        server.stop()

        assert _wait_gone(second), "the restarted postmaster is still running"
        assert not (data_dir / "postmaster.pid").exists()
    finally:
        if (data_dir / "postmaster.pid").exists() and psutil.pid_exists(
            pid := _postmaster_pid(data_dir)
        ):
            os.kill(pid, signal.SIGINT)
            _wait_gone(pid)
