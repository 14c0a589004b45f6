"""`capplan evaluate` on the command line: the regulator's targets against Groningen, and one
message naming the file and the fault for each kind of bad target file."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import INSTANCES, run_cli

GRONINGEN = INSTANCES / "groningen-2024.toml"


def test_evaluate_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The SodM targets against the Groningen instance, calibrated to them (see
    instances/groningen-2024-claims.toml: the yearly targets hold together in one plan): every
    target can be delivered; held to them, the plan reaches 95% in 2028Q4, a quarter after
    the optimal 2028Q3 (the targets ask only 1,450 in 2028), and finishes in 2029Q4 as the
    optimal plan does."""
    code, out, _ = run_cli(capsys, monkeypatch, "evaluate", str(GRONINGEN), "--targets",
                           str(INSTANCES / "sodm-2024-targets.csv"))
    assert code == 0
    assert "The targets imply 95% in 2028 and 100% in 2029." in out
    assert "The pipeline and capacity can deliver every target." in out
    assert ("Held to the targets, the plan reaches 95% in 2028Q4 (+3 months against optimal) "
            "and finishes in 2029Q4 (as optimal).") in out


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


def test_targets_above_the_scope(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """SodM's 17,500 column (docs/sources.md#yearly-targets) on the 15,644 of the instance
    (docs/sources.md#scope): by the end of 2029 it reaches 16,958, above the scope, and is
    refused naming the file, the year and the figure; with the scenario of that scope it is
    evaluated."""
    path = INSTANCES / "sodm-2024-targets-17500.csv"
    code, _, err = run_cli(capsys, monkeypatch, "evaluate", str(GRONINGEN), "--targets",
                           str(path), "--no-ledger")
    assert code == 2, err
    assert err.startswith(f"error: {path}: year 2029: the targets reach 16,958 by its end, "
                          "above the instance's scope of 15,644")
    code, out, err = run_cli(capsys, monkeypatch, "evaluate", str(GRONINGEN), "--targets",
                             str(path), "-s", "scope-17500", "--no-ledger")
    assert code == 0, err
    assert "The targets imply 95% in 2029 and 100% in 2031." in out
