"""Reads on streaming replicas, writes on the primary, and every user sees their own writes.

`RoutedReader` stands where the read models' `DriverReader` stood (DATABASE_REPLICA_URLS
set): each statement runs on a healthy replica that has replayed far enough, else on the
primary. `ReplicationMonitor` asks every server, every `interval` seconds, what it is and
how far it has replayed:

- lag: the primary's WAL position is sampled each round; a replica that has replayed up to
  a sample taken at time t has everything the primary had at t, so it is at most
  (newest sample - t) behind. Measured in time against the primary's own positions, it
  stays 0 for an idle primary (unlike now() - pg_last_xact_replay_timestamp()).
- health: a replica is in rotation while it answers within `timeout`, is in recovery, is
  not paused and lags at most `max_lag` seconds; a read that fails on it takes it out
  until the next round and runs on the primary instead, so the client never sees the
  replica's failure.
- read-your-writes: a read for a user who wrote needs a replica at or past that user's
  write position (write_positions.py). None known to be there yet, one replica is asked
  how far it has replayed; still behind, the primary answers.
- the fence: positions live in an UNLOGGED table, emptied by a crash or a failover. When the
  primary is first seen, restarts or is replaced, no replica serves anything until it has
  replayed the new primary's position of that moment, which is past every acknowledged write.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.write_positions import LSN, WritePositions
from adapters.sqlalchemy.engine import (
    DriverReader,
    PoolOptions,
    SqlAlchemyStorageRuntime,
    StatementCounter,
    create_engine,
)
from domain.errors import StorageUnavailable, TransientStorageError

logger = logging.getLogger("conduit.replicas")

Role = Literal["primary", "replica", "down"]

PRIMARY_SQL = f"""
SELECT {LSN} AS lsn, inet_server_addr()::text AS addr, inet_server_port() AS port,
       pg_postmaster_start_time() AS started"""

SERVER_SQL = """
SELECT pg_is_in_recovery() AS recovering,
       (CASE WHEN pg_is_in_recovery() THEN COALESCE(pg_last_wal_replay_lsn(), '0/0')
             ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::bigint AS replayed,
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused"""

REPLAYED_SQL = (
    "SELECT (COALESCE(pg_last_wal_replay_lsn(), '0/0') - '0/0'::pg_lsn)::bigint AS replayed"
)

PRUNE_EVERY_SECONDS = 60.0


@dataclass(slots=True)
class Replica:
    """One server of DATABASE_REPLICA_URLS: its pool, and what the monitor last saw of it."""

    name: str
    engine: AsyncEngine
    """The pool the reads use."""
    reader: DriverReader
    watch: DriverReader
    """One connection of its own for the monitor: a pool full of reads must not look like
    a replica that does not answer."""
    role: Role = "down"
    replayed: int = 0
    lag_seconds: float | None = None
    paused: bool = False
    healthy: bool = False
    reads: int = 0

    def status(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "healthy": self.healthy,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "replay_paused": self.paused,
            "reads": self.reads,
        }


@dataclass(slots=True)
class _Primary:
    role: Role = "down"
    identity: tuple[Any, ...] | None = None
    reads: int = 0
    samples: deque[tuple[float, int]] = field(default_factory=deque)
    """(monotonic time, WAL position) of the primary, oldest first."""


class ReplicationMonitor:
    """Keeps each server's role, lag and health, and decides which replicas may serve."""

    def __init__(
        self,
        primary: DriverReader,
        replicas: Sequence[Replica],
        positions: WritePositions,
        *,
        max_lag: float,
        interval: float,
        timeout: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary_watch = primary
        self.replicas = tuple(replicas)
        self._positions = positions
        self.max_lag = max_lag
        self.interval = interval
        self._timeout = timeout
        self._clock = clock
        self.primary = _Primary()
        self.fence: int | None = None
        """No replica serves below this position; None: the primary was never seen yet."""
        self._turn = itertools.count()
        self._pruned_at = clock()

    async def run(self) -> None:
        """Check every `interval` seconds until cancelled."""
        while True:
            try:
                await self.check()
            except Exception:  # a bug here must not stop the checks; the next round retries
                logger.exception("replication check failed")
            await asyncio.sleep(self.interval)

    async def check(self) -> None:
        """One round: the primary's position first, then every replica against it."""
        await self._check_primary()
        await asyncio.gather(*(self._check_replica(replica) for replica in self.replicas))
        if self.primary.role == "primary" and self._clock() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = self._clock()
            await self._prune()

    def candidates(self, required: int) -> list[Replica]:
        """Replicas that may serve a read needing WAL up to `required`, in turn."""
        if self.fence is None:
            return []
        needed = max(required, self.fence)
        ready = [
            r for r in self.replicas if r.role == "replica" and r.healthy and r.replayed >= needed
        ]
        if len(ready) > 1:
            shift = next(self._turn) % len(ready)
            ready = ready[shift:] + ready[:shift]
        return ready

    def behind(self, required: int) -> Replica | None:
        """A replica in rotation that had not replayed `required` at the last check (it may
        have by now), the next in turn; None when there is none."""
        if self.fence is None:
            return None
        lagging = [
            r
            for r in self.replicas
            if r.role == "replica" and r.healthy and self.fence <= r.replayed < required
        ]
        return lagging[next(self._turn) % len(lagging)] if lagging else None

    def suspect(self, replica: Replica) -> None:
        """A read failed on it: out of rotation until a round finds it well again."""
        replica.healthy = False

    def statuses(self) -> list[dict[str, Any]]:
        primary = {
            "name": "primary",
            "role": self.primary.role,
            "healthy": self.primary.role == "primary",
            "lag_seconds": 0.0,
            "replay_paused": False,
            "reads": self.primary.reads,
        }
        return [primary, *(replica.status() for replica in self.replicas)]

    async def _check_primary(self) -> None:
        try:
            row = await _ask(self.primary_watch, PRIMARY_SQL, self._timeout)
        except Exception as error:
            if self.primary.role != "down":
                logger.warning("primary unreachable: %s", type(error).__name__)
            self.primary.role = "down"
            return
        identity = (row["addr"], row["port"], row["started"])
        lsn = int(row["lsn"])
        if identity != self.primary.identity:
            # First sight, a restart or a new primary: positions may be gone (UNLOGGED).
            if self.primary.identity is not None:
                logger.warning("primary changed or restarted: replicas fenced at %d", lsn)
            self.primary.identity = identity
            self.primary.samples.clear()
            self.fence = lsn
        self.primary.role = "primary"
        now = self._clock()
        samples = self.primary.samples
        samples.append((now, lsn))
        # Enough history to tell a replica `max_lag` behind from one further behind.
        while len(samples) > 2 and samples[1][0] < now - 2 * self.max_lag - self.interval:
            samples.popleft()

    async def _check_replica(self, replica: Replica) -> None:
        try:
            row = await _ask(replica.watch, SERVER_SQL, self._timeout)
        except Exception as error:
            if replica.role != "down":
                logger.warning("replica %s unreachable: %s", replica.name, type(error).__name__)
            replica.role, replica.healthy, replica.lag_seconds = "down", False, None
            return
        if not row["recovering"]:
            # Promoted (or listed on purpose, every node): well, but the primary's pool
            # serves it, as the primary.
            replica.role, replica.healthy, replica.lag_seconds = "primary", True, None
            return
        replica.role = "replica"
        replica.replayed = int(row["replayed"])
        replica.paused = bool(row["paused"])
        replica.lag_seconds = self._lag(replica.replayed)
        was = replica.healthy
        # Paused replay (pg_wal_replay_pause(), an operator at work) only falls further
        # behind: out at once rather than after REPLICA_MAX_LAG of stale answers.
        replica.healthy = (
            not replica.paused
            and replica.lag_seconds is not None
            and replica.lag_seconds <= self.max_lag
        )
        if was != replica.healthy:
            logger.warning(
                "replica %s %s (lag %s s)",
                replica.name,
                "back in rotation" if replica.healthy else "out of rotation",
                replica.lag_seconds,
            )

    def _lag(self, replayed: int) -> float | None:
        """Seconds of the primary's history the replica has not replayed (0: all of it)."""
        samples = self.primary.samples
        if not samples:
            return None
        newest_time, newest_lsn = samples[-1]
        if replayed >= newest_lsn:
            return 0.0
        caught_up_at = samples[0][0]  # behind all history: at least that far behind
        for sampled_at, lsn in reversed(samples):
            if lsn <= replayed:
                caught_up_at = sampled_at
                break
        return newest_time - caught_up_at

    async def _prune(self) -> None:
        with contextlib.suppress(StorageUnavailable, TransientStorageError):
            await self._positions.prune(max(PRUNE_EVERY_SECONDS, 10 * self.max_lag))


async def _ask(watch: DriverReader, sql: str, seconds: float) -> asyncpg.Record:
    """The one row of `sql` within `seconds`, connecting included, whatever the server does.

    At the deadline the query is cancelled and left to clean up in the background (as the
    readiness probe does): waiting for its cleanup, which may wait on the stuck server,
    would stall the monitor and with it every replica's checks."""
    task = asyncio.ensure_future(watch.fetchrow(sql))
    done, _ = await asyncio.wait((task,), timeout=seconds)
    if not done:
        task.cancel()
        task.add_done_callback(_retrieve)
        raise TimeoutError(f"no answer within {seconds} s")
    row = task.result()
    if row is None:
        raise LookupError(f"no row from {sql!r}")
    return row


def _retrieve(task: asyncio.Future[Any]) -> None:
    """A probe given up on: its late failure is no news."""
    if not task.cancelled():
        task.exception()


class RoutedReader:
    """The read models' reader with replicas: the same `fetchrow`, routed."""

    def __init__(
        self,
        primary: DriverReader,
        monitor: ReplicationMonitor,
        positions: WritePositions,
        *,
        replica_timeout: float = 2.0,
    ) -> None:
        self._primary = primary
        self._monitor = monitor
        self._positions = positions
        self._replica_timeout = replica_timeout

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        required = await self._positions.required()
        replicas = self._monitor.candidates(required) or await self._caught_up(required)
        for replica in replicas:
            try:
                # A replica that stopped answering (frozen, cut off) must not hold the read
                # until the request's deadline: the primary gets the time that is left.
                async with asyncio.timeout(self._replica_timeout):
                    row = await replica.reader.fetchrow(sql, *args)
            except (StorageUnavailable, TransientStorageError, TimeoutError) as error:
                # Down, or a query cancelled by a conflict with recovery: the primary answers.
                logger.warning("read on replica %s failed: %s", replica.name, type(error).__name__)
                self._monitor.suspect(replica)
                continue
            if row is not None and row.get("viewer_known") is False:
                # A user the replica has not seen yet (just registered): ask the primary.
                break
            replica.reads += 1
            return row
        self._monitor.primary.reads += 1
        return await self._primary.fetchrow(sql, *args)

    async def _caught_up(self, required: int) -> list[Replica]:
        """The reader wrote since the last check: ask one replica how far it has replayed.

        Streaming takes milliseconds and a check comes every REPLICA_CHECK_INTERVAL, so a
        user's read right after their write would otherwise always fall to the primary: one
        small statement on a replica instead keeps most of those reads off it."""
        replica = self._monitor.behind(required)
        if replica is None:
            return []
        try:
            async with asyncio.timeout(self._replica_timeout):
                row = await replica.reader.fetchrow(REPLAYED_SQL)
        except (StorageUnavailable, TransientStorageError, TimeoutError):
            self._monitor.suspect(replica)
            return []
        replayed = int(row["replayed"]) if row is not None else 0
        replica.replayed = max(replica.replayed, replayed)
        return [replica] if replayed >= required else []


def replicas_from_urls(
    urls: Sequence[str], pool: PoolOptions, counter: StatementCounter
) -> list[Replica]:
    """A pool per replica, sized like the primary's; each named by its host and port."""
    replicas = []
    for url in urls:
        engine = create_engine(url, pool, counter)
        name = f"{engine.url.host or 'local'}:{engine.url.port or 5432}"
        reader = DriverReader(engine, counter, in_transaction=pool.pgbouncer)
        replicas.append(Replica(name, engine, reader, watch_reader(url, pool)))
    return replicas


def watch_reader(url: str, pool: PoolOptions) -> DriverReader:
    """The monitor's own connection to a server (the primary's too): its checks never wait
    behind the requests for a pooled connection, so a busy pool is not taken for an
    unreachable server and the primary's position keeps being sampled under load. Its
    statements are not the service's: counted apart."""
    engine = create_engine(url, replace(pool, size=1, max_overflow=0, timeout=1.0))
    return DriverReader(engine, StatementCounter(), in_transaction=pool.pgbouncer)


class ReplicatedStorageRuntime:
    """The primary's runtime, plus the replicas' pools and the monitor that checks them."""

    def __init__(self, primary: SqlAlchemyStorageRuntime, monitor: ReplicationMonitor) -> None:
        self._primary = primary
        self._monitor = monitor
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._monitor.run(), name="replication-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for replica in self._monitor.replicas:
            await replica.engine.dispose()
            await replica.watch.engine.dispose()
        await self._monitor.primary_watch.engine.dispose()
        await self._primary.stop()

    def pool_stats(self) -> tuple[int, int] | None:
        return self._primary.pool_stats()

    def statements(self) -> int:
        return self._primary.statements()

    def databases(self) -> list[dict[str, Any]]:
        return self._monitor.statuses()
