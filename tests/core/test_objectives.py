"""Objective terms, their lexicographic order, integer targets and deadlines, on hand-solved
instances. Infeasible answers and their explanations: questions/test_infeasibility.py."""

from __future__ import annotations

import pytest

from builders import cap, deadline_instance, make, segment, solve
from capplan.core.backends import Status
from capplan.inputs.schema import validate


def _tail_instance(terms: list[str]):  # type: ignore[no-untyped-def]
    """10 slow items (execution 1,095 days = 3 years) and 190 fast ones (365 days); execution is
    concurrent, 100 places at once, counted at each year's end: a slow item holds a place at
    the ends of the 3 years from the one it starts in and is done in the fourth, a fast one
    at the end of the year it starts in and is done in the next. (Before, fast items of 0 days
    held a place in the year they started and were done in it; an item of 0 days now holds
    no place, so the fast items take a year, and every year below is one later.)"""
    return make(
        [segment("slow", 10, exe=1095), segment("fast", 190, exe=365)],
        execution={"kind": "concurrent", "initial": 100, "max": 100},
        terms=terms,
    )


def test_finish_first() -> None:
    """[finish, p95]: 190 fast place-years and 30 slow ones need starts in 2025-2027, so the
    last fast items are done in 2028; the slow ones start in 2025 to be done by 2028 too,
    holding 10 places in 2025-2027, so fast starts run 90 + 90 + 10: cumulative done 0, 90,
    180, 200. p95 = ceil(0.95 x 200) = 190 items -> 2028 (180 by 2027 is short)."""
    _, _, plan = solve(_tail_instance(["finish", "p95"]))
    assert plan.milestones["finish"] == "2028"
    assert plan.milestones["p95"] == "2028"


def test_tail_puts_p95_first() -> None:
    """tail = [p95, finish]: 190 fast items done by 2027 need all 100 places in 2025 and 90 in
    2026; the slow items then start in 2026 (10 places) and are done in 2029."""
    _, sol, plan = solve(_tail_instance(["tail"]))
    assert sol.terms == ["p95", "finish"]
    assert plan.milestones["p95"] == "2027"
    assert plan.milestones["finish"] == "2029"


def test_tolerance_relaxes_a_milestone() -> None:
    """[finish, p95] with finish held within 1 period: finish may be 2029, which lets p95 be
    2027 as under `tail`."""
    inst = make(
        [segment("slow", 10, exe=1095), segment("fast", 190, exe=365)],
        execution={"kind": "concurrent", "initial": 100, "max": 100},
        terms=["finish", "p95"], tolerance={"finish": 1},
    )
    _, _, plan = solve(inst)
    assert plan.milestones["p95"] == "2027"
    assert plan.milestones["finish"] == "2029"


def test_waiting_alone() -> None:
    """[waiting] only: 3,000 items at rate <= 1,500 in 2025 and <= 2,000 after: 1,500 left at
    the end of 2025 -> 1,500 item-years, finish 2026 follows."""
    inst = make([segment(count=3000)], execution={"initial": 1000, "max": 2000, "ramp_up": 500},
                terms=["waiting"])
    _, sol, plan = solve(inst)
    assert sol.values["waiting"] == pytest.approx(1500.0, rel=1e-6)
    assert plan.milestones["finish"] == "2026"


def test_cost_term() -> None:
    """[finish, cost] with execution cost 2 per unit-year: finish 2026 needs rates adding up to
    3,000 over 2025-2026 (2025 at most 1,500), 0 after: cost = 2 x 3,000 = 6,000. Which split
    (1,500 + 1,500 or 1,250 + 1,750) is not determined by these two terms."""
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 2000, "ramp_up": 500, "cost": 2.0},
                terms=["finish", "cost"])
    built, sol, _ = solve(inst)
    assert sol.values["cost"] == pytest.approx(6000.0, rel=1e-6)
    levels = cap(built, sol)
    assert sum(levels[:2]) == pytest.approx(3000.0) and levels[0] <= 1500.0 + 1e-6
    assert levels[2:] == [0.0, 0.0, 0.0, 0.0]


def test_integer_targets_add_up() -> None:
    """10 items at rate 10/3 a year: cumulative 3.33, 6.67, 10 -> rounded 3, 7, 10 -> yearly
    targets 3, 4, 3 (round the curve, then take differences: they add up to 10)."""
    rate = 10 / 3
    inst = make([segment(count=10)], execution={"initial": rate, "max": rate})
    _, _, plan = solve(inst)
    assert list(plan.trajectory["cumulative"]) == [3, 7, 10]
    assert list(plan.trajectory["completed"]) == [3, 4, 3]


def test_history_years_in_trajectory() -> None:
    """History: 100 before 2023, 50 in 2023, 60 in 2024; then 100 items done in 2025.
    Cumulative 150, 210, 310; 2023-2024 realised."""
    inst = make([segment(count=100)],
                history={"completed": {"2023": 50, "2024": 60}, "completed_before": 100})
    _, _, plan = solve(inst)
    t = plan.trajectory
    assert list(t["year"]) == [2023, 2024, 2025]
    assert list(t["completed"]) == [50, 60, 100]
    assert list(t["cumulative"]) == [150, 210, 310]
    assert list(t["realised"]) == [True, True, False]


def test_soft_deadline_is_reported_not_enforced() -> None:
    """The same deadline, not hard: finish 2026, 1,500 of 2,000 done by the end of 2025."""
    _, sol, plan = solve(deadline_instance(hard=False))
    assert sol.status == Status.OPTIMAL
    assert plan.deadline["done"] == 1500
    assert plan.deadline["met"] is False


def test_plan_starting_mid_year_joins_the_realised_part_of_its_year() -> None:
    """Start 2025Q3 with 100 done in 2025H1 (history) and 100 before; 200 items, execution
    400 a year (100 a quarter), no lead times, no ramp. 100 are done in 2025Q3 and 100 in
    2025Q4, so the 2025 row reads 100 (realised) + 200 (planned) = 300, cumulative 400 of a
    scope of 400: finish 2025Q4, p50 (200 items) already reached before 2025Q3."""
    raw = make([segment(count=200)], granularity="quarter", end=2026,
               execution={"initial": 400, "max": 400}).model_dump()
    raw["programme"]["start_quarter"] = 3
    raw["history"] = {"completed": {"2025": 100}, "completed_before": 100}
    inst = validate(raw, "test")
    _, _, p = solve(inst)
    rows = p.trajectory.to_dict("records")
    assert [(r["year"], r["completed"], r["cumulative"]) for r in rows] == [(2025, 300, 400)]
    assert p.milestones["finish"] == "2025Q4"
    assert p.milestones["p50"] == "before 2025Q3"
