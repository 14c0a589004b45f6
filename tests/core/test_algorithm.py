"""The algorithm HiGHS solves with from scratch (interior point with crossover, or dual
simplex) changes no printed number: the canonical plan (solve.py `_canonical`) is one defined
plan among the optima, so milestones and yearly targets are the same whichever vertex a
method lands on; and the choice made is recorded on the solution."""

from __future__ import annotations

import pytest

from builders import INSTANCES
from capplan.core.backends import IPM_NONZEROS, HighsBackend, SolverUnavailable
from capplan.core.results import read_plan, trajectory_records
from capplan.core.solve import plan
from capplan.inputs.load import load

SCENARIOS = [None, "mjvp", "pessimistic", "scope-17500", "m29-in", "m29-choose",
             "deadline-2028"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_interior_point_and_simplex_same_canonical_plan(scenario: str | None) -> None:
    """Groningen and each shipped scenario: the same milestones, the same yearly targets
    (trajectory records) and the same status by interior point as by dual simplex; each
    solution says the interior point ran its solves from scratch."""
    instance = load(INSTANCES / "groningen-2024.toml", scenario).instance
    out = {}
    for algorithm in ("ipm", "simplex"):
        built, solution = plan(instance, algorithm=algorithm)
        result = read_plan(built, solution)
        out[algorithm] = (solution.status, result.milestones, trajectory_records(result),
                          result.scope)
        ran = solution.algorithm
        assert ("interior point" in ran) == (algorithm == "ipm"), ran
    assert out["ipm"] == out["simplex"]


def test_auto_chooses_by_size() -> None:
    """`auto` runs the first solve (from scratch) by the dual simplex on Groningen (22k
    nonzeros, below IPM_NONZEROS) and names the algorithms with their counts, in the order
    they first ran, which add up to the solves; forced `simplex`, no solve runs the interior
    point, not even a warm start that starts over."""
    instance = load(INSTANCES / "groningen-2024.toml").instance
    built, solution = plan(instance)
    assert len(built.lp.values) < IPM_NONZEROS
    assert solution.algorithm.startswith("dual simplex ")
    _, forced = plan(instance, algorithm="simplex")
    assert "interior point" not in forced.algorithm
    counts = [int(part.rsplit(" ", 1)[1]) for part in solution.algorithm.split(", ")]
    assert sum(counts) == solution.solves


def test_unknown_algorithm_refused() -> None:
    instance = load(INSTANCES / "toy.toml").instance
    with pytest.raises(SolverUnavailable, match="unknown algorithm"):
        plan(instance, algorithm="barrier")


def test_time_limit_is_each_solves_own() -> None:
    """HiGHS's run clock goes on over every solve of a model; each solve's limit is set from
    where the clock stands when that solve begins, so a plan of many solves gives each the
    whole `time_limit` (here 7 s from its own start, for a solve from scratch and warm
    ones), and the runs within one solve share it."""
    from capplan.core.backends import open_backend
    from capplan.core.build import build
    from capplan.core.objectives import linear_cost

    built = build(load(INSTANCES / "groningen-2024.toml").instance)
    backend = open_backend("highs", built.lp, time_limit=7.0)
    assert isinstance(backend, HighsBackend)
    backend.set_cost(linear_cost(built, "waiting"))
    for fresh in (True, False, False):
        before = backend.h.getRunTime()
        backend.solve(fresh=fresh)
        assert backend.deadline == pytest.approx(before + 7.0, abs=0.05)
        assert backend.h.getOptionValue("time_limit")[1] == backend.deadline
    assert backend.h.getRunTime() > 0


def test_time_limit_stops_a_plan() -> None:
    """A limit no solve can keep (a microsecond) ends the plan with status time_limit, not a
    crash and not a plan."""
    from capplan.core.backends import Status

    instance = load(INSTANCES / "groningen-2024.toml").instance
    _, solution = plan(instance, time_limit=1e-6)
    assert solution.status == Status.TIME_LIMIT and solution.x is None


def test_warm_start_that_wanders_starts_over_by_interior_point(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm re-solve past its cap (`WARM_ITERATIONS`, `WARM_PASS_ITERATIONS`) starts over
    from scratch by the interior point (with crossover, so the next solve has a basis), and
    the printed plan is the same: with
    the cap at one iteration nearly every warm re-solve of Groningen's plan starts over, and
    its milestones and yearly targets equal those of the plan solved as usual; forced
    `simplex`, the start over is by the simplex and the plan is the same again."""
    from capplan.core import backends

    instance = load(INSTANCES / "groningen-2024.toml").instance
    built, usual = plan(instance)
    expected = read_plan(built, usual)
    monkeypatch.setattr(backends, "WARM_ITERATIONS", 1)
    monkeypatch.setattr(backends, "WARM_PASS_ITERATIONS", 1)
    for algorithm, ran in (("auto", True), ("simplex", False)):
        built, solution = plan(instance, algorithm=algorithm)
        result = read_plan(built, solution)
        assert ("interior point" in solution.algorithm) == ran, solution.algorithm
        assert result.milestones == expected.milestones
        assert trajectory_records(result) == trajectory_records(expected)


def test_probe_after_infeasible_interior_point_starts_from_last_basis(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The interior point proves a probe infeasible without leaving a basis; the next warm
    re-solve starts from the last optimal basis, not from nothing. Groningen's least-waiting
    plan is solved; "all done by the end of 2026" cannot be (15,644 items, 7,858 done by then
    in the plan, and the finish is 2029Q4), and with the warm cap at one iteration the
    interior point proves it; the bounds put back, the plan's own basis is optimal again, so
    the re-solve is the dual simplex with no iteration (from nothing it would need hundreds)."""
    from capplan.core import backends
    from capplan.core.backends import Status, open_backend
    from capplan.core.build import build
    from capplan.core.milestones import done_by_bounds
    from capplan.core.objectives import linear_cost

    built = build(load(INSTANCES / "groningen-2024.toml").instance)
    backend = open_backend("highs", built.lp, time_limit=60.0)
    assert isinstance(backend, HighsBackend)
    backend.set_cost(linear_cost(built, "waiting"))
    assert backend.solve(fresh=True).status == Status.OPTIMAL
    cols, bound = done_by_bounds(built, "finish", built.calendar.last_period_of_year(2026))
    lower, upper = built.lp.col_lower[cols], built.lp.col_upper[cols]
    monkeypatch.setattr(backends, "WARM_ITERATIONS", 1)
    backend.set_bounds(cols, lower, bound)
    assert backend.solve().status == Status.INFEASIBLE
    assert backend._last_ran == "interior point"
    monkeypatch.setattr(backends, "WARM_ITERATIONS", 250)
    backend.set_bounds(cols, lower, upper)
    assert backend.solve().status == Status.OPTIMAL
    assert backend._last_ran == "dual simplex"
    assert backend.h.getInfo().simplex_iteration_count == 0
