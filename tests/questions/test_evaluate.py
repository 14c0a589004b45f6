"""`capplan evaluate`: the regulator's target tables, hand-checked feasibility, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import INSTANCES, make, run_cli, segment
from capplan.inputs.load import load
from capplan.questions.evaluate import evaluate, implied_milestones, read_targets

GRONINGEN = INSTANCES / "groningen-2024.toml"


def test_sodm_table_arithmetic() -> None:
    """The SodM table (docs/sources.md#yearly-targets): from 1,637 before 2021, the yearly
    figures add up to the cumulative column 2,298 ... 15,644; 95% of 15,644 (14,862) is passed
    in 2028 (14,908) and 100% in 2029. With a scope of 17,500 the column ends at 17,500 in 2031."""
    base = load(GRONINGEN).instance
    targets = read_targets(INSTANCES / "sodm-2024-targets.csv", base)
    table = evaluate(base, targets).table
    assert list(table["cumulative"]) == [2298, 3336, 4458, 5858, 7858, 10658, 13458, 14908,
                                         15644]
    assert implied_milestones(base, targets) == {"p50": 2025, "p95": 2028, "finish": 2029}
    large = load(GRONINGEN, "scope-17500").instance
    targets = read_targets(INSTANCES / "sodm-2024-targets-17500.csv", large)
    assert list(table["realised"])[:4] == [True] * 4
    implied = implied_milestones(large, targets)
    assert implied["finish"] == 2031 and implied["p95"] == 2029
    cumulative = large.history.completed_before + sum(targets.values())
    assert cumulative == 17500


def _three_thousand():  # type: ignore[no-untyped-def]
    """3,000 items, rate 1,000 a year before start, ramp 500, max 2,000: at most 1,500 in
    2025; the optimum is 1,500 + 1,500 (finish 2026)."""
    return make([segment(count=3000)], execution={"initial": 1000, "max": 2000, "ramp_up": 500})


def test_feasible_targets() -> None:
    """1,200 + 1,800: the rate may reach 2,000 in 2026, so both can be met; the plan held to
    them still finishes in 2026, as the optimum does."""
    result = evaluate(_three_thousand(), {2025: 1200, 2026: 1800})
    assert result.feasible and result.first_failing_year is None
    assert result.with_targets is not None
    assert result.with_targets.milestones["finish"] == "2026"
    assert list(result.table["difference"]) == [-300, 300]
    assert result.reaches_scope


def test_first_failing_year_and_shortfall() -> None:
    """1,600 in 2025 exceeds the 1,500 the ramp allows: fails in 2025, 100 short. With 1,500
    met in 2025, 2,100 in 2026 fails: only 1,500 items are left, so 600 short."""
    result = evaluate(_three_thousand(), {2025: 1600})
    assert not result.feasible
    assert result.first_failing_year == 2025
    assert result.shortfall == pytest.approx(100.0)
    assert not result.reaches_scope
    result = evaluate(_three_thousand(), {2025: 1500, 2026: 2100})
    assert result.first_failing_year == 2026
    assert result.shortfall == pytest.approx(600.0)


def test_evaluate_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The SodM targets against the Groningen instance: 2,000 in 2025 is more than the
    instance's work in progress and ramp allow."""
    code, out, _ = run_cli(capsys, monkeypatch, "evaluate", str(GRONINGEN), "--targets",
                           str(INSTANCES / "sodm-2024-targets.csv"))
    assert code == 0
    assert "The targets imply 95% in 2028 and 100% in 2029." in out
    assert "They cannot be delivered from 2025" in out


@pytest.mark.parametrize(("text", "message"), [
    ("year,done\n2025,1\n", "header: columns must be year,completed"),
    ("year,completed\n2025,-3\n", "row 2, completed: Input should be greater than or equal"),
    ("year,completed\n2025,abc\n", "row 2, completed"),
    ("year,completed\n2025,1\n2025,2\n", "row 3, year: 2025 appears twice"),
    ("year,completed\n2024,1399\n", "year 2024: 1,399 differs from [history] 1,400"),
    ("year,completed\n2019,10\n", "year 2019: is before start 2025 and not in [history]"),
    ("year,completed\n2050,10\n", "year 2050: is after horizon_end 2036"),
])
def test_bad_targets(text: str, message: str, tmp_path: Path,
                     capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    code, _, err = run_cli(capsys, monkeypatch, "evaluate", str(GRONINGEN), "--targets",
                           str(path))
    assert code == 2, err
    assert err.startswith(f"error: {path}")
    assert message in err
