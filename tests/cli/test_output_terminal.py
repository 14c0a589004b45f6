"""The terminal at 80 columns: every key column whole, tables split rather than cut; control
characters from an instance escaped; progress logged on standard error off a terminal; the
plan's quarterly and regional integer targets printed."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

import capplan
from builders import INSTANCES
from builders import run_cli as run
from capplan.cli import progress
from capplan.report.terminal import frame_table, transposed


def at_80(frame: pd.DataFrame, title: str = "t") -> str:
    """The table as printed on an 80-column terminal."""
    buffer = io.StringIO()
    Console(file=buffer, width=80, highlight=False, soft_wrap=True,
            color_system=None).print(frame_table(title, frame, lang="en"))
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    return text


def test_compare_variant_headers_readable(measure_instance: Path) -> None:
    """Four variants with long names side by side: each name's words appear whole in a
    header (the table is split in two rather than cutting "pessimistic")."""
    measure_instance.write_text(measure_instance.read_text().replace(
        "[scenarios.slow]", '[scenarios.pessimistic]\n"capacity.execution.max" = 40\n'
        '"capacity.execution.initial" = 40\n\n[scenarios.slow]'))
    result = capplan.compare(measure_instance, scenarios=["slow", "pessimistic"],
                             vary=["measure.M.mode=out,in"])
    text = at_80(transposed(result.summary, "variant"))
    assert text.count("pessimistic") == 2 and text.count("M.mode=out") == 2
    assert "finish_vs_scenario_months" in text


def test_variance_segments_and_runs_dates_whole() -> None:
    segments = ["eemsdelta-replacement", "eemsdelta-medium", "overig-replacement"]
    variance = pd.DataFrame({
        "period": ["2025Q3"] * 3, "segment": segments,
        **{f"{stage} {what}": [1234, 567, 89] for stage in ("eng.", "exec.")
           for what in ("planned", "realised", "%")}})
    text = at_80(variance)
    for name in segments:
        assert text.count(name) >= 2  # in each part of the split table
    runs = pd.DataFrame({"id": [1], "recorded": ["2026-11-23T22:40:55"], "command": ["plan"],
                         "instance": ["/srv/shared/programmes/groningen/instances/"
                                      "groningen-2024.toml"],
                         "scenario": ["pessimistic"], "status": ["optimal"],
                         "p95": ["2028Q3"], "finish": ["2030Q1"]})
    text = at_80(runs)
    assert "2026-11-23T22:40:55" in text and "2030Q1" in text
    assert column(text, "instance") == runs["instance"][0]


def column(text: str, name: str) -> str:
    """A column's cells, folded lines joined, from the part of a split table holding it."""
    lines = text.splitlines()
    header = next(k for k, line in enumerate(lines) if f" {name} " in line)
    at = [c.strip() for c in lines[header].split("┃")].index(name)
    end = next(k for k in range(header, len(lines)) if lines[k].startswith("└"))
    return "".join(line.split("│")[at].strip() for line in lines[header:end]
                   if line.startswith("│"))


def test_residents_quarters_whole() -> None:
    table = pd.DataFrame({"segment": ["eemsdelta-replacement", "overig-light"],
                          "region": ["Eemsdelta", "Overig"], "addresses": [412, 5021],
                          "started": [12, 800], "postponed": [0, 3],
                          "10% done by": ["2026Q3", "2025Q4"],
                          "50% done by": ["2028Q1", "2026Q4"],
                          "90% done by": ["2029Q2", "2027Q4"],
                          "all done by": ["2030Q1", "2028Q3"]})
    text = at_80(table)
    for quarter in ("2026Q3", "2028Q1", "2029Q2", "2030Q1", "2028Q3"):
        assert quarter in text


def test_control_characters_escaped() -> None:
    frame = pd.DataFrame({"name": ["\x1b[31mred\x1b[0m"], "count": [1]})
    text = at_80(frame, "title \x1b]0;owned\x07")
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[31mred" in text and "\\x07" in text


def test_plan_prints_quarterly_and_regional_targets(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """Two regions by quarter: per-quarter and per-region targets printed, each row adding up
    to the year's target in the main table."""
    source = (INSTANCES / "toy.toml").read_text()
    text = source.replace('granularity = "year"', 'granularity = "quarter"').replace(
        'in_progress = { ready = 500 }  # assumption: 500 designs ready at the start',
        'in_progress = { ready = 500 }\n\n[[segment]]\nname = "flats"\nregion = "city"\n'
        'count = 400\nengineering_days = 0\nexecution_days = 0')
    path = tmp_path / "two.toml"
    path.write_text(text)
    code, out, _ = run(capsys, monkeypatch, "plan", str(path), "--no-ledger", "-q")
    assert code == 0, out
    assert "toy: targets per quarter" in out and "toy: targets per region" in out
    plan = capplan.plan(path)
    yearly = dict(zip(plan.trajectory["year"], plan.trajectory["completed"], strict=True))
    checked = 0
    for part in (out.split("targets per quarter")[1].split("targets per region")[0],
                 out.split("targets per region")[1]):
        for line in part.splitlines():
            cells = [c.strip().replace(",", "") for c in line.split("│")[1:-1]]
            if cells and cells[0].isdigit():
                parts = [int(c) for c in cells[1:-1] if c]
                assert sum(parts) == int(cells[-1]) == yearly[int(cells[0])]
                checked += 1
    assert checked >= 4


def test_long_command_logs_progress_off_a_terminal(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """tradeoff on the toy, 2 periods: two plans (finish, p95) and 3 + 3 dates = 8 solves
    counted; off a terminal, plain log lines on standard error (here one every 0 s instead
    of every 2 s, as if each solve were slow); --quiet and --log-level warning silence
    them."""
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    toy = str(INSTANCES / "toy.toml")
    code, _, err = run(capsys, monkeypatch, "tradeoff", toy, "--periods", "2")
    assert code == 0
    lines = [line for line in err.splitlines() if " capplan INFO tradeoff: " in line]
    assert [line.split("tradeoff: ")[1].split(",")[0] for line in lines[:-1]] == [
        f"{k}/8 solves" for k in range(1, 9)]
    assert "tradeoff: done, 8 solves in" in lines[-1]
    code, _, err = run(capsys, monkeypatch, "tradeoff", toy, "--periods", "2", "--quiet")
    assert code == 0 and "capplan INFO" not in err
    code, _, err = run(capsys, monkeypatch, "tradeoff", toy, "--periods", "2",
                       "--log-level", "warning")
    assert code == 0 and "capplan INFO" not in err


def test_claims_and_sweep_progress_off_a_terminal(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """claims counts the claims it has checked (the shipped file's 9) in log lines; sweep
    says its solves up front and as it goes (4 samples by year, no tornado); --quiet
    silences both."""
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    by_year = ["--set", 'programme.granularity="year"', "--no-ledger"]
    claims = ["claims", "groningen-2024", "--claims", "groningen-2024-claims", "--no-ledger"]
    code, _, err = run(capsys, monkeypatch, *claims)
    assert code == 0, err
    lines = [line for line in err.splitlines() if " capplan INFO claims: " in line]
    assert [line.split("claims: ")[1].split(",")[0] for line in lines[:-1]] == [
        f"{k}/9 claims checked" for k in range(1, 10)]
    assert "claims: done, 9 claims checked in" in lines[-1]
    code, _, err = run(capsys, monkeypatch, *claims, "--quiet")
    assert code == 0 and "capplan INFO" not in err
    sweep = ["sweep", "groningen-2024", "--samples", "4", "--tornado-samples", "0",
             "--workers", "1", *by_year]
    code, _, err = run(capsys, monkeypatch, *sweep)
    assert code == 0 and "sweep: 4 solves (4 samples and 0 for the tornado)" in err, err
    assert "sweep: 4/4 solves" in err
    code, _, err = run(capsys, monkeypatch, *sweep, "--quiet")
    assert code == 0 and "sweep:" not in err, err


def test_question_progress_callbacks(measure_instance: Path) -> None:
    """Variants solved one by one report each solve; explain's reference and candidate
    changes (the toy: execution max, its ramp-up, the houses' lead times: 3 changes + 1)
    report through `capplan.api.reporting`."""
    from capplan.questions.compare import solve_variants
    from capplan.questions.variants import variants

    calls: list[tuple[int, int]] = []
    base = capplan.load(measure_instance)
    outcomes = solve_variants(base, variants(["slow"], ["measure.M.mode=out,in"]),
                              progress=lambda k, total: calls.append((k, total)))
    assert calls == [(1, 2), (1, 2)]
    compared = capplan.compare(measure_instance, scenarios=["slow"],
                               vary=["measure.M.mode=out,in"])
    assert [o.plan.milestones for o in outcomes] == [o.plan.milestones
                                                     for o in compared.outcomes]
    calls.clear()
    with capplan.api.reporting(lambda k, total: calls.append((k, total))):
        capplan.explain(INSTANCES / "toy.toml")
    assert calls == [(1, 4)] * 4


def test_solver_line_wraps_at_spaces_within_80_columns() -> None:
    """The plan's solver line (solver, solves by algorithm, seconds) is wrapped at spaces to
    an 80-column terminal, its later lines indented, rather than left to the terminal to cut
    mid-word: every line fits and every word of it is whole."""
    from capplan.core.solve import plan
    from capplan.inputs.load import load
    from capplan.report.terminal import _solver_line

    _, solution = plan(load(INSTANCES / "groningen-2024.toml").instance)
    buffer = io.StringIO()
    _solver_line(Console(file=buffer, width=80, highlight=False, soft_wrap=True,
                         color_system=None), solution)
    lines = buffer.getvalue().splitlines()
    assert len(lines) >= 2 and all(len(line) <= 80 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
    words = " ".join(line.strip() for line in lines)
    assert f"{solution.solves} solves ({solution.algorithm})" in words
    assert words.endswith(f"{solution.seconds:.3f} s in all")
