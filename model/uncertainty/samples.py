"""One sample of a sweep: the context every worker receives, and a sample drawn and planned.

A sample is the instance with the effects of the risks that occur in it (uncertainty/risk.py),
some risks possibly forced on or off (the tornado); it is planned as `capplan plan` would (its
objective terms, lexicographically), first over a shorter horizon where that gives the same
plan (`short_horizon`). Each sample gives its finish and p95 periods and its cumulative curve per
period; `check_samples` asks instead whether each sample can reach given yearly levels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from capplan.core.backends import Status
from capplan.core.context import Built
from capplan.core.milestones import is_milestone, items_needed
from capplan.core.results import segment_stage_arrays
from capplan.core.routing import Lags
from capplan.core.solve import Solution
from capplan.core.solve import plan as solve_plan
from capplan.errors import InputError
from capplan.inputs.calendar import Calendar
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance, Risk, expand_terms
from capplan.uncertainty.risk import Draw, draw, sample_instance

Forced = tuple[tuple[int, bool], ...]
"""Risks forced on or off in a sample: (position in the register, on) pairs."""


@dataclass(frozen=True)
class SweepContext:
    """What every worker needs, shipped once per task batch: the raw instance (scenario and
    overrides applied), its risks, the seed and the solver."""

    raw: dict[str, Any]
    risks: list[Risk]
    source: str
    seed: int
    solver: str = "highs"
    flows: bool = False
    """Also keep each sample's per-segment stage flows and shortest lead times (residents)."""
    within: int | None = None
    """The period by which samples' milestones are expected (`expected_by`): where the
    search for them looks first. Only speed depends on it, never a result."""
    short_end: int | None = None
    """A horizon_end year before the instance's own, at which samples are planned first
    (`short_horizon`); `periods` is the instance's own number of periods."""
    periods: int = 0


@dataclass
class SampleResult:
    """One solved sample: draws, status, milestone periods (None: beyond the horizon) and the
    cumulative curve per period (items, history included); seconds split by phase."""

    index: int
    forced: Forced
    occurs: tuple[bool, ...]
    values: tuple[tuple[Any, ...], ...]
    status: str
    finish: int | None
    p95: int | None
    cumulative: np.ndarray
    scope: int
    timing: dict[str, float] = field(default_factory=dict)
    segment_flows: dict[str, np.ndarray] | None = None
    lags: dict[str, Lags] | None = None


def solve_samples(context: SweepContext, indices: list[int],
                  forced: Forced = ()) -> list[SampleResult]:
    """Draw and solve the samples `indices` (with risks `forced` on or off by position)."""
    return [_solve_one(context, i, forced) for i in indices]


def _solve_one(context: SweepContext, index: int, forced: Forced) -> SampleResult:
    started = time.perf_counter()
    sample: Draw = draw(context.risks, context.seed, index)
    drawn = time.perf_counter()
    seconds = {"model": 0.0, "solve": 0.0}
    attempt = None
    if context.short_end is not None:
        attempt = _plan_sample(context, sample, forced, context.short_end, seconds)
        if attempt is not None and not _finished_inside(attempt[0], attempt[1], attempt[2]):
            attempt = None
    whole = attempt is None
    if attempt is None:
        attempt = _plan_sample(context, sample, forced, None, seconds)
    assert attempt is not None
    instance, built, finish, solution = attempt
    solved = time.perf_counter()
    n = max(context.periods, built.calendar.n)
    if solution.status != Status.OPTIMAL or solution.x is None:
        result = SampleResult(index, forced, sample.occurs, sample.values,
                              solution.status.value, None, None, np.full(n, np.nan),
                              instance.scope)
    else:
        cumulative = _padded(float(instance.scope) - solution.x[built.v.undone_total], n)
        result = SampleResult(index, forced, sample.occurs, sample.values, "optimal", finish,
                              _reached(instance, cumulative, "p95"), cumulative, instance.scope)
        if context.flows:
            flows = segment_stage_arrays(built, solution.x)
            result.segment_flows = {k: np.pad(v, ((0, 0), (0, n - v.shape[1])))
                                    for k, v in flows.items()}
            result.lags = built.routing.lags
    result.timing = {"sampling": drawn - started, **seconds,
                     "read": time.perf_counter() - solved, "whole_horizon": float(whole)}
    return result


def _plan_sample(context: SweepContext, sample: Draw, forced: Forced, short_end: int | None,
                 seconds: dict[str, float]
                 ) -> tuple[Instance, Built, int | None, Solution] | None:
    """A sample planned over the instance's horizon, or (`short_end`) over a shorter one; None
    when the shorter one cannot be used (a release or deadline after it fails validation, or
    the objective could change with the horizon: `_horizon_free`). Also its finish period
    (None: not finished within the horizon, as when work in progress outlasts it). Adds the
    model and solver seconds."""
    started = time.perf_counter()
    raw = context.raw
    if short_end is not None:
        raw = {**raw, "programme": {**raw["programme"], "horizon_end": short_end}}
    try:
        instance = sample_instance(raw, context.risks, sample, context.source,
                                   dict(forced) or None)
    except InputError:
        if short_end is None:
            raise
        return None
    if short_end is not None and not _horizon_free(instance):
        return None
    updated = time.perf_counter()
    # only completions are read: no pass to settle capacity levels (the least-waiting
    # curve with the finish held is the plan's, measured 10-30% faster)
    built, solution = solve_plan(instance, solver=context.solver, settle=False,
                                 within=context.within)
    seconds["model"] += updated - started + built.seconds
    seconds["solve"] += time.perf_counter() - updated - built.seconds
    finish = None
    if solution.status == Status.OPTIMAL and solution.x is not None:
        finish = _reached(instance, float(instance.scope) - solution.x[built.v.undone_total],
                          "finish")
    return instance, built, finish, solution


def _horizon_free(instance: Instance) -> bool:
    """Whether a plan that finishes within a shorter horizon is also the plan over a longer
    one: terms that are milestones, waiting, smooth or (not first) scope, none with a
    tolerance. Capacity cost would count the periods after the shorter horizon; scope first
    could prefer measures that need the longer one; a tolerance could reach past the shorter
    one. Smooth only after the finish: with the finish held, every plan over the longer
    horizon does nothing after it, and is a plan over the shorter one carried on with nothing
    done (no waiting, no change of production); smooth also needs the finish before the
    shorter horizon's last period (`_finished_inside`). Before the finish, smooth could
    prefer a plan that spreads the work past the shorter horizon."""
    terms = expand_terms(instance.objective.terms)
    held = terms[:terms.index("finish")] if "finish" in terms else terms
    allowed = all(is_milestone(t) or t in ("waiting", "scope", "smooth") for t in terms)
    return (allowed and "smooth" not in held and terms[0] != "scope"
            and not instance.objective.tolerance)


def _finished_inside(instance: Instance, built: Built, finish: int | None) -> bool:
    """Whether a plan over a shorter horizon is the plan over the whole one
    (`_horizon_free`): it finishes within it, and, when smooth is a term, before its last
    period (finishing in it, the production of the last period would fall to nothing in the
    next, a change the shorter plan does not count)."""
    if finish is None:
        return False
    return "smooth" not in expand_terms(instance.objective.terms) or finish < built.calendar.n - 1


def _padded(cumulative: np.ndarray, n: int) -> np.ndarray:
    """A cumulative curve over a shorter horizon carried on to n periods at its last value."""
    return np.concatenate([cumulative, np.full(n - len(cumulative), cumulative[-1])])


def _reached(instance: Instance, cumulative: np.ndarray, term: str) -> int | None:
    """First period whose cumulative reaches the milestone; None beyond the horizon."""
    tol = 1e-6 * max(1.0, float(instance.remaining))
    hits = np.flatnonzero(cumulative >= items_needed(instance, term) - tol)
    return int(hits[0]) if len(hits) else None


def check_samples(context: SweepContext, indices: list[int],
                  levels: dict[int, int]) -> list[bool]:
    """Whether each sample can reach the cumulative `levels` by each year end (one LP each:
    the remaining work at each year's end held at most scope minus the level)."""
    out = []
    for index in indices:
        instance = sample_instance(context.raw, context.risks,
                                   draw(context.risks, context.seed, index), context.source)
        history = instance.history.total

        def rows(built: Built, inst: Instance = instance, done_before: int = history
                 ) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
            ends = year_ends(built.calendar)
            return [(np.array([built.v.undone_total[ends[y]]]), np.array([1.0]), -np.inf,
                     float(inst.remaining - (level - done_before)))
                    for y, level in levels.items() if y in ends]

        _, solution = solve_plan(instance, ["waiting"], solver=context.solver, extra_rows=rows,
                                 settle=False)
        out.append(solution.status == Status.OPTIMAL)
    return out


def year_ends(calendar: Calendar) -> dict[int, int]:
    """Each planned year's last period index."""
    return {int(y): int(np.flatnonzero(calendar.years == y)[-1])
            for y in sorted(set(calendar.years.tolist()))}


def expected_by(solution: Solution, calendar: Calendar) -> int | None:
    """Where a sweep's samples look first for their milestones: the deterministic plan's
    latest milestone period plus a year (periods). On the quarterly Groningen register every
    one of 200 samples' front-loaded plans reached its finish by then. None without a plan."""
    periods = [v for t, v in solution.values.items() if is_milestone(t) and isinstance(v, int)]
    if solution.status != Status.OPTIMAL or not periods:
        return None
    return max(periods) + calendar.per_year


def short_horizon(within: int | None, calendar: Calendar) -> int | None:
    """The year of period `within` when it ends before the instance's horizon: samples are
    planned up to its end first, and over the whole horizon only when they do not finish
    by then (measured on the quarterly Groningen samples: 27% less solver time).

    Exact: every row of the model for a period t reads only periods up to t, with the same
    data whatever the horizon (a release or deadline after the shorter horizon fails its
    validation, and the sample is planned over the whole one). So a plan over the whole
    horizon, cut short, is a plan over the shorter one; and a plan that finishes within the
    shorter horizon carries on over the whole one with no flows and capacity levels held
    (ramp, capacity and regional rows then hold: the work in progress is done too). Both keep
    every milestone and the waiting, so for the terms `_horizon_free` admits the optimum is
    the same, and the curve after the shorter horizon is the scope."""
    if within is None or within >= calendar.n:
        return None
    year = int(calendar.years[within])
    return year if year < calendar.end else None


def context_of(loaded: Loaded, seed: int, solver: str, within: int | None = None,
               flows: bool = False) -> SweepContext:
    """The sweep context of a loaded instance; `within` (see `expected_by`) also sets the
    shorter horizon samples are planned over first."""
    calendar = loaded.instance.calendar
    return SweepContext(loaded.raw, list(loaded.instance.risk), str(loaded.path), seed, solver,
                        flows, within, short_horizon(within, calendar), calendar.n)
