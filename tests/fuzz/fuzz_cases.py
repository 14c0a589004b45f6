"""Fuzz cases for capplan's inputs, and the property every case must have.

Strategies (hypothesis) draw whole cases: an instance built over the schema and then damaged
(a key dropped or retyped, an extreme number such as NaN, 2^63 or 1e300, bytes flipped or the
text re-encoded), `--set` settings over the override grammar, and targets and actuals CSVs.
`run_case` runs one case through capplan's console entry point in this process and
`classify` names its outcome. The property: every case ends in

- `optimal`: exit 0, a plan whose production is never negative, whose cumulative never passes
  the scope and adds up year by year, and which completes the scope;
- `infeasible`: exit 0 with status infeasible;
- `valid` / `answered`: exit 0 of `validate`, `evaluate` or `replan`;
- `rejected`: exit 2 with one short message starting `error:`;

and never in `failure` (exit 1, another status, a broken invariant, a long or unprefixed
message) nor past its time limit. Used by tests/fuzz/test_fuzz.py (a short run) and
bench/fuzz.py (a long one).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import string
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

TIME_LIMIT = 20.0
"""Seconds each solve may take (`--time-limit`)."""

WALL_LIMIT = 120.0
"""Seconds a whole case may take before it counts as past the time limit."""

MAX_MESSAGE_LINES = 15
"""Lines an `error:` message may have (12 problems, a heading and a count)."""

EXTREMES: list[Any] = [0, -1, 1, 10**9, 10**9 + 1, 2**31, 2**63 - 1, 2**63, 10**18, 1e20,
                       1e30, 1e300, -1e300, math.nan, math.inf, -math.inf, 0.5, 1e-300,
                       -0.0]


@dataclass(frozen=True)
class Case:
    """Files to write into a fresh folder, and the command line (`{dir}` stands for it)."""

    kind: str
    args: tuple[str, ...]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How a case ended: its class, exit code, seconds and a short note (the message, or the
    broken invariant)."""

    kind: str
    outcome: str
    code: int
    seconds: float
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != "failure" and self.seconds <= WALL_LIMIT


# --- TOML text from a mapping -----------------------------------------------------------------


def toml_value(value: Any) -> str:
    """One TOML value: numbers (nan, inf, big integers as written), strings, booleans, arrays,
    inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    return json.dumps(str(value))


def to_toml(raw: dict[str, Any]) -> str:
    """A mapping as TOML: scalars and inline tables under [table] headers, lists of tables as
    [[name]] blocks."""
    lines: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            for sub, item in value.items():
                if isinstance(item, dict) and key in ("capacity", "scenarios"):
                    lines.append(f"[{key}.{json.dumps(str(sub))}]")
                    lines += [f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in item.items()]
                else:
                    lines.append(f"{json.dumps(str(sub))} = {toml_value(item)}")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for block in value:
                lines.append(f"[[{key}]]")
                lines += [f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in block.items()]
        else:
            lines.insert(0, f"{json.dumps(str(key))} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


# --- strategies --------------------------------------------------------------------------------

TEXT = st.characters(exclude_categories=["Cs"])
"""Any character a file can hold (no lone surrogates)."""
small_count = st.integers(0, 3000)
extreme = st.sampled_from(EXTREMES)


def number(typical: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a typical value, one time in twenty an extreme one."""
    return st.integers(0, 19).flatmap(lambda k: extreme if k == 0 else typical)


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    """A small instance over the schema (1-3 segments, up to 8 years), valid more often than
    not: capacities, measures, history and objective terms drawn with extremes mixed in."""
    start = 2025
    granularity = draw(st.sampled_from(["year", "quarter", "quarter", "month"]))
    years = draw(st.integers(0, 2 if granularity == "month" else 7))
    raw: dict[str, Any] = {"programme": {
        "name": draw(st.one_of(st.just("fuzz"), st.text(TEXT, max_size=30))),
        "start": start, "horizon_end": start + years, "granularity": granularity}}
    if draw(st.booleans()):
        raw["programme"]["deadline"] = draw(st.integers(start - 1, start + years + 1))
    if draw(st.booleans()):
        raw["history"] = {"completed": {"2024": draw(number(small_count))},
                          "completed_before": draw(number(small_count))}
    segments = []
    for k in range(draw(st.integers(1, 3))):
        seg: dict[str, Any] = {
            "name": f"s{k}", "region": draw(st.sampled_from(["north", "south"])),
            "count": draw(number(small_count)),
            "engineering_days": draw(number(st.integers(0, 800))),
            "execution_days": draw(number(st.integers(0, 800)))}
        if draw(st.booleans()):
            seg["workload"] = {"execution": draw(number(st.floats(0.5, 3)))}
        if draw(st.booleans()):
            seg["in_progress"] = {"engineering": draw(number(st.integers(0, 200)))}
        segments.append(seg)
    raw["segment"] = segments
    capacity: dict[str, Any] = {}
    for stage in ("engineering", "execution"):
        if draw(st.booleans()):
            high = draw(number(st.integers(100, 4000)))
            capacity[stage] = {"kind": draw(st.sampled_from(["throughput", "throughput",
                                                              "concurrent"])),
                               "initial": draw(number(st.integers(0, 2000))), "max": high,
                               "ramp_up": draw(number(st.integers(0, 1500)))}
            if draw(st.booleans()):
                capacity[stage]["extra"] = {str(start + 1): draw(number(st.integers(-500,
                                                                                    500)))}
    if capacity:
        raw["capacity"] = capacity
    measures = []
    for k in range(draw(st.integers(0, 2))):
        measures.append({"id": f"M{k}", "segments": [draw(st.sampled_from(["*", "s0"]))],
                         "share": draw(number(st.floats(0, 1))),
                         "extra_days": {"engineering": draw(number(st.integers(0, 300)))},
                         "mode": draw(st.sampled_from(["in", "out", "choose"])),
                         "value": draw(number(st.floats(-5, 5)))})
    if measures:
        raw["measure"] = measures
    if draw(st.booleans()):
        # a milestone first: under `cost` or `waiting` alone a plan need not finish (see
        # test_terms_without_a_milestone_finish in tests/fuzz/test_fuzz.py)
        rest = draw(st.lists(st.sampled_from(["waiting", "cost", "scope", "smooth"]),
                             max_size=2, unique=True))
        terms = [draw(st.sampled_from(["finish", "p95", "p50", "tail"])), *rest]
        raw["objective"] = {"terms": terms}
        if draw(st.booleans()):
            raw["objective"]["tolerance"] = {terms[0]: draw(number(st.floats(0, 3)))}
    return raw


WRONG: list[Any] = ["x", [], {}, True, [1, [2]], "", "1e9"]


@st.composite
def damaged(draw: st.DrawFn, raw: dict[str, Any]) -> dict[str, Any]:
    """The instance with a few structural mutations: a key dropped, a value of the wrong type
    or an extreme number, an unknown key, a segment duplicated."""
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2, 3]))):
        tables = [(k, v) for k, v in raw.items() if isinstance(v, dict)] + [
            (f"{k}[{i}]", b) for k, v in raw.items() if isinstance(v, list)
            for i, b in enumerate(v) if isinstance(b, dict)]
        if not tables:
            break
        _, table = draw(st.sampled_from(tables))
        action = draw(st.sampled_from(["drop", "wrong", "extreme", "unknown", "duplicate"]))
        keys = sorted(table, key=str)
        if action == "drop" and keys:
            table.pop(draw(st.sampled_from(keys)))
        elif action == "wrong" and keys:
            table[draw(st.sampled_from(keys))] = draw(st.sampled_from(WRONG))
        elif action == "extreme" and keys:
            table[draw(st.sampled_from(keys))] = draw(extreme)
        elif action == "unknown":
            table[draw(st.text(string.ascii_lowercase, min_size=1, max_size=8))] = 1
        elif action == "duplicate" and raw.get("segment"):
            raw["segment"].append(dict(raw["segment"][0]))
    return raw


@st.composite
def byte_damage(draw: st.DrawFn, text: str) -> bytes:
    """The file's bytes, sometimes damaged: re-encoded (UTF-16, latin-1 with accents, a BOM),
    truncated, or a few bytes flipped, inserted or deleted."""
    data = text.encode("utf-8")
    action = draw(st.sampled_from(["none"] * 12 + ["utf16", "latin1", "bom", "truncate",
                                                   "flip", "insert", "delete"]))
    if action == "utf16":
        return text.encode("utf-16")
    if action == "latin1":
        return ("# caf\xe9\n" + text).encode("latin-1", errors="replace")
    if action == "bom":
        return b"\xef\xbb\xbf" + data
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if action == "truncate":
        return data[:at]
    if action == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if action == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if action == "delete":
        return data[:at] + data[at + draw(st.integers(1, 16)):]
    return data


COMMON = ("--no-ledger",)
PLAN = ("plan", "{dir}/instance.toml", "-f", "json", "--time-limit", str(TIME_LIMIT), *COMMON)


@st.composite
def instance_cases(draw: st.DrawFn) -> Case:
    """A drawn instance, damaged structurally and byte-wise, planned or validated."""
    raw = draw(damaged(draw(instances())))
    data = draw(byte_damage(to_toml(raw)))
    command = draw(st.sampled_from(["plan", "plan", "plan", "validate"]))
    args = PLAN if command == "plan" else ("validate", "{dir}/instance.toml")
    return Case("instance", args, {"instance.toml": data})


SET_PATHS = ["programme.deadline", "programme.horizon_end", "programme.granularity",
             "programme.start", "capacity.execution.max", "capacity.execution.initial",
             "capacity.execution.ramp_up", "capacity.execution.ramp_down_rel",
             "capacity.execution.extra", "capacity.execution.kind", "capacity.execution.cost",
             "segment.houses.count", "segment.*.engineering_days", "segment.h*.execution_days",
             "segment.houses.released", "segment.houses.in_progress.ready",
             "segment.nosuch.count", "measure.M.mode", "measure.M.share", "measure.M.value",
             "measure.M.extra_days.execution", "history.completed.2024",
             "history.completed_before", "objective.terms", "objective.tolerance.finish",
             "region.town.execution_max", "segment", "a.b.c", "", "segment.houses",
             "capacity.execution.extra.2026"]

VALUES = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e300", "9223372036854775807",
                     "9223372036854775808", "-1", "0", "0.5", "1e9", "1000000001", "in",
                     "out", "choose", '"in"', "true", "[]", '["finish", "waiting"]',
                     '["tail", "tail"]', "{2026=nan}", "{2026=500}", '{"2025"=2000}', "year",
                     "month", "2024", "2040", "2200", "[[[[[[1]]]]]]", "{a={b={c=1}}}", "",
                     "=", "x" * 300, "\x1b[31m", "1_000", "0x10", "1e", "3000", "430.5"]),
    st.integers(-10, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(TEXT, max_size=20),
)


@st.composite
def set_cases(draw: st.DrawFn) -> Case:
    """The toy (with a measure and a region added) planned with one to three `--set`
    settings over the override grammar."""
    settings: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.integers(0, 9).flatmap(
            lambda k: st.text(TEXT, max_size=20) if k == 0 else st.sampled_from(SET_PATHS)))
        value = draw(st.integers(0, 1).flatmap(
            lambda k: VALUES if k == 0 else st.integers(0, 3000).map(str)))
        settings += ["--set", f"{path}={value}"]
    return Case("set", (*PLAN, *settings), {"instance.toml": TOY_WITH_MEASURE.encode()})


TOY_WITH_MEASURE = """\
[programme]
name = "toy"
start = 2025
horizon_end = 2030
granularity = "year"

[history]
completed = { "2024" = 500 }

[[segment]]
name = "houses"
region = "town"
count = 2000
engineering_days = 0
execution_days = 0

[capacity.execution]
initial = 500
max = 1000
ramp_up = 500

[[measure]]
id = "M"
segments = ["houses"]
share = 0.5
extra_days = { execution = 100 }
mode = "choose"

[[region]]
name = "town"
execution_max = 900

[objective]
terms = ["finish", "waiting"]
"""

_plausible_targets: st.SearchStrategy[list[tuple[str, str]]] = st.lists(
    st.integers(0, 500).map(str), min_size=1, max_size=6).map(
        lambda values: [(str(2025 + i), v) for i, v in enumerate(values)])
"""Targets for 2025 onwards that the toy can often meet."""

CELL = st.one_of(st.integers(-5, 3000).map(str), st.sampled_from(
    ["", "nan", "inf", "1e30", "1000000000000000000000000000000", "9223372036854775808",
     "-1", "1.5", "x", "2025", "2025Q2", "*", "houses", "nosuch", "\x1b[2J", "1e9"]))


@st.composite
def csv_cases(draw: st.DrawFn) -> Case:
    """Targets (evaluate) or actuals (replan) CSVs: headers right or wrong, cells of every
    kind, many rows or none, and byte damage."""
    kind = draw(st.sampled_from(["targets", "targets", "actuals"]))
    if kind == "targets":
        header = draw(st.sampled_from(["year,completed", "year,completed", "year",
                                       "completed,year", "year,completed,extra", ""]))
        width = header.count(",") + 1
        rows: list[tuple[str, str]] = draw(st.integers(0, 1).flatmap(lambda k: st.lists(
            st.tuples(st.integers(2020, 2035).map(str), CELL), max_size=12) if k == 0 else
            _plausible_targets))
        if draw(st.integers(0, 20)) == 0:
            rows = [(str(2025 + k % 6), str(k)) for k in range(20_000)]
        text = header + "\n" + "".join(",".join([*r, *["1"] * (width - 2)][:max(width, 1)])
                                       + "\n" for r in rows)
        args: tuple[str, ...] = ("evaluate", "{dir}/instance.toml", "--targets",
                                 "{dir}/data.csv", "-f", "json", *COMMON)
    else:
        header = draw(st.sampled_from([
            "period,segment,engineering_done,execution_done,in_engineering,ready,in_execution",
            "period,segment,engineering_done,execution_done", "period,segment", ""]))
        cells = draw(st.lists(st.lists(CELL, min_size=2, max_size=7), max_size=6))
        text = header + "\n" + "".join(",".join(r) + "\n" for r in cells)
        as_of = draw(st.sampled_from(["2025", "2026", "2025Q2", "2024", "x"]))
        args = ("replan", "{dir}/instance.toml", "--actuals", "{dir}/data.csv", "--as-of",
                as_of, "-f", "json", "--time-limit", str(TIME_LIMIT), *COMMON)
    data = draw(byte_damage(text))
    return Case(kind, args, {"instance.toml": TOY_WITH_MEASURE.encode(), "data.csv": data})


every_case = st.one_of(instance_cases(), set_cases(), csv_cases())


# --- running and judging -----------------------------------------------------------------------


def run_case(case: Case) -> Outcome:
    """Run the case through capplan's entry point in this process (a fresh folder, its own
    ledger path though none is written) and classify the result."""
    from capplan.cli import main

    with tempfile.TemporaryDirectory() as folder:
        for name, data in case.files.items():
            Path(folder, name).write_bytes(data)
        args = [a.replace("{dir}", folder) for a in case.args]
        out, err = io.StringIO(), io.StringIO()
        argv, cwd = sys.argv, os.getcwd()
        sys.argv = ["capplan", *args]
        started = time.perf_counter()
        code = 0
        try:
            os.chdir(folder)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # an escape past main is a failure too
            code, err = 1, io.StringIO(f"escaped main: {type(exc).__name__}: {exc}")
        finally:
            sys.argv = argv
            os.chdir(cwd)
        seconds = time.perf_counter() - started
        return classify(case, args, code, out.getvalue(), err.getvalue(), seconds)


def classify(case: Case, args: list[str], code: int, out: str, err: str,
             seconds: float) -> Outcome:
    """Name the outcome (see the module docstring)."""
    def outcome(name: str, note: str = "") -> Outcome:
        return Outcome(case.kind, name, code, seconds, note[:300])

    if code == 2:
        lines = err.strip().splitlines()
        if not err.startswith("error:"):
            return outcome("failure", f"exit 2 without error: {err[:200]!r}")
        if len(lines) > MAX_MESSAGE_LINES or len(err) > 4000:
            return outcome("failure", f"a message of {len(lines)} lines, {len(err)} chars")
        if "Traceback" in err or "internal error" in err:
            return outcome("failure", err)
        return outcome("rejected", lines[0] if lines else "")
    if code != 0:
        return outcome("failure", f"exit {code}: {err[-300:]}")
    command = args[0]
    if command == "validate":
        return outcome("valid")
    try:
        doc = json.loads(out)
    except ValueError:
        return outcome("failure", f"exit 0 but no JSON: {out[:200]!r}")
    status = doc.get("status")
    if command in ("evaluate", "replan"):
        if command == "replan" and status not in ("optimal", "infeasible"):
            return outcome("failure", f"status {status}")
        return outcome("answered")
    if status == "infeasible":
        return outcome("infeasible")
    if status != "optimal":
        return outcome("failure", f"status {status}")
    broken = plan_invariants(doc, args)
    return outcome("failure", broken) if broken else outcome("optimal")


def plan_invariants(doc: dict[str, Any], args: list[str]) -> str:
    """What is wrong with an optimal plan's trajectory ("" when nothing): production never
    negative, the cumulative adding up year by year, never past the scope, and the scope
    completed by the last year."""
    import capplan

    settings = [args[k + 1] for k, a in enumerate(args) if a == "--set"]
    instance = capplan.load(args[1], None, settings, allow_large=True).instance
    scope, previous = instance.scope, instance.history.completed_before
    rows = doc["trajectory"]
    for row in rows:
        if row["completed"] < 0:
            return f"negative production in {row['year']}: {row['completed']}"
        if row["cumulative"] != previous + row["completed"]:
            return f"cumulative does not add up in {row['year']}"
        if row["cumulative"] > scope:
            return f"cumulative {row['cumulative']} above the scope {scope} in {row['year']}"
        previous = row["cumulative"]
    if rows and rows[-1]["cumulative"] != scope:
        return f"the plan ends at {rows[-1]['cumulative']} of a scope of {scope}"
    return ""
