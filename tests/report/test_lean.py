"""A plan read back as arrays: its tables are the DataFrames the per-path pandas computation
gives (on every shipped instance and scenario), and `capplan plan` prints its table and its
JSON document without importing pandas, the same as computed from those DataFrames."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

import capplan
from builders import INSTANCES
from capplan.core.context import Built
from capplan.core.milestones import items_needed, lagged
from capplan.core.results import segment_flow_records, trajectory_records
from capplan.core.routing import STAGES
from capplan.report.documents import PlanResult

TOY = str(INSTANCES / "toy.toml")

CASES: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "toy": ("toy", None, ()),
    **{f"groningen-2024 {s or 'as is'}": ("groningen-2024", s, ()) for s in (
        None, "mjvp", "pessimistic", "scope-17500", "m29-in", "m29-choose", "deadline-2028")},
    # monthly, and starting mid-year (the start year's realised part joins its planned row)
    "groningen-2024 by month": ("groningen-2024", None, ("programme.granularity=month",)),
    "groningen-2024 from 2024Q3": ("groningen-2024", None,
                                   ("programme.start=2024", "programme.start_quarter=3")),
}

# `capplan ARGS` run through the console script's entry point; at exit, the pandas and pyarrow
# modules then loaded, as JSON on the last line of standard error.
WRAPPER = """
import json, sys
from capplan.cli import main
sys.argv = ["capplan", *sys.argv[1:]]
try:
    main()
finally:
    held = sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "pyarrow"))
    sys.stderr.write("\\n" + json.dumps(held) + "\\n")
"""


# --- the tables as the per-path pandas computation gives them --------------------------------


def flows_by_path(built: Built, x: np.ndarray) -> pd.DataFrame:
    """One DataFrame per path, concatenated."""
    frames = []
    for p, path in enumerate(built.routing.paths):
        v = built.v
        eng_start, exec_start = x[v.eng_start[p]], x[v.exec_start[p]]
        eng_done = lagged(eng_start, path.lag["engineering"])
        exec_done = lagged(exec_start, path.lag["execution"])
        if path.is_base:
            eng_done = eng_done + built.wip_done["engineering"][path.segment]
            exec_done = exec_done + built.wip_done["execution"][path.segment]
        seg = built.instance.segment[path.segment]
        frames.append(pd.DataFrame({
            "segment": seg.name, "region": seg.region, "path": "+".join(path.measures) or "base",
            "period": [built.calendar.label(t) for t in range(built.calendar.n)],
            "year": built.calendar.years, "eng_start": eng_start, "eng_done": eng_done,
            "exec_start": exec_start, "exec_done": exec_done, "backlog": x[v.backlog[p]],
            "ready": x[v.ready[p]]}))
    return pd.concat(frames, ignore_index=True)


def periods_by_groupby(built: Built, x: np.ndarray, flows: pd.DataFrame) -> pd.DataFrame:
    cal = built.calendar
    completed = flows.groupby("period", sort=False)["exec_done"].sum().to_numpy()
    table = pd.DataFrame({"period": [cal.label(t) for t in range(cal.n)], "year": cal.years,
                          "completed": completed,
                          "cumulative": built.instance.history.total + np.cumsum(completed),
                          "remaining": x[built.v.undone_total]})
    for stage in STAGES:
        table[stage] = x[built.v.cap[stage]] if stage in built.v.cap else np.nan
    return table


def trajectory_by_groupby(built: Built, periods: pd.DataFrame) -> pd.DataFrame:
    inst = built.instance
    rows: list[dict[str, Any]] = []
    cumulative = inst.history.completed_before
    for year in sorted(inst.history.completed, key=int):
        cumulative += inst.history.completed[year]
        if int(year) < inst.programme.start:
            rows.append({"year": int(year), "cumulative": float(cumulative), "realised": True})
    yearly = periods.groupby("year").agg(
        cumulative=("cumulative", "last"), remaining=("remaining", "last"),
        engineering=("engineering", "mean"), execution=("execution", "mean"))
    tol = 1e-6 * max(1.0, float(inst.remaining))
    for row in yearly.reset_index().to_dict("records"):
        rows.append({"year": int(row["year"]), "cumulative": float(row["cumulative"]),
                     "realised": False, "engineering": row["engineering"],
                     "execution": row["execution"]})
        if row["remaining"] <= tol:
            break
    table = pd.DataFrame(rows)
    rounded = np.rint(table["cumulative"].to_numpy()).astype(int)
    table["cumulative"] = rounded
    table["completed"] = np.diff(np.concatenate([[inst.history.completed_before], rounded]))
    table["share"] = 100.0 * table["cumulative"] / inst.scope
    return table[["year", "completed", "cumulative", "share", "realised", *STAGES]]


def milestones_from(built: Built, periods: pd.DataFrame) -> dict[str, str | None]:
    inst = built.instance
    tol = 1e-6 * max(1.0, float(inst.remaining))
    out: dict[str, str | None] = {}
    for name in ("p50", "p95", "finish"):
        reached = periods.index[periods["cumulative"] >= items_needed(inst, name) - tol]
        out[name] = built.calendar.milestone_label(int(reached[0])) if len(reached) else None
    return out


def deadline_from(result: PlanResult) -> dict[str, Any]:
    """The JSON document's deadline, from the periods table."""
    inst, periods = result.loaded.instance, result.plan.periods
    year = inst.programme.deadline
    if year is None:
        return {}
    done = float(periods.loc[periods["year"] <= year, "cumulative"].iloc[-1])
    return {"year": year, "hard": inst.programme.hard_deadline, "done": round(done),
            "share": round(100.0 * done / inst.scope, 2),
            "met": done >= inst.scope - 1e-6 * max(1.0, float(inst.remaining))}


def _nan_to_none(value: float, digits: int) -> float | None:
    return None if pd.isna(value) else round(float(value), digits)


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], frame.to_dict("records"))


def document_from_tables(result: PlanResult) -> dict[str, Any]:
    """The JSON document's trajectory, capacity, segment flows, milestones and deadline,
    computed from the plan's DataFrames."""
    traj = rows_of(result.plan.trajectory)
    segments = rows_of(result.plan.flows.groupby(["segment", "region", "period"], sort=False,
                                                 as_index=False)[["eng_done", "exec_done"]].sum())
    return {
        "trajectory": [{"year": int(r["year"]), "completed": int(r["completed"]),
                        "cumulative": int(r["cumulative"]), "share": round(r["share"], 2),
                        "realised": bool(r["realised"])} for r in traj],
        "capacity": [{"year": int(r["year"]), **{s: _nan_to_none(r[s], 1) for s in STAGES}}
                     for r in traj if not r["realised"]],
        "segment_flows": [{"segment": r["segment"], "region": r["region"],
                           "period": r["period"], "engineering": round(r["eng_done"], 2),
                           "execution": round(r["exec_done"], 2)}
                          for r in segments if abs(r["eng_done"]) + abs(r["exec_done"]) >= 0.005],
        "milestones": milestones_from(result.built, result.plan.periods),
        "deadline": deadline_from(result),
    }


@pytest.fixture(scope="module")
def solved() -> dict[str, PlanResult]:
    """Every case, planned once."""
    return {name: capplan.plan(instance, scenario=scenario, overrides=overrides)
            for name, (instance, scenario, overrides) in CASES.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_tables_are_those_of_the_per_path_computation(case: str,
                                                      solved: dict[str, PlanResult]) -> None:
    """flows, periods and trajectory: the same columns, dtypes and values (to rounding of
    the last bit: sums may be added up in another order) as one DataFrame per path gives."""
    result = solved[case]
    plan = result.plan
    if result.status != "optimal":
        assert case == "groningen-2024 deadline-2028" and result.status == "infeasible"
        for frame in (plan.flows, plan.periods, plan.trajectory):
            pd.testing.assert_frame_equal(frame, pd.DataFrame())
        assert trajectory_records(plan) == [] and segment_flow_records(plan) == []
        return
    x = result.solution.x
    assert x is not None
    flows = flows_by_path(result.built, x)
    periods = periods_by_groupby(result.built, x, flows)
    for frame, expected in ((plan.flows, flows), (plan.periods, periods),
                            (plan.trajectory, trajectory_by_groupby(result.built, periods))):
        pd.testing.assert_frame_equal(frame, expected, check_exact=False, rtol=1e-12, atol=1e-9)
    assert plan.milestones == milestones_from(result.built, periods)
    doc = result.to_dict()
    from_tables = document_from_tables(result)
    assert {key: doc[key] for key in from_tables} == from_tables


def test_tables_are_built_once_when_first_read(solved: dict[str, PlanResult]) -> None:
    plan = solved["toy"].plan
    fresh = type(plan)(plan.status, plan.milestones, plan.scope, plan.objective,
                       plan.deadline, plan.arrays)
    assert not {"flows", "periods", "trajectory"} & set(vars(fresh))
    assert fresh.trajectory is fresh.trajectory
    assert list(fresh.trajectory["completed"]) == [500, 500, 1000, 500]
    assert "flows" not in vars(fresh)


def run_without_pandas(tmp_path: Path, *args: str) -> str:
    """Standard output of `capplan ARGS` in a fresh interpreter, checked to have loaded
    neither pandas nor pyarrow."""
    env = {**os.environ, "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    held = json.loads(run.stderr.strip().splitlines()[-1])
    assert held == []
    return run.stdout


def test_plan_json_imports_no_pandas(tmp_path: Path, solved: dict[str, PlanResult]) -> None:
    """The toy's JSON document (see README): printed without pandas, and what the plan's
    DataFrames give, key by key."""
    doc = json.loads(run_without_pandas(tmp_path, "plan", TOY, "--no-ledger", "-f", "json"))
    result = capplan.plan(TOY)
    expected = {**result.to_dict(), **document_from_tables(result)}
    assert {k: v for k, v in doc.items() if k != "solver"} == {
        k: v for k, v in expected.items() if k != "solver"}
    assert [(r["year"], r["completed"], r["cumulative"]) for r in doc["trajectory"]] == [
        (2024, 500, 500), (2025, 500, 1000), (2026, 1000, 2000), (2027, 500, 2500)]
    assert doc["capacity"] == [{"year": 2025, "engineering": None, "execution": 750.0},
                               {"year": 2026, "engineering": None, "execution": 1000.0},
                               {"year": 2027, "engineering": None, "execution": 500.0}]
    assert doc["deadline"] == {"year": 2026, "hard": False, "done": 2000, "share": 80.0,
                               "met": False}


def test_plan_table_imports_no_pandas(tmp_path: Path) -> None:
    """The toy's terminal table: printed without pandas, each row as the trajectory
    DataFrame gives it, then the milestones and the deadline."""
    out = run_without_pandas(tmp_path, "plan", TOY, "--no-ledger")
    rows = [[cell.strip() for cell in line.strip("│").split("│")]
            for line in out.splitlines() if line.startswith("│")]
    traj = capplan.plan(TOY).trajectory
    expected = [[str(r.year), f"{r.completed:,}", f"{r.cumulative:,}", f"{r.share:.1f}%",
                 *("" if r.realised or pd.isna(getattr(r, s)) else f"{getattr(r, s):,.0f}"
                   for s in STAGES), "realised" if r.realised else "plan"]
                for r in traj.itertuples()]
    assert rows == expected == [
        ["2024", "500", "500", "20.0%", "", "", "realised"],
        ["2025", "500", "1,000", "40.0%", "", "750", "plan"],
        ["2026", "1,000", "2,000", "80.0%", "", "1,000", "plan"],
        ["2027", "500", "2,500", "100.0%", "", "500", "plan"]]
    assert "Milestones: p50 2026, p95 2027, finish 2027" in out
    assert "Deadline 2026: 2,000 done by its end (80.0%), not met" in out


def test_consoles_are_made_on_first_use() -> None:
    """Importing the output module loads no rich console; each console is made once."""
    code = ("import sys\n"
            "from capplan.cli import output\n"
            "assert 'rich.console' not in sys.modules\n"
            "from capplan.cli.output import err_console, out_console\n"
            "assert out_console is output.console() and err_console is output.console(True)\n"
            "assert err_console.stderr and not out_console.stderr\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
