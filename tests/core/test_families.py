"""One hand-solved instance per constraint family, built so that family is the one that binds.

Every entry of `constraints.FAMILIES` must appear in `COVERED` (last test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from builders import cap, completed, make, segment, solve
from capplan.core.backends import Status
from capplan.core.constraints import FAMILIES
from capplan.core.solve import plan

COVERED: dict[str, list[str]] = {}


def covers(family: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a test as the test of a constraint family."""

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        COVERED.setdefault(family, []).append(fn.__name__)
        return fn

    return mark


@covers("add_ramp_limit")
@covers("add_capacity_limit")
def test_ramp_up_binds_first_year() -> None:
    """3,000 items, no lead times; execution rate 1,000 a year before start, max 2,000, ramp-up
    500 a year. 2025: rate <= 1,000 + 500 = 1,500 -> 1,500 done; 2026: 1,500 left, rate up to
    2,000 -> finish 2026. Least waiting: 1,500 undone at the end of 2025 -> 1,500 item-years.
    Least capacity that carries it: 1,500 in 2025 and 2026, 0 after (no ramp-down limit)."""
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 2000, "ramp_up": 500})
    built, sol, plan = solve(inst)
    assert sol.status == Status.OPTIMAL
    assert plan.milestones["finish"] == "2026"
    assert sol.values["waiting"] == pytest.approx(1500.0, rel=1e-6)
    assert completed(plan)[:2] == [1500.0, 1500.0]
    assert cap(built, sol) == [1500.0, 1500.0, 0.0, 0.0, 0.0, 0.0]


@covers("add_capacity_limit")
def test_capacity_ceiling_binds() -> None:
    """3,000 items, rate max 1,200 (ramp 1,000 never binds): 1,200 + 1,200 + 600 -> finish 2027;
    waiting = 1,800 + 600 = 2,400 item-years."""
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 1200, "ramp_up": 1000})
    _, sol, plan = solve(inst)
    assert plan.milestones["finish"] == "2027"
    assert completed(plan)[:3] == [1200.0, 1200.0, 600.0]
    assert sol.values["waiting"] == pytest.approx(2400.0, rel=1e-6)


@covers("add_capacity_limit")
def test_given_capacity_skips_the_ramp() -> None:
    """Rate 1,000 (initial = max, no ramp room) and 1,000 more given from 2026 (`extra`, not
    subject to ramps): 1,000 in 2025, 2,000 in 2026 -> 3,000 items finish in 2026; the planned
    level stays 1,000."""
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 1000, "ramp_up": 0, "extra": {"2026": 1000}})
    _, _, plan = solve(inst)
    assert completed(plan)[:2] == [1000.0, 2000.0]
    assert plan.milestones["finish"] == "2026"


@covers("add_ramp_limit")
def test_ramp_down_keeps_capacity() -> None:
    """3,000 items at rate 2,000 (initial = max), ramp-down 500 a year: 2,000 in 2025, 1,000 in
    2026. Least capacity: 2,000, then at least 2,000 - 500 = 1,500, 1,000, 500, 0, 0."""
    inst = make([segment(count=3000)],
                execution={"initial": 2000, "max": 2000, "ramp_down": 500})
    built, sol, plan = solve(inst)
    assert completed(plan)[:2] == [2000.0, 1000.0]
    assert cap(built, sol) == [2000.0, 1500.0, 1000.0, 500.0, 0.0, 0.0]


@covers("add_ramp_limit")
def test_relative_ramp_up() -> None:
    """Initial 1,000, ramp_up_rel 0.5 a year: 2025 rate <= 1,500, 2026 <= 2,250. 3,000 items:
    1,500 + 1,500 -> finish 2026, waiting 1,500."""
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 5000, "ramp_up_rel": 0.5})
    built, sol, plan = solve(inst)
    assert plan.milestones["finish"] == "2026"
    assert cap(built, sol)[0] == pytest.approx(1500.0)
    assert sol.values["waiting"] == pytest.approx(1500.0, rel=1e-6)


@covers("add_ramp_limit")
def test_ramp_per_quarter() -> None:
    """Quarterly: an annual ramp-up of 800 lets the rate grow 200 a quarter; from 1,400 (the
    mean of the year before) the first quarter's mean may exceed it by 800 x (1/2 + 1/8) years
    = 500 (before: by one quarter's 200), so it may run at up to 1,900 a year, i.e. 475 items.
    400 items -> all in 2025Q1, at the least level that carries them: 400 x 4 = 1,600."""
    inst = make([segment(count=400)], granularity="quarter",
                execution={"initial": 1400, "max": 3500, "ramp_up": 800})
    built, sol, plan = solve(inst)
    assert plan.milestones["finish"] == "2025Q1"
    assert cap(built, sol)[0] == pytest.approx(1600.0)


@covers("add_completion_balance")
def test_distributed_lag_splits_completions() -> None:
    """Quarterly, execution 136.875 days = 1.5 quarters: half of the items started in 2025Q1
    complete in Q2, half in Q3 (no rounding up to 2 quarters). 100 items started in Q1
    (rate 400 a year = 100 a quarter, not binding: 50 a quarter complete). Finish 2025Q3;
    waiting = (100 + 50) item-quarters = 37.5 item-years."""
    inst = make([segment(count=100, exe=136.875)], granularity="quarter",
                execution={"initial": 400, "max": 400})
    _, sol, plan = solve(inst)
    assert completed(plan)[:4] == [0.0, 50.0, 50.0, 0.0]
    assert plan.milestones["finish"] == "2025Q3"
    assert sol.values["waiting"] == pytest.approx(37.5, rel=1e-6)


@covers("add_ready_balance")
def test_engineering_lead_time_and_ready_stock() -> None:
    """Yearly: 500 designs ready at the start, 1,500 still to engineer (365 days = 1 year),
    execution rate 500 + ramp 250 (max 1,000). 2025: only the 500 ready can be executed;
    2026: 1,000 (the max); 2027: the last 500 -> finish 2027, waiting 1,500 + 500 = 2,000."""
    inst = make([segment(count=2000, eng=365, in_progress={"ready": 500})],
                execution={"initial": 500, "max": 1000, "ramp_up": 250})
    _, sol, plan = solve(inst)
    assert completed(plan)[:3] == [500.0, 1000.0, 500.0]
    assert plan.milestones["finish"] == "2027"
    assert sol.values["waiting"] == pytest.approx(2000.0, rel=1e-6)


@covers("add_capacity_limit")
def test_concurrent_capacity_follows_littles_law() -> None:
    """200 items, engineering 730 days (2 years), 100 designs at once. Concurrent: an item
    holds a place for 2 years, so throughput is 100 / 2 = 50 a year: the first 100 finish by
    2027-2028, the second 100 cannot start before 2027 -> finish 2029. Throughput kind at 100
    a year instead: 100 finish 2027, 100 in 2028 -> finish 2028."""
    spec = {"initial": 100, "max": 100}
    concurrent = make([segment(count=200, eng=730)], engineering={"kind": "concurrent", **spec})
    throughput = make([segment(count=200, eng=730)], engineering={"kind": "throughput", **spec})
    assert solve(concurrent)[2].milestones["finish"] == "2029"
    assert solve(throughput)[2].milestones["finish"] == "2028"


@covers("add_release_balance")
def test_release_profile_delays_work() -> None:
    """100 items, 50 released in 2025 and 50 in 2027, no lead times or capacity limits:
    50 done in 2025, 50 in 2027 -> finish 2027, waiting 50 + 50 = 100 item-years."""
    inst = make([segment(count=100, released={"2025": 50, "2027": 50})])
    _, sol, plan = solve(inst)
    assert completed(plan)[:3] == [50.0, 0.0, 50.0]
    assert plan.milestones["finish"] == "2027"
    assert sol.values["waiting"] == pytest.approx(100.0, rel=1e-6)


@covers("add_release_balance")
def test_release_profile_counts_work_in_progress_first() -> None:
    """Count 100, release 60 in 2025 and 40 in 2026, 30 in engineering at the start: the 30
    come out of the 2025 release, so 30 new items enter engineering in 2025 and 40 in 2026.
    Engineering 0 days, execution 0: 60 done in 2025 (30 + 30), 40 in 2026."""
    inst = make([segment(count=100, released={"2025": 60, "2026": 40},
                         in_progress={"engineering": 30})])
    _, _, plan = solve(inst)
    assert completed(plan)[:2] == [60.0, 40.0]


@covers("add_completion_balance")
def test_work_in_progress_leaves_evenly() -> None:
    """Quarterly: 100 items in execution at the start with a 182.5-day (2-quarter) lead time
    leave evenly: 50 in Q1, 50 in Q2. Finish 2025Q2; waiting 50 item-quarters = 12.5."""
    inst = make([segment(count=100, exe=182.5, in_progress={"execution": 100})],
                granularity="quarter")
    _, sol, plan = solve(inst)
    assert completed(plan)[:3] == [50.0, 50.0, 0.0]
    assert sol.values["waiting"] == pytest.approx(12.5, rel=1e-6)


@covers("add_remaining_total")
def test_p50_counts_history() -> None:
    """History 1,000 done; 2,000 remaining at 500 a year (initial = max). Scope 3,000:
    p50 = 1,500 items -> 2025 (1,000 + 500); p95 = ceil(2,850) -> 1,000 + 4 x 500 = 3,000 in
    2028 (2,500 by 2027 is short); finish 2028."""
    inst = make([segment(count=2000)], execution={"initial": 500, "max": 500},
                history={"completed": {"2024": 1000}}, terms=["p50", "finish"])
    _, _, plan = solve(inst)
    assert plan.milestones == {"p50": "2025", "p95": "2028", "finish": "2028"}
    assert plan.objective["p50"] == "2025"


@covers("add_regional_ceiling")
def test_regional_ceiling_makes_the_tail() -> None:
    """Regions A and B, 1,000 items each, execution rate 2,000 (not binding); region A capped
    at 500 a year: B done in 2025, A 500 + 500 -> finish 2026; waiting 500 item-years."""
    inst = make(
        [segment("a", 1000, region="A"), segment("b", 1000, region="B")],
        execution={"initial": 2000, "max": 2000},
        regions=[{"name": "A", "execution_max": 500}],
    )
    _, sol, plan = solve(inst)
    assert plan.milestones["finish"] == "2026"
    assert sol.values["waiting"] == pytest.approx(500.0, rel=1e-6)
    a = plan.flows[plan.flows["segment"] == "a"].groupby("year")["exec_done"].sum()
    assert a.loc[2025] == pytest.approx(500.0)


def _measure_instance(mode: str, terms: list[str] | None = None) -> Any:
    """100 items, no capacity limits; measure M applies to half and adds a year of
    execution."""
    return make(
        [segment(count=100)],
        measures=[{"id": "M", "segments": ["a"], "share": 0.5, "mode": mode,
                   "extra_days": {"execution": 365}}],
        terms=terms,
    )


@covers("add_measure_choice")
def test_measure_in_out() -> None:
    """Mode in: 50 items take a year longer -> 50 in 2025, 50 in 2026, finish 2026.
    Mode out: all 100 in 2025."""
    _, _, plan_in = solve(_measure_instance("in"))
    assert completed(plan_in)[:2] == [50.0, 50.0]
    assert plan_in.scope == {"M": True}
    _, _, plan_out = solve(_measure_instance("out"))
    assert completed(plan_out)[:2] == [100.0, 0.0]
    assert plan_out.scope == {"M": False}


@covers("add_measure_choice")
@pytest.mark.parametrize("method", ["search", "milp"])
def test_measure_choice_follows_term_order(method: str) -> None:
    """Mode choose. [finish, scope]: taking M delays the finish to 2026, so it is left out.
    [scope, finish]: M is worth 1 x 50 affected items = 50, so it is taken and finish is
    2026. Both methods agree."""
    _, sol, plan = solve(_measure_instance("choose", ["finish", "scope"]), method=method)
    assert plan.scope == {"M": False} and plan.milestones["finish"] == "2025"
    assert sol.values["scope"] == pytest.approx(0.0, abs=1e-6)
    _, sol, plan = solve(_measure_instance("choose", ["scope", "finish"]), method=method)
    assert plan.scope == {"M": True} and plan.milestones["finish"] == "2026"
    assert sol.values["scope"] == pytest.approx(50.0)


@covers("add_capacity_limit")
def test_measure_extra_workload() -> None:
    """Rate 100 a year; measure doubles the execution workload of every item (+1.0): 100
    items weigh 200 -> 50 items a year -> finish 2026."""
    inst = make([segment(count=100)], execution={"initial": 100, "max": 100},
                measures=[{"id": "W", "segments": ["*"], "extra_workload": {"execution": 1.0}}])
    _, _, plan = solve(inst)
    assert completed(plan)[:2] == [50.0, 50.0]


@covers("add_peak_level")
def test_least_peak_per_finish_year() -> None:
    """3,000 items, no lead times, rate 1,000 before start, ramp-up 1,000 a year, max 3,000.
    Earliest finish 2026 (2025 at most 2,000). Finishing by year k needs a level of 3,000 / k
    each year at least: by 2026 1,500, by 2027 1,000, by 2028 750, by 2029 600 (no ramp-down
    limit, so the level may drop at once). Capacity-years stay 3,000 (every unit done is one
    unit-year of level). p95 = 2,850 items by 2027: 950 a year."""
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 3000, "ramp_up": 1000})
    from capplan.questions.tradeoff import tradeoff

    table = tradeoff(inst, periods=3)
    finish = table[table["milestone"] == "finish"]
    assert list(finish["by"]) == ["2026", "2027", "2028", "2029"]
    assert list(finish["least_peak_execution"]) == pytest.approx([1500, 1000, 750, 600])
    assert list(finish["least_capacity_years"]) == pytest.approx([3000] * 4)
    p95 = table[table["milestone"] == "p95"]
    assert p95["by"].iloc[0] == "2026"
    assert p95["least_peak_execution"].iloc[1] == pytest.approx(2850 / 3)


def test_every_family_has_a_test() -> None:
    """The register of constraint families with a hand-solved test is complete."""
    names = [family.__name__ for family in FAMILIES]
    missing = [name for name in names if name not in COVERED]
    assert not missing, f"constraint families without a test: {missing}"


@covers("add_production_change")
def test_smooth_spreads_production() -> None:
    """2,000 items, no lead times, rate up to 1,500 a year from the start. Finishing in 2026
    means x in 2025 and 2,000 - x in 2026 with 500 <= x <= 1,500. Least waiting puts 1,500
    first (500 item-years). The total change of production is |2,000 - 2x| (2025 -> 2026)
    plus 2,000 - x (2026 -> nothing in 2027): 4,000 - 3x below x = 1,000 and x above, so
    `smooth` is least, 1,000, at 1,000 and 1,000 (1,000 item-years of waiting)."""
    inst = make([segment(count=2000)], execution={"initial": 1500, "max": 1500})
    _, sol, plan = solve(inst, terms=["finish", "waiting"])
    assert completed(plan)[:2] == [1500.0, 500.0]
    _, sol, plan = solve(inst, terms=["finish", "smooth", "waiting"])
    assert plan.milestones["finish"] == "2026"
    assert completed(plan)[:2] == [1000.0, 1000.0]
    assert sol.values["smooth"] == pytest.approx(1000.0, rel=1e-6)
    assert sol.values["waiting"] == pytest.approx(1000.0, rel=1e-6)


@covers("add_reference_distance")
def test_reference_picks_the_closest_plan() -> None:
    """Segments a and b of 500 items each, no lead times, rate 500 a year: every plan finishes
    in 2026 with 500 done each year and the same waiting (500 item-years), split between a
    and b in any way. With a reference that does a first (500 of a in 2025, 500 of b in 2026)
    the plan is exactly that (distance 0); with b first, b first."""
    from capplan.core.results import segment_completions

    inst = make([segment(name="a", count=500), segment(name="b", count=500)],
                execution={"initial": 500, "max": 500})
    for first in (0, 1):
        reference = np.zeros((2, inst.calendar.n))
        reference[first, 0] = reference[1 - first, 1] = 500.0
        built, sol = plan(inst, ["finish", "waiting"], reference=reference)
        assert sol.status == Status.OPTIMAL and sol.x is not None
        assert segment_completions(built, sol.x) == pytest.approx(reference, abs=1e-6)
