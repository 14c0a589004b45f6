"""Evaluating a given trajectory of yearly production targets (such as an advice letter's).

The targets file is CSV with columns `year,completed` (lines starting with # are comments).
Years before the instance's start must equal its [history], planned years must lie within the
horizon, and the targets' cumulative may not pass the instance's scope (a table for a larger
scope is evaluated against a scenario of that scope). Planned years become lower bounds on
yearly production:

    production[y] = undone_total[first(y) - 1] - undone_total[last(y)] >= target[y]

(undone_total[-1] is the remaining work at the start). The report says whether the pipeline
and capacity can deliver them, the first year where they cannot and by how much (the most that
year can produce once the earlier targets are met), the milestones the targets imply by their
own arithmetic, and how they stand against the optimal plan.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capplan.core.backends import Status, open_backend
from capplan.core.build import build
from capplan.core.context import Built
from capplan.core.milestones import items_needed
from capplan.core.results import Plan, read_plan
from capplan.core.solve import Row, plan
from capplan.errors import InputError, read_text
from capplan.inputs.calendar import months_between
from capplan.inputs.schema import Count, Instance


class TargetRow(BaseModel):
    """One line of a targets file."""

    model_config = ConfigDict(extra="forbid")

    year: Annotated[int, Field(ge=1900, le=2200)]
    completed: Count


def read_targets(path: Path, instance: Instance) -> dict[int, int]:
    """Targets per year from a CSV file, checked against the instance; InputError names the
    file, the row and the column."""
    source = str(path)
    text, _ = read_text(path)  # one reading policy: encodings, folders, missing files
    try:
        frame = pd.read_csv(io.StringIO(text), comment="#", dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(source, [("", f"CSV: {exc}")]) from None
    if list(frame.columns) != ["year", "completed"]:
        raise InputError(source, [("header", "columns must be year,completed "
                                             f"(got {','.join(map(str, frame.columns))})")])
    problems: list[tuple[str, str]] = []
    targets: dict[int, int] = {}
    for i, record in enumerate(frame.to_dict("records"), start=2):
        try:
            row = TargetRow.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append((f"row {i}, {err['loc'][0]}",
                                 f"{err['msg']} (got {err.get('input')!r})"))
            continue
        if row.year in targets:
            problems.append((f"row {i}, year", f"{row.year} appears twice"))
        targets[row.year] = row.completed
    problems += check_targets(targets, instance)
    if problems:
        raise InputError(source, problems)
    return dict(sorted(targets.items()))


def check_targets(targets: dict[int, int], instance: Instance) -> list[tuple[str, str]]:
    """What is wrong with targets against an instance, as (where, problem) pairs: history years
    that differ from [history], years outside the horizon, and a cumulative above the scope."""
    return _check_years(targets, instance) + _check_scope(targets, instance)


def _check_scope(targets: dict[int, int], instance: Instance) -> list[tuple[str, str]]:
    """The targets' cumulative may not pass the scope: the first year it does is named with its
    figure. 17,500 targets on 15,644 would otherwise read as shares of 108-112% and "95% in
    2028" of a scope they do not plan."""
    for year, cumulative in cumulative_targets(instance, targets).items():
        if cumulative > instance.scope:
            return [(f"year {year}", f"the targets reach {cumulative:,} by its end, above the "
                                     f"instance's scope of {instance.scope:,} (evaluate them "
                                     "against a scenario with their scope)")]
    return []


def cumulative_targets(instance: Instance, targets: dict[int, int]) -> dict[int, int]:
    """Per target year, items done by its end by the targets' own arithmetic: [history]'s
    completed_before, every realised year up to it (given in the file or not), and the planned
    targets up to it."""
    history = {int(y): v for y, v in instance.history.completed.items()}
    start = instance.programme.start
    out = {}
    for year in sorted(targets):
        realised = sum(v for y, v in history.items() if y <= year and y < start)
        planned = sum(v for y, v in targets.items() if start <= y <= year)
        out[year] = instance.history.completed_before + realised + planned
    return out


def _check_years(targets: dict[int, int], instance: Instance) -> list[tuple[str, str]]:
    """History years must match [history]; planned years must lie within the horizon."""
    out = []
    p, history = instance.programme, instance.history.completed
    for year, value in targets.items():
        if year < p.start:
            recorded = history.get(str(year))
            if recorded is None:
                out.append((f"year {year}", f"is before start {p.start} and not in [history]"))
            elif recorded != value:
                out.append((f"year {year}", f"{value:,} differs from [history] {recorded:,}"))
        elif year > p.horizon_end:
            out.append((f"year {year}", f"is after horizon_end {p.horizon_end}"))
    return out


def target_rows(built: Built, targets: dict[int, int], upto: int | None = None) -> list[Row]:
    """production[y] >= target[y] for every planned target year (up to `upto`)."""
    rows: list[Row] = []
    years, remaining = built.calendar.years, float(built.instance.remaining)
    for year, target in targets.items():
        if year < built.instance.programme.start or (upto is not None and year > upto):
            continue
        periods = np.flatnonzero(years == year)
        first, last = int(periods[0]), int(periods[-1])
        u = built.v.undone_total
        if first == 0:
            rows.append((np.array([u[last]]), np.array([-1.0]), target - remaining, np.inf))
        else:
            rows.append((np.array([u[first - 1], u[last]]), np.array([1.0, -1.0]),
                         float(target), np.inf))
    return rows


@dataclass
class Evaluation:
    """What a set of targets means and whether it can be delivered."""

    table: pd.DataFrame
    implied: dict[str, int | None]
    reaches_scope: bool
    feasible: bool
    first_failing_year: int | None
    shortfall: float | None
    optimal: Plan
    with_targets: Plan | None

    def sentences(self) -> list[str]:
        """The verdict in words."""
        lines = []
        p95, finish = self.implied["p95"], self.implied["finish"]
        lines.append(f"The targets imply 95% in {p95 or 'no year'} and 100% in "
                     f"{finish or 'no year'}"
                     + ("." if self.reaches_scope else ": they do not add up to the scope."))
        if self.feasible:
            lines.append("The pipeline and capacity can deliver every target.")
        else:
            lines.append(f"They cannot be delivered from {self.first_failing_year}: at most "
                         f"{self.shortfall_text()} in that year once the earlier targets are "
                         "met.")
        ms = self.optimal.milestones
        lines.append(f"The optimal plan reaches 95% in {ms.get('p95')} and finishes in "
                     f"{ms.get('finish')}.")
        if self.with_targets is not None:
            wt = self.with_targets.milestones
            p95_shift = _months(months_between(ms.get("p95"), wt.get("p95")))
            finish_shift = _months(months_between(ms.get("finish"), wt.get("finish")))
            lines.append(f"Held to the targets, the plan reaches 95% in {wt.get('p95')} "
                         f"({p95_shift}) and finishes in {wt.get('finish')} ({finish_shift}).")
        return lines

    def shortfall_text(self) -> str:
        target = int(self.table.loc[self.table["year"] == self.first_failing_year,
                                    "target"].iloc[0])
        most = target - (self.shortfall or 0.0)
        return f"{most:,.0f} of {target:,} ({self.shortfall:,.0f} short)"


def _months(delta: int | None) -> str:
    if delta is None:
        return "n/a"
    return "as optimal" if delta == 0 else f"{delta:+d} months against optimal"


def implied_milestones(instance: Instance, targets: dict[int, int]) -> dict[str, int | None]:
    """Years in which the targets' own cumulative reaches 50%, 95% and 100% of the scope."""
    reached: dict[str, int | None] = {"p50": None, "p95": None, "finish": None}
    for year, cumulative in cumulative_targets(instance, targets).items():
        for name in reached:
            if reached[name] is None and cumulative >= items_needed(instance, name):
                reached[name] = year
    return reached


def evaluate(instance: Instance, targets: dict[int, int], solver: str = "highs") -> Evaluation:
    """Evaluate targets against an instance (see the module's docstring)."""
    built_opt, sol_opt = plan(instance, solver=solver)
    optimal = read_plan(built_opt, sol_opt)
    built, with_targets = plan(instance, solver=solver,
                               extra_rows=lambda b: target_rows(b, targets))
    feasible = with_targets.status == Status.OPTIMAL
    first, shortfall = (None, None) if feasible else _first_failure(instance, targets, solver)
    implied = implied_milestones(instance, targets)
    return Evaluation(
        table=_table(instance, targets, optimal),
        implied=implied,
        reaches_scope=implied["finish"] is not None,
        feasible=feasible,
        first_failing_year=first,
        shortfall=shortfall,
        optimal=optimal,
        with_targets=read_plan(built, with_targets) if feasible else None,
    )


def _first_failure(instance: Instance, targets: dict[int, int],
                   solver: str) -> tuple[int | None, float | None]:
    """The first planned year whose target cannot be met once the earlier ones are, and the
    shortfall: target minus the most that year can produce."""
    built = build(instance)
    for year, target in targets.items():
        if year < instance.programme.start:
            continue
        backend = open_backend(solver, built.lp)
        for cols, vals, lower, upper in target_rows(built, targets, upto=year - 1):
            backend.add_row(cols, vals, lower, upper)
        (cols, vals, lower, _), = target_rows(built, {year: target})
        cost = np.zeros(built.lp.num_col)
        cost[cols] = -vals
        backend.set_cost(cost)
        outcome = backend.solve()
        if outcome.status != Status.OPTIMAL or outcome.objective is None:
            return year, None
        constant = lower - target  # production = vals . x - constant
        most = -outcome.objective - constant
        if most < target - 1e-6 * max(1.0, float(target)):
            return year, target - most
    return None, None


def _table(instance: Instance, targets: dict[int, int], optimal: Plan) -> pd.DataFrame:
    """Per target year, and per later planned year in which the optimal plan has work: target,
    its cumulative and share, realised or planned, the optimal plan's figure for that year, and
    the difference (target - optimal).

    The optimal column covers every year of the optimal plan, so it adds up to the scope like
    the plan does: a year after the targets' last has target 0 when the targets reach the scope
    (they say nothing is left to do), else no target (blank)."""
    traj = optimal.trajectory
    opt = traj.set_index("year")["completed"] if not traj.empty else pd.Series(dtype=int)
    planned = traj[~traj["realised"]] if not traj.empty else traj
    cumulative = cumulative_targets(instance, targets)
    last = max(targets) if targets else instance.programme.start - 1
    done = cumulative.get(last, instance.history.total) >= instance.scope
    later = [int(y) for y, v in zip(planned["year"], planned["completed"], strict=True)
             if int(y) > last and int(v) != 0] if len(planned) else []
    rows = []
    for year in sorted(targets):
        best = int(opt.get(year, 0)) if len(opt) else None
        value = targets[year]
        rows.append({"year": year, "target": value, "cumulative": cumulative[year],
                     "share": 100.0 * cumulative[year] / instance.scope,
                     "realised": year < instance.programme.start,
                     "optimal": best, "difference": None if best is None else value - best})
    for year in range(last + 1, max(later) + 1) if later else []:
        best = int(opt.get(year, 0))
        rows.append({"year": year, "target": 0 if done else None,
                     "cumulative": instance.scope if done else None,
                     "share": 100.0 if done else None, "realised": False, "optimal": best,
                     "difference": -best if done else None})
    columns = ["year", "target", "cumulative", "share", "realised", "optimal", "difference"]
    table = pd.DataFrame(rows, columns=columns)
    for column in ("target", "cumulative", "optimal", "difference"):  # whole numbers, blanks kept
        values = [None if v is None or pd.isna(v) else int(v) for v in table[column]]
        table[column] = pd.Series(values, dtype=object if None in values else "int64")
    return table
