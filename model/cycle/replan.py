"""The yearly plan-do-check-act cycle: re-plan from actuals, and the variance against the plan.

Re-planning turns the instance and the actuals into a new instance that starts in the period
after as-of:
- history gains the items that finished execution in each realised year (a year cut by a
  quarter as-of keeps its realised part in history; the plan covers the rest);
- each segment keeps the items not yet finished; its work in progress is the actuals' at as-of;
  its release profile loses the finished items from its earliest releases, so releases still
  to come stay where they were;
- each capacity starts from its realised level (ramp limits apply from there): for
  throughput, the items that finished the stage in the last realised period, weighted by
  workload, as a yearly rate; for concurrent capacity, the weighted items in the stage at
  as-of; less any given `extra` capacity in force, and within 0..max;
- a deadline before the new start is dropped (the report says so).

The variance compares the baseline plan (a recorded run, or the plan solved from the instance)
with the actuals per year, segment and stage, and says how each milestone moved and which
deviation from the plan accounts for most of the move (cycle/causes.py: re-planned with that
deviation set to the plan).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan.core.context import Built
from capplan.core.results import Plan, read_plan, segment_flow_records, trajectory_records
from capplan.core.routing import STAGES
from capplan.core.solve import Solution
from capplan.core.solve import plan as solve_plan
from capplan.cycle.actuals import Actuals, AsOf, period_order, plan_period_key, read_actuals
from capplan.cycle.causes import Cause, attribute, compared_cells
from capplan.cycle.ledger import latest_plan
from capplan.errors import InputError
from capplan.inputs.calendar import months_between
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance, validate


@dataclass(frozen=True)
class Baseline:
    """The plan the actuals are compared with: where it came from, when it started, its
    milestones, yearly trajectory and per-segment flows (the figures a recorded plan keeps)."""

    source: str
    start: str | None
    milestones: dict[str, str | None]
    trajectory: list[dict[str, Any]]
    segment_flows: list[dict[str, Any]]

    @classmethod
    def recorded(cls, source: str, document: dict[str, Any]) -> Baseline:
        """The baseline kept in a recorded plan or replan document."""
        return cls(source, document.get("start"), dict(document.get("milestones") or {}),
                   list(document.get("trajectory") or []),
                   list(document.get("segment_flows") or []))

    @classmethod
    def solved(cls, source: str, loaded: Loaded, plan: Plan) -> Baseline:
        """The baseline of a plan solved now."""
        return cls(source, loaded.instance.programme.start_label, dict(plan.milestones),
                   trajectory_records(plan), segment_flow_records(plan))

    def completions(self, instance: Instance) -> np.ndarray:
        """The baseline's completions per segment of `instance` and period of its calendar
        (0 where the baseline planned none): the plan a re-plan stays close to."""
        calendar = instance.calendar
        where = {calendar.label(t): t for t in range(calendar.n)}
        row = {seg.name: s for s, seg in enumerate(instance.segment)}
        out = np.zeros((len(instance.segment), calendar.n))
        for flow in self.segment_flows:
            s, t = row.get(str(flow["segment"])), where.get(str(flow["period"]))
            if s is not None and t is not None:
                out[s, t] = float(flow.get("execution") or 0.0)
        return out

    @property
    def planned(self) -> pd.DataFrame:
        """Items planned to finish each stage: columns segment, region, period, stage, items."""
        flows = pd.DataFrame(self.segment_flows,
                             columns=["segment", "region", "period", *STAGES])
        long = flows.melt(id_vars=["segment", "region", "period"], value_vars=list(STAGES),
                          var_name="stage", value_name="items")
        return long.astype({"items": float})


def baseline_of_run(found: dict[str, Any], loaded: Loaded) -> Baseline:
    """A recorded run as the baseline: it must be a solved plan or replan of the same
    instance file, with per-segment flows. InputError (`--baseline`) otherwise."""
    document = json.loads(str(found["document"]))
    command = json.loads(str(found["command"]))[1:2]
    problem = None
    if command not in (["plan"], ["replan"]) or found["status"] != "optimal":
        problem = "is not a solved plan or replan run"
    elif found["instance_sha256"] != loaded.sha256:
        problem = f"planned another instance file than {loaded.path}"
    elif "segment_flows" not in document:
        problem = "holds no per-segment flows (recorded by an older capplan)"
    if problem:
        raise InputError("--baseline", [(f"run {found['id']}", problem)])
    return Baseline.recorded(f"run {found['id']}, recorded {str(found['recorded_at'])[:10]}",
                             document)


def find_baseline(ledger: Path, loaded: Loaded, as_of: AsOf, solver: str) -> Baseline:
    """The plan in force at as-of: the last plan or replan of this instance, scenario and
    overrides recorded in `ledger` before the end of the as-of period (a replan only if its
    own as-of is earlier), else the plan solved now from the instance."""
    year, quarter = as_of.resume()
    end = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=dt.UTC)
    last = latest_plan(ledger, loaded.sha256, loaded.scenario, list(loaded.overrides), end,
                       (as_of.year, as_of.last_quarter)) if ledger.exists() else None
    if last is not None:
        return Baseline.recorded(f"run {last['id']}, recorded {str(last['recorded_at'])[:10]} "
                                 f"(the last plan of this instance before {end.date()})",
                                 json.loads(str(last["document"])))
    built, solution = solve_plan(loaded.instance, solver=solver)
    if solution.status.value != "optimal":
        raise InputError(str(loaded.path), [("", "the instance has no feasible plan to compare "
                                                  "the actuals with")])
    return Baseline.solved(f"the plan solved now from {loaded.path} (no plan of it recorded "
                           f"before {end.date()})", loaded, read_plan(built, solution))


@dataclass(frozen=True)
class Resumed:
    """The re-planned instance and what was adjusted to make it (sentences)."""

    instance: Instance
    notes: list[str]


def resume(instance: Instance, actuals: Actuals) -> Resumed:
    """The instance re-planned from the period after as-of (see the module docstring)."""
    raw = instance.model_dump(mode="python")
    raw["scenarios"] = {}
    notes: list[str] = []
    year, quarter = actuals.as_of.resume()
    programme = raw["programme"]
    programme.update(start=year, start_quarter=quarter)
    if programme.get("deadline") is not None and programme["deadline"] < year:
        notes.append(f"the deadline {programme['deadline']} lies before the re-planned start "
                     f"{programme['start'] if quarter == 1 else f'{year}Q{quarter}'}; dropped")
        programme.update(deadline=None, hard_deadline=False)
    history = raw["history"]["completed"]
    for key in actuals.periods:
        realised = sum(actuals.done_in(key, "execution").values())
        history[key[:4]] = history.get(key[:4], 0) + realised
    for seg in raw["segment"]:
        finished = actuals.done_through(seg["name"])
        seg["count"] -= finished
        stock = actuals.stocks[seg["name"]]
        seg["in_progress"] = {"engineering": stock["in_engineering"], "ready": stock["ready"],
                              "execution": stock["in_execution"]}
        if seg["released"] is not None:
            seg["released"] = _without_earliest(seg["released"], finished, instance)
    for stage in STAGES:
        spec = raw["capacity"][stage]
        if spec is not None:
            spec["initial"] = _realised_level(instance, actuals, stage, notes)
    try:
        resumed = validate(raw, actuals.source)
    except InputError as exc:
        raise InputError(actuals.source, [(f"re-planned instance: {k}", p)
                                          for k, p in exc.problems]) from None
    return Resumed(resumed, notes)


def _without_earliest(released: dict[str, int], finished: int,
                      instance: Instance) -> dict[str, int]:
    """A release profile less `finished` items taken from its earliest keys."""
    calendar = instance.calendar
    out = dict(released)
    for key in sorted(out, key=lambda k: calendar.periods_of_key(k)[0]):
        take = min(out[key], finished)
        out[key] -= take
        finished -= take
    return out


def _realised_level(instance: Instance, actuals: Actuals, stage: str, notes: list[str]) -> float:
    """The stage's realised capacity level at as-of in the instance's units (items per year
    for throughput, items at once for concurrent), less given extra capacity, within 0..max."""
    spec = getattr(instance.capacity, stage)
    weight = {s.name: getattr(s.workload, stage) for s in instance.segment}
    if spec.kind == "throughput":
        last = actuals.periods[-1]
        years = 1.0 if actuals.yearly else 0.25
        level = sum(weight[s] * v for s, v in actuals.done_in(last, stage).items()) / years
        what = f"{stage} finished {level:,.0f} a year in {last}"
    else:
        column = "in_engineering" if stage == "engineering" else "in_execution"
        level = sum(weight[s] * actuals.stocks[s][column] for s in weight)
        what = f"{stage} held {level:,.0f} items at the end of {actuals.as_of.label}"
    year, quarter = actuals.as_of.resume()
    calendar = instance.calendar
    resume_at = calendar.periods_of_key(f"{year}" if instance.programme.granularity == "year"
                                        else f"{year}Q{quarter}")[0]
    extra = sum(v for k, v in spec.extra.items() if calendar.periods_of_key(k)[0] <= resume_at)
    planned = level - extra
    initial = min(max(planned, 0.0), spec.max)
    if extra:
        what += f", {extra:,.0f} of it given extra capacity"
    if initial != planned:
        what += f"; taken as {initial:,.0f} (the instance allows 0..{spec.max:,.0f})"
    notes.append(f"{what}: the re-plan ramps from there")
    return initial


def variance(baseline: Baseline, actuals: Actuals) -> pd.DataFrame:
    """Planned against realised items finishing each stage, per year (up to as-of), segment
    and stage, with the difference in items and in % of plan.

    Rows with segment `all` give the programme total; per-segment rows appear where the
    actuals were given per segment. Only periods the baseline plans are compared.
    """
    planned = baseline.planned
    if planned.empty:
        return pd.DataFrame(columns=_VARIANCE_COLUMNS)
    planned = planned.assign(key=planned["period"].map(
        lambda label: plan_period_key(str(label), actuals.yearly)))
    compared = compared_periods(baseline, actuals)
    regions = actuals.regions
    done = actuals.done[actuals.done["period"].isin(compared)]
    rows: list[dict[str, Any]] = []
    for year in sorted({int(k[:4]) for k in compared}):
        keys = [k for k in compared if int(k[:4]) == year]
        through = keys[-1] if not actuals.yearly else str(year)
        plan_y = planned[planned["key"].isin(keys)]
        done_y = done[done["period"].isin(keys)]
        for stage in STAGES:
            p_stage = plan_y[plan_y["stage"] == stage]
            d_stage = done_y[done_y["stage"] == stage]
            rows.append(_variance_row(year, through, "all", "all", stage,
                                      float(p_stage["items"].sum()),
                                      float(d_stage["items"].sum())))
            by_segment = d_stage[~d_stage["from_total"]]
            for segment in dict.fromkeys(by_segment["segment"]):
                rows.append(_variance_row(
                    year, through, str(segment), str(regions.get(segment, "")), stage,
                    float(p_stage.loc[p_stage["segment"] == segment, "items"].sum()),
                    float(by_segment.loc[by_segment["segment"] == segment, "items"].sum())))
    return pd.DataFrame(rows, columns=_VARIANCE_COLUMNS)


def compared_periods(baseline: Baseline, actuals: Actuals) -> list[str]:
    """The actuals' periods the baseline plans: from its start to as-of."""
    start = _first_quarter(str(baseline.start))
    return [k for k in actuals.periods if _first_quarter(k) >= start]


def _first_quarter(key: str) -> tuple[int, int]:
    """(year, quarter) a period key begins with: `2025` -> (2025, 1)."""
    year, last = period_order(key)
    return (year, 1) if "Q" not in key else (year, last)


_VARIANCE_COLUMNS = ["year", "through", "segment", "region", "stage", "planned", "actual",
                     "difference", "difference_pct"]


def _variance_row(year: int, through: str, segment: str, region: str, stage: str,
                  planned: float, actual: float) -> dict[str, Any]:
    return {"year": year, "through": through, "segment": segment, "region": region,
            "stage": stage, "planned": round(planned, 1), "actual": actual,
            "difference": round(actual - planned, 1),
            "difference_pct": round(100.0 * (actual - planned) / planned, 1)
            if planned > 0.05 else None}


def milestone_moves(baseline: Baseline, milestones: dict[str, str | None],
                    causes: dict[str, Cause]) -> list[str]:
    """One sentence per milestone: where it was, where it is, and the deviation from plan that
    accounts for most of the move (`causes`, see cycle/causes.py)."""
    out = []
    for name, now in milestones.items():
        before = baseline.milestones.get(name)
        if name not in baseline.milestones:
            continue
        if before == now:
            out.append(f"{name} stays at {now or 'beyond the horizon'}")
            continue
        months = months_between(before, now)
        shift = f" ({months:+d} months)" if months is not None else ""
        sentence = (f"{name} moved from {before or 'beyond the horizon'} to "
                    f"{now or 'beyond the horizon'}{shift}")
        cause = causes.get(name)
        if cause is not None and cause.deviation is not None:
            share = (f"all {cause.months} months" if months is not None
                     and cause.months >= abs(months) else f"{cause.months} of the "
                     f"{abs(months)} months" if months is not None else f"{cause.months} months")
            sentence += (f": {cause.deviation.words()} accounts for {share} (as planned: "
                         f"{cause.without or 'beyond the horizon'})")
        elif cause is not None:
            kind = "shortfall" if months is None or months > 0 else "excess"
            sentence += f": no single {kind} of a stage takes any of it away"
            if cause.all_planned == now:
                sentence += (f"; with every stage as planned it stays at "
                             f"{now or 'beyond the horizon'}, so the move comes from the work "
                             "in hand and the capacity levels the re-plan starts from")
            elif cause.all_planned is not None:
                sentence += (f"; with every stage as planned it would be at "
                             f"{cause.all_planned}")
        out.append(sentence)
    return out


@dataclass
class Replanned:
    """One re-plan: the actuals, the re-planned instance and its solved plan, the variance
    against the baseline and how the milestones moved."""

    loaded: Loaded
    actuals: Actuals
    resumed: Resumed
    baseline: Baseline
    built: Built
    solution: Solution
    plan: Plan
    variance: pd.DataFrame
    moves: list[str]


def replan(loaded: Loaded, actuals_path: Path, as_of: AsOf, baseline: Baseline,
           solver: str = "highs", method: str = "auto", time_limit: float = 600.0) -> Replanned:
    """Read the actuals against the instance (splitting totals by the baseline's shares),
    re-plan the rest from the period after as-of and compare with the baseline."""
    actuals = read_actuals(actuals_path, as_of, loaded.instance, baseline.planned)
    resumed = resume(loaded.instance, actuals)
    built, solution = solve_plan(resumed.instance, solver=solver, method=method,
                                 time_limit=time_limit,
                                 reference=baseline.completions(resumed.instance))
    result = read_plan(built, solution)
    table = variance(baseline, actuals)

    def replanned(changed: Actuals) -> dict[str, str | None]:
        """The milestones of the re-plan from changed actuals, planned as this one is."""
        again, answer = solve_plan(resume(loaded.instance, changed).instance, solver=solver,
                                   method=method, time_limit=time_limit)
        return read_plan(again, answer).milestones

    moves: list[str] = []
    if result.milestones:
        cells = compared_cells(baseline.planned, actuals, compared_periods(baseline, actuals))
        counts = {s.name: s.count for s in loaded.instance.segment}
        causes = attribute(baseline.milestones, result.milestones, cells, actuals, counts,
                           replanned)
        moves = milestone_moves(baseline, result.milestones, causes)
    again = Loaded(resumed.instance, loaded.path, loaded.sha256, loaded.scenario,
                   list(loaded.overrides))
    return Replanned(again, actuals, resumed, baseline, built, solution, result, table, moves)
