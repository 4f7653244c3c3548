"""The drill's verdict: the table, the lost writes, the failover times, the goals; and the
results file under bench-results/."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tests.drill.gameday import GameDay
from tests.drill.ledger import LostWrites
from tests.drill.stats import table

FAILOVER_PHASE = "6 failover"
WRITES_BACK_GOAL_SECONDS = 10.0
DETAILS = 20


@dataclass
class Verdict:
    lines: list[str]
    passed: bool


def verdict(day: GameDay, lost: LostWrites | None, error: str | None) -> Verdict:
    phases = day.recorder.phases
    violations = sum(phase.violations for phase in phases)
    outside = {
        phase.name: phase.failures_text()
        for phase in phases
        if phase.name != FAILOVER_PHASE and phase.non_2xx
    }
    back = day.failover.promotion_to_write
    lines = [*table(phases), ""]
    if lost is None:
        lines.append("lost writes: not checked")
    else:
        lines.append(
            f"lost writes: {len(lost.lost)} of {lost.checked} acknowledged ({lost.summary})"
        )
    promotion = day.failover.stop_to_promotion
    lines.append(
        "failover: promotion "
        + ("not reached" if promotion is None else f"{promotion:.1f} s after the primary stopped")
        + "; writes back "
        + ("never" if back is None else f"{back:.1f} s after the promotion")
    )
    lines += day.notes
    goals = [
        ("0 read-your-writes violations", violations == 0, f"{violations}"),
        (
            "0 lost writes",
            lost is not None and not lost.lost,
            "unchecked" if lost is None else str(len(lost.lost)),
        ),
        (
            "0 non-2xx outside phase 6",
            not outside,
            "; ".join(f"{name}: {text}" for name, text in outside.items()) or "0",
        ),
        (
            f"writes back within {WRITES_BACK_GOAL_SECONDS:.0f} s of the promotion",
            back is not None and back <= WRITES_BACK_GOAL_SECONDS,
            "never" if back is None else f"{back:.1f} s",
        ),
    ]
    if error is not None:
        goals.append(("the drill ran to the end", False, error))
    lines.append("")
    lines += [f"- {'met ' if ok else 'MISSED'} {goal} ({seen})" for goal, ok, seen in goals]
    passed = all(ok for _, ok, _ in goals)
    lines.append(f"\ngoals {'met' if passed else 'MISSED'}")
    return Verdict(lines, passed)


def save(day: GameDay, result: Verdict, lost: LostWrites | None, directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"drill-{time.strftime('%Y%m%d-%H%M%S')}.md"
    parts = [
        f"# Game day {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        "## Results",
        "",
        *result.lines,
        "",
        "## Timeline",
        "",
        "```",
        *day.timeline.lines,
        "```",
    ]
    if day.balancer.failures:
        parts += ["", "## Non-2xx answers (first 100)", ""]
        parts += [f"- `{line}`" for line in day.balancer.failures[:100]]
    if day.load is not None and day.load.violations:
        parts += ["", "## Read-your-writes violations (first 20)", ""]
        parts += [f"- `{line}`" for line in day.load.violations[:DETAILS]]
    if lost is not None and lost.lost:
        parts += ["", "## Lost writes (first 20)", ""]
        parts += [f"- {line}" for line in lost.lost[:DETAILS]]
    path.write_text("\n".join(parts) + "\n")
    return path
