"""The local cluster (`make cluster`): replicas stream, commits wait for one standby, and a
failover (promote the most advanced replica, re-point the other, rewind the old primary)
keeps every acknowledged write and moves the multi-host URL to the new primary.

One cluster for the module, in its own directory on free ports: never a developer's
`make cluster`, nor another run's. The tests run in order, the failover last.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.postgres.cluster import LocalCluster
from entrypoints.cli import cluster as cluster_cli
from tests.integration.cluster_support import CLUSTER_MISSING, local_cluster
from tests.support import make_settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(CLUSTER_MISSING is not None, reason=str(CLUSTER_MISSING)),
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with local_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def marks(cluster: LocalCluster) -> str:
    """A table the tests write rows to, on the primary."""
    cluster.execute("node1", "CREATE TABLE marks (mark text PRIMARY KEY)")
    return "marks"


def _eventually_visible(cluster: LocalCluster, name: str, mark: str) -> bool:
    # ANY 1 waits for one standby's flush, not for any replay: poll.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if cluster.execute(name, f"SELECT 1 FROM marks WHERE mark = '{mark}'"):
            return True
        time.sleep(0.05)
    return False


async def _whoami(url: str) -> tuple[str, bool]:
    """The port of the server behind `url`, and whether it is in recovery."""
    engine: AsyncEngine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT current_setting('port'), pg_is_in_recovery()"))
            ).one()
    finally:
        await engine.dispose()
    return str(row[0]), bool(row[1])


async def _write_mark(url: str) -> str:
    mark = uuid4().hex
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO marks VALUES (:mark)"), {"mark": mark})
    finally:
        await engine.dispose()
    return mark


def test_every_replica_streams_from_node1(cluster: LocalCluster) -> None:
    assert [cluster.role(name) for name in cluster.names] == ["primary", "replica", "replica"]
    assert cluster.primary_name() == "node1"
    rows = cluster.execute(
        "node1", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1"
    )
    assert rows == [("node2", "streaming"), ("node3", "streaming")]


def test_commits_wait_for_any_one_standby(cluster: LocalCluster) -> None:
    assert cluster.execute("node1", "SHOW synchronous_standby_names") == [
        ("ANY 1 (node1, node2, node3)",)
    ]
    rows = cluster.execute("node1", "SELECT sync_state FROM pg_stat_replication")
    assert rows == [("quorum",), ("quorum",)]


def test_a_row_written_on_the_primary_reaches_both_replicas(
    cluster: LocalCluster, marks: str
) -> None:
    mark = uuid4().hex
    cluster.execute("node1", f"INSERT INTO {marks} VALUES ('{mark}')")
    assert _eventually_visible(cluster, "node2", mark)
    assert _eventually_visible(cluster, "node3", mark)


async def test_the_multi_host_url_reaches_the_primary(cluster: LocalCluster) -> None:
    assert await _whoami(cluster.primary_url()) == (str(cluster.port("node1")), False)


def test_cli_up_is_idempotent_migrates_and_prints_what_to_export(
    cluster: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(action="up", root=cluster.root, base_port=cluster.base_port)
    cluster_cli.run(make_settings(), args)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        f"primary  {cluster.url('node1')}",
        f"replica  {cluster.url('node2')}",
        f"replica  {cluster.url('node3')}",
    ]
    assert lines[3] == f"DATABASE_URL='{cluster.primary_url()}'"
    assert lines[4].startswith("DATABASE_REPLICA_URLS='[")
    # The migration reached the replicas too.
    assert cluster.execute("node3", "SELECT count(*) FROM alembic_version") == [("1",)]


async def test_with_every_standby_down_a_commit_waits_until_one_is_back(
    cluster: LocalCluster,
) -> None:
    cluster.stop("node2")
    cluster.stop("node3")
    write = asyncio.ensure_future(_write_mark(cluster.primary_url()))
    done, _ = await asyncio.wait([write], timeout=1.5)
    assert not done, "the commit was acknowledged with no standby to flush it"
    cluster.up()  # starts the replicas again
    mark = await asyncio.wait_for(write, timeout=10)
    assert _eventually_visible(cluster, "node2", mark)


async def test_failover_keeps_writes_and_moves_the_primary_url(
    cluster: LocalCluster, marks: str
) -> None:
    before = await _write_mark(cluster.primary_url())
    cluster.stop("node1", immediate=True)
    new = cluster.most_advanced_replica()
    assert new in ("node2", "node3")
    cluster.promote(new)
    other = "node3" if new == "node2" else "node2"
    cluster.follow(other, new)

    assert cluster.execute(new, f"SELECT count(*) FROM {marks} WHERE mark = '{before}'") == [("1",)]
    assert await _whoami(cluster.primary_url()) == (str(cluster.port(new)), False)
    after = await _write_mark(cluster.primary_url())
    assert _eventually_visible(cluster, other, after)

    cluster.rejoin("node1", new)
    assert cluster.role("node1") == "replica"
    assert cluster.primary_name() == new
    streaming = cluster.execute(
        new, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'"
    )
    assert sorted(streaming) == sorted([("node1",), (other,)])
    assert _eventually_visible(cluster, "node1", after)


def test_wipe_stops_whatever_runs_in_the_directory(cluster: LocalCluster) -> None:
    """What the drill and the bench do first, after a run of theirs was killed."""
    LocalCluster(cluster.root, cluster.base_port).wipe()

    assert [cluster.role(name) for name in cluster.names] == ["down", "down", "down"]
    assert not cluster.root.exists()
