"""PgBouncer in transaction mode: the service works through it with DB_PGBOUNCER=true."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.http.app import create_app
from tests.support import make_settings, truncate_all

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None
)

pytestmark = pytest.mark.skipif(
    PGBOUNCER is None, reason="pgbouncer is not installed (Debian package `pgbouncer`)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def pgbouncer_url(postgres_url: str) -> Iterator[str]:
    assert PGBOUNCER is not None
    parsed = urlparse(postgres_url)
    socket_dir = parse_qs(parsed.query).get("host", [parsed.hostname or "127.0.0.1"])[0]
    backend_port = parsed.port or 5432
    database = parsed.path.lstrip("/") or "postgres"
    # Not under pytest's private tmp: the unprivileged pgbouncer must write its log here.
    work = Path(tempfile.mkdtemp(prefix="conduit-pgbouncer-"))
    work.chmod(0o777)
    port = _free_port()
    (work / "users.txt").write_text('"postgres" ""\n')
    (work / "pgbouncer.ini").write_text(
        f"""[databases]
conduit = host={socket_dir} port={backend_port} dbname={database} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work}/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
logfile = {work}/pgbouncer.log
pidfile = {work}/pgbouncer.pid
"""
    )
    for name in ("pgbouncer.ini", "users.txt"):
        (work / name).chmod(0o666)
    # PgBouncer refuses to run as root; it runs as the owner of the server's socket
    # directory, the one unprivileged user sure to reach the socket.
    owner = pwd.getpwuid(os.stat(socket_dir).st_uid).pw_name
    user = ["-u", owner] if os.geteuid() == 0 else []
    process = subprocess.Popen([PGBOUNCER, *user, str(work / "pgbouncer.ini")])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError(f"pgbouncer did not start: {(work / 'pgbouncer.log').read_text()}")
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/conduit"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
async def bounced_app(pgbouncer_url: str, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    await truncate_all(engine)
    app = create_app(
        make_settings(storage="postgres", database_url=pgbouncer_url, db_pgbouncer=True)
    )
    async with app.router.lifespan_context(app):
        yield app
    await truncate_all(engine)


async def test_the_api_works_through_pgbouncer_in_transaction_mode(bounced_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=bounced_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:

        async def author(n: int) -> None:
            user = {"username": f"u{n}", "email": f"u{n}@example.com", "password": "x"}
            registered = await client.post("/users", json={"user": user})
            assert registered.status_code == 201, registered.text
            headers = {"Authorization": f"Token {registered.json()['user']['token']}"}
            for i in range(3):
                article = {"title": f"T{n}-{i}", "description": "d", "body": "b", "tagList": ["x"]}
                created = await client.post("/articles", json={"article": article}, headers=headers)
                assert created.status_code == 201, created.text
                listed = await client.get("/articles", params={"author": f"u{n}"}, headers=headers)
                assert listed.status_code == 200, listed.text

        # More concurrent clients than server connections: statements must not depend on
        # landing on the connection that prepared them.
        await asyncio.gather(*(author(n) for n in range(12)))
        everything = await client.get("/articles", params={"limit": 100})
        assert everything.json()["articlesCount"] == 36
        ready = await client.get("http://t/readyz")
        assert ready.status_code == 200
