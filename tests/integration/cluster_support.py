"""A local streaming cluster for a test module: its own directory, on free ports, never a
developer's `make cluster` (55432) nor another run's."""

from __future__ import annotations

import random
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.postgres import schema
from adapters.postgres.cluster import ClusterUnavailable, LocalCluster, find_bin_dir


def _binaries_missing() -> str | None:
    try:
        find_bin_dir()
    except ClusterUnavailable as error:
        return str(error)
    return None


CLUSTER_MISSING = _binaries_missing()
"""Why no cluster can run here (no PostgreSQL binaries), or None."""


def free_base_port() -> int:
    """Three consecutive free ports, away from 55432."""
    for _ in range(100):
        base = random.randrange(20000, 50000)
        if all(_port_free(base + offset) for offset in range(3)):
            return base
    raise RuntimeError("no three consecutive free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@contextmanager
def local_cluster(*, migrated: bool = False) -> Iterator[LocalCluster]:
    """A primary and two replicas, up; with `migrated`, the schema at head. Removed after."""
    # Not pytest's tmp_path: its parents are closed to the servers' unprivileged user.
    root = Path(tempfile.mkdtemp(prefix="conduit-cluster-"))
    root.chmod(0o755)
    cluster = LocalCluster(root, free_base_port())
    try:
        cluster.up()
        if migrated:
            primary = cluster.primary_name()
            assert primary is not None
            schema.upgrade(cluster.url(primary))
        yield cluster
    finally:
        cluster.down()
        shutil.rmtree(root, ignore_errors=True)
