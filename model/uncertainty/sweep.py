"""Scenario sweeps: sample the risk register, solve every sample, and summarise.

The orchestration: the deterministic plan first (its milestones say where samples look first,
`expected_by`), then the samples and, for the tornado, the first ones again with each risk
forced off and on, as tasks (uncertainty/runner.py) of samples drawn and planned one by one
(uncertainty/samples.py), then the summaries (uncertainty/summary.py) and optionally yearly
targets robust to the risks, checked on every sample.
"""

from __future__ import annotations

import math
import os
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
from capplan.errors import InputError
from capplan.inputs.calendar import Calendar
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance
from capplan.uncertainty.risk import draw
from capplan.uncertainty.runner import Task, batches, run_tasks
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


TASKS_FOR_100K = 2_000
"""About this many tasks for 100,000 samples and more (`batch_size`)."""


def batch_size(samples: int) -> int:
    """Samples per task: 10 up to 20,000 samples (tasks enough to balance a few workers),
    then growing so that a sweep makes about 2,000 tasks (50 samples a task at 100,000, a few
    seconds of work each), at most 100."""
    return min(100, max(10, math.ceil(samples / TASKS_FOR_100K)))


def machine_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def check_workers(workers: int | None, dask: str | None) -> int:
    """The processes to solve with: `workers`, or the machine's cores when None. An
    InputError on `--workers` when more processes are asked for than this machine has cores
    and they would run here (a local pool, or Dask's `local` cluster; a remote cluster's
    workers are its own)."""
    cores = machine_cores()
    count = cores if workers is None else workers
    if count < 1:
        raise InputError("--workers", [(str(count), "must be at least 1")])
    if count > cores and (dask is None or dask == "local"):
        raise InputError("--workers", [(str(count), f"more than this machine's {cores} "
                                                    f"cores; at most {cores}, or a Dask "
                                                    "cluster (--dask ADDRESS) for more")])
    return count


def default_tornado(samples: int) -> int:
    """The tornado's samples when none are asked for: a tenth of the samples, at least 10 and
    at most 100 (100 samples -> 10, 1,000 or more -> 100), so that the tornado costs about
    half the samples' solves or less (each risk adds one solve per tornado sample: the other
    side is the sample as drawn)."""
    return min(samples, max(10, min(100, samples // 10)))


def sweep_tasks(context: SweepContext, samples: int, tornado_samples: int,
                batch: int) -> list[Task]:
    """The tasks of a sweep, in a fixed order: the samples, then per risk (likelihood above 0)
    the first `tornado_samples` samples with the risk forced off, then forced on, each only
    where the sample as drawn has it the other way (where it matches, the sample as drawn is
    that run: the same draws, the same instance)."""
    tasks = batches(list(range(samples)), batch)
    count = min(tornado_samples, samples)
    draws = [draw(context.risks, context.seed, i) for i in range(count)]
    for k in range(len(context.risks) if count else 0):
        if context.risks[k].likelihood == 0:  # never occurs, may not even apply: left out
            continue
        for on in (False, True):
            todo = [i for i in range(count) if draws[i].occurs[k] != on]
            tasks += batches(todo, batch, forced=((k, on),))
    return tasks


def tornado_runs(context: SweepContext, results: list[SampleResult], samples: int,
                 tornado_samples: int) -> dict[tuple[int, bool], list[SampleResult]]:
    """Per (risk, on), the first `tornado_samples` samples' results with the risk forced: the
    forced runs, and the samples as drawn where they already have the risk that way."""
    count = min(tornado_samples, samples)
    forced: dict[tuple[int, bool], dict[int, SampleResult]] = {}
    for r in results[samples:]:
        forced.setdefault(r.forced[0], {})[r.index] = r
    out: dict[tuple[int, bool], list[SampleResult]] = {}
    for k, risk in enumerate(context.risks if count else []):
        if risk.likelihood == 0:
            continue
        for on in (False, True):
            runs = forced.get((k, on), {})
            out[(k, on)] = [runs.get(i, results[i]) for i in range(count)]
    return out


def sweep(loaded: Loaded, samples: int, seed: int, workers: int | None = 1, dask: str | None = None,
          robust: float | None = None, tornado_samples: int | None = None,
          solver: str = "highs", batch: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Sample the risks `samples` times, solve each, and summarise (see the module docstring).
    The tornado re-solves the first `tornado_samples` samples (None: `default_tornado`) with
    each risk forced off and on (`sweep_tasks`); `robust` (a share such as 0.8) adds yearly
    targets reached in at least that share. `batch`: samples per task (None: `batch_size`).
    `progress(k, total)`: k more of the `total` plans known so far are solved; it is called
    once with k = 0 before any is, so the total is known up front (the robust check adds a
    round of `samples` plans at a time)."""
    started = time.perf_counter()
    workers = check_workers(workers, dask)
    context, built_calendar, deterministic, det_milestones = prepare(loaded, seed, solver)
    tornado = default_tornado(samples) if tornado_samples is None else tornado_samples
    tasks = sweep_tasks(context, samples, tornado, batch or batch_size(samples))
    total = [sum(len(task.indices) for task in tasks)]

    def tick(k: int) -> None:
        if progress is not None:
            progress(k, total[0])

    tick(0)
    results = run_tasks(context, tasks, workers, dask, tick)
    solved = time.perf_counter()
    out = summarise(loaded, context, built_calendar, deterministic, det_milestones, results,
                    samples, tornado)
    aggregated = time.perf_counter()
    if robust is not None:
        def another_round(k: int) -> None:
            total[0] += k

        _robust(out, robust, loaded.instance.history.total, loaded.instance, workers, dask,
                batch or batch_size(samples), tick, another_round)
    out.timing.update(samples_wall=solved - started, aggregation=aggregated - solved,
                      robust_wall=time.perf_counter() - aggregated)
    return out


def prepare(loaded: Loaded, seed: int, solver: str
            ) -> tuple[SweepContext, Calendar, np.ndarray, dict[str, str | None]]:
    """The deterministic plan (its milestones say where samples look first, `expected_by`)
    and the context every task receives; the plan's cumulative curve and milestones."""
    built, solution = solve_plan(loaded.instance, solver=solver)
    context = context_of(loaded, seed, solver, expected_by(solution, built.calendar))
    if solution.status != Status.OPTIMAL:
        return context, built.calendar, np.full(built.calendar.n, np.nan), {}
    det_plan = read_plan(built, solution)
    cumulative = det_plan.periods["cumulative"].to_numpy(dtype=float)
    return context, built.calendar, cumulative, det_plan.milestones


def summarise(loaded: Loaded, context: SweepContext, calendar: Calendar,
              deterministic: np.ndarray, det_milestones: dict[str, str | None],
              results: list[SampleResult], samples: int, tornado: int) -> Sweep:
    """The summaries of a sweep from its tasks' results in task order (`sweep_tasks`)."""
    instance = loaded.instance
    main = results[:samples]
    history = instance.history.total
    out = Sweep(
        context, calendar, main, deterministic, det_milestones,
        milestone_summary(main, calendar, instance.programme.deadline),
        yearly_table(main, calendar, history, deterministic),
        fan_table(main, calendar, deterministic),
        samples_table(main, context.risks, calendar),
        tornado_table(context.risks, tornado_runs(context, results, samples, tornado),
                      calendar),
    )
    phases = ("sampling", "model", "solve", "read", "whole_horizon")
    out.timing = {p: sum(r.timing.get(p, 0.0) for r in results) for p in phases}
    out.timing.update(samples_solved=float(len(results)))
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
