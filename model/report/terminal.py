"""Presentation: the plan as a rich table, the JSON document, CSV, and files in a folder.
Formatting only: every number comes from `results.Plan`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from capplan.core.backends import Status
from capplan.core.results import Plan, trajectory_rows
from capplan.core.routing import STAGES
from capplan.core.solve import Solution
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance
from capplan.questions.infeasibility import Infeasibility

if TYPE_CHECKING:
    import pandas as pd


def render(console: Console, loaded: Loaded, solution: Solution, plan: Plan,
           infeasibility: Infeasibility | None = None) -> None:
    """The plan in the terminal: the regulator-shaped table, milestones, scope, objectives."""
    inst = loaded.instance
    title = escape(inst.programme.name + (f" [{loaded.scenario}]" if loaded.scenario else ""))
    if solution.status != Status.OPTIMAL:
        console.print(f"[bold]{title}[/bold]: [red]{solution.status.value}[/red]")
        for line in infeasibility.describe() if infeasibility else []:
            console.print("  " + line)
        _solver_line(console, solution)
        return
    units = ", ".join(
        f"{stage} {'per year' if spec.kind == 'throughput' else 'items at once'}"
        for stage in STAGES if (spec := getattr(inst.capacity, stage)) is not None)
    table = Table(title=f"{title}: yearly production (scope {inst.scope:,})",
                  title_justify="left", caption=f"capacity: {units}" if units else None,
                  caption_justify="left")
    for name in ("year", "completed", "cumulative", "% scope", "eng. cap", "exec. cap"):
        table.add_column(name, justify="right")
    table.add_column("", justify="left")
    for r in trajectory_rows(plan):
        caps = ["" if r["realised"] or math.isnan(r[s]) else f"{r[s]:,.0f}" for s in STAGES]
        table.add_row(str(r["year"]), f"{r['completed']:,}", f"{r['cumulative']:,}",
                      f"{r['share']:.1f}%", *caps, "realised" if r["realised"] else (
                          "realised + plan" if r["year"] == inst.programme.start
                          and inst.programme.start_quarter > 1 else "plan"),
                      style="dim" if r["realised"] else None)
    console.print(table)
    ms = ", ".join(f"{k} {v or 'beyond horizon'}" for k, v in plan.milestones.items())
    console.print(f"Milestones: {ms}")
    if plan.deadline:
        d = plan.deadline
        console.print(f"Deadline {d['year']}{' (hard)' if d['hard'] else ''}: "
                      f"{d['done']:,} done by its end ({d['share']:.1f}%), "
                      f"{'met' if d['met'] else 'not met'}")
    if plan.scope:
        console.print("Scope: " + ", ".join(f"{m} {'in' if v else 'out'}"
                                            for m, v in plan.scope.items()))
    console.print("Objective: " + ", ".join(
        f"{k} {v:,.1f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in plan.objective.items()))
    _solver_line(console, solution)


def _solver_line(console: Console, solution: Solution) -> None:
    console.print(
        f"Solver: {solution.solver} ({solution.method}), {solution.solves} solves, "
        f"{solution.solver_seconds:.3f} s in the solver, "
        f"{solution.build_seconds + solution.load_seconds:.3f} s building, "
        f"{solution.seconds:.3f} s in all", style="dim")


def variance_view(table: pd.DataFrame) -> pd.DataFrame:
    """The variance table for the terminal: one row per period (year, or up to the as-of
    quarter) and segment, planned and realised items and the difference in % per stage.
    Segments with nothing planned or realised are left out, and a lone segment's rows (they
    repeat the total)."""
    import pandas as pd

    shown = table[(table["planned"].abs() + table["actual"].abs()) > 0.05]
    if shown["segment"].nunique() <= 2 and (shown["segment"] != "all").any():
        shown = shown[shown["segment"] == "all"]
    rows: list[dict[str, Any]] = []
    for (through, segment), part in shown.groupby(["through", "segment"], sort=False):
        row: dict[str, Any] = {"period": through, "segment": segment}
        for stage, short in (("engineering", "eng."), ("execution", "exec.")):
            got = part[part["stage"] == stage]
            planned = float(got["planned"].sum())
            actual = float(got["actual"].sum())
            pct = got["difference_pct"].iloc[0] if len(got) else None
            row[f"{short} planned"] = round(planned)
            row[f"{short} realised"] = round(actual)
            row[f"{short} %"] = f"{pct:+.1f}%" if pct is not None and pd.notna(pct) else ""
        rows.append(row)
    return pd.DataFrame(rows)


def frame_table(title: str, frame: pd.DataFrame, index: bool = False) -> Table:
    """A DataFrame as a rich table: integers with thousands separators, floats to one
    decimal, missing values blank."""
    from pandas.api.types import is_numeric_dtype

    table = Table(title=escape(title), title_justify="left")
    data = frame.reset_index() if index else frame
    for i, name in enumerate(data.columns):
        table.add_column(escape(str(name)), no_wrap=i == 0,
                         justify="right" if is_numeric_dtype(data[name]) else "left")
    for row in data.itertuples(index=False):
        cells = [str(v) if str(name) == "year" else _cell(v)
                 for name, v in zip(data.columns, row, strict=True)]
        table.add_row(*(escape(c) for c in cells))
    return table


def transposed(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows become columns named by `key` (for a side-by-side view of variants)."""
    out = frame.set_index(key).T.astype(object)
    out.index.name = ""
    return out.reset_index()


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.1f}"
    return str(value)


def summary(console: Console, loaded: Loaded, columns: int, rows: int) -> None:
    """`capplan validate`: a short description of a valid instance."""
    inst: Instance = loaded.instance
    p = inst.programme
    console.print("[green]valid[/green]: " + escape(
        str(loaded.path) + (f" [{loaded.scenario}]" if loaded.scenario else "")))
    console.print(f"  {p.name}: {p.start}-{p.horizon_end} by {p.granularity}"
                  + (f", deadline {p.deadline}{' (hard)' if p.hard_deadline else ''}"
                     if p.deadline else ""))
    console.print(f"  scope {inst.scope:,}: {inst.history.total:,} done before {p.start}, "
                  f"{inst.remaining:,} remaining in {len(inst.segment)} segments")
    regions: dict[str, int] = {}
    for seg in inst.segment:
        regions[seg.region] = regions.get(seg.region, 0) + seg.count
    console.print("  regions: " + ", ".join(f"{r} {c:,}" for r, c in regions.items()))
    if inst.measure:
        console.print("  measures: " + ", ".join(f"{m.id} ({m.mode})" for m in inst.measure))
    for stage in STAGES:
        spec = getattr(inst.capacity, stage)
        if spec is not None:
            console.print(f"  {stage} capacity ({spec.kind}): {spec.initial:,.0f} -> max "
                          f"{spec.max:,.0f}, ramp up {_limit(spec.ramp_up)}, "
                          f"down {_limit(spec.ramp_down)} per year")
    console.print("  objective: " + ", ".join(inst.objective.terms))
    if inst.scenarios:
        console.print("  scenarios: " + ", ".join(inst.scenarios))
    console.print(f"  model: {columns:,} columns, {rows:,} rows")


def _limit(value: float | None) -> str:
    return "unlimited" if value is None else f"{value:,.0f}"
