"""`cluster up | down | status`: a local primary and two streaming replicas
(adapters/postgres/cluster.py), and `serve --cluster` on them."""

from __future__ import annotations

import argparse
import json
import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from adapters.postgres import schema
from adapters.postgres.cluster import ClusterError, LocalCluster
from entrypoints.settings import Settings

DEFAULT_BASE_PORT = 55432

T = TypeVar("T")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "cluster", help="a local PostgreSQL primary and two streaming replicas"
    )
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--root", type=Path, help="where the servers live (CLUSTER_DIR)")
    parser.add_argument(
        "--base-port",
        type=int,
        help=f"node1's port, then +1, +2 (CLUSTER_BASE_PORT, {DEFAULT_BASE_PORT})",
    )


def run(settings: Settings, args: argparse.Namespace) -> None:
    cluster = local_cluster(settings, args.root, args.base_port)
    match args.action:
        case "up":
            up(cluster)
        case "down":
            _guarded(cluster.down)
    print_status(cluster)


def local_cluster(
    settings: Settings, root: Path | None = None, base_port: int | None = None
) -> LocalCluster:
    """The cluster named by the options, else CLUSTER_DIR and CLUSTER_BASE_PORT, else
    DATA_DIR/cluster on 55432-55434."""
    root = root or Path(os.environ.get("CLUSTER_DIR") or Path(settings.data_dir) / "cluster")
    base_port = base_port or int(os.environ.get("CLUSTER_BASE_PORT") or DEFAULT_BASE_PORT)
    return _guarded(lambda: LocalCluster(root, base_port))


def up(cluster: LocalCluster) -> None:
    """Start the cluster and migrate its primary to head (the replicas follow)."""
    _guarded(cluster.up)
    primary = cluster.primary_name()
    if primary is None:
        raise SystemExit("cluster: no primary answers after up")
    schema.upgrade(cluster.url(primary))


def environment(cluster: LocalCluster) -> dict[str, str]:
    """What the service reads: writes go to whichever server accepts them, reads to the
    servers that answer they are in recovery."""
    return {
        "DATABASE_URL": cluster.primary_url(),
        "DATABASE_REPLICA_URLS": json.dumps(cluster.replica_urls()),
    }


def serve_on_cluster(settings: Settings) -> Settings:
    """`serve --cluster`: up (and migrated), then the workers find it in their environment."""
    cluster = local_cluster(settings)
    up(cluster)
    variables = environment(cluster)
    os.environ.update(variables)
    return settings.model_copy(update={"database_url": variables["DATABASE_URL"]})


def print_status(cluster: LocalCluster) -> None:
    for name in cluster.names:
        print(f"{cluster.role(name):<8} {cluster.url(name)}")
    # Quoted for a shell: the URL holds `&` and the list quotes.
    for key, value in environment(cluster).items():
        print(f"{key}={shlex.quote(value)}")


def _guarded(action: Callable[[], T]) -> T:
    try:
        return action()
    except ClusterError as error:
        raise SystemExit(f"cluster: {error}") from error
