"""Scenario sweeps: sample the risk register, solve every sample, and summarise.

A sample is the instance with the effects of the risks that occur in it (uncertainty/risk.py); it is
planned as `capplan plan` would (its objective terms, lexicographically). Each sample gives its
finish and p95 periods and its cumulative curve per period. Samples run in a process pool, on a
Dask cluster, or in this process; results are put back in sample order, so the numbers do not
depend on the number of workers.

Summaries: P10/P50/P90 of finish and p95 and the probability of finishing by the deadline;
per-year production percentiles; the fan of the cumulative curve; per risk the P50 finish with
the risk forced off and forced on over the same draws (the tornado, and the impact on the
likelihood x impact heatmap).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from capplan.core.backends import Status
from capplan.core.context import Built
from capplan.core.milestones import is_milestone, items_needed
from capplan.core.results import flow_table, read_plan, segment_flow_arrays
from capplan.core.routing import Lags
from capplan.core.solve import Solution
from capplan.core.solve import plan as solve_plan
from capplan.errors import InputError
from capplan.inputs.calendar import Calendar, months_between
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance, Risk, expand_terms
from capplan.uncertainty.risk import Draw, draw, sample_instance

Forced = tuple[tuple[int, bool], ...]


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
        if attempt is not None and attempt[2] is None:  # not finished by the short horizon
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
            flows = segment_flow_arrays(flow_table(built, solution.x), built.calendar.n)
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
    one: terms that are milestones, waiting or (not first) scope, none with a tolerance.
    Capacity cost would count the periods after the shorter horizon; scope first could
    prefer measures that need the longer one; a tolerance could reach past the shorter one."""
    terms = expand_terms(instance.objective.terms)
    allowed = all(is_milestone(t) or t in ("waiting", "scope") for t in terms)
    return allowed and terms[0] != "scope" and not instance.objective.tolerance


def _padded(cumulative: np.ndarray, n: int) -> np.ndarray:
    """A cumulative curve over a shorter horizon carried on to n periods at its last value."""
    return np.concatenate([cumulative, np.full(n - len(cumulative), cumulative[-1])])


def _reached(instance: Instance, cumulative: np.ndarray, term: str) -> int | None:
    """First period whose cumulative reaches the milestone; None beyond the horizon."""
    tol = 1e-6 * max(1.0, float(instance.remaining))
    hits = np.flatnonzero(cumulative >= items_needed(instance, term) - tol)
    return int(hits[0]) if len(hits) else None


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A batch of samples: to solve with the same risks forced, or (with `levels`) to check
    whether each can reach cumulative levels by each year end."""

    indices: list[int]
    forced: Forced = ()
    levels: tuple[tuple[int, int], ...] = ()


def run_task(context: SweepContext, task: Task) -> list[Any]:
    """A task's results: SampleResults, or booleans for a check of levels."""
    if task.levels:
        return check_samples(context, task.indices, dict(task.levels))
    return solve_samples(context, task.indices, task.forced)


def batches(indices: list[int], size: int, forced: Forced = (),
            levels: tuple[tuple[int, int], ...] = ()) -> list[Task]:
    """Samples in batches of `size`."""
    return [Task(indices[k:k + size], forced, levels) for k in range(0, len(indices), size)]


def run_tasks(context: SweepContext, tasks: list[Task], workers: int = 1,
              dask: str | None = None,
              progress: Callable[[int], None] | None = None) -> list[Any]:
    """Solve every task: in this process (1 worker), in a pool of `workers` processes, or on a
    Dask cluster (`local` starts a LocalCluster of `workers` processes; else a scheduler
    address). Results come back in task order whatever finished first."""
    if dask is not None:
        results = _run_dask(context, tasks, workers, dask, progress)
    elif workers <= 1:
        results = []
        for task in tasks:
            results.append(run_task(context, task))
            if progress:
                progress(len(task.indices))
    else:
        results = _run_pool(context, tasks, workers, progress)
    return [r for batch in results for r in batch]


def _run_pool(context: SweepContext, tasks: list[Task], workers: int,
              progress: Callable[[int], None] | None) -> list[list[Any]]:
    import multiprocessing

    out: list[list[Any]] = [[] for _ in tasks]
    spawn = multiprocessing.get_context("spawn")  # no fork of a process holding solver threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        futures = {pool.submit(run_task, context, t): k for k, t in enumerate(tasks)}
        for future in as_completed(futures):
            out[futures[future]] = future.result()
            if progress:
                progress(len(out[futures[future]]))
    return out


def _run_dask(context: SweepContext, tasks: list[Task], workers: int, address: str,
              progress: Callable[[int], None] | None) -> list[list[Any]]:
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        shared = client.scatter(context, broadcast=True)
        futures = [client.submit(run_task, shared, t, pure=False) for t in tasks]
        position = {f.key: k for k, f in enumerate(futures)}
        out: list[list[Any]] = [[] for _ in tasks]
        for future in dask_completed(futures):
            out[position[future.key]] = future.result()
            if progress:
                progress(len(out[position[future.key]]))
        return out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- summaries --------------------------------------------------------------------------------


def period_quantile(periods: list[int | None], q: float, n: int) -> int | None:
    """The q-quantile of milestone periods (a period some sample reached; samples beyond the
    horizon count as later than all); None when it lies beyond the horizon."""
    values = np.array([n if p is None else p for p in periods], dtype=float)
    value = int(np.quantile(values, q, method="inverted_cdf"))
    return None if value >= n else value


QUANTILES = {"P10": 0.1, "P50": 0.5, "P90": 0.9}


def milestone_summary(results: list[SampleResult], calendar: Calendar,
                      deadline: int | None) -> pd.DataFrame:
    """Per milestone (finish, p95): P10/P50/P90 as quarters, and the share of samples that
    reach it by the end of the deadline year."""
    rows = []
    for name in ("finish", "p95"):
        periods = [getattr(r, name) for r in results]
        row: dict[str, Any] = {"milestone": name}
        for label, q in QUANTILES.items():
            row[label] = calendar.milestone_label(period_quantile(periods, q, calendar.n)) or (
                "beyond horizon")
        if deadline is not None:
            last = calendar.last_period_of_year(deadline)
            row[f"by {deadline}"] = float(np.mean([p is not None and p <= last
                                                   for p in periods]))
        rows.append(row)
    return pd.DataFrame(rows)


def cumulative_matrix(results: list[SampleResult]) -> np.ndarray:
    """[sample, period] cumulative items (NaN rows for samples without a plan)."""
    return np.vstack([r.cumulative for r in results])


def year_ends(calendar: Calendar) -> dict[int, int]:
    """Each planned year's last period index."""
    return {int(y): int(np.flatnonzero(calendar.years == y)[-1])
            for y in sorted(set(calendar.years.tolist()))}


def yearly_table(results: list[SampleResult], calendar: Calendar, history: float,
                 deterministic: np.ndarray) -> pd.DataFrame:
    """Per year: P10/P50/P90 over the samples of the items completed in the year, and the
    deterministic plan's (items); years after the last with any production are left out."""
    cum = cumulative_matrix(results)
    rows = []
    previous, det_previous = np.full(len(results), history), history
    for year, last in year_ends(calendar).items():
        done = cum[:, last] - previous
        rows.append({"year": year,
                     **{k: float(np.nanquantile(done, q)) for k, q in QUANTILES.items()},
                     "plan": float(deterministic[last] - det_previous)})
        previous, det_previous = cum[:, last], float(deterministic[last])
    table = pd.DataFrame(rows)
    busy = np.flatnonzero((table[["P90", "plan"]].abs() > 0.5).any(axis=1).to_numpy())
    return table.iloc[: int(busy[-1]) + 1] if len(busy) else table


def fan_table(results: list[SampleResult], calendar: Calendar,
              deterministic: np.ndarray) -> pd.DataFrame:
    """Per period: P10/P50/P90 of the cumulative curve over the samples, and the plan's."""
    cum = cumulative_matrix(results)
    table = pd.DataFrame({"period": [calendar.label(t) for t in range(calendar.n)]})
    for label, q in QUANTILES.items():
        table[label] = np.nanquantile(cum, q, axis=0)
    table["plan"] = deterministic
    return table


def samples_table(results: list[SampleResult], risks: list[Risk],
                  calendar: Calendar) -> pd.DataFrame:
    """One row per sample: which risks occurred, the drawn values, status and milestones."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"sample": r.index}
        for k, risk in enumerate(risks):
            row[risk.id] = r.occurs[k]
            for j, value in enumerate(r.values[k]):
                row[f"{risk.id}.{risk.effect[j].path}"] = value
        row.update(status=r.status, finish=calendar.milestone_label(r.finish),
                   p95=calendar.milestone_label(r.p95), scope=r.scope)
        rows.append(row)
    return pd.DataFrame(rows)


def p50_finish(results: list[SampleResult], calendar: Calendar) -> str | None:
    """The median finish quarter of some samples."""
    return calendar.milestone_label(period_quantile([r.finish for r in results], 0.5,
                                                    calendar.n))


def tornado_table(risks: list[Risk],
                  forced: dict[tuple[int, bool], list[SampleResult]],
                  calendar: Calendar) -> pd.DataFrame:
    """Per risk: the P50 finish over the same samples with the risk forced off and forced on,
    and the swing in months (on minus off), largest swing first."""
    rows = []
    for k, risk in enumerate(risks):
        if (k, False) not in forced:
            continue
        off = p50_finish(forced[(k, False)], calendar)
        on = p50_finish(forced[(k, True)], calendar)
        swing = months_between(off, on)
        if swing is None:  # beyond the horizon on one side: count the horizon's end
            end = calendar.milestone_label(calendar.n - 1)
            swing = months_between(off or end, on or end) or 0
        rows.append({"risk": risk.id, "description": risk.description,
                     "likelihood": risk.likelihood, "P50 finish off": off or "beyond horizon",
                     "P50 finish on": on or "beyond horizon", "swing_months": swing})
    table = pd.DataFrame(rows, columns=["risk", "description", "likelihood", "P50 finish off",
                                        "P50 finish on", "swing_months"])
    return table.sort_values("swing_months", key=lambda s: s.abs(), ascending=False,
                             kind="stable").reset_index(drop=True)


def robust_levels(results: list[SampleResult], calendar: Calendar, share: float,
                  history: int) -> dict[int, int]:
    """Cumulative items by the end of each year reached in at least `share` of the samples:
    the (1 - share)-quantile of the samples' cumulative at each year end, rounded down (a
    sample without a plan counts as reaching nothing). Non-decreasing over the years, since
    every sample's curve is."""
    cum = np.nan_to_num(cumulative_matrix(results), nan=float(history))
    out = {}
    for year, last in year_ends(calendar).items():
        level = float(np.quantile(cum[:, last], 1.0 - share, method="inverted_cdf"))
        out[year] = int(np.floor(level + 1e-6))
    return out


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


def robust_table(levels: dict[int, int], history: int, scope: int) -> pd.DataFrame:
    """Yearly targets from cumulative levels: differences, so they add up to the cumulative
    figures; share of the (risk-free) scope."""
    rows, previous = [], history
    for year, level in levels.items():
        rows.append({"year": year, "target": level - previous, "cumulative": level,
                     "share": 100.0 * level / scope})
        previous = level
        if level >= scope:
            break
    return pd.DataFrame(rows)


def implied(levels: dict[int, int], needed: float) -> int | None:
    """The first year whose cumulative level reaches `needed` items; None if none does."""
    return next((y for y, level in levels.items() if level >= needed - 1e-9), None)


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


@dataclass
class Sweep:
    """A whole sweep: every sample and the summaries."""

    context: SweepContext
    calendar: Calendar
    results: list[SampleResult]
    deterministic: np.ndarray
    deterministic_milestones: dict[str, str | None]
    summary: pd.DataFrame
    yearly: pd.DataFrame
    fan: pd.DataFrame
    samples: pd.DataFrame
    tornado: pd.DataFrame
    robust: pd.DataFrame | None = None
    robust_info: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)


def sweep(loaded: Loaded, samples: int, seed: int, workers: int = 1, dask: str | None = None,
          robust: float | None = None, tornado_samples: int = 100, solver: str = "highs",
          batch: int = 10, progress: Callable[[int], None] | None = None) -> Sweep:
    """Sample the risks `samples` times, solve each, and summarise (see the module docstring).
    The tornado re-solves the first `tornado_samples` samples with each risk forced off and on;
    `robust` (a share such as 0.8) adds yearly targets reached in at least that share."""
    started = time.perf_counter()
    instance = loaded.instance
    built, solution = solve_plan(instance, solver=solver)
    context = context_of(loaded, seed, solver, expected_by(solution, built.calendar))
    if solution.status != Status.OPTIMAL:
        deterministic = np.full(built.calendar.n, np.nan)
        det_milestones: dict[str, str | None] = {}
    else:
        det_plan = read_plan(built, solution)
        deterministic = det_plan.periods["cumulative"].to_numpy(dtype=float)
        det_milestones = det_plan.milestones
    calendar = built.calendar
    indices = list(range(samples))
    tasks = batches(indices, batch)
    count = min(tornado_samples, samples)
    for k in range(len(context.risks) if count else 0):
        if context.risks[k].likelihood == 0:  # never occurs, may not even apply: left out
            continue
        for on in (False, True):
            tasks += batches(list(range(count)), batch, forced=((k, on),))
    results = run_tasks(context, tasks, workers, dask, progress)
    solved = time.perf_counter()
    main = results[:samples]
    forced: dict[tuple[int, bool], list[SampleResult]] = {}
    for r in results[samples:]:
        forced.setdefault(r.forced[0], []).append(r)
    history = instance.history.total
    out = Sweep(
        context, calendar, main, deterministic, det_milestones,
        milestone_summary(main, calendar, instance.programme.deadline),
        yearly_table(main, calendar, history, deterministic),
        fan_table(main, calendar, deterministic),
        samples_table(main, context.risks, calendar),
        tornado_table(context.risks, forced, calendar),
    )
    aggregated = time.perf_counter()
    if robust is not None:
        _robust(out, robust, history, instance, workers, dask, batch, progress)
    phases = ("sampling", "model", "solve", "read", "whole_horizon")
    out.timing = {p: sum(r.timing.get(p, 0.0) for r in results) for p in phases}
    out.timing.update(samples_wall=solved - started, aggregation=aggregated - solved,
                      robust_wall=time.perf_counter() - aggregated,
                      samples_solved=float(len(results)))
    return out


def _robust(out: Sweep, share: float, history: int, instance: Instance, workers: int,
            dask: str | None, batch: int, progress: Callable[[int], None] | None) -> None:
    """Yearly targets reached in at least `share` of the samples, checked by solving every
    sample with them as lower bounds; when per-year quantiles are jointly reached by fewer,
    the quantile is raised until they are (at most 0.99)."""
    level_share = share
    indices = [r.index for r in out.results]
    while True:
        levels = robust_levels(out.results, out.calendar, level_share, history)
        checks = run_tasks(out.context, batches(indices, batch, levels=tuple(levels.items())),
                           workers, dask, progress)
        achieved = float(np.mean(checks))
        if achieved >= share - 1e-9 or level_share >= 0.99:
            break
        level_share = min(0.99, level_share + max(0.02, share - achieved))
    out.robust = robust_table(levels, history, instance.scope)
    finish = implied(levels, float(instance.scope))
    p95 = implied(levels, items_needed(instance, "p95"))
    out.robust_info = {"share": share, "quantile_share": round(level_share, 4),
                       "reached_in": achieved, "implied_finish": finish, "implied_p95": p95}
