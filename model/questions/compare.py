"""Comparing variants of one instance: named scenarios, and the product of `--vary` values.

Each variant is one full plan (build and solve). The first variant is the baseline; the others
show their milestones' delays against it in months.
"""

from __future__ import annotations

import pandas as pd

from capplan.inputs.calendar import months_between
from capplan.questions.variants import Outcome


def summary_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """Per variant: finish, p95, tail (finish - p95, quarters), peak yearly production, peak
    capacity per stage, total waiting (item-years), and finish and p95 against the baseline
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
            "tail_quarters": None if tail is None else tail / 3,
            "peak_production": int(planned["completed"].max()) if len(planned) else None,
            "peak_engineering": _peak(planned, "engineering"),
            "peak_execution": _peak(planned, "execution"),
            "waiting": _waiting(o),
            "finish_delta_months": months_between(base.get("finish"), ms.get("finish")),
            "p95_delta_months": months_between(base.get("p95"), ms.get("p95")),
            "finish_vs_scenario_months": months_between(own.get("finish"), ms.get("finish")),
            "p95_vs_scenario_months": months_between(own.get("p95"), ms.get("p95")),
            "scope": ", ".join(f"{m} {'in' if v else 'out'}" for m, v in o.plan.scope.items()),
        })
    return pd.DataFrame(rows)


def targets_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """Yearly production targets, one column per variant (history years included)."""
    columns = {}
    for o in outcomes:
        if not o.plan.trajectory.empty:
            columns[o.variant.label] = o.plan.trajectory.set_index("year")["completed"]
    table = pd.DataFrame(columns).sort_index()
    table.index.name = "year"
    return table.fillna(0).astype(int)


def _peak(planned: pd.DataFrame, stage: str) -> float | None:
    if not len(planned) or planned[stage].isna().all():
        return None
    return float(planned[stage].max())


def _waiting(o: Outcome) -> float | None:
    """Item-years not yet completed: sum_t remaining[t] * dt (the `waiting` term's value)."""
    periods = o.plan.periods
    if periods.empty:
        return None
    dt = periods["year"].nunique() / len(periods)
    return float(periods["remaining"].sum() * dt)
