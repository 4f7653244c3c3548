"""Prometheus metrics, one registry per app so several apps can live in one process."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

PoolStats = Callable[[], tuple[int, int] | None]
"""(checked out, idle) connections of the pool, or None when there is no pool."""
StatementCount = Callable[[], int | None]
"""SQL statements sent so far by this process, or None without a database."""


class _DatabaseCollector(Collector):
    def __init__(self, stats: PoolStats, statements: StatementCount) -> None:
        self._stats = stats
        self._statements = statements

    def collect(self) -> Iterable[Metric]:
        sent = self._statements()
        if sent is not None:
            yield CounterMetricFamily(
                "conduit_db_statements", "SQL statements sent to the database", value=sent
            )
        stats = self._stats()
        if stats is None:
            return
        in_use, idle = stats
        family = GaugeMetricFamily(
            "conduit_db_pool_connections", "Database pool connections", labels=["state"]
        )
        family.add_metric(["in_use"], in_use)
        family.add_metric(["idle"], idle)
        yield family


class Metrics:
    def __init__(self, pool_stats: PoolStats, statements: StatementCount) -> None:
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
        self.registry.register(_DatabaseCollector(pool_stats, statements))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
