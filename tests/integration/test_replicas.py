"""The service on a primary and two streaming replicas (`make cluster`'s machinery).

Reads go to replicas, writes to the primary; a user sees their own writes at once on any
app instance even when the replicas apply the WAL seconds late; a replica that stops is
left out with no error to the client and comes back; and when the primary dies and a
replica is promoted, writes come back without restarting the service, with nothing
acknowledged lost. The tests run in order on one cluster, the failover last.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import psutil
import pytest
from fastapi import FastAPI

from adapters.postgres.cluster import LocalCluster
from entrypoints.http.app import create_app
from tests.integration.cluster_support import CLUSTER_MISSING, local_cluster
from tests.support import make_settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(CLUSTER_MISSING is not None, reason=str(CLUSTER_MISSING)),
]

MAX_LAG = 5.0
REPLICA_READ_TIMEOUT = 1.0
APPLY_DELAY_SECONDS = 2


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with local_cluster(migrated=True) as running:
        yield running


@asynccontextmanager
async def served(
    cluster: LocalCluster, **overrides: object
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """One app instance on the cluster, as `make run CLUSTER=1` configures it."""
    settings = make_settings(
        storage="postgres",
        database_url=cluster.primary_url(),
        database_replica_urls=cluster.replica_urls(),
        replica_max_lag=MAX_LAG,
        replica_check_interval=0.1,
        replica_read_timeout=REPLICA_READ_TIMEOUT,
        db_connect_timeout=1.0,
        **overrides,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://conduit.test") as c:
            await until(lambda: replicas_serving(c), "both replicas in rotation")
            yield c, app


@asynccontextmanager
async def instance(cluster: LocalCluster) -> AsyncIterator[httpx.AsyncClient]:
    async with served(cluster) as (client, _):
        yield client


async def databases(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    answer = await client.get("/readyz")
    return {d["name"]: d for d in answer.json()["databases"]}


async def replicas_serving(client: httpx.AsyncClient, count: int = 2) -> bool:
    found = await databases(client)
    return sum(1 for d in found.values() if d["role"] == "replica" and d["healthy"]) >= count


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.1)


async def register(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    answer = await client.post(
        "/api/users",
        json={"user": {"username": name, "email": f"{name}@example.com", "password": "pw123456"}},
    )
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Token {answer.json()['user']['token']}"}


async def publish(client: httpx.AsyncClient, token: dict[str, str], title: str) -> str:
    answer = await client.post(
        "/api/articles",
        headers=token,
        json={"article": {"title": title, "description": "d", "body": "b", "tagList": []}},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["article"]["slug"])


def reads_by_role(found: dict[str, dict[str, Any]]) -> dict[str, int]:
    totals = {"primary": 0, "replica": 0}
    for database in found.values():
        if database["role"] in totals:
            totals[database["role"]] += database["reads"]
    return totals


async def test_anonymous_reads_go_to_the_replicas_and_writes_to_the_primary(
    cluster: LocalCluster,
) -> None:
    async with instance(cluster) as client:
        token = await register(client, "routed")
        await publish(client, token, "Routed")
        before = reads_by_role(await databases(client))

        for _ in range(20):
            assert (await client.get("/api/articles")).status_code == 200

        after = reads_by_role(await databases(client))
        assert after["replica"] - before["replica"] >= 15  # a few may land before a check
        # Both replicas take their turn.
        replicas = [d for d in (await databases(client)).values() if d["role"] == "replica"]
        assert all(d["reads"] > 0 for d in replicas)


async def test_a_user_sees_their_own_writes_on_another_instance_despite_an_apply_delay(
    cluster: LocalCluster,
) -> None:
    async with instance(cluster) as writer, instance(cluster) as reader:
        token = await register(writer, "ryw")
        await until(lambda: replicas_serving(reader), "replicas caught up")
        for name in ("node2", "node3"):
            cluster.set_conf(name, recovery_min_apply_delay=f"{APPLY_DELAY_SECONDS}s")
        try:
            slug = await publish(writer, token, "Seen at once")
            bio = await writer.put("/api/user", headers=token, json={"user": {"bio": "new bio"}})
            assert bio.status_code == 200

            mine = await reader.get(f"/api/articles/{slug}", headers=token)
            anonymous = await reader.get(f"/api/articles/{slug}")
            profile = await reader.get("/api/profiles/ryw", headers=token)
            listed = await reader.get("/api/articles?author=ryw", headers=token)

            assert mine.status_code == 200
            assert profile.json()["profile"]["bio"] == "new bio"
            assert listed.json()["articlesCount"] == 1
            # The delay is real: someone else, served by a replica, does not see it yet.
            assert anonymous.status_code == 404
            await until(
                lambda: _found(reader, f"/api/articles/{slug}"),
                "the replicas apply the article after the delay",
                seconds=APPLY_DELAY_SECONDS + 10,
            )
        finally:
            for name in ("node2", "node3"):
                cluster.set_conf(name, recovery_min_apply_delay="0")


async def _found(client: httpx.AsyncClient, path: str) -> bool:
    return (await client.get(path)).status_code == 200


async def test_a_stopped_replica_leaves_the_rotation_without_an_error_and_comes_back(
    cluster: LocalCluster,
) -> None:
    async with instance(cluster) as client:
        cluster.stop("node3", immediate=True)
        try:
            statuses = [(await client.get("/api/articles")).status_code for _ in range(30)]
            await until(
                lambda: _role(client, cluster.port("node3"), "down"),
                "the monitor sees node3 down",
                seconds=10,
            )
            statuses += [(await client.get("/api/tags")).status_code for _ in range(10)]
            assert set(statuses) == {200}
        finally:
            cluster.start("node3")
        await until(lambda: replicas_serving(client), "node3 back in rotation")


async def test_a_frozen_replica_costs_one_timeout_then_leaves_the_rotation(
    cluster: LocalCluster,
) -> None:
    """SIGSTOP on every process of a replica: what a network partition looks like from here
    (connections open, nothing answers)."""
    async with instance(cluster) as client:
        frozen = _server_processes(cluster, "node2")
        for process in frozen:
            process.suspend()
        try:
            started = time.monotonic()
            statuses = [(await client.get("/api/articles")).status_code for _ in range(20)]
            took = time.monotonic() - started
            await until(lambda: _role(client, cluster.port("node2"), "down"), "node2 down", 10)
        finally:
            for process in frozen:
                process.resume()
        assert set(statuses) == {200}
        assert took < REPLICA_READ_TIMEOUT + 3  # one read waits out the timeout, not each
        await until(lambda: replicas_serving(client), "node2 back in rotation")


def _server_processes(cluster: LocalCluster, name: str) -> list[psutil.Process]:
    pid = cluster.pid(name)
    assert pid is not None
    postmaster = psutil.Process(pid)
    return [postmaster, *postmaster.children(recursive=True)]


async def test_a_pool_busy_with_requests_does_not_hide_the_primary_from_the_monitor(
    cluster: LocalCluster,
) -> None:
    """Its checks have connections of their own: a full pool is not an unreachable primary,
    and the replicas' lag keeps being measured."""
    async with served(cluster, db_pool_size=1) as (_, app):
        monitor = app.state.container.replication_monitor()
        async with app.state.container.engine().connect():  # the pool's only connection
            await asyncio.sleep(3 * 1.0 + 0.5)  # three of the monitor's 1 s timeouts
            assert monitor.primary.role == "primary"
            assert all(r.healthy for r in monitor.replicas if r.role == "replica")


async def _role(client: httpx.AsyncClient, port: int, role: str) -> bool:
    found = await databases(client)
    return bool(found[f"127.0.0.1:{port}"]["role"] == role)


async def test_after_the_primary_dies_writes_come_back_on_the_promoted_replica(
    cluster: LocalCluster,
) -> None:
    async with instance(cluster) as client:
        token = await register(client, "survivor")
        acknowledged = [await publish(client, token, f"Before {n}") for n in range(5)]

        old = cluster.primary_name()
        assert old is not None
        cluster.stop(old, immediate=True)
        started = time.monotonic()
        during = await client.post(
            "/api/articles",
            headers=token,
            json={"article": {"title": "During", "description": "d", "body": "b"}},
        )
        assert during.status_code == 503  # fails fast, no hanging, no 500
        assert time.monotonic() - started < 5

        promoted = cluster.most_advanced_replica()
        assert promoted is not None
        cluster.promote(promoted)
        for name in cluster.names:
            if name not in (old, promoted):
                cluster.follow(name, promoted)

        async def writes_again() -> bool:
            answer = await client.post(
                "/api/articles",
                headers=token,
                json={"article": {"title": "After", "description": "d", "body": "b"}},
            )
            assert answer.status_code in (201, 503), answer.text
            return answer.status_code == 201

        await until(writes_again, "a write succeeds on the new primary", seconds=15)
        for slug in acknowledged:
            assert (await client.get(f"/api/articles/{slug}", headers=token)).status_code == 200
        await until(lambda: _primary_seen(client), "the monitor sees the new primary", seconds=5)


async def _primary_seen(client: httpx.AsyncClient) -> bool:
    found = await databases(client)
    return bool(found["primary"]["role"] == "primary")
