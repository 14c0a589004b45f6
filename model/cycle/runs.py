"""The recorded runs: find one, list them, and set two side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.cycle.ledger import run, runs
from capplan.errors import InputError


def existing(ledger: Path) -> Path:
    """The ledger, which must exist."""
    if not ledger.exists():
        raise InputError(str(ledger), [("", "no run ledger here (record a run first)")])
    return ledger


def get_run(ledger: Path, run_id: int) -> dict[str, Any]:
    """One recorded run; InputError when the ledger or the run does not exist."""
    found = run(existing(ledger), run_id)
    if found is None:
        raise InputError(str(ledger), [(f"run {run_id}", "no such run")])
    return found


def runs_table(ledger: Path) -> pd.DataFrame:
    """Every recorded run, oldest first: id, time, command, instance, scenario, status, p95
    and finish."""
    rows = []
    for r in runs(existing(ledger)):
        milestones = json.loads(str(r["milestones"]))
        rows.append({"id": r["id"], "recorded": str(r["recorded_at"])[:19],
                     "command": " ".join(json.loads(str(r["command"]))[1:2]),
                     "instance": r["instance_path"], "scenario": r["scenario"] or "",
                     "status": r["status"], "p95": milestones.get("p95"),
                     "finish": milestones.get("finish")})
    return pd.DataFrame(rows)


def shown(found: dict[str, Any]) -> dict[str, Any]:
    """A recorded run as JSON-ready data (its input file's bytes left out)."""
    decoded = ("command", "overrides", "objective", "milestones", "trajectory", "capacity",
               "document")
    return {k: (json.loads(str(v)) if k in decoded else v)
            for k, v in found.items() if k != "instance_content"}


def diff_tables(a: dict[str, Any], b: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two runs side by side: their inputs and results, and their yearly production."""
    first, second = a["id"], b["id"]
    keys = ("command", "instance_path", "instance_sha256", "scenario", "overrides", "solver",
            "status", "objective", "milestones")
    inputs = pd.DataFrame([{"item": k, f"run {first}": str(a[k]), f"run {second}": str(b[k]),
                            "same": a[k] == b[k]} for k in keys])
    ta = {r["year"]: r["completed"] for r in json.loads(str(a["trajectory"]))}
    tb = {r["year"]: r["completed"] for r in json.loads(str(b["trajectory"]))}
    years = sorted(set(ta) | set(tb))
    trajectory = pd.DataFrame([{"year": y, f"run {first}": ta.get(y), f"run {second}": tb.get(y),
                                "difference": (tb.get(y) or 0) - (ta.get(y) or 0)}
                               for y in years])
    return inputs, trajectory
