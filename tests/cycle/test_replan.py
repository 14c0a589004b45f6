"""Actuals and re-planning as functions: totals split over segments, whole numbers that add up,
the instance resumed after as-of, and parsing as-of."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from builders import ACTUALS_HEADER, SMALL, write_file
from capplan.cycle.actuals import AsOf, read_actuals, split_integer
from capplan.cycle.replan import Baseline, resume, variance
from capplan.errors import InputError
from capplan.inputs.load import load


def test_totals_are_split_by_the_baseline_and_by_what_is_left(tmp_path: Path) -> None:
    """Segments a (600 items) and b (200). A `*` row of 300 finished executions splits 3:1 as
    the baseline planned (120 and 40): 225 and 75. Work in progress (in engineering 100) splits
    by what is left, 375 : 125, as 75 and 25."""
    text = SMALL.replace("count = 100", "count = 600") + """
[[segment]]
name = "b"
count = 200
engineering_days = 0
execution_days = 0
in_progress = { ready = 0 }
"""
    inst = load(write_file(tmp_path, "two.toml", text)).instance
    planned = pd.DataFrame({"segment": ["a", "b"], "region": "all", "period": "2025",
                            "stage": "execution", "items": [120.0, 40.0]})
    path = write_file(tmp_path, "a.csv", ACTUALS_HEADER + "2025,*,300,300,100,0,0\n")
    actuals = read_actuals(path, AsOf.parse("2025"), inst, planned)
    assert actuals.done_in("2025", "execution") == {"a": 225, "b": 75}
    assert actuals.done_in("2025", "engineering") == {"a": 225, "b": 75}
    assert actuals.stocks["a"]["in_engineering"] == 75
    assert actuals.stocks["b"]["in_engineering"] == 25
    table = variance(Baseline.recorded("test", {"start": "2025", "segment_flows": [
        {"segment": "a", "region": "all", "period": "2025", "engineering": 120,
         "execution": 120},
        {"segment": "b", "region": "all", "period": "2025", "engineering": 40,
         "execution": 40}]}), actuals)
    assert set(table["segment"]) == {"all"}  # no per-segment variance from a total


def test_split_integer_adds_up() -> None:
    """10 in thirds: 3.33 each, the first largest remainder gets the spare one: 4, 3, 3."""
    assert split_integer(10, [1, 1, 1]) == [4, 3, 3]
    assert split_integer(7, [0, 0]) == [4, 3]
    assert sum(split_integer(1001, [0.3, 0.5, 0.2])) == 1001


def test_resume_releases_and_capacity(tmp_path: Path) -> None:
    """Released 600 in 2025 and 400 in 2027; 500 finished in 2025 come off the 2025 release
    (100 left there, 400 still in 2027). Execution finished 700 in 2025 of which 100 was given
    extra capacity from 2025: the planned level resumes at 600 (the max). Had 800 finished,
    700 would exceed the max of 600: taken as 600, and said so."""
    text = SMALL.replace("count = 100", 'count = 1000\nreleased = { "2025" = 600, '
                         '"2027" = 400 }') + """
[capacity.execution]
initial = 500
max = 600
extra = { "2025" = 100 }
"""
    inst = load(write_file(tmp_path, "r.toml", text)).instance
    path = write_file(tmp_path, "a.csv", ACTUALS_HEADER + "2025,a,500,500,0,0,0\n")
    actuals = read_actuals(path, AsOf.parse("2025"), inst)
    resumed = resume(inst, actuals)
    seg = resumed.instance.segment[0]
    assert seg.count == 500 and seg.released == {"2025": 100, "2027": 400}
    assert resumed.instance.history.completed == {"2025": 500}
    assert resumed.instance.programme.start == 2026
    assert resumed.instance.capacity.execution is not None
    assert resumed.instance.capacity.execution.initial == 400  # 500 - 100 extra
    path = write_file(tmp_path, "b.csv", ACTUALS_HEADER + "2025,a,800,800,0,0,0\n")
    fast = read_actuals(path, AsOf.parse("2025"), inst)
    resumed = resume(inst, fast)
    assert resumed.instance.capacity.execution is not None
    assert resumed.instance.capacity.execution.initial == 600
    assert any("taken as 600" in note for note in resumed.notes)


def test_as_of_parsing() -> None:
    assert AsOf.parse("2025Q2").resume() == (2025, 3)
    assert AsOf.parse("2025Q4").resume() == (2026, 1)
    assert AsOf.parse("2025").resume() == (2026, 1)
    with pytest.raises(InputError):
        AsOf.parse("2025Q5")
