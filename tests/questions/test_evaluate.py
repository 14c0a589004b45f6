"""Evaluating targets: the regulator's target tables, hand-checked feasibility and shortfall."""

from __future__ import annotations

from pathlib import Path

import pytest

import capplan
from builders import INSTANCES, SMALL, make, segment, write_file
from capplan.errors import InputError
from capplan.inputs.load import load
from capplan.questions.evaluate import (
    check_targets,
    cumulative_targets,
    evaluate,
    implied_milestones,
    read_targets,
)

GRONINGEN = INSTANCES / "groningen-2024.toml"


def test_sodm_table_arithmetic() -> None:
    """The SodM table (docs/sources.md#yearly-targets): from 1,637 before 2021, the yearly
    figures add up to the cumulative column 2,298 ... 15,644; 95% of 15,644 (14,862) is passed
    in 2028 (14,908) and 100% in 2029 (the optimal plan finishes in 2029Q4 too, so the table
    ends there). With a scope of 17,500 the column ends at 17,500 in 2031."""
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


def test_targets_above_the_scope_are_an_input_error(tmp_path: Path) -> None:
    """3,000 items: 1,500 + 1,600 reach 3,100 by the end of 2026, 100 above the scope. The
    file, the year and the figure are named (as history years that differ from [history]
    are); a mapping given to the API is checked the same way."""
    inst = _three_thousand()
    path = write_file(tmp_path, "t.csv", "year,completed\n2025,1500\n2026,1600\n")
    with pytest.raises(InputError) as caught:
        read_targets(path, inst)
    assert caught.value.source == str(path)
    assert caught.value.problems == [
        ("year 2026", "the targets reach 3,100 by its end, above the instance's scope of 3,000 "
                      "(evaluate them against a scenario with their scope)")]
    assert check_targets({2025: 1500, 2026: 1500}, inst) == []
    toml = write_file(tmp_path, "i.toml", SMALL)  # 100 items
    with pytest.raises(InputError) as caught:
        capplan.evaluate(toml, {2025: 60, 2026: 60})
    assert caught.value.source == "targets"
    assert caught.value.problems[0][0] == "year 2026" and "120" in caught.value.problems[0][1]


def test_cumulative_counts_history_years_left_out_of_the_file() -> None:
    """History 2023 = 100 and 2024 = 200 after 50 before: a file with 2025 only still starts
    from 350 done (350 + 400 = 750 by 2025), so its check against the scope and its implied
    milestones see the realised years too."""
    inst = make([segment(count=1000)], execution={"initial": 1000, "max": 2000},
                history={"completed": {"2023": 100, "2024": 200}, "completed_before": 50})
    assert cumulative_targets(inst, {2025: 400}) == {2025: 750}
    assert cumulative_targets(inst, {2024: 200, 2025: 400}) == {2024: 350, 2025: 750}
    assert check_targets({2025: 1000}, inst) == []  # 1,350: the scope exactly
    assert check_targets({2025: 1001}, inst)[0][0] == "year 2025"  # 1,351
    assert implied_milestones(inst, {2025: 1000})["finish"] == 2025


def test_optimal_column_covers_every_year_of_the_plan() -> None:
    """3,000 items, optimum 1,500 + 1,500. Targets for 2025 only (1,000): the 2026 row shows the
    optimal 1,500 with no target, so the optimal column adds up to the scope. Targets of 3,000
    in 2025 (the whole scope, infeasible): the 2026 row has target 0 (nothing left by the
    targets' arithmetic) and difference -1,500, so the differences add up to 0."""
    table = evaluate(_three_thousand(), {2025: 1000}).table
    assert list(table["year"]) == [2025, 2026]
    assert list(table["optimal"]) == [1500, 1500] and sum(table["optimal"]) == 3000
    assert list(table["target"]) == [1000, None]
    assert list(table["difference"]) == [-500, None]
    table = evaluate(_three_thousand(), {2025: 3000}).table
    assert list(table["target"]) == [3000, 0]
    assert list(table["cumulative"]) == [3000, 3000]
    assert list(table["difference"]) == [1500, -1500] and sum(table["difference"]) == 0


def test_groningen_optimal_column_adds_up_to_the_scope() -> None:
    """SodM's targets end in 2029; the optimal plan finishes in 2029Q4 (docs/sources.md#scope:
    15,644): its column, history included, adds up to the scope, 1,637 before 2021 aside, and
    the table covers every year to the later of the two. A plan that finishes after the
    targets' last year (the scenario pessimistic, 480 days of engineering) adds its later
    years to the table, and its column adds up to the scope as well."""
    for scenario in (None, "pessimistic"):
        base = load(GRONINGEN, scenario).instance
        targets = read_targets(INSTANCES / "sodm-2024-targets.csv", base)
        result = evaluate(base, targets)
        table = result.table
        assert base.history.completed_before + sum(table["optimal"]) == base.scope
        finish = int(str(result.optimal.milestones["finish"])[:4])
        assert list(table["year"])[-1] == max(max(targets), finish)
    assert finish > max(targets)  # the pessimistic plan runs past 2029
