"""Evaluating targets: the regulator's target tables, hand-checked feasibility and shortfall."""

from __future__ import annotations

import pytest

from builders import INSTANCES, make, segment
from capplan.inputs.load import load
from capplan.questions.evaluate import evaluate, implied_milestones, read_targets

GRONINGEN = INSTANCES / "groningen-2024.toml"


def test_sodm_table_arithmetic() -> None:
    """The SodM table (docs/sources.md#yearly-targets): from 1,637 before 2021, the yearly
    figures add up to the cumulative column 2,298 ... 15,644; 95% of 15,644 (14,862) is passed
    in 2028 (14,908) and 100% in 2029. With a scope of 17,500 the column ends at 17,500 in 2031."""
    base = load(GRONINGEN).instance
    targets = read_targets(INSTANCES / "sodm-2024-targets.csv", base)
    table = evaluate(base, targets).table
    assert list(table["cumulative"]) == [2298, 3336, 4458, 5858, 7858, 10658, 13458, 14908,
                                         15644]
    assert implied_milestones(base, targets) == {"p50": 2025, "p95": 2028, "finish": 2029}
    large = load(GRONINGEN, "scope-17500").instance
    targets = read_targets(INSTANCES / "sodm-2024-targets-17500.csv", large)
    assert list(table["realised"])[:4] == [True] * 4
    implied = implied_milestones(large, targets)
    assert implied["finish"] == 2031 and implied["p95"] == 2029
    cumulative = large.history.completed_before + sum(targets.values())
    assert cumulative == 17500


def _three_thousand():  # type: ignore[no-untyped-def]
    """3,000 items, rate 1,000 a year before start, ramp 500, max 2,000: at most 1,500 in
    2025; the optimum is 1,500 + 1,500 (finish 2026)."""
    return make([segment(count=3000)], execution={"initial": 1000, "max": 2000, "ramp_up": 500})


def test_feasible_targets() -> None:
    """1,200 + 1,800: the rate may reach 2,000 in 2026, so both can be met; the plan held to
    them still finishes in 2026, as the optimum does."""
    result = evaluate(_three_thousand(), {2025: 1200, 2026: 1800})
    assert result.feasible and result.first_failing_year is None
    assert result.with_targets is not None
    assert result.with_targets.milestones["finish"] == "2026"
    assert list(result.table["difference"]) == [-300, 300]
    assert result.reaches_scope


def test_first_failing_year_and_shortfall() -> None:
    """1,600 in 2025 exceeds the 1,500 the ramp allows: fails in 2025, 100 short. With 1,500
    met in 2025, 2,100 in 2026 fails: only 1,500 items are left, so 600 short."""
    result = evaluate(_three_thousand(), {2025: 1600})
    assert not result.feasible
    assert result.first_failing_year == 2025
    assert result.shortfall == pytest.approx(100.0)
    assert not result.reaches_scope
    result = evaluate(_three_thousand(), {2025: 1500, 2026: 2100})
    assert result.first_failing_year == 2026
    assert result.shortfall == pytest.approx(600.0)
