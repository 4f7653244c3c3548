"""Everything a phase acts on, in one place: the cluster, the instances, the balancer, the
load, the watcher, and what the drill has measured so far."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from adapters.postgres.cluster import LocalCluster
from tests.drill.balancer import Balancer
from tests.drill.instances import AppInstance
from tests.drill.ledger import Ledger
from tests.drill.load import Load
from tests.drill.stats import PhaseStats, Recorder
from tests.drill.timeline import Timeline
from tests.drill.watch import ReadyzWatcher

T = TypeVar("T")


@dataclass
class Failover:
    stop_to_promotion: float | None = None
    promotion_to_write: float | None = None
    """None: no write was acknowledged after the promotion within the wait."""


@dataclass
class GameDay:
    cluster: LocalCluster
    instances: list[AppInstance]
    timeline: Timeline
    recorder: Recorder
    ledger: Ledger
    balancer: Balancer
    watcher: ReadyzWatcher
    load: Load | None = None
    failover: Failover = field(default_factory=Failover)
    notes: list[str] = field(default_factory=list)
    """Findings that are not goals but belong in the results (what /readyz showed)."""

    def say(self, message: str) -> None:
        self.timeline.say(message)

    def begin(self, name: str) -> PhaseStats:
        phase = self.recorder.begin(name)
        self.say(f"phase {name}")
        return phase

    async def cluster_call(self, what: str, action: Callable[..., T], *args: Any, **kw: Any) -> T:
        """A blocking LocalCluster method in a thread (the load keeps running), timed."""
        started = time.monotonic()
        self.say(what)
        result = await asyncio.to_thread(action, *args, **kw)
        self.say(f"  done in {time.monotonic() - started:.1f} s")
        return result


def labeller(cluster: LocalCluster) -> Callable[[str], str]:
    """`127.0.0.1:56433` (a /readyz name) -> `node2`."""
    names = {str(cluster.port(name)): name for name in cluster.names}
    return lambda readyz_name: names.get(readyz_name.rsplit(":", 1)[-1], readyz_name)


async def hold(phase: PhaseStats, seconds: float) -> None:
    """Let the load run until the phase is `seconds` old."""
    left = seconds - phase.seconds
    if left > 0:
        await asyncio.sleep(left)


def asyncpg_dsn(url: str) -> str:
    """asyncpg's own URL for a SQLAlchemy one."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
