"""Results: a solved model read back into pandas tables, milestones and yearly targets.

Tables:
- `flows`: per path and period, items entering and leaving each stage and the stocks (items);
- `periods`: per period, completions, the cumulative curve (history included) and capacity;
- `trajectory`: per year, history included, integer targets: the cumulative curve is rounded,
  then differenced, so the yearly figures always add up to the cumulative ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from capplan.core.backends import Status
from capplan.core.context import Built
from capplan.core.milestones import is_milestone, items_needed
from capplan.core.routing import STAGES
from capplan.core.solve import Solution

MILESTONES = ("p50", "p95", "finish")


@dataclass
class Plan:
    """The answer to one plan: tables, milestones, scope decisions, objective values."""

    status: Status
    flows: pd.DataFrame
    periods: pd.DataFrame
    trajectory: pd.DataFrame
    milestones: dict[str, str | None]
    scope: dict[str, bool]
    objective: dict[str, str | float | None]
    deadline: dict[str, object] = field(default_factory=dict)


def lagged(starts: np.ndarray, lag: dict[int, float]) -> np.ndarray:
    """Items leaving a stage per period: sum_k lag[k] * starts[t - k]."""
    out = np.zeros(len(starts))
    for k, share in lag.items():
        if k < len(starts):
            out[k:] += share * starts[: len(starts) - k]
    return out


def flow_table(built: Built, x: np.ndarray) -> pd.DataFrame:
    """Per path and period: eng_start, eng_done, exec_start, exec_done, backlog, ready."""
    wip_done = built.wip_done
    frames = []
    for p, path in enumerate(built.routing.paths):
        v = built.v
        eng_start, exec_start = x[v.eng_start[p]], x[v.exec_start[p]]
        eng_done = lagged(eng_start, path.lag["engineering"])
        exec_done = lagged(exec_start, path.lag["execution"])
        if path.is_base:
            eng_done = eng_done + wip_done["engineering"][path.segment]
            exec_done = exec_done + wip_done["execution"][path.segment]
        seg = built.instance.segment[path.segment]
        frames.append(pd.DataFrame({
            "segment": seg.name,
            "region": seg.region,
            "path": "+".join(path.measures) or "base",
            "period": [built.calendar.label(t) for t in range(built.calendar.n)],
            "year": built.calendar.years,
            "eng_start": eng_start,
            "eng_done": eng_done,
            "exec_start": exec_start,
            "exec_done": exec_done,
            "backlog": x[v.backlog[p]],
            "ready": x[v.ready[p]],
        }))
    return pd.concat(frames, ignore_index=True)


def segment_flow_arrays(flows: pd.DataFrame, periods: int) -> dict[str, np.ndarray]:
    """Per segment, a (4, periods) array of items (all paths): entering engineering, leaving
    it, entering execution, completed."""
    columns = ["eng_start", "eng_done", "exec_start", "exec_done"]
    out: dict[str, np.ndarray] = {}
    for segment, part in flows.groupby("segment", sort=False):
        values = part[columns].to_numpy(dtype=float).reshape(-1, periods, len(columns))
        out[str(segment)] = values.sum(axis=0).T
    return out


def period_table(built: Built, x: np.ndarray, flows: pd.DataFrame) -> pd.DataFrame:
    """Per period: completed (items), cumulative (history included), remaining, capacity."""
    cal = built.calendar
    completed = flows.groupby("period", sort=False)["exec_done"].sum().to_numpy()
    table = pd.DataFrame({
        "period": [cal.label(t) for t in range(cal.n)],
        "year": cal.years,
        "completed": completed,
        "cumulative": built.instance.history.total + np.cumsum(completed),
        "remaining": x[built.v.undone_total],
    })
    for stage in STAGES:
        table[stage] = x[built.v.cap[stage]] if stage in built.v.cap else np.nan
    return table


def trajectory_table(built: Built, periods: pd.DataFrame) -> pd.DataFrame:
    """Per year, history first: integer completions and cumulative, share of scope (%),
    realised or planned, and mean capacity over the year.

    Planned years run to the year everything is done (or to the horizon's end). When the plan
    starts mid-year, that year's realised part (in history) is counted in its planned row.
    """
    inst = built.instance
    rows: list[dict[str, object]] = []
    cumulative = inst.history.completed_before
    for year in sorted(inst.history.completed, key=int):
        cumulative += inst.history.completed[year]
        if int(year) < inst.programme.start:  # a started year's realised part joins its plan
            rows.append({"year": int(year), "cumulative": float(cumulative), "realised": True})
    yearly = periods.groupby("year").agg(
        cumulative=("cumulative", "last"), remaining=("remaining", "last"),
        engineering=("engineering", "mean"), execution=("execution", "mean"),
    )
    tol = 1e-6 * max(1.0, float(inst.remaining))
    for row in yearly.reset_index().to_dict("records"):
        rows.append({"year": int(row["year"]), "cumulative": float(row["cumulative"]),
                     "realised": False,
                     "engineering": row["engineering"], "execution": row["execution"]})
        if row["remaining"] <= tol:
            break
    table = pd.DataFrame(rows)
    rounded = np.rint(table["cumulative"].to_numpy()).astype(int)
    start = inst.history.completed_before
    table["cumulative"] = rounded
    table["completed"] = np.diff(np.concatenate([[start], rounded]))
    table["share"] = 100.0 * table["cumulative"] / inst.scope
    for stage in STAGES:
        if stage not in table:
            table[stage] = np.nan
    return table[["year", "completed", "cumulative", "share", "realised", *STAGES]]


def segment_table(plan: Plan) -> pd.DataFrame:
    """Per segment and period, items finishing engineering and execution (all paths)."""
    if plan.flows.empty:
        return pd.DataFrame(columns=["segment", "region", "period", "engineering", "execution"])
    table = plan.flows.groupby(["segment", "region", "period"], sort=False, as_index=False)[
        ["eng_done", "exec_done"]].sum()
    return table.rename(columns={"eng_done": "engineering", "exec_done": "execution"})


def milestone_periods(
    built: Built, periods: pd.DataFrame, terms: list[str]
) -> dict[str, str | None]:
    """p50, p95, finish (and any other pNN term): the quarter by whose end that share of the
    whole scope is done; `before START` if history had reached it; None if beyond horizon."""
    inst = built.instance
    out: dict[str, str | None] = {}
    names = list(MILESTONES) + [t for t in terms if is_milestone(t) and t not in MILESTONES]
    tol = 1e-6 * max(1.0, float(inst.remaining))
    for name in names:
        needed = items_needed(inst, name)
        if inst.history.total >= needed:
            out[name] = f"before {inst.programme.start_label}"
            continue
        hits = np.flatnonzero(periods["cumulative"].to_numpy() >= needed - tol)
        out[name] = built.calendar.milestone_label(int(hits[0])) if len(hits) else None
    return out


def deadline_check(built: Built, periods: pd.DataFrame) -> dict[str, object]:
    """The policy deadline: share of scope done by its end, and whether all is done."""
    inst = built.instance
    year = inst.programme.deadline
    if year is None:
        return {}
    done = float(periods.loc[periods["year"] <= year, "cumulative"].iloc[-1])
    return {"year": year, "hard": inst.programme.hard_deadline,
            "done": round(done), "share": 100.0 * done / inst.scope,
            "met": done >= inst.scope - 1e-6 * max(1.0, float(inst.remaining))}


def objective_values(built: Built, solution: Solution) -> dict[str, str | float | None]:
    """Each term's value: milestones as period labels, linear terms as numbers."""
    out: dict[str, str | float | None] = {}
    for term, value in solution.values.items():
        if is_milestone(term):
            out[term] = None if value is None else built.calendar.label(int(value))
        else:
            out[term] = None if value is None else float(value)
    return out


def read_plan(built: Built, solution: Solution) -> Plan:
    """The tables of a solved model; for a plan without solution, empty tables."""
    if solution.status != Status.OPTIMAL or solution.x is None:
        empty = pd.DataFrame()
        return Plan(solution.status, empty, empty, empty, {}, {}, {})
    flows = flow_table(built, solution.x)
    periods = period_table(built, solution.x, flows)
    return Plan(
        status=solution.status,
        flows=flows,
        periods=periods,
        trajectory=trajectory_table(built, periods),
        milestones=milestone_periods(built, periods, solution.terms),
        scope=_scope(built, solution),
        objective=objective_values(built, solution),
        deadline=deadline_check(built, periods),
    )


def _scope(built: Built, solution: Solution) -> dict[str, bool]:
    """Every measure: taken or not (fixed modes and the solver's choices)."""
    out = {}
    for m in built.instance.measure:
        out[m.id] = solution.include.get(m.id, False) if m.mode == "choose" else m.mode == "in"
    return out


def _rounded(value: Any, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def trajectory_records(plan: Plan) -> list[dict[str, Any]]:
    """The yearly trajectory as plain records: year, completed, cumulative, share, realised."""
    return [{"year": int(r["year"]), "completed": int(r["completed"]),
             "cumulative": int(r["cumulative"]), "share": _rounded(r["share"], 2),
             "realised": bool(r["realised"])}
            for r in plan.trajectory.to_dict("records")]


def segment_flow_records(plan: Plan) -> list[dict[str, Any]]:
    """Items finishing each stage per segment and period, as plain records (rows that are all
    zero left out)."""
    return [{"segment": r["segment"], "region": r["region"], "period": r["period"],
             "engineering": _rounded(r["engineering"], 2),
             "execution": _rounded(r["execution"], 2)}
            for r in segment_table(plan).to_dict("records")
            if abs(r["engineering"]) + abs(r["execution"]) >= 0.005]


def segment_completions(built: Built, x: np.ndarray) -> np.ndarray:
    """Items of each segment completed in each period of solution x (segments x periods): the
    reference a variant of this plan stays close to."""
    out = np.zeros((len(built.instance.segment), built.calendar.n))
    for s, seg in enumerate(built.instance.segment):
        undone = x[built.v.undone[s]]
        out[s] = np.concatenate([[float(seg.count)], undone[:-1]]) - undone
    return out
