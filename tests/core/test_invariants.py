"""Invariants recomputed from the result tables of every shipped instance and scenario: flows
conserved, capacity, ramp and regional limits respected, yearly targets adding up to the scope,
milestones consistent with the curve."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from builders import INSTANCES
from capplan.core.backends import Status
from capplan.core.context import Built
from capplan.core.results import Plan, read_plan
from capplan.core.routing import STAGES, new_releases, wip_profiles
from capplan.core.solve import plan
from capplan.inputs.calendar import steps
from capplan.inputs.load import load
from capplan.questions.infeasibility import explain

TOL = 1e-5


def _cases() -> list[tuple[str, str | None]]:
    cases: list[tuple[str, str | None]] = []
    for path in sorted(INSTANCES.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        if "claim" in data:  # a claims file, not an instance
            continue
        scenarios = data.get("scenarios", {})
        cases += [(path.name, None), *((path.name, s) for s in scenarios)]
    return cases


def _tol(built: Built) -> float:
    return TOL * max(1.0, float(built.instance.remaining))


def _per_segment(flows: pd.DataFrame, built: Built, column: str) -> dict[str, np.ndarray]:
    """A flow column summed over a segment's paths, per period."""
    n = built.calendar.n
    return {seg.name: flows.loc[flows["segment"] == seg.name, column].to_numpy().reshape(-1, n)
            .sum(axis=0) for seg in built.instance.segment}


def check_flows(built: Built, plan_: Plan) -> None:
    """released = backlog + entered engineering; ready0 + engineered = ready + entered
    execution; count = completed + remaining; every stock >= 0."""
    flows, tol = plan_.flows, _tol(built)
    for column in ("eng_start", "exec_start", "backlog", "ready", "eng_done", "exec_done"):
        assert flows[column].min() >= -tol, column
    backlog = _per_segment(flows, built, "backlog")
    eng_start = _per_segment(flows, built, "eng_start")
    eng_done = _per_segment(flows, built, "eng_done")
    exec_start = _per_segment(flows, built, "exec_start")
    exec_done = _per_segment(flows, built, "exec_done")
    ready = _per_segment(flows, built, "ready")
    for seg in built.instance.segment:
        released = np.cumsum(new_releases(seg, built.calendar))
        assert np.allclose(backlog[seg.name] + np.cumsum(eng_start[seg.name]), released,
                           atol=tol)
        assert np.allclose(seg.in_progress.ready + np.cumsum(eng_done[seg.name]),
                           ready[seg.name] + np.cumsum(exec_start[seg.name]), atol=tol)
        assert np.cumsum(exec_done[seg.name])[-1] <= seg.count + tol
    done = sum(np.cumsum(d) for d in exec_done.values())
    assert np.allclose(built.instance.remaining - done, plan_.periods["remaining"], atol=tol)


def _weights(built: Built, stage: str) -> np.ndarray:
    """Workload weight of each flows row (paths in build order, periods within)."""
    return np.repeat([p.weight[stage] for p in built.routing.paths], built.calendar.n)


def check_capacity(built: Built, plan_: Plan) -> None:
    """Throughput: weighted items leaving the stage <= level x dt; concurrent: weighted items
    in the stage at the end of each period (entered and not yet left) <= level; regional
    ceilings likewise; ramps between consecutive levels per year of time between them."""
    flows, periods, n, dt = plan_.flows, plan_.periods, built.calendar.n, built.calendar.dt
    tol = _tol(built)
    _, wip_inside = wip_profiles(built.instance, built.routing)
    for stage in STAGES:
        spec = getattr(built.instance.capacity, stage)
        if spec is None:
            continue
        short = "eng" if stage == "engineering" else "exec"
        w = _weights(built, stage)
        level = periods[stage].to_numpy()
        given = level + steps(built.calendar, spec.extra)
        if spec.kind == "throughput":
            use = (flows[f"{short}_done"].to_numpy() * w).reshape(-1, n).sum(axis=0)
            assert np.all(use <= given * dt + tol)
        else:
            started = np.cumsum((flows[f"{short}_start"] * w).to_numpy().reshape(-1, n), axis=1)
            left = np.cumsum((flows[f"{short}_done"] * w).to_numpy().reshape(-1, n), axis=1)
            wip = sum(getattr(s.in_progress, stage) * built.routing.paths[
                built.routing.base_path(i)].weight[stage]
                for i, s in enumerate(built.instance.segment))
            inside = (started - left).sum(axis=0) + wip
            assert np.all(inside <= given + tol)
            assert wip_inside[stage].sum(axis=0)[0] <= given[0] + tol
        assert np.all(level <= spec.max + tol) and np.all(level >= spec.min - tol)
        previous = np.concatenate([[spec.initial], level[:-1]])
        # years between consecutive levels: a throughput level is a rate averaged over its
        # period and `initial` one averaged over the year before the start, so the first
        # step spans from the middle of that year to the middle of period 0; a concurrent
        # level stands at its period's end and `initial` at the start
        years = np.full(n, dt)
        years[0] = (1.0 + dt) / 2.0 if spec.kind == "throughput" else dt
        if spec.ramp_up is not None:
            assert np.all(level - previous <= spec.ramp_up * years + tol)
        if spec.ramp_down is not None:
            assert np.all(previous - level <= spec.ramp_down * years + tol)
    execution = built.instance.capacity.execution
    for region in built.instance.region:
        assert execution is not None and execution.kind == "throughput"
        rows = flows["region"] == region.name
        use = (flows.loc[rows, "exec_done"].to_numpy() * _weights(built, "execution")[rows])
        assert np.all(use.reshape(-1, n).sum(axis=0) <= region.execution_max * dt + tol)


def check_targets(built: Built, plan_: Plan) -> None:
    """Integer yearly targets: differences of the cumulative curve, adding up to the scope;
    history years as recorded; milestones in order and on the curve."""
    inst, t = built.instance, plan_.trajectory
    assert t["completed"].dtype.kind == "i" and t["cumulative"].dtype.kind == "i"
    assert inst.history.completed_before + t["completed"].sum() == t["cumulative"].iloc[-1]
    assert t["cumulative"].iloc[-1] == inst.scope
    assert (t["completed"] >= 0).all()
    realised = t[t["realised"]]
    assert {str(y): int(c) for y, c in zip(realised["year"], realised["completed"], strict=True)} \
        == inst.history.completed
    ms = plan_.milestones
    assert ms["finish"] is not None and ms["p95"] is not None and ms["p50"] is not None
    assert ms["p50"] <= ms["p95"] <= ms["finish"]
    assert int(ms["finish"][:4]) == int(t["year"].iloc[-1])


@pytest.mark.parametrize(("name", "scenario"), _cases())
def test_shipped_instance(name: str, scenario: str | None) -> None:
    """Each shipped instance and scenario solves, and its plan keeps every invariant; an
    infeasible one (a hard deadline) is explained."""
    _check(name, scenario, [])


@pytest.mark.parametrize("granularity", ["year", "month"])
def test_groningen_other_granularities(granularity: str) -> None:
    """The Groningen instance by year and by month keeps the same invariants."""
    _check("groningen-2024.toml", None, [f'programme.granularity="{granularity}"'])


def test_groningen_with_given_capacity() -> None:
    """With 500 execution capacity given from 2026 on, the invariants count it."""
    _check("groningen-2024.toml", None, ["capacity.execution.extra.2026=500"])


def _check(name: str, scenario: str | None, overrides: list[str]) -> None:
    loaded = load(INSTANCES / name, scenario, overrides)
    built, solution = plan(loaded.instance)
    if solution.status == Status.INFEASIBLE:
        assert loaded.instance.programme.hard_deadline
        why = explain(loaded.instance, solution.failed_term)
        assert why.earliest_finish is not None
        assert why.describe()
        return
    assert solution.status == Status.OPTIMAL
    result = read_plan(built, solution)
    check_flows(built, result)
    check_capacity(built, result)
    check_targets(built, result)
