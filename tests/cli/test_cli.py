"""The command line: options, exit codes, and one clear message (exit 2) for every kind of bad
input. What the commands write: report/test_output_cli.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from builders import INSTANCES, SMALL
from builders import run_cli as run

TOY = str(INSTANCES / "toy.toml")


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GOOD = SMALL


def test_set_and_scenario(capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Toy with max 2,000 and ramp-up 1,000: the rate may reach 1,500 in 2025 and 2,000 in
    2026, so 2026 does all 1,500 engineered items -> finish 2026 (one --set alone is not
    enough: with ramp-up 250 the 2026 rate stays at 1,000)."""
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "-f", "json",
                       "--set", "capacity.execution.max=2000")
    assert json.loads(out)["milestones"]["finish"] == "2027"
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "-f", "json",
                       "--set", "capacity.execution.max=2000",
                       "--set", "capacity.execution.ramp_up=1000")
    assert code == 0
    doc = json.loads(out)
    assert doc["milestones"]["finish"] == "2026"
    assert doc["overrides"] == ["capacity.execution.max=2000", "capacity.execution.ramp_up=1000"]
    code, out, _ = run(capsys, monkeypatch, "plan", str(INSTANCES / "groningen-2024.toml"),
                       "-f", "json", "--scenario", "m29-in")
    assert code == 0 and json.loads(out)["scope"]["M29"] is True


def test_infeasible_is_an_answer(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Toy with its 2026 deadline made hard: infeasible, explained, exit 0; --strict exits 3."""
    args = ["plan", TOY, "--set", "programme.hard_deadline=true"]
    code, out, _ = run(capsys, monkeypatch, *args)
    assert code == 0
    assert "infeasible" in out and "Earliest feasible finish: 2027" in out
    code, out, _ = run(capsys, monkeypatch, *args, "-f", "json")
    doc = json.loads(out)
    assert doc["status"] == "infeasible" and doc["infeasibility"]["earliest_finish"] == "2027"
    code, _, _ = run(capsys, monkeypatch, *args, "--strict")
    assert code == 3


def test_validate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "validate", str(INSTANCES / "groningen-2024.toml"))
    assert code == 0
    assert "scope 15,644: 5,858 done before 2025, 9,786 remaining" in out


BAD_CASES = [
    ("toml syntax", GOOD.replace('name = "a"', 'name = "a'), [], "line"),
    ("unknown key", GOOD.replace("count = 100", "count = 100\ncuont = 3"),
     [], "segment.a.cuont: unknown key"),
    ("wrong type", GOOD.replace("count = 100", 'count = "many"'), [], "segment.a.count:"),
    ("negative count", GOOD.replace("count = 100", "count = -5"), [],
     "segment.a.count: Input should be greater than or equal to 0 (got -5)"),
    ("unknown enum", GOOD.replace('"year"', '"weekly"'), [], "programme.granularity:"),
    ("released total", GOOD.replace("execution_days = 0",
                                    'execution_days = 0\nreleased = { "2025" = 60 }'),
     [], "segment.a.released: the profile adds up to 60 but count is 100"),
    ("in progress total", GOOD.replace("execution_days = 0",
                                       "execution_days = 0\nin_progress = { ready = 200 }"),
     [], "segment.a.in_progress: 200 items in progress but count is 100"),
    ("glob matches nothing", GOOD, ["--set", "segment.zz*.count=3"],
     "--set segment.zz*.count: segment 'zz*' matches nothing"),
    ("measure glob", GOOD + '\n[[measure]]\nid = "M"\nsegments = ["x*"]\n', [],
     "measure.M.segments: 'x*' matches no segment"),
    ("unknown scenario", GOOD, ["--scenario", "nope"], "scenarios.nope: no such scenario"),
    ("deadline outside horizon", GOOD.replace('"year"', '"year"\ndeadline = 2050'), [],
     "programme.deadline: 2050 is outside start..horizon_end"),
    ("bad term", GOOD, ["--objective", "finish,fastest"], "unknown term 'fastest'"),
    ("set without value", GOOD, ["--set", "programme.deadline"], "expected PATH=VALUE"),
    ("release after horizon", GOOD.replace("execution_days = 0",
                                           'execution_days = 0\nreleased = { "2040" = 100 }'),
     [], "segment.a.released.2040: '2040' lies after horizon_end 2030"),
    ("milp on glop", GOOD, ["--solver", "glop", "--method", "milp"], "solves LPs only"),
]


@pytest.mark.parametrize(("case", "text", "extra", "message"), BAD_CASES,
                         ids=[c[0] for c in BAD_CASES])
def test_bad_input_exits_2(case: str, text: str, extra: list[str], message: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """One message naming the file and key, exit 2, no traceback, nothing written."""
    path = write(tmp_path, text)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, monkeypatch, "plan", path, *extra, "--out", str(out_dir))
    assert code == 2, (out, err)
    assert message in err
    assert "Traceback" not in err and "Traceback" not in out
    assert not out_dir.exists()
    if case not in ("milp on glop",):
        assert err.startswith(f"error: {path}")


def test_missing_file(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, monkeypatch, "plan", "no/such.toml")
    assert code == 2 and "error: no/such.toml: file not found" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, monkeypatch, "plan", TOY, "--solver", "nope")[0] == 2
    assert run(capsys, monkeypatch, "plan", TOY, "--bogus")[0] == 2
    assert run(capsys, monkeypatch, "plan")[0] == 2


def test_validate_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD.replace("count = 100", "count = -1"))
    code, _, err = run(capsys, monkeypatch, "validate", path)
    assert code == 2 and "segment.a.count" in err


@pytest.mark.parametrize("command", ["plan", "validate", "compare", "whatif", "evaluate",
                                     "explain", "tradeoff"])
def test_every_command_refuses_a_missing_file(command: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"evaluate": ["--targets", "t.csv"], "whatif": ["--marginal"]}.get(command, [])
    code, _, err = run(capsys, monkeypatch, command, "no/such.toml", *extra)
    assert code == 2 and "error: no/such.toml: file not found" in err


DEADLINE_2025 = """
[programme]
name = "d"
start = 2025
horizon_end = 2030
granularity = "year"
deadline = 2025
hard_deadline = true

[[segment]]
name = "a"
count = 2000
engineering_days = 0
execution_days = 0

[capacity.execution]
initial = 1000
max = 5000
ramp_up = 500
"""


def test_infeasible_plan_as_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 items by the end of 2025 at a rate of at most 1,000 + 500: infeasible (exit 0).
    `-f csv` prints the infeasibility as CSV, not the human table: earliest finish 2026, and
    the one change that helps, ramp_up 500 -> 1,000 (+500). On the toy with its 2026 deadline
    hard no single limit helps: one row saying so."""
    path = tmp_path / "d.toml"
    path.write_text(DEADLINE_2025)
    code, out, err = run(capsys, monkeypatch, "plan", str(path), "-f", "csv", "--no-ledger")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows == [{
        "requirement": "all 2,000 remaining items done by the end of 2025 (hard deadline)",
        "earliest_finish": "2026", "limit": "capacity.execution.ramp_up", "current": "500.0",
        "needed": "1000.0", "change": "500.0", "from_year": "", "note": ""}]
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "--set", "programme.hard_deadline=true",
                       "-f", "csv", "--no-ledger")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1 and rows[0]["earliest_finish"] == "2027" and rows[0]["limit"] == ""
    assert rows[0]["note"].startswith("no single limit raised on its own makes it feasible")
