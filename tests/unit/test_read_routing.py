"""Which database serves a read: the monitor's view of each server, and the reader's choice.

The servers are fakes here (what each answers the monitor's query); the real thing, with
streaming replicas, is tests/integration/test_replicas.py.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import pytest

from adapters.postgres import read_routing
from adapters.postgres.read_routing import REPLAYED_SQL, Replica, ReplicationMonitor, RoutedReader
from adapters.postgres.write_positions import LOOKUP_SQL, RECORD_SQL, ActorScope, WritePositions
from domain.errors import StorageUnavailable
from domain.model import UserId
from entrypoints.http.metrics import Metrics
from entrypoints.settings import Settings, multi_host_url

MAX_LAG = 5.0


class FakeReader:
    """A DriverReader that answers every statement with `row` (or raises `error`)."""

    def __init__(self, name: str, row: dict[str, Any] | None = None) -> None:
        self.name = name
        self.row: dict[str, Any] | None = row if row is not None else {"served_by": name}
        self.error: Exception | None = None
        self.frozen = False
        self.replayed = 0
        """How far this server has replayed now (the monitor may know less)."""
        self.statements: list[tuple[str, tuple[object, ...]]] = []

    async def fetchrow(self, sql: str, *args: object) -> dict[str, Any] | None:
        self.statements.append((sql, args))
        if sql == REPLAYED_SQL:
            return {"replayed": self.replayed}
        if self.frozen:
            await asyncio.sleep(3600)
        if self.error is not None:
            raise self.error
        return self.row

    async def execute(self, sql: str, *args: object) -> None:
        self.statements.append((sql, args))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Servers:
    """What each fake engine answers the monitor: a row, or an exception."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}

    async def ask(self, engine: Any, sql: str, seconds: float) -> dict[str, Any]:
        answer = self.answers[engine]
        if isinstance(answer, Exception):
            raise answer
        return cast(dict[str, Any], answer)

    def primary(self, lsn: int, started: str = "t0", port: int = 5432) -> None:
        self.answers["primary"] = {
            "lsn": lsn,
            "addr": "127.0.0.1",
            "port": port,
            "started": started,
        }

    def replica(
        self, name: str, replayed: int, *, recovering: bool = True, paused: bool = False
    ) -> None:
        self.answers[name] = {"recovering": recovering, "replayed": replayed, "paused": paused}


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Servers:
    fake = Servers()
    monkeypatch.setattr(read_routing, "_ask", fake.ask)
    return fake


def stack(
    clock: Clock, names: tuple[str, ...] = ("r1", "r2")
) -> tuple[ReplicationMonitor, RoutedReader, FakeReader, dict[str, FakeReader], ActorScope]:
    primary = FakeReader("primary")
    actor = ActorScope()
    positions = WritePositions(cast(Any, primary), actor)
    readers = {name: FakeReader(name) for name in names}
    replicas = [
        Replica(name, cast(Any, f"{name} pool"), cast(Any, readers[name]), cast(Any, name))
        for name in names
    ]
    monitor = ReplicationMonitor(
        cast(Any, "primary"), replicas, positions, max_lag=MAX_LAG, interval=0.2, clock=clock
    )
    reader = RoutedReader(cast(Any, primary), monitor, positions, replica_timeout=0.2)
    return monitor, reader, primary, readers, actor


async def settled(servers: Servers, monitor: ReplicationMonitor, *names: str) -> None:
    """A first check with the primary at 100 and the replicas (r1 by default) there too."""
    servers.primary(lsn=100)
    for name in names or ("r1",):
        servers.replica(name, 100)
    await monitor.check()


async def served_by(reader: RoutedReader) -> str:
    row = await reader.fetchrow("SELECT something", None)
    assert row is not None
    return cast(str, row["served_by"])


async def test_before_the_first_check_every_read_goes_to_the_primary(servers: Servers) -> None:
    _, reader, *_ = stack(Clock())

    assert await served_by(reader) == "primary"


async def test_caught_up_replicas_serve_anonymous_reads_in_turn(servers: Servers) -> None:
    monitor, reader, *_ = stack(Clock())
    await settled(servers, monitor, "r1", "r2")

    assert {await served_by(reader) for _ in range(4)} == {"r1", "r2"}
    assert [r.lag_seconds for r in monitor.replicas] == [0.0, 0.0]


async def test_a_replica_behind_the_fence_serves_nobody(servers: Servers) -> None:
    """The fence is the primary's position when first seen: positions before it may be gone."""
    monitor, reader, *_ = stack(Clock(), names=("r1",))
    servers.primary(lsn=100)
    servers.replica("r1", 90)
    await monitor.check()

    assert monitor.replicas[0].healthy
    assert await served_by(reader) == "primary"

    servers.replica("r1", 100)
    await monitor.check()
    assert await served_by(reader) == "r1"


async def test_a_user_who_wrote_reads_from_the_primary_until_a_replica_passed_the_write(
    servers: Servers,
) -> None:
    monitor, reader, primary, _, actor = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    actor.bind(UserId(7))
    primary.row = {"lsn": 150, "served_by": "primary"}  # the lookup finds position 150

    assert await served_by(reader) == "primary"  # asked, r1 says it is still at 100
    assert primary.statements[0] == (LOOKUP_SQL, (7,))

    servers.primary(lsn=160)
    servers.replica("r1", 150)
    await monitor.check()
    assert await served_by(reader) == "r1"


async def test_a_replica_that_replayed_the_write_since_the_last_check_serves_the_writer(
    servers: Servers,
) -> None:
    monitor, reader, primary, readers, actor = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    actor.bind(UserId(7))
    primary.row = {"lsn": 150, "served_by": "primary"}
    readers["r1"].replayed = 151  # streamed and replayed a millisecond after the commit

    assert await served_by(reader) == "r1"
    assert [sql for sql, _ in readers["r1"].statements] == [REPLAYED_SQL, "SELECT something"]
    assert monitor.replicas[0].replayed == 151


async def test_anonymous_reads_look_up_no_position(servers: Servers) -> None:
    monitor, reader, primary, _, actor = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    actor.bind(None)

    assert await served_by(reader) == "r1"
    assert primary.statements == []


async def test_positions_are_recorded_for_the_acting_user_only(servers: Servers) -> None:
    primary = FakeReader("primary")
    actor = ActorScope()
    positions = WritePositions(cast(Any, primary), actor)

    actor.bind(None)
    await positions.record()
    actor.bind(UserId(3))
    await positions.record()

    assert primary.statements == [(RECORD_SQL, (3,))]


async def test_a_replica_further_behind_than_the_max_lag_leaves_the_rotation_and_comes_back(
    servers: Servers,
) -> None:
    clock = Clock()
    monitor, reader, *_ = stack(clock, names=("r1",))
    await settled(servers, monitor)
    for step in range(1, 8):  # the primary moves on, the replica replays nothing
        clock.now += 1.0
        servers.primary(lsn=100 + step * 10)
        await monitor.check()

    replica = monitor.replicas[0]
    assert replica.lag_seconds == pytest.approx(7.0)
    assert not replica.healthy
    assert await served_by(reader) == "primary"

    clock.now += 1.0
    servers.primary(lsn=180)
    servers.replica("r1", 170)  # has what the primary had a second ago
    await monitor.check()
    assert replica.healthy and replica.lag_seconds == pytest.approx(1.0)
    assert await served_by(reader) == "r1"


async def test_a_replica_whose_replay_is_paused_leaves_the_rotation_at_once(
    servers: Servers,
) -> None:
    monitor, reader, *_ = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    servers.replica("r1", 100, paused=True)
    await monitor.check()

    assert monitor.replicas[0].lag_seconds == 0.0
    assert not monitor.replicas[0].healthy
    assert await served_by(reader) == "primary"

    servers.replica("r1", 100)
    await monitor.check()
    assert await served_by(reader) == "r1"


async def test_an_idle_primary_makes_no_lag(servers: Servers) -> None:
    clock = Clock()
    monitor, *_ = stack(clock, names=("r1",))
    servers.primary(lsn=100)
    servers.replica("r1", 100)
    for _ in range(30):
        clock.now += 1.0
        await monitor.check()

    assert monitor.replicas[0].lag_seconds == 0.0
    assert monitor.replicas[0].healthy


async def test_an_unreachable_replica_is_down_and_the_others_serve(servers: Servers) -> None:
    monitor, reader, *_ = stack(Clock())
    servers.primary(lsn=100)
    servers.replica("r1", 100)
    servers.answers["r2"] = OSError("connection refused")
    await monitor.check()

    assert [r.role for r in monitor.replicas] == ["replica", "down"]
    assert {await served_by(reader) for _ in range(4)} == {"r1"}


async def test_a_read_that_fails_on_a_replica_is_answered_by_the_primary(
    servers: Servers,
) -> None:
    monitor, reader, _, readers, _ = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    readers["r1"].error = StorageUnavailable("ConnectionDoesNotExistError")

    assert await served_by(reader) == "primary"
    assert not monitor.replicas[0].healthy  # until the next round finds it well

    readers["r1"].error = None
    await monitor.check()
    assert await served_by(reader) == "r1"


async def test_a_replica_that_stopped_answering_gives_the_read_to_the_primary_in_time(
    servers: Servers,
) -> None:
    monitor, reader, _, readers, _ = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    readers["r1"].frozen = True

    started = time.monotonic()
    assert await served_by(reader) == "primary"
    assert time.monotonic() - started < 1.0  # the replica timeout (0.2 s), not the hour
    assert not monitor.replicas[0].healthy


async def test_a_viewer_the_replica_does_not_know_yet_is_asked_of_the_primary(
    servers: Servers,
) -> None:
    """Registration records no position (nobody was signed in): the new user's first read
    may reach a replica that has not replayed the user yet."""
    monitor, reader, primary, readers, _ = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    readers["r1"].row = {"viewer_known": False, "served_by": "r1"}
    primary.row = {"viewer_known": True, "served_by": "primary"}

    assert await served_by(reader) == "primary"


async def test_a_promoted_replica_leaves_the_rotation_and_the_new_primary_fences_the_rest(
    servers: Servers,
) -> None:
    monitor, reader, *_ = stack(Clock())
    await settled(servers, monitor, "r1", "r2")

    # r1 is promoted; the multi-host primary URL now reaches it (another port).
    servers.primary(lsn=200, port=5433)
    servers.replica("r1", 200, recovering=False)
    await monitor.check()

    assert [r.role for r in monitor.replicas] == ["primary", "replica"]
    assert monitor.replicas[0].healthy  # well, and out of the rotation all the same
    assert monitor.fence == 200
    assert await served_by(reader) == "primary"  # r2 has not replayed the new primary's 200

    servers.replica("r2", 200)
    await monitor.check()
    assert await served_by(reader) == "r2"


async def test_a_primary_restart_fences_the_replicas_too(servers: Servers) -> None:
    monitor, *_ = stack(Clock(), names=("r1",))
    await settled(servers, monitor)
    servers.primary(lsn=120, started="t1")
    await monitor.check()

    assert monitor.fence == 120
    assert monitor.candidates(0) == []


async def test_while_the_primary_is_down_caught_up_replicas_keep_serving(
    servers: Servers,
) -> None:
    clock = Clock()
    monitor, reader, *_ = stack(clock, names=("r1",))
    await settled(servers, monitor)
    servers.answers["primary"] = OSError("connection refused")
    for _ in range(10):
        clock.now += 1.0
        await monitor.check()

    assert monitor.primary.role == "down"
    assert monitor.replicas[0].healthy
    assert await served_by(reader) == "r1"
    assert [s["role"] for s in monitor.statuses()] == ["down", "replica"]


def test_libpq_multi_host_urls_become_sqlalchemy_multi_host_urls() -> None:
    given = "postgresql+asyncpg://app:pw@db1:5432,db2:5433/conduit?target_session_attrs=read-write"

    assert multi_host_url(given) == (
        "postgresql+asyncpg://app:pw@/conduit?host=db1:5432&host=db2:5433"
        "&target_session_attrs=read-write"
    )
    assert multi_host_url("postgresql+asyncpg://app@db1:5432/conduit").endswith("db1:5432/conduit")


def test_replica_urls_come_as_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS",
        '["postgresql+asyncpg://app@db2:5432/conduit", "postgresql+asyncpg://app@db3:5432/conduit"]',
    )
    monkeypatch.setenv("REPLICA_MAX_LAG", "2.5")

    settings = Settings(_env_file=None)

    assert len(settings.database_replica_urls) == 2
    assert settings.replica_max_lag == 2.5


def test_a_replica_url_that_is_not_postgresql_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_REPLICA_URLS", '["mysql://db2/conduit"]')

    with pytest.raises(ValueError, match="is not a postgresql"):
        Settings(_env_file=None)


def test_metrics_show_each_database_role_health_lag_and_reads() -> None:
    statuses = [
        {"name": "primary", "role": "primary", "healthy": True, "lag_seconds": 0.0, "reads": 3},
        {"name": "db2:5432", "role": "replica", "healthy": True, "lag_seconds": 0.25, "reads": 9},
        {"name": "db3:5432", "role": "down", "healthy": False, "lag_seconds": None, "reads": 0},
    ]
    metrics = Metrics(pool_stats=lambda: None, statements=lambda: None, databases=lambda: statuses)

    text = metrics.render().decode()

    assert 'conduit_db_role{database="db2:5432",role="replica"} 1.0' in text
    assert 'conduit_db_role{database="db2:5432",role="primary"} 0.0' in text
    assert 'conduit_db_healthy{database="db3:5432"} 0.0' in text
    assert 'conduit_db_replica_lag_seconds{database="db2:5432"} 0.25' in text
    assert 'conduit_db_replica_lag_seconds{database="db3:5432"} NaN' in text
    assert 'conduit_db_reads_total{database="db2:5432"} 9.0' in text


class StuckCleanup:
    """A server that does not answer, and whose connection takes an hour to let go."""

    async def fetchrow(self, sql: str) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.sleep(3600))
            raise


async def test_a_probe_gives_up_at_its_deadline_even_when_cleanup_hangs() -> None:
    """The monitor's checks must not wait for a stuck connection's cleanup: that would stop
    every later check, and with them every replica's rotation."""
    started = time.monotonic()

    with pytest.raises(TimeoutError):
        await read_routing._ask(cast(Any, StuckCleanup()), "SELECT 1", 0.1)

    assert time.monotonic() - started < 1.0
