"""Presentation: the plan as a rich table, the JSON document, CSV, and files in a folder.
Formatting only: every number comes from `results.Plan`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from model import __version__
from model.backends import Status
from model.infeasibility import Infeasibility
from model.instance import Instance, Loaded
from model.paths import STAGES
from model.results import Plan
from model.solve import Solution


def _num(value: Any, digits: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def plan_document(
    loaded: Loaded, solution: Solution, plan: Plan, infeasibility: Infeasibility | None = None
) -> dict[str, Any]:
    """The `--format json` object of DESIGN.md, plus what a recorded run needs."""
    traj = plan.trajectory
    doc: dict[str, Any] = {
        "status": solution.status.value,
        "instance": str(loaded.path),
        "name": loaded.instance.programme.name,
        "scenario": loaded.scenario,
        "overrides": loaded.overrides,
        "trajectory": [
            {"year": int(r["year"]), "completed": int(r["completed"]),
             "cumulative": int(r["cumulative"]), "share": _num(r["share"], 2),
             "realised": bool(r["realised"])}
            for r in traj.to_dict("records")
        ],
        "milestones": plan.milestones,
        "scope": plan.scope,
        "capacity": [
            {"year": int(r["year"]), **{s: _num(r[s]) for s in STAGES}}
            for r in traj.to_dict("records") if not r["realised"]
        ],
        "objective": {k: _num(v, 2) if isinstance(v, float) else v
                      for k, v in plan.objective.items()},
        "deadline": {k: _num(v, 2) if isinstance(v, float) else v
                     for k, v in plan.deadline.items()},
        "solver": {
            "name": solution.solver, "version": solution.solver_version,
            "method": solution.method, "seconds": round(solution.solver_seconds, 4),
            "build_seconds": round(solution.build_seconds + solution.load_seconds, 4),
            "total_seconds": round(solution.seconds, 4), "solves": solution.solves,
        },
        "input_sha256": loaded.sha256,
        "capplan_version": __version__,
    }
    if infeasibility is not None:
        doc["infeasibility"] = infeasibility.as_dict()
    return doc


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
    for r in plan.trajectory.itertuples():
        caps = ["" if r.realised or pd.isna(getattr(r, s)) else f"{getattr(r, s):,.0f}"
                for s in STAGES]
        table.add_row(str(r.year), f"{r.completed:,}", f"{r.cumulative:,}", f"{r.share:.1f}%",
                      *caps, "realised" if r.realised else "plan",
                      style="dim" if r.realised else None)
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


def trajectory_csv(plan: Plan) -> str:
    """The yearly trajectory as CSV text."""
    return str(plan.trajectory.to_csv(index=False, float_format="%.2f"))


def capacity_csv(plan: Plan) -> str:
    """Per period: completions, cumulative curve, remaining and capacity, as CSV text."""
    return str(plan.periods.to_csv(index=False, float_format="%.3f"))


def write_out(folder: Path, doc: dict[str, Any], plan: Plan) -> list[Path]:
    """Write trajectory.csv, capacity.csv and plan.json into `folder`, all or nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"plan.json": json.dumps(doc, indent=2) + "\n"}
    if plan.status == Status.OPTIMAL:
        files["trajectory.csv"] = trajectory_csv(plan)
        files["capacity.csv"] = capacity_csv(plan)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            with os.fdopen(handle, "w", encoding="utf-8") as fh:
                fh.write(text)
            staged.append((tmp, folder / name))
    except OSError:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]


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
