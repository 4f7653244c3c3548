"""The bench judges a scenario measured in rounds by the median of its rounds' ratios, and
keeps every round."""

from __future__ import annotations

import os

import pytest

from tests.bench.run import Result, _cpu, _cpu_since, median_round, paired_ratios, rounds_of


def _result(rps: float, stall: float) -> Result:
    return Result(
        scenario="write_mix",
        requests=int(rps * 15),
        rps=rps,
        p50_ms=50.0,
        p90_ms=90.0,
        p99_ms=1000.0 / rps,
        errors={},
        statements_per_request=4.4,
        cpu_service_s=1.0,
        cpu_postgres_s=1.0,
        cpu_wrk_s=0.1,
        peak_rss_mb_per_worker=100.0,
        io_stall_s=stall,
    )


def test_the_median_round_stands_for_the_scenario_and_carries_every_round() -> None:
    stalled, fast, middle = _result(200.0, 2.6), _result(480.0, 0.0), _result(450.0, 0.1)

    chosen = median_round([stalled, fast, middle])

    assert chosen is middle
    assert [r.rps for r in chosen.rounds] == [200.0, 480.0, 450.0]
    assert [r.io_stall_s for r in chosen.rounds] == [2.6, 0.0, 0.1]


def test_an_even_count_takes_the_lower_middle_and_one_round_is_itself() -> None:
    rounds = [_result(rps, 0.0) for rps in (400.0, 100.0, 300.0, 200.0)]

    assert median_round(rounds).rps == 200.0
    single = _result(300.0, 0.0)
    assert median_round([single]) is single
    assert single.rounds == []


def test_writes_run_three_rounds_at_the_least_and_reads_the_rounds_asked() -> None:
    assert rounds_of("write_mix", 1) == 3
    assert rounds_of("write_mix", 5) == 5
    assert rounds_of("list_deep", 1) == 1
    assert rounds_of("list_deep", 3) == 3


def test_a_comparison_is_the_median_of_the_ratios_of_rounds_run_side_by_side() -> None:
    """Round 1 met a stall on the big side only; its pair says little of the data."""
    small = median_round([_result(rps, 0.0) for rps in (1000.0, 800.0, 1100.0)])
    big = median_round([_result(500.0, 2.0), _result(760.0, 0.0), _result(990.0, 0.0)])

    rps, p99 = paired_ratios(small, big)

    # Per round: 0.5, 0.95, 0.9 -> 0.9 (the two medians alone would give 760 / 1000).
    assert rps == pytest.approx(0.9)
    assert p99 == pytest.approx(1100 / 990)


def test_single_runs_compare_as_they_are() -> None:
    rps, p99 = paired_ratios(_result(400.0, 0.0), _result(300.0, 0.0))

    assert rps == pytest.approx(0.75)
    assert p99 == pytest.approx(400 / 300)


def test_a_process_that_ended_during_a_run_is_not_subtracted_from_its_trees_cpu() -> None:
    """A PostgreSQL backend or autovacuum worker that exits mid-run once made a run's
    PostgreSQL CPU negative (-19 ms per request in bench 122424)."""
    ended = 2**22 + 12345  # above any pid this kernel hands out
    before = {**_cpu(os.getpid()), ended: 100.0}

    assert 0 <= _cpu_since(os.getpid(), before) < 100
