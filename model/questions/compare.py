"""Comparing variants of one instance: named scenarios, and the product of `--vary` values.

Each variant is one full plan (build and solve). The first variant is the baseline; the others
show their milestones' delays against it in months.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

from capplan.core.routing import STAGES
from capplan.inputs.calendar import months_between, steps
from capplan.inputs.load import Loaded
from capplan.questions.variants import Outcome, Variant, run, solver_zero


def solve_variants(base: Loaded, chosen: list[Variant], solver: str = "highs",
                   time_limit: float = 600.0,
                   progress: Progress | None = None) -> list[Outcome]:
    """Each variant of `base` solved as one full plan, in order; `progress(1, total)` after
    each (else the callback set by `reporting`)."""
    report = progress_of(progress)
    outcomes = []
    for variant in chosen:
        outcomes.append(run(base, variant, solver, time_limit=time_limit))
        report(1, len(chosen))
    return outcomes


def summary_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """Per variant: finish, p95, tail (finish - p95, whole quarters), peak yearly production,
    peak capacity in use per stage (`capacity_level`: the planned level plus the capacity
    given), total waiting (item-years), and finish and p95 against the baseline
    and against the first variant of the same scenario (months later; negative is earlier):
    with `--vary measure.M29.mode=out,in` the latter is what taking M29 costs in each
    scenario."""
    rows = []
    base = outcomes[0].plan.milestones if outcomes else {}
    first_of: dict[str | None, dict[str, str | None]] = {}
    for o in outcomes:
        first_of.setdefault(o.variant.scenario, o.plan.milestones)
    for o in outcomes:
        ms, traj = o.plan.milestones, o.plan.trajectory
        own = first_of[o.variant.scenario]
        planned = traj[~traj["realised"]] if not traj.empty else traj
        tail = months_between(ms.get("p95"), ms.get("finish"))
        rows.append({
            "variant": o.variant.label,
            "status": o.solution.status.value,
            "finish": ms.get("finish"),
            "p95": ms.get("p95"),
            "tail_quarters": None if tail is None else tail // 3,  # milestones are quarters
            "peak_production": int(planned["completed"].max()) if len(planned) else None,
            **{f"peak_{stage}": _peak(o, planned, stage) for stage in STAGES},
            "waiting": _waiting(o),
            "finish_delta_months": months_between(base.get("finish"), ms.get("finish")),
            "p95_delta_months": months_between(base.get("p95"), ms.get("p95")),
            "finish_vs_scenario_months": months_between(own.get("finish"), ms.get("finish")),
            "p95_vs_scenario_months": months_between(own.get("p95"), ms.get("p95")),
            "scope": ", ".join(f"{m} {'in' if v else 'out'}" for m, v in o.plan.scope.items()),
        })
    return whole_numbers(pd.DataFrame(rows), COUNTS)


COUNTS = ("tail_quarters", "peak_production", "finish_delta_months", "p95_delta_months",
          "finish_vs_scenario_months", "p95_vs_scenario_months")
"""Columns of the summary that count (quarters, items, months): whole numbers."""


def whole_numbers(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Count columns as Python ints, a missing value as None (pandas would make the column
    float, and 5 quarters would print as 5.0)."""
    for column in columns:
        if column in table:
            values = [None if v is None or pd.isna(v) else int(v) for v in table[column]]
            table[column] = pd.Series(values, index=table.index,
                                      dtype=object if None in values else "int64")
    return table


def targets_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """Yearly production targets, one column per variant (history years included)."""
    columns = {}
    for o in outcomes:
        if not o.plan.trajectory.empty:
            columns[o.variant.label] = o.plan.trajectory.set_index("year")["completed"]
    table = pd.DataFrame(columns).sort_index()
    table.index.name = "year"
    return table.fillna(0).astype(int)


def capacity_level(o: Outcome, stage: str) -> np.ndarray | None:
    """Per period, the stage's capacity in use by the plan: the planned level cap[stage, t]
    plus the capacity given on top of it (`extra`, data; --add in whatif),

        cap[t] + extra[t],

    in the level's unit (a yearly rate for throughput, items at once for concurrent). The plan's
    last pass keeps the planned level as low as the plan allows, so with 500 given the planned
    level falls by up to 500 and this sum, not the planned level alone, is what the plan
    holds. None without a plan or a capacity of that stage."""
    built, x = o.built, o.solution.x
    spec = getattr(built.instance.capacity, stage)
    if x is None or spec is None or stage not in built.v.cap:
        return None
    return x[built.v.cap[stage]] + steps(built.calendar, spec.extra)


def _peak(o: Outcome, planned: pd.DataFrame, stage: str) -> float | None:
    """The highest yearly mean of the capacity in use (`capacity_level`) over the planned
    years."""
    level = capacity_level(o, stage)
    if level is None or not len(planned):
        return None
    yearly = pd.Series(level).groupby(o.built.calendar.years).mean()
    years = [int(y) for y in planned["year"] if int(y) in yearly.index]
    return float(yearly.loc[years].max()) if years else None


def _waiting(o: Outcome) -> float | None:
    """Item-years not yet completed: sum_t remaining[t] * dt (the `waiting` term's value)."""
    periods = o.plan.periods
    if periods.empty:
        return None
    dt = periods["year"].nunique() / len(periods)
    return solver_zero(float(periods["remaining"].sum() * dt), float(o.loaded.instance.remaining))


# --- progress -------------------------------------------------------------------------------

Progress = Callable[[int, int], None]
"""`progress(k, total)`: k more solves done of `total`."""
PROGRESS: ContextVar[Progress | None] = ContextVar("capplan_progress", default=None)
"""The progress callback of the questions run inside `reporting(...)`."""


@contextmanager
def reporting(progress: Progress | None) -> Iterator[None]:
    """Within the block, the long questions (`explain_tail`, `tradeoff`, `marginal`) call
    `progress(k, total)` as they solve, unless given a callback of their own."""
    token = PROGRESS.set(progress)
    try:
        yield
    finally:
        PROGRESS.reset(token)


def progress_of(progress: Progress | None) -> Progress:
    """The callback to call: `progress`, else the one set by `reporting`, else none."""
    chosen = progress or PROGRESS.get()
    return chosen if chosen is not None else _silent


def _silent(k: int, total: int) -> None:
    """No progress reported."""
