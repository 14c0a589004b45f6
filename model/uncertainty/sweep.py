"""Scenario sweeps: sample the risk register, solve every sample, and summarise.

The orchestration: the deterministic plan first (its milestones say where samples look first,
`expected_by`), then the samples and, for the tornado, the first ones again with each risk
forced off and on, as tasks (uncertainty/runner.py) of samples drawn and planned one by one
(uncertainty/samples.py), then the summaries (uncertainty/summary.py) and optionally yearly
targets robust to the risks, checked on every sample.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from capplan.core.backends import Status
from capplan.core.milestones import items_needed
from capplan.core.results import read_plan
from capplan.core.solve import plan as solve_plan
from capplan.inputs.calendar import Calendar
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance
from capplan.uncertainty.runner import batches, run_tasks
from capplan.uncertainty.samples import SampleResult, SweepContext, context_of, expected_by
from capplan.uncertainty.summary import (
    fan_table,
    implied,
    milestone_summary,
    robust_levels,
    robust_table,
    samples_table,
    tornado_table,
    yearly_table,
)


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
          batch: int = 10, progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Sample the risks `samples` times, solve each, and summarise (see the module docstring).
    The tornado re-solves the first `tornado_samples` samples with each risk forced off and on;
    `robust` (a share such as 0.8) adds yearly targets reached in at least that share.
    `progress(k, total)`: k more of the `total` plans known so far are solved (the robust
    check adds a round of `samples` plans at a time)."""
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
    total = [sum(len(task.indices) for task in tasks)]

    def tick(k: int) -> None:
        if progress is not None:
            progress(k, total[0])

    results = run_tasks(context, tasks, workers, dask, tick)
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
        def another_round(k: int) -> None:
            total[0] += k

        _robust(out, robust, history, instance, workers, dask, batch, tick, another_round)
    phases = ("sampling", "model", "solve", "read", "whole_horizon")
    out.timing = {p: sum(r.timing.get(p, 0.0) for r in results) for p in phases}
    out.timing.update(samples_wall=solved - started, aggregation=aggregated - solved,
                      robust_wall=time.perf_counter() - aggregated,
                      samples_solved=float(len(results)))
    return out


def _robust(out: Sweep, share: float, history: int, instance: Instance, workers: int,
            dask: str | None, batch: int, progress: Callable[[int], None],
            another_round: Callable[[int], None]) -> None:
    """Yearly targets reached in at least `share` of the samples, checked by solving every
    sample with them as lower bounds; when per-year quantiles are jointly reached by fewer,
    the quantile is raised until they are (at most 0.99)."""
    level_share = share
    indices = [r.index for r in out.results]
    while True:
        levels = robust_levels(out.results, out.calendar, level_share, history)
        another_round(len(indices))
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
