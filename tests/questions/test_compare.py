"""Comparing variants: the product of the values varied, known deltas in each scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import capplan
from builders import SMALL, write_file
from capplan.inputs.load import load
from capplan.questions.compare import summary_table, targets_table
from capplan.questions.variants import run, variants


def test_variants_are_the_product() -> None:
    vs = variants(["a", "b"], ["measure.M.mode=out,in", "capacity.execution.max=1,2"])
    assert len(vs) == 8
    assert vs[0].label == "a M.mode=out execution.max=1"
    assert vs[-1].overrides == ("measure.M.mode=in", "capacity.execution.max=2")


def test_measure_delay_in_each_scenario(measure_instance: Path) -> None:
    """Rate 100 a year, 100 items, measure M delays half of them by a year.
    Base: M out -> all 100 in 2025; M in -> 50 in 2025, 50 in 2026: finish and p95 (95 items)
    12 months later. Scenario `slow` (rate 50): M out -> 50 + 50, finish 2026; M in -> the 50
    unaffected in 2025 and the 50 delayed ones in 2026: also 2026, so taking M costs 0 months
    there; against the baseline (base, M out) both slow variants are 12 months later."""
    base = load(measure_instance)
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


def test_tail_in_whole_quarters(tmp_path: Path) -> None:
    """950 items with no lead time and 50 with two years of execution, capacity 1,000 a year:
    95% (950) in 2025, the last 50 in 2027: a tail of 24 months, 8 quarters, counted as the
    whole number 8 (not 8.0) in the table and the JSON document."""
    path = write_file(tmp_path, "t.toml", SMALL.replace("count = 100", "count = 950") + """
[[segment]]
name = "b"
count = 50
engineering_days = 0
execution_days = 730

[capacity.execution]
initial = 1000
max = 1000
""")
    row = capplan.compare(path).to_dict()["variants"][0]
    assert (row["p95"], row["finish"]) == ("2025", "2027")
    assert row["tail_quarters"] == 8 and isinstance(row["tail_quarters"], int)
    assert '"tail_quarters": 8,' in json.dumps(row)
