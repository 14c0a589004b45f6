"""Near-optimal alternatives as planners think of them: how much capacity each finish date
needs.

For each period from the earliest finish (or p95) to N periods later, the least peak capacity
of a stage that reaches the milestone by then, and, with that peak held, the least capacity
cost (capacity-years when no costs are given); every plan still finishes within the horizon.
One model is built with peak variables; each point changes only the bounds on the remaining
work and on the peak, and the objective.

The peak is held because without it the second figure says nothing about the date: a level
that follows the work uses one capacity-year per item done (throughput) or per item-year in
the stage (concurrent), so the least capacity-years of any date are the work itself (on
Groningen 9,786 execution and 9,441 engineering capacity-years, 19,227.2 on 17 of 18 dates).
What a date costs is the capacity held idle because the plan must rise to its peak and can
shed it no faster than the ramp-down allows; with the least peak held, a later date (a lower
peak) holds less of it. Each point is solved fresh: measured on the quarterly Groningen instance, a
presolved solve (~0.1 s) beats a warm start from the previous point's basis (0.3-2.5 s,
thousands of simplex iterations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capplan.core.backends import Status, open_backend
from capplan.core.build import build
from capplan.core.milestones import done_by_bounds
from capplan.core.objectives import capacity_cost, capacity_level_cost, peak_cost
from capplan.core.solve import NUMERIC_SLACK, plan
from capplan.inputs.schema import Instance
from capplan.questions.compare import Progress, progress_of


def tradeoff(instance: Instance, periods: int = 8, stage: str = "execution",
             solver: str = "highs", progress: Progress | None = None) -> pd.DataFrame:
    """Per milestone (finish, p95) and target period: least peak capacity of `stage`, and
    with that peak held the least capacity cost (or capacity-years). `progress(k, total)`
    is called after each plan and each point (two solves)."""
    report = progress_of(progress)
    built = build(instance, peaks=True)
    total = 2 + 2 * (periods + 1)
    backend = open_backend(solver, built.lp)
    undone = np.concatenate([*built.v.undone.values(), built.v.undone_total])
    lower, upper = built.lp.col_lower[undone], built.lp.col_upper[undone]
    peak = np.array([built.v.peak[stage]])
    peak_lower, peak_upper = built.lp.col_lower[peak], built.lp.col_upper[peak]
    costly = any(getattr(instance.capacity, s) is not None and getattr(instance.capacity, s).cost
                 for s in ("engineering", "execution"))
    second = capacity_cost(built) if costly else capacity_level_cost(built)
    rows = []
    for term in ("finish", "p95"):
        _, best = plan(instance, [term], solver=solver, method="search")
        report(1, total)
        start = best.values.get(term) if best.status == Status.OPTIMAL else None
        if not isinstance(start, int):
            continue
        for period in range(start, min(start + periods, built.calendar.n - 1) + 1):
            report(1, total)
            bounds = upper.copy()
            position = {c: i for i, c in enumerate(undone)}
            # the milestone by `period`, and (for p95) the rest still done within the horizon
            for milestone, by in ((term, period), ("finish", built.calendar.n - 1)):
                cols, bound = done_by_bounds(built, milestone, by)
                idx = np.array([position[c] for c in cols])
                bounds[idx] = np.minimum(bounds[idx], bound)
            backend.set_bounds(undone, lower, bounds)
            backend.set_bounds(peak, peak_lower, peak_upper)
            backend.set_cost(peak_cost(built, stage))
            least_peak = backend.solve(fresh=True)
            top = least_peak.objective if least_peak.status == Status.OPTIMAL else None
            cost = None
            if top is not None:
                # the least peak held (to within the solver's tolerance), then the least cost
                held = top + NUMERIC_SLACK * max(1.0, top)
                backend.set_bounds(peak, peak_lower, np.minimum(peak_upper, held))
                backend.set_cost(second)
                least_cost = backend.solve(fresh=True)
                cost = least_cost.objective if least_cost.status == Status.OPTIMAL else None
            rows.append({
                "milestone": term, "by": built.calendar.milestone_label(period),
                "periods_later": period - start, f"least_peak_{stage}": top,
                "least_cost" if costly else "least_capacity_years": cost,
            })
    return pd.DataFrame(rows)
