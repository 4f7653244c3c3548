"""Per-phase counts: requests, non-2xx by status, latency, read-your-writes violations."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class PhaseStats:
    name: str
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    """Non-2xx responses by status; `conn` for a transport error (refused, reset, timeout)."""
    latencies_ms: list[float] = field(default_factory=list)
    violations: int = 0

    def record(self, status: str, latency_ms: float) -> None:
        self.requests += 1
        self.latencies_ms.append(latency_ms)
        if not status.startswith("2"):
            self.failures[status] += 1

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def p99_ms(self) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[math.ceil(0.99 * len(ordered)) - 1]

    @property
    def non_2xx(self) -> int:
        return sum(self.failures.values())

    def failures_text(self) -> str:
        if not self.failures:
            return "0"
        return ", ".join(f"{status}: {count}" for status, count in sorted(self.failures.items()))


class Recorder:
    """The phase a request belongs to is the one running when it was sent."""

    def __init__(self) -> None:
        self.phases: list[PhaseStats] = []
        self.write_acks: list[float] = []
        """Monotonic times at which a write was acknowledged (2xx), in order."""

    @property
    def current(self) -> PhaseStats | None:
        return self.phases[-1] if self.phases else None

    def begin(self, name: str) -> PhaseStats:
        if self.phases:
            self.phases[-1].ended = time.monotonic()
        phase = PhaseStats(name)
        self.phases.append(phase)
        return phase

    def end(self) -> None:
        if self.phases and self.phases[-1].ended is None:
            self.phases[-1].ended = time.monotonic()

    def first_write_ack_after(self, moment: float) -> float | None:
        return next((acked for acked in self.write_acks if acked >= moment), None)


def table(phases: list[PhaseStats]) -> list[str]:
    """A markdown table, one row per phase."""
    lines = [
        "| phase | seconds | requests | non-2xx | p99 ms | RYW violations |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for phase in phases:
        lines.append(
            f"| {phase.name} | {phase.seconds:.1f} | {phase.requests} | "
            f"{phase.failures_text()} | {phase.p99_ms:.0f} | {phase.violations} |"
        )
    return lines
