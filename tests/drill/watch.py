"""What the instances say of the databases: /readyz polled beside the load.

Each instance lists the primary and every server of DATABASE_REPLICA_URLS with its role,
health (in rotation or not) and lag. The watcher prints every change it sees, keeps the
greatest replica lag since `reset_max_lag`, and remembers each transition for the phases
that must show one (a paused replica leaving rotation and coming back).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.drill.balancer import Balancer
from tests.drill.timeline import Timeline

POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Seen:
    at: float
    instance: str
    database: str
    state: str


class ReadyzWatcher:
    def __init__(self, balancer: Balancer, timeline: Timeline, label: Callable[[str], str]) -> None:
        """`label` turns a /readyz name (`127.0.0.1:56433`) into the cluster's (`node2`)."""
        self._balancer = balancer
        self._timeline = timeline
        self.label = label
        self._states: dict[tuple[str, str], str] = {}
        self.transitions: list[Seen] = []
        self.max_lag = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="readyz-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def reset_max_lag(self) -> None:
        self.max_lag = 0.0

    def seen_since(self, moment: float, database: str, state_prefix: str) -> set[str]:
        """Instances that reported `database` in a state starting with `state_prefix`."""
        return {
            seen.instance
            for seen in self.transitions
            if seen.at >= moment
            and seen.database == database
            and seen.state.startswith(state_prefix)
        }

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=2.5) as client:
            while True:
                for backend in self._balancer.backends:
                    # Like the balancer, it leaves an instance being drained alone.
                    if not backend.draining:
                        await self._poll(client, backend.name, backend.base_url)
                await asyncio.sleep(POLL_SECONDS)

    async def _poll(self, client: httpx.AsyncClient, instance: str, base_url: str) -> None:
        try:
            response = await client.get(f"{base_url}/readyz")
            databases: list[dict[str, Any]] = response.json().get("databases", [])
            status = str(response.status_code)
        except (httpx.TransportError, ValueError):
            databases, status = [], "unreachable"
        self._note(instance, "/readyz", status)
        for database in databases:
            name = database["name"]
            label = "primary pool" if name == "primary" else self.label(name)
            lag = database.get("lag_seconds")
            if database["role"] == "replica" and lag is not None:
                self.max_lag = max(self.max_lag, float(lag))
            self._note(instance, label, _state(database))

    def _note(self, instance: str, database: str, state: str) -> None:
        key = (instance, database)
        before = self._states.get(key)
        if before == state or (before and _same(before, state)):
            return
        self._states[key] = state
        self.transitions.append(Seen(time.monotonic(), instance, database, state))
        if before is not None:
            self._timeline.say(f"  {instance} /readyz: {database} {before} -> {state}")


def _state(database: dict[str, Any]) -> str:
    role = str(database["role"])
    if role != "replica":
        return role
    lag = database.get("lag_seconds")
    paused = ", replay paused" if database.get("replay_paused") else ""
    health = "in rotation" if database["healthy"] else "out of rotation"
    return f"replica {health} (lag {lag} s{paused})"


def _same(before: str, after: str) -> bool:
    """Only the lag changed: not worth a line."""
    return before.split(" (")[0] == after.split(" (")[0] and (
        ("paused" in before) == ("paused" in after)
    )
