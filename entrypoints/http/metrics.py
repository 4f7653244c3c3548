"""Prometheus metrics: one registry per app, aggregated across worker processes.

With several workers (uvicorn processes), PROMETHEUS_MULTIPROC_DIR is set by the CLI: every
worker writes its figures to files there, and a scrape, whichever worker answers it, sums
them all. The database figures live in the adapters as plain numbers and are copied in
by `refresh()`: before a scrape, and every second in each worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
REFRESH_SECONDS = 1.0

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

PoolStats = Callable[[], tuple[int, int] | None]
"""(checked out, idle) connections of the pool, or None when there is no pool."""
StatementCount = Callable[[], int | None]
"""SQL statements sent so far by this process, or None without a database."""
DatabaseStatuses = Callable[[], list[dict[str, Any]] | None]
"""Each database's name, role, health, lag and reads served (with replicas), else None."""
ROLES = ("primary", "replica", "down")


class Metrics:
    def __init__(
        self,
        pool_stats: PoolStats,
        statements: StatementCount,
        databases: DatabaseStatuses = lambda: None,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "conduit_http_requests",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "conduit_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.use_case_errors = Counter(
            "conduit_use_case_errors",
            "Domain errors raised by use cases, by type",
            ["error"],
            registry=self.registry,
        )
        self.statements = Counter(
            "conduit_db_statements", "SQL statements sent to the database", registry=self.registry
        )
        self.pool = Gauge(
            "conduit_db_pool_connections",
            "Database pool connections",
            ["state"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.database_role = Gauge(
            "conduit_db_role",
            "1 for the role each database has now (primary, replica, down), as this worker sees it",
            ["database", "role"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.database_healthy = Gauge(
            "conduit_db_healthy",
            "1 when the database serves reads (a replica: reachable and within REPLICA_MAX_LAG)",
            ["database"],
            registry=self.registry,
            multiprocess_mode="livemin",
        )
        self.replica_lag = Gauge(
            "conduit_db_replica_lag_seconds",
            "How far a replica's replay is behind the primary (NaN when unknown)",
            ["database"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.database_reads = Counter(
            "conduit_db_reads",
            "Read-model statements served, by database",
            ["database"],
            registry=self.registry,
        )
        self._pool_stats = pool_stats
        self._statement_count = statements
        self._statements_seen = 0
        self._databases = databases
        self._reads_seen: dict[str, int] = {}
        self.multiprocess = MULTIPROCESS_DIR in os.environ

    def refresh(self) -> None:
        """Copy the database figures in from the adapters."""
        sent = self._statement_count()
        if sent is not None and sent > self._statements_seen:
            self.statements.inc(sent - self._statements_seen)
            self._statements_seen = sent
        stats = self._pool_stats()
        if stats is not None:
            in_use, idle = stats
            self.pool.labels("in_use").set(in_use)
            self.pool.labels("idle").set(idle)
        for database in self._databases() or ():
            self._copy_database(database)

    def _copy_database(self, database: dict[str, Any]) -> None:
        name = database["name"]
        for role in ROLES:
            self.database_role.labels(name, role).set(1 if database["role"] == role else 0)
        self.database_healthy.labels(name).set(1 if database["healthy"] else 0)
        lag = database["lag_seconds"]
        self.replica_lag.labels(name).set(float("nan") if lag is None else lag)
        reads = database["reads"]
        if reads > self._reads_seen.get(name, 0):
            self.database_reads.labels(name).inc(reads - self._reads_seen.get(name, 0))
            self._reads_seen[name] = reads

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        self.refresh()
        if not self.multiprocess:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)  # type: ignore[no-untyped-call]
        return generate_latest(every_worker)
