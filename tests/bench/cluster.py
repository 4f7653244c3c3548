"""The streaming cluster `make bench TOPOLOGY=cluster|compare` serves from.

A fresh `LocalCluster` under `.data/bench-cluster` (ports 57432-57434): a primary and two
streaming replicas, each commit waiting for one standby's flush (`ANY 1`). The servers get
the reloadable part of the settings the single embedded server gets (tuning.py), so the two
topologies differ by replication, not by configuration; shared_buffers stays at the
cluster's 128 MB (three servers share the machine, and 500 articles fit many times over).

The benchmark measures each server's CPU from its postmaster's process tree (backends,
walsenders and walreceiver, the startup process that replays, background workers) and
where the app sent its reads (`conduit_db_reads_total` on /metrics, by database).
"""

from __future__ import annotations

import json
import re
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from adapters.postgres import schema, tuning
from adapters.postgres.cluster import ClusterError, LocalCluster

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_DIR = ROOT / ".data" / "bench-cluster"
BASE_PORT = 57432
PRIMARY = "primary"
"""The app's name for its primary pool in `conduit_db_reads_total`: the reads it sent (or
fell back) to the primary. Replicas are named by address, `127.0.0.1:57433`."""

READS = re.compile(r'^conduit_db_reads_total\{database="([^"]+)"\} (\S+)$', re.M)
RESTART_ONLY = {"shared_buffers"}


@dataclass(frozen=True)
class Node:
    name: str
    role: str
    """`primary` or `replica`, when the cluster came up (the benchmark fails over nothing)."""
    pid: int
    """The postmaster: the server's CPU is that of its process tree."""
    address: str
    """How the app names it in its metrics."""


@dataclass(frozen=True)
class BenchCluster:
    cluster: LocalCluster
    nodes: list[Node]

    @property
    def primary(self) -> Node:
        return next(node for node in self.nodes if node.role == "primary")

    @property
    def replicas(self) -> list[Node]:
        return [node for node in self.nodes if node.role == "replica"]

    def seed_url(self) -> str:
        """The primary alone (the seed writes; one host is simpler to read in its errors)."""
        return self.cluster.url(self.primary.name)

    def service_env(self) -> dict[str, str]:
        """What the service needs to write on the primary and read on the replicas."""
        return {
            "DATABASE_URL": self.cluster.primary_url(),
            "DATABASE_REPLICA_URLS": json.dumps(self.cluster.replica_urls()),
        }


def start(stack: ExitStack) -> BenchCluster:
    """A fresh cluster, migrated to head; `stack` stops its servers however the run ends
    (their data and logs stay in CLUSTER_DIR until the next run)."""
    cluster = LocalCluster(root=CLUSTER_DIR, base_port=BASE_PORT)
    cluster.wipe()  # and a killed run's servers with it
    stack.callback(_down, cluster)
    print(f"starting a primary and two replicas under {CLUSTER_DIR} ...", file=sys.stderr)
    cluster.up()
    settings = {
        key: value
        for key, value in tuning.sized_settings(tuning.machine_memory()).items()
        if key not in RESTART_ONLY
    }
    nodes = []
    for name in cluster.names:
        cluster.set_conf(name, **settings)
        role = cluster.role(name)
        if role == "down":
            raise ClusterError(f"{name} is down after cluster up")
        pid = cluster.pid(name)
        assert pid is not None  # running: role() said so
        nodes.append(Node(name, role, pid, f"127.0.0.1:{cluster.port(name)}"))
    bench = BenchCluster(cluster, nodes)
    schema.upgrade(bench.seed_url())
    return bench


def reads(metrics: str, nodes: list[Node]) -> dict[str, float]:
    """Read-model statements served so far, by node name (`primary`: the primary pool)."""
    names = {node.address: node.name for node in nodes}
    return {names.get(found[1], found[1]): float(found[2]) for found in READS.finditer(metrics)}


def _down(cluster: LocalCluster) -> None:
    try:
        cluster.down()
    except ClusterError as error:
        print(f"stopping the bench cluster: {error}", file=sys.stderr)
