"""Results: a solved model read back into arrays, milestones and yearly targets, and the pandas
tables built from those arrays when first asked for.

Tables (`Plan.flows`, `Plan.periods`, `Plan.trajectory`):
- `flows`: per path and period, items entering and leaving each stage and the stocks (items);
- `periods`: per period, completions, the cumulative curve (history included) and capacity;
- `trajectory`: per year, history included, integer targets: the cumulative curve is rounded,
  then differenced, so the yearly figures always add up to the cumulative ones.

The milestones, the deadline check and the records of the JSON document come from the arrays
(`PlanArrays`), so a plan that is only printed never imports pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from capplan.core.backends import Status
from capplan.core.context import Built
from capplan.core.milestones import is_milestone, items_needed, lagged
from capplan.core.routing import STAGES
from capplan.core.solve import Solution

if TYPE_CHECKING:
    import pandas as pd

MILESTONES = ("p50", "p95", "finish")
FLOW_COLUMNS = ("eng_start", "eng_done", "exec_start", "exec_done", "backlog", "ready")
PERIOD_COLUMNS = ("completed", "cumulative", "remaining", *STAGES)
TRAJECTORY_COLUMNS = ("year", "completed", "cumulative", "share", "realised", *STAGES)


@dataclass(frozen=True)
class PlanArrays:
    """A plan's numbers as numpy arrays: the columns of its three tables.

    `flows` maps each of FLOW_COLUMNS to a (paths, periods) array; `periods` each of
    PERIOD_COLUMNS to a (periods,) array; `trajectory` each of TRAJECTORY_COLUMNS to a
    (years,) array (a stage without capacity, and a realised year's capacity, are NaN)."""

    labels: list[str]
    years: np.ndarray
    segments: list[str]
    regions: list[str]
    paths: list[str]
    flows: dict[str, np.ndarray]
    periods: dict[str, np.ndarray]
    trajectory: dict[str, np.ndarray]


@dataclass
class Plan:
    """The answer to one plan: milestones, scope decisions, objective values, the deadline
    check, and its tables (pandas DataFrames, built from `arrays` when first read; empty for a
    plan without solution)."""

    status: Status
    milestones: dict[str, str | None]
    scope: dict[str, bool]
    objective: dict[str, str | float | None]
    deadline: dict[str, object] = field(default_factory=dict)
    arrays: PlanArrays | None = field(default=None, repr=False)

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Per path and period: segment, region, path, period, year, eng_start, eng_done,
        exec_start, exec_done, backlog, ready."""
        import pandas as pd

        a = self.arrays
        if a is None:
            return pd.DataFrame()
        return _flow_frame(a.labels, a.years, (a.segments, a.regions, a.paths), a.flows)

    @cached_property
    def periods(self) -> pd.DataFrame:
        """Per period: period, year, completed (items), cumulative (history included),
        remaining, capacity per stage."""
        import pandas as pd

        a = self.arrays
        if a is None:
            return pd.DataFrame()
        return pd.DataFrame({"period": a.labels, "year": a.years,
                             **{name: a.periods[name] for name in PERIOD_COLUMNS}})

    @cached_property
    def trajectory(self) -> pd.DataFrame:
        """Per year, history first: year, completed, cumulative, share (%), realised, mean
        capacity per stage."""
        import pandas as pd

        a = self.arrays
        if a is None:
            return pd.DataFrame()
        return pd.DataFrame({name: a.trajectory[name] for name in TRAJECTORY_COLUMNS})


def compensated_sum(rows: np.ndarray) -> np.ndarray:
    """The sum over the first axis, added row by row with Kahan compensation, as pandas'
    groupby adds up a group whose rows are not adjacent: the completions per period and the
    flows per segment are then bit for bit those a groupby over the flow table gives."""
    total = np.zeros(rows.shape[1:])
    carry = np.zeros(rows.shape[1:])
    for row in rows:
        y = row - carry
        t = total + y
        carry = t - total - y
        total = t
    return total


def flow_arrays(built: Built, x: np.ndarray) -> dict[str, np.ndarray]:
    """Per column of FLOW_COLUMNS, a (paths, periods) array of items."""
    wip_done = built.wip_done
    v = built.v
    paths = built.routing.paths
    out = {name: np.empty((len(paths), built.calendar.n)) for name in FLOW_COLUMNS}
    for p, path in enumerate(paths):
        eng_start, exec_start = x[v.eng_start[p]], x[v.exec_start[p]]
        eng_done = lagged(eng_start, path.lag["engineering"])
        exec_done = lagged(exec_start, path.lag["execution"])
        if path.is_base:
            eng_done = eng_done + wip_done["engineering"][path.segment]
            exec_done = exec_done + wip_done["execution"][path.segment]
        out["eng_start"][p] = eng_start
        out["eng_done"][p] = eng_done
        out["exec_start"][p] = exec_start
        out["exec_done"][p] = exec_done
        out["backlog"][p] = x[v.backlog[p]]
        out["ready"][p] = x[v.ready[p]]
    return out


def plan_arrays(built: Built, x: np.ndarray) -> PlanArrays:
    """Every number of the three tables of a solved model."""
    cal = built.calendar
    segments, regions, paths = _path_names(built)
    flows = flow_arrays(built, x)
    completed = compensated_sum(flows["exec_done"])
    periods: dict[str, np.ndarray] = {
        "completed": completed,
        "cumulative": built.instance.history.total + np.cumsum(completed),
        "remaining": x[built.v.undone_total],
    }
    for stage in STAGES:
        periods[stage] = (x[built.v.cap[stage]] if stage in built.v.cap
                          else np.full(cal.n, np.nan))
    years = cal.years
    return PlanArrays(
        labels=[cal.label(t) for t in range(cal.n)], years=years, segments=segments,
        regions=regions, paths=paths, flows=flows, periods=periods,
        trajectory=trajectory_arrays(built, years, periods))


def flow_table(built: Built, x: np.ndarray) -> pd.DataFrame:
    """Per path and period: eng_start, eng_done, exec_start, exec_done, backlog, ready."""
    cal = built.calendar
    return _flow_frame([cal.label(t) for t in range(cal.n)], cal.years, _path_names(built),
                       flow_arrays(built, x))


def _flow_frame(labels: list[str], years: np.ndarray,
                names: tuple[list[str], list[str], list[str]],
                flows: dict[str, np.ndarray]) -> pd.DataFrame:
    """The flow table: one row per path and period, paths first (as the arrays' rows)."""
    import pandas as pd

    segments, regions, paths = names
    n = len(labels)
    columns: dict[str, Any] = {
        "segment": np.repeat(np.array(segments, dtype=object), n),
        "region": np.repeat(np.array(regions, dtype=object), n),
        "path": np.repeat(np.array(paths, dtype=object), n),
        "period": np.tile(np.array(labels, dtype=object), len(paths)),
        "year": np.tile(years, len(paths)),
    }
    columns.update({name: flows[name].ravel() for name in FLOW_COLUMNS})
    return pd.DataFrame(columns)


def _path_names(built: Built) -> tuple[list[str], list[str], list[str]]:
    """Per path: its segment's name and region, and its measures joined by `+` (or `base`)."""
    segments = [built.instance.segment[path.segment] for path in built.routing.paths]
    return ([seg.name for seg in segments], [seg.region for seg in segments],
            ["+".join(path.measures) or "base" for path in built.routing.paths])


def segment_flow_arrays(flows: pd.DataFrame, periods: int) -> dict[str, np.ndarray]:
    """Per segment, a (4, periods) array of items (all paths): entering engineering, leaving
    it, entering execution, completed."""
    columns = ["eng_start", "eng_done", "exec_start", "exec_done"]
    out: dict[str, np.ndarray] = {}
    for segment, part in flows.groupby("segment", sort=False):
        values = part[columns].to_numpy(dtype=float).reshape(-1, periods, len(columns))
        out[str(segment)] = values.sum(axis=0).T
    return out


def trajectory_arrays(built: Built, years: np.ndarray,
                      periods: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per year, history first: integer completions and cumulative, share of scope (%),
    realised or planned, and mean capacity over the year.

    Planned years run to the year everything is done (or to the horizon's end). When the plan
    starts mid-year, that year's realised part (in history) is counted in its planned row.
    """
    inst = built.instance
    year_of: list[int] = []
    cumulative: list[float] = []
    total = inst.history.completed_before
    for year in sorted(inst.history.completed, key=int):
        total += inst.history.completed[year]
        if int(year) < inst.programme.start:  # a started year's realised part joins its plan
            year_of.append(int(year))
            cumulative.append(float(total))
    realised = len(year_of)
    starts = np.flatnonzero(np.diff(years, prepend=years[0] - 1))  # each year's first period
    ends = np.append(starts[1:], len(years)) - 1  # and its last
    tol = 1e-6 * max(1.0, float(inst.remaining))
    planned = 0
    for start, end in zip(starts, ends, strict=True):
        year_of.append(int(years[start]))
        cumulative.append(float(periods["cumulative"][end]))
        planned += 1
        if periods["remaining"][end] <= tol:
            break
    rounded = np.rint(np.array(cumulative)).astype(np.int64)
    out = {
        "year": np.array(year_of, dtype=np.int64),
        "completed": np.diff(np.concatenate([[inst.history.completed_before], rounded])),
        "cumulative": rounded,
        "share": 100.0 * rounded / inst.scope,
        "realised": np.arange(len(year_of)) < realised,
    }
    sizes = np.diff(np.append(starts, len(years)))[:planned]
    for stage in STAGES:  # a year's periods are adjacent: summed as pandas' groupby does
        means = np.add.reduceat(periods[stage], starts)[:planned] / sizes
        out[stage] = np.concatenate([np.full(realised, np.nan), means])
    return out


def segment_table(plan: Plan) -> pd.DataFrame:
    """Per segment and period, items finishing engineering and execution (all paths)."""
    import pandas as pd

    return pd.DataFrame(segment_rows(plan),
                        columns=["segment", "region", "period", "engineering", "execution"])


def segment_rows(plan: Plan) -> list[dict[str, Any]]:
    """Per segment (in the order of its first path) and period: segment, region, period, and
    the items finishing engineering and execution on all its paths."""
    a = plan.arrays
    if a is None:
        return []
    rows: list[dict[str, Any]] = []
    for segment, mine in paths_by_segment(a.segments).items():
        region = a.regions[mine[0]]
        eng = compensated_sum(a.flows["eng_done"][mine])
        exe = compensated_sum(a.flows["exec_done"][mine])
        rows.extend({"segment": segment, "region": region, "period": label,
                     "engineering": float(e), "execution": float(x)}
                    for label, e, x in zip(a.labels, eng, exe, strict=True))
    return rows


def paths_by_segment(segments: list[str]) -> dict[str, list[int]]:
    """Per segment name (in the order of its first path), the indices of its paths: one pass
    over the paths."""
    out: dict[str, list[int]] = {}
    for p, name in enumerate(segments):
        out.setdefault(name, []).append(p)
    return out


def segment_stage_arrays(built: Built, x: np.ndarray) -> dict[str, np.ndarray]:
    """Per segment name, a (4, periods) array of items over all its paths: entering
    engineering, leaving it, entering execution, completed (what `segment_flow_arrays` gives
    from the flow table, read from the arrays)."""
    flows = flow_arrays(built, x)
    columns = ("eng_start", "eng_done", "exec_start", "exec_done")
    names, _, _ = _path_names(built)
    return {segment: np.vstack([flows[c][mine].sum(axis=0) for c in columns])
            for segment, mine in paths_by_segment(names).items()}


def milestone_periods(
    built: Built, cumulative: np.ndarray, terms: list[str]
) -> dict[str, str | None]:
    """p50, p95, finish (and any other pNN term): the quarter by whose end that share of the
    whole scope is done; `before START` if history had reached it; None if beyond horizon.
    `cumulative`: items done by the end of each period, history included."""
    inst = built.instance
    out: dict[str, str | None] = {}
    names = list(MILESTONES) + [t for t in terms if is_milestone(t) and t not in MILESTONES]
    tol = 1e-6 * max(1.0, float(inst.remaining))
    for name in names:
        needed = items_needed(inst, name)
        if inst.history.total >= needed:
            out[name] = f"before {inst.programme.start_label}"
            continue
        hits = np.flatnonzero(cumulative >= needed - tol)
        out[name] = built.calendar.milestone_label(int(hits[0])) if len(hits) else None
    return out


def deadline_check(built: Built, years: np.ndarray, cumulative: np.ndarray) -> dict[str, object]:
    """The policy deadline: share of scope done by its end, and whether all is done."""
    inst = built.instance
    year = inst.programme.deadline
    if year is None:
        return {}
    done = float(cumulative[years <= year][-1])
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
    """The numbers of a solved model; for a plan without solution, none (empty tables)."""
    if solution.status != Status.OPTIMAL or solution.x is None:
        return Plan(solution.status, {}, {}, {})
    arrays = plan_arrays(built, solution.x)
    cumulative = arrays.periods["cumulative"]
    return Plan(
        status=solution.status,
        milestones=milestone_periods(built, cumulative, solution.terms),
        scope=_scope(built, solution),
        objective=objective_values(built, solution),
        deadline=deadline_check(built, arrays.years, cumulative),
        arrays=arrays,
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


def trajectory_rows(plan: Plan) -> list[dict[str, Any]]:
    """The yearly trajectory as rows of plain Python values (what `plan.trajectory`'s
    `to_dict("records")` gives, without building it)."""
    a = plan.arrays
    if a is None:
        return []
    columns = {name: a.trajectory[name].tolist() for name in TRAJECTORY_COLUMNS}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(),
                                                                        strict=True)]


def trajectory_records(plan: Plan) -> list[dict[str, Any]]:
    """The yearly trajectory as plain records: year, completed, cumulative, share, realised."""
    return [{"year": int(r["year"]), "completed": int(r["completed"]),
             "cumulative": int(r["cumulative"]), "share": _rounded(r["share"], 2),
             "realised": bool(r["realised"])}
            for r in trajectory_rows(plan)]


def segment_flow_records(plan: Plan) -> list[dict[str, Any]]:
    """Items finishing each stage per segment and period, as plain records (rows that are all
    zero left out)."""
    return [{"segment": r["segment"], "region": r["region"], "period": r["period"],
             "engineering": _rounded(r["engineering"], 2),
             "execution": _rounded(r["execution"], 2)}
            for r in segment_rows(plan)
            if abs(r["engineering"]) + abs(r["execution"]) >= 0.005]


def segment_completions(built: Built, x: np.ndarray) -> np.ndarray:
    """Items of each segment completed in each period of solution x (segments x periods): the
    reference a variant of this plan stays close to."""
    out = np.zeros((len(built.instance.segment), built.calendar.n))
    for s, seg in enumerate(built.instance.segment):
        undone = x[built.v.undone[s]]
        out[s] = np.concatenate([[float(seg.count)], undone[:-1]]) - undone
    return out
