"""`capplan compare`: variants, known deltas, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import SMALL, run_cli
from capplan.inputs.load import load
from capplan.questions.compare import summary_table, targets_table
from capplan.questions.variants import run, variants

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


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(MEASURE)
    return path


def test_variants_are_the_product() -> None:
    vs = variants(["a", "b"], ["measure.M.mode=out,in", "capacity.execution.max=1,2"])
    assert len(vs) == 8
    assert vs[0].label == "a M.mode=out execution.max=1"
    assert vs[-1].overrides == ("measure.M.mode=in", "capacity.execution.max=2")


def test_measure_delay_in_each_scenario(instance: Path) -> None:
    """Rate 100 a year, 100 items, measure M delays half of them by a year.
    Base: M out -> all 100 in 2025; M in -> 50 in 2025, 50 in 2026: finish and p95 (95 items)
    12 months later. Scenario `slow` (rate 50): M out -> 50 + 50, finish 2026; M in -> the 50
    unaffected in 2025 and the 50 delayed ones in 2026: also 2026, so taking M costs 0 months
    there; against the baseline (base, M out) both slow variants are 12 months later."""
    base = load(instance)
    outcomes = [run(base, v) for v in variants([None, "slow"], ["measure.M.mode=out,in"])]
    table = summary_table(outcomes).set_index("variant")
    assert list(table.index) == ["M.mode=out", "M.mode=in", "slow M.mode=out", "slow M.mode=in"]
    assert list(table["finish"]) == ["2025", "2026", "2026", "2026"]
    assert list(table["finish_delta_months"]) == [0, 12, 12, 12]
    assert list(table["finish_vs_scenario_months"]) == [0, 12, 0, 0]
    assert list(table["p95_vs_scenario_months"]) == [0, 12, 0, 0]
    assert table.loc["M.mode=in", "peak_production"] == 50
    assert table.loc["M.mode=out", "waiting"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["M.mode=in", "waiting"] == pytest.approx(50.0, rel=1e-6)
    targets = targets_table(outcomes)
    assert targets.loc[2025, "M.mode=in"] == 50 and targets.loc[2026, "M.mode=in"] == 50


def test_compare_cli(instance: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "compare", str(instance), "--vary",
                           "measure.M.mode=out,in", "-f", "json", "--out", str(tmp_path / "o"))
    assert code == 0
    doc = json.loads(out)
    assert [v["finish_delta_months"] for v in doc["variants"]] == [0, 12]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "compare.json", "compare.xlsx", "comparison.csv", "cumulative.png", "targets.csv",
        "targets.png"]


@pytest.mark.parametrize(("args", "message"), [
    (["--vary", "measure.M.mode"], "expected PATH=V1,V2"),
    (["--vary", "measure.Z.mode=in,out"], "measure 'Z' matches nothing"),
    (["--vary", "measure.M.mode=sometimes"], "measure.M.mode: Input should be"),
    (["--scenario", "nope"], "no such scenario"),
])
def test_compare_bad_input(args: list[str], message: str, instance: Path,
                           capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "compare", str(instance), *args)
    assert code == 2 and message in err


def test_charts_and_tradeoff_files(instance: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """--out writes the tables as CSV, a workbook and PNG charts (every command)."""
    for args, expected in (
        (["plan", str(instance)], {"cumulative.png", "targets.png", "plan.json", "plan.xlsx"}),
        (["compare", str(instance), "--vary", "measure.M.mode=out,in"],
         {"cumulative.png", "targets.png"}),
        (["tradeoff", str(instance), "--periods", "2"],
         {"tradeoff.png", "tradeoff.csv", "tradeoff.xlsx"}),
        (["whatif", str(instance), "--add", "execution=+10@2026"], {"whatif.xlsx"}),
        (["explain", str(instance)], {"explain.xlsx", "segments.csv", "tail.png"}),
    ):
        folder = tmp_path / args[0]
        code, _, err = run_cli(capsys, monkeypatch, *args, "--out", str(folder))
        assert code == 0, err
        names = {p.name for p in folder.iterdir()}
        assert expected <= names
        for png in folder.glob("*.png"):
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tradeoff_bad_stage(instance: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "tradeoff", str(instance), "--stage",
                           "engineering")
    assert code == 2 and "the instance has no such capacity" in err


@pytest.mark.parametrize("command", ["plan", "validate", "compare", "whatif", "evaluate",
                                     "explain", "tradeoff"])
def test_every_command_refuses_a_missing_file(command: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"evaluate": ["--targets", "t.csv"], "whatif": ["--marginal"]}.get(command, [])
    code, _, err = run_cli(capsys, monkeypatch, command, "no/such.toml", *extra)
    assert code == 2 and "error: no/such.toml: file not found" in err
