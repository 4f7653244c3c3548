"""Capacity on paper: what the CPU each request cost on the cluster says about a bigger site.

The inputs are CPU milliseconds per request measured on the cluster (see `Cost`): the app
(its worker processes), the primary (its postmaster's process tree: backends, walsenders,
background workers) and the replicas (the same, summed over every replica; replay included).
The arithmetic is deliberately simple:

- one core carries 1000 / (CPU ms per request) requests/s, for the app, the primary and the
  replicas each;
- a mix of R reads/s (priced as read_mix) and W writes/s (priced as write_mix) needs
  (R x ms_read + W x ms_write) / 1000 cores of each kind;
- the primary saturates C cores at a total rate of C x 1000 / (r x ms_read + w x ms_write)
  requests/s, r and w the read and write shares.

What it leaves out, on purpose: it assumes CPU is the limit and that it scales linearly with
cores (no lock contention, no WAL-flush or network latency limit, no disk), and that the
machine measured is the machine meant. Every replica replays every write, so the replicas'
write cost is for as many replicas as were measured (two) and grows with their number; and
every server's idle work in the measured window (the app's replication checks every 0.2 s,
checkpoints, autovacuum) is spread over that window's requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

READ_WRITE = ((99, 1), (95, 5), (80, 20))
"""read:write mixes of the capacity table."""
TOTAL_RPS = 10_000
"""The site the core counts are for."""
PRIMARY_CORES = (1, 8, 32)
"""Where the primary saturates: total requests/s at which it needs this many cores."""
READ_PRICE, WRITE_PRICE = "read_mix", "write_mix"
"""The scenarios that price one read and one write of a mix."""


@dataclass(frozen=True)
class Cost:
    """CPU milliseconds per request of one scenario on the cluster."""

    app: float
    primary: float
    replicas: float
    """Summed over the replicas."""
    per_replica: dict[str, float]

    @classmethod
    def measured(
        cls, requests: int, app_s: float, primary_s: float, replicas_s: Mapping[str, float]
    ) -> Cost | None:
        if requests <= 0:
            return None
        ms = 1000 / requests
        return cls(
            app=app_s * ms,
            primary=primary_s * ms,
            replicas=sum(replicas_s.values()) * ms,
            per_replica={name: seconds * ms for name, seconds in replicas_s.items()},
        )


def per_core(ms: float) -> float | None:
    """Requests/s one core carries at `ms` CPU milliseconds per request."""
    return 1000 / ms if ms > 0 else None


def blend(read: Cost, write: Cost, read_share: float) -> Cost:
    """The cost of an average request of a mix: `read_share` reads, the rest writes."""
    write_share = 1 - read_share

    def mixed(r: float, w: float) -> float:
        return read_share * r + write_share * w

    return Cost(
        app=mixed(read.app, write.app),
        primary=mixed(read.primary, write.primary),
        replicas=mixed(read.replicas, write.replicas),
        per_replica={},
    )


@dataclass(frozen=True)
class ScenarioCapacity:
    """Requests/s one core carries, for one scenario's requests alone."""

    scenario: str
    cost: Cost
    app_rps_per_core: float | None
    primary_rps_per_core: float | None
    replicas_rps_per_core: float | None
    """Per core of the replicas together (reads spread over them; writes replayed by each)."""


@dataclass(frozen=True)
class MixCapacity:
    """A mix of `reads` read_mix requests to `writes` write_mix requests."""

    reads: int
    writes: int
    app_cores: float
    replica_cores: float
    primary_cores: float
    """Cores for TOTAL_RPS requests/s."""
    primary_full_at_rps: dict[int, float | None]
    """Total requests/s at which the primary needs all of 1, 8, 32 cores."""


@dataclass(frozen=True)
class Plan:
    scenarios: list[ScenarioCapacity]
    mixes: list[MixCapacity]
    total_rps: int = TOTAL_RPS
    method: str = (
        "CPU ms per request on the cluster; reads priced as read_mix, writes as write_mix; "
        "CPU-bound, linear in cores (tests/bench/capacity.py)"
    )


def plan(costs: Mapping[str, Cost]) -> Plan:
    """The capacity figures from each scenario's cost on the cluster."""
    scenarios = [
        ScenarioCapacity(
            name,
            cost,
            _round(per_core(cost.app)),
            _round(per_core(cost.primary)),
            _round(per_core(cost.replicas)),
        )
        for name, cost in costs.items()
        if name != "livez"
    ]
    mixes = []
    read, write = costs.get(READ_PRICE), costs.get(WRITE_PRICE)
    if read is not None and write is not None:
        for reads, writes in READ_WRITE:
            average = blend(read, write, reads / (reads + writes))
            one_core = per_core(average.primary)
            mixes.append(
                MixCapacity(
                    reads,
                    writes,
                    app_cores=round(TOTAL_RPS * average.app / 1000, 1),
                    replica_cores=round(TOTAL_RPS * average.replicas / 1000, 1),
                    primary_cores=round(TOTAL_RPS * average.primary / 1000, 1),
                    primary_full_at_rps={
                        cores: None if one_core is None else round(cores * one_core)
                        for cores in PRIMARY_CORES
                    },
                )
            )
    return Plan(scenarios, mixes)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value)


def lines(planned: Plan) -> list[str]:
    """The capacity figures as the terminal shows them."""
    out = [
        "",
        "capacity on paper, from CPU per request on the cluster (CPU-bound, linear in cores)",
        f"{'scenario':<14} {'app ms':>7} {'prim ms':>7} {'repl ms':>7}"
        f"   req/s per core: {'app':>7} {'primary':>8} {'replicas':>8}",
    ]
    for s in planned.scenarios:
        out.append(
            f"{s.scenario:<14} {s.cost.app:>7.3f} {s.cost.primary:>7.3f} {s.cost.replicas:>7.3f}"
            f"   {'':>15} {_n(s.app_rps_per_core):>7} {_n(s.primary_rps_per_core):>8}"
            f" {_n(s.replicas_rps_per_core):>8}"
        )
    if not planned.mixes:
        out.append(f"(the mixes need both {READ_PRICE} and {WRITE_PRICE} on the cluster)")
        return out
    cores = " ".join(f"{_cores(c):>9}" for c in PRIMARY_CORES)
    out += [
        "",
        f"{READ_PRICE} reads and {WRITE_PRICE} writes: cores for {planned.total_rps:,} req/s;"
        " total req/s at which the primary fills",
        f"{'read:write':<10} {'app':>6} {'replica':>7} {'primary':>7}   {cores}",
    ]
    for m in planned.mixes:
        full = " ".join(f"{_n(m.primary_full_at_rps[c]):>9}" for c in PRIMARY_CORES)
        out.append(
            f"{f'{m.reads}:{m.writes}':<10} {m.app_cores:>6} {m.replica_cores:>7}"
            f" {m.primary_cores:>7}   {full}"
        )
    return out


def markdown(planned: Plan) -> list[str]:
    """The same figures as Markdown tables (the README's "Capacity on paper")."""
    out = [
        "| scenario | app ms/req | primary ms/req | replicas ms/req | req/s per app core "
        "| per primary core | per replica core |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in planned.scenarios:
        out.append(
            f"| {s.scenario} | {s.cost.app:.3f} | {s.cost.primary:.3f} | {s.cost.replicas:.3f} "
            f"| {_n(s.app_rps_per_core)} | {_n(s.primary_rps_per_core)} "
            f"| {_n(s.replicas_rps_per_core)} |"
        )
    if planned.mixes:
        full = " | ".join(f"primary full, {_cores(c)}" for c in PRIMARY_CORES)
        out += [
            "",
            f"| read:write | app cores for {planned.total_rps:,} req/s | replica cores "
            f"| primary cores | {full} |",
            "|---|---:|---:|---:|" + "---:|" * len(PRIMARY_CORES),
        ]
        for m in planned.mixes:
            at = " | ".join(f"{_n(m.primary_full_at_rps[c])} req/s" for c in PRIMARY_CORES)
            out.append(
                f"| {m.reads}:{m.writes} | {m.app_cores} | {m.replica_cores} "
                f"| {m.primary_cores} | {at} |"
            )
    return out


def _cores(count: int) -> str:
    return f"{count} core" if count == 1 else f"{count} cores"


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"
