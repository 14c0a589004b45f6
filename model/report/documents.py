"""report.documents."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from capplan import __version__
from capplan.core.results import Plan, segment_table
from capplan.core.routing import STAGES
from capplan.core.solve import Solution
from capplan.inputs.load import Loaded
from capplan.questions.infeasibility import Infeasibility


def rounded(value: Any, digits: int = 1) -> float | None:
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
             "cumulative": int(r["cumulative"]), "share": rounded(r["share"], 2),
             "realised": bool(r["realised"])}
            for r in traj.to_dict("records")
        ],
        "milestones": plan.milestones,
        "scope": plan.scope,
        "capacity": [
            {"year": int(r["year"]), **{s: rounded(r[s]) for s in STAGES}}
            for r in traj.to_dict("records") if not r["realised"]
        ],
        "objective": {k: rounded(v, 2) if isinstance(v, float) else v
                      for k, v in plan.objective.items()},
        "start": loaded.instance.programme.start_label,
        "segment_flows": [
            {"segment": r["segment"], "region": r["region"], "period": r["period"],
             "engineering": rounded(r["engineering"], 2), "execution": rounded(r["execution"], 2)}
            for r in segment_table(plan).to_dict("records")
            if abs(r["engineering"]) + abs(r["execution"]) >= 0.005
        ],
        "deadline": {k: rounded(v, 2) if isinstance(v, float) else v
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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (numpy scalars and NaN made plain)."""
    out = []
    for row in frame.to_dict("records"):
        out.append({str(k): plain(v) for k, v in row.items()})
    return out


def plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
