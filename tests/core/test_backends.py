"""Every installed backend gives the same optimum; the single MILP gives the same optimum as
the LP search; every backend loads in one process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from builders import INSTANCES, make, segment, solve
from capplan.core.backends import available
from capplan.core.solve import plan
from capplan.inputs.load import load


def _two_choices():  # type: ignore[no-untyped-def]
    """Two choose measures on two segments, a shared execution rate and a tail objective:
    four scope combinations to enumerate."""
    return make(
        [segment("a", 300, eng=200, exe=100), segment("b", 200, eng=100, exe=300)],
        granularity="quarter",
        execution={"initial": 200, "max": 400, "ramp_up": 200},
        measures=[
            {"id": "X", "segments": ["a"], "share": 0.5, "mode": "choose",
             "extra_days": {"engineering": 120}, "value": 2.0},
            {"id": "Y", "segments": ["*"], "share": 0.3, "mode": "choose",
             "extra_days": {"execution": 200}},
        ],
        terms=["tail", "scope", "waiting"],
    )


def test_every_backend_same_optimum(solver: str) -> None:
    """The toy through each installed backend: finish 2027, waiting 2,000 item-years
    (1,500 + 500, see test_families.test_engineering_lead_time_and_ready_stock)."""
    inst = load(INSTANCES / "toy.toml").instance
    _, sol, plan = solve(inst, solver=solver)
    assert plan.milestones["finish"] == "2027"
    assert sol.values["waiting"] == pytest.approx(2000.0, rel=1e-6)


def test_backends_agree_on_choices(solver: str) -> None:
    """The two-choice instance: every backend gives the highs optimum."""
    _, reference, _ = solve(_two_choices())
    _, sol, _ = solve(_two_choices(), solver=solver)
    assert sol.values["p95"] == reference.values["p95"]
    assert sol.values["finish"] == reference.values["finish"]
    assert sol.values["scope"] == pytest.approx(reference.values["scope"], rel=1e-6)
    assert sol.values["waiting"] == pytest.approx(reference.values["waiting"], rel=1e-5)


@pytest.mark.parametrize("solver", [s for s in available() if s in ("highs", "cbc", "scip")])
def test_milp_equals_search(solver: str) -> None:
    """Enumeration + bisection and the single MILP reach the same lexicographic optimum."""
    _, search, _ = solve(_two_choices(), method="search")
    _, milp, _ = solve(_two_choices(), solver=solver, method="milp")
    assert milp.method == "milp" and search.method == "search"
    for term in ("p95", "finish"):
        assert milp.values[term] == search.values[term]
    assert milp.values["scope"] == pytest.approx(search.values["scope"], rel=1e-6)
    assert milp.values["waiting"] == pytest.approx(search.values["waiting"], rel=1e-5)


def test_milp_equals_search_groningen() -> None:
    """The quarterly Groningen instance with measure 29 to choose: same finish, scope
    decision, value and waiting by both methods."""
    inst = load(INSTANCES / "groningen-2024.toml", "m29-choose").instance
    _, search, _ = solve(inst, method="search")
    _, milp, _ = solve(inst, method="milp")
    assert milp.values["finish"] == search.values["finish"]
    assert milp.include == search.include
    assert milp.values["scope"] == pytest.approx(search.values["scope"], rel=1e-6)
    assert milp.values["waiting"] == pytest.approx(search.values["waiting"], rel=1e-5)


@pytest.mark.parametrize("order", [("highspy", "ortools"), ("ortools", "highspy")])
def test_backends_load_in_one_process(order: tuple[str, str]) -> None:
    """ortools bundles HiGHS under highspy's library name: both load together in either
    order (highspy is pinned to the HiGHS version ortools bundles)."""
    imports = {
        "highspy": "import highspy; highspy.Highs().version()",
        "ortools": "from ortools.linear_solver import pywraplp; "
                   "assert pywraplp.Solver.CreateSolver('SCIP')",
    }
    code = "; ".join(imports[o] for o in order) + "; import pulp; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_all_backends_installed() -> None:
    """The project's dependencies bring every backend."""
    assert available() == ["highs", "cbc", "glop", "scip"]


@pytest.mark.parametrize("within", [None, 0, 1, 2, 3, 4, 5, 6, 7, 100])
def test_a_hint_where_to_look_never_changes_the_answer(within: int | None) -> None:
    """The two-choice instance (quarterly 2025-2030, 24 periods) with the search told to look
    first by period `within`: below the p95 and finish periods the hint cannot hold (the
    search falls back to the whole horizon), above them it holds; the lexicographic optimum
    is the same every time, and a bound past the horizon is ignored."""
    _, reference, _ = solve(_two_choices())
    _, hinted = plan(_two_choices(), within=within)
    for term in ("p95", "finish"):
        assert hinted.values[term] == reference.values[term]
    assert hinted.include == reference.include
    assert hinted.values["scope"] == pytest.approx(reference.values["scope"], rel=1e-6)
    assert hinted.values["waiting"] == pytest.approx(reference.values["waiting"], rel=1e-6)
