"""Test builders shared by every test folder: small instances written as Python dicts or TOML,
solved through the real pipeline, input files written to a test's folder, and the command line
run in-process. Import them (`from builders import make, solve`); fixtures live in conftest.py."""

from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

from capplan.cli import main
from capplan.core.backends import available
from capplan.core.context import Built
from capplan.core.results import Plan, read_plan
from capplan.core.solve import Solution, plan
from capplan.inputs.schema import Instance, validate
from capplan.residents.register import pseudonym

ROOT = Path(__file__).resolve().parent.parent

INSTANCES = ROOT / "instances"


# --- instances from parts ---------------------------------------------------------------------


def segment(name: str = "a", count: int = 100, eng: float = 0.0, exe: float = 0.0,
            **extra: Any) -> dict[str, Any]:
    """A segment block: `eng` and `exe` are lead times in days."""
    return {"name": name, "count": count, "engineering_days": eng, "execution_days": exe,
            **extra}


def make(
    segments: list[dict[str, Any]],
    *,
    start: int = 2025,
    end: int = 2030,
    granularity: str = "year",
    execution: dict[str, Any] | None = None,
    engineering: dict[str, Any] | None = None,
    measures: list[dict[str, Any]] | None = None,
    regions: list[dict[str, Any]] | None = None,
    terms: list[str] | None = None,
    tolerance: dict[str, float] | None = None,
    history: dict[str, Any] | None = None,
    deadline: int | None = None,
    hard: bool = False,
) -> Instance:
    """An instance from parts, validated by the real schema."""
    raw: dict[str, Any] = {
        "programme": {"name": "test", "start": start, "horizon_end": end,
                      "granularity": granularity, "hard_deadline": hard},
        "segment": copy.deepcopy(segments),
    }
    if deadline is not None:
        raw["programme"]["deadline"] = deadline
    capacity = {}
    if execution is not None:
        capacity["execution"] = execution
    if engineering is not None:
        capacity["engineering"] = engineering
    if capacity:
        raw["capacity"] = capacity
    if measures:
        raw["measure"] = measures
    if regions:
        raw["region"] = regions
    # Hand-solved instances are worked out under `finish, waiting` unless a test names its
    # terms (the default objective adds p95 and smooth).
    raw["objective"] = {"terms": terms or ["finish", "waiting"], "tolerance": tolerance or {}}
    if history is not None:
        raw["history"] = history
    return validate(raw, "test")


def deadline_instance(hard: bool = True) -> Instance:
    """2,000 items, rate 1,000 a year before start, ramp-up 500, max 5,000 (never binding);
    deadline 2025."""
    return make([segment(count=2000)], execution={"initial": 1000, "max": 5000, "ramp_up": 500},
                deadline=2025, hard=hard)


# --- instance and input texts -----------------------------------------------------------------


# A one-segment yearly instance (100 items, no lead times) that tests extend.
SMALL = """
[programme]
name = "t"
start = 2025
horizon_end = 2030
granularity = "year"

[[segment]]
name = "a"
count = 100
engineering_days = 0
execution_days = 0
"""

# SMALL at 100 a year; measure M (left out) delays half the items by a year; scenario `slow`
# runs at 50 a year.
MEASURE = SMALL + """
[capacity.execution]
initial = 100
max = 100

[[measure]]
id = "M"
segments = ["a"]
share = 0.5
extra_days = { execution = 365 }
mode = "out"

[scenarios.slow]
"capacity.execution.max" = 50
"capacity.execution.initial" = 50
"""

# Two risks for the toy: design may take longer, and there may be more houses.
VARIED_RISKS = """
[[risk]]
id = "slow-design"
likelihood = 0.5
effect = [ { path = "segment.houses.engineering_days", triangular = [365, 500, 730] } ]

[[risk]]
id = "more-houses"
likelihood = 0.4
effect = [ { path = "segment.houses.count", uniform = [2000, 2600] } ]
"""

# The columns of an actuals file (`capplan replan --actuals`).
ACTUALS_HEADER = (
    "period,segment,engineering_done,execution_done,in_engineering,ready,in_execution\n")


# --- files in a test's folder -----------------------------------------------------------------


def write_file(folder: Path, name: str, text: str) -> Path:
    """Write `text` to `folder / name` (UTF-8) and return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def with_risks(folder: Path, risks: str, name: str = "r.toml") -> Path:
    """The toy instance with `risks` ([[risk]] blocks) appended, written to `folder / name`."""
    path = folder / name
    path.write_text((INSTANCES / "toy.toml").read_text() + "\n" + risks, encoding="utf-8")
    return path


# --- residents' registers ---------------------------------------------------------------------


# A pseudonym key for residents' tests (the `pseudonym_key` fixture sets it).
PSEUDONYM_KEY = "a-test-key-of-enough-length"


def toy_register(path: Path, extra: str = "", rows: list[str] | None = None) -> Path:
    """The toy instance's 2,000 houses: 500 ready (r0001..r0500), 1,500 released (a0001 the
    oldest .. a1500 the newest), all before 2025."""
    lines = [f"id,segment,stage,since,risk_class{extra}"]
    base = dt.date(2020, 1, 1)
    for k in range(500):
        lines.append(f"r{k + 1:04d},houses,ready,{base + dt.timedelta(days=k)},1")
    for k in range(1500):
        lines.append(f"a{k + 1:04d},houses,released,{base + dt.timedelta(days=k)},"
                     f"{3 if k >= 1400 else 1}")
    path.write_text("\n".join(rows or lines) + "\n", encoding="utf-8")
    return path


def pseudo(ident: str) -> str:
    """The pseudonym of an external id under PSEUDONYM_KEY."""
    return pseudonym(PSEUDONYM_KEY.encode(), ident)


# --- solving ----------------------------------------------------------------------------------


SOLVERS = available()


def solve(
    instance: Instance, terms: list[str] | None = None, solver: str = "highs",
    method: str = "auto",
) -> tuple[Built, Solution, Plan]:
    """Build, solve and read back a plan."""
    built, solution = plan(instance, terms, solver=solver, method=method)
    return built, solution, read_plan(built, solution)


def cap(built: Built, solution: Solution, stage: str = "execution") -> list[float]:
    """Capacity levels per period, rounded to 3 decimals."""
    assert solution.x is not None
    return [round(float(v), 3) for v in solution.x[built.v.cap[stage]]]


def completed(plan_: Plan) -> list[float]:
    """Completions per period (items), rounded to 3 decimals."""
    return [round(float(v), 3) for v in plan_.periods["completed"]]


# --- the command line -------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            *args: str) -> tuple[int, str, str]:
    """Run `capplan ARGS` in-process, through the console script's entry point (what the root
    cli.py calls); returns (exit code, stdout, stderr). The name `cli` is not imported here: on
    the test path it is the tests/cli folder."""
    monkeypatch.setattr(sys, "argv", ["capplan", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
