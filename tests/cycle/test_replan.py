"""Actuals and re-planning as functions: totals split over segments, whole numbers that add up,
the instance resumed after as-of, and parsing as-of."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from builders import ACTUALS_HEADER, SMALL, write_file
from capplan.cycle.actuals import AsOf, read_actuals, split_integer
from capplan.cycle.causes import _reached_by, _restocked, _room
from capplan.cycle.replan import Baseline, replan, resume, variance
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


FLAT_500 = """
[programme]
name = "t"
start = 2025
horizon_end = 2030
granularity = "year"

[capacity.execution]
initial = 500
max = 500

[objective]
terms = ["finish", "p95", "waiting"]
"""


def _flows(rows: list[tuple[str, str, float, float]]) -> list[dict[str, object]]:
    return [{"segment": s, "region": "north", "period": p, "engineering": e, "execution": x}
            for s, p, e, x in rows]


def test_the_move_is_traced_to_the_shortfall_that_delays_it(tmp_path: Path) -> None:
    """1,000 items, no lead times, engineering without a limit, execution 500 a year at most.
    The plan: all 1,000 designed and 500 executed in 2025, 500 in 2026 (finish 2026).

    2025 actuals: 600 designed (400 short, 40%: the largest deviation) and 450 executed (50
    short, 10%); 150 ready. Re-plan: 550 left, 500 in 2026 and 50 in 2027: finish 2027 (+12
    months). With the designs as planned (400 more from the backlog, 550 ready) it is still
    500 + 50: no month taken away. With execution as planned (500 done, 100 ready, the level
    500): 500 in 2026, finish 2026: all 12 months. So execution is named, not engineering."""
    path = write_file(tmp_path, "i.toml", FLAT_500 + """
[[segment]]
name = "a"
region = "north"
count = 1000
engineering_days = 0
execution_days = 0
""")
    actuals = write_file(tmp_path, "a.csv", ACTUALS_HEADER + "2025,a,600,450,0,150,0\n")
    baseline = Baseline("by hand", "2025", {"finish": "2026"}, [], _flows(
        [("a", "2025", 1000.0, 500.0), ("a", "2026", 0.0, 500.0)]))
    result = replan(load(path), actuals, AsOf.parse("2025"), baseline)
    assert result.plan.milestones["finish"] == "2027"
    assert result.moves == [
        "finish moved from 2026 to 2027 (+12 months): execution's shortfall in a (450 "
        "finished of 500 planned, 10% short) accounts for all 12 months (as planned: 2026)"]


def test_a_shortfall_in_every_segment_is_named_as_such(tmp_path: Path) -> None:
    """Segments a and b, 500 items each, as above; the plan executes 250 of each a year
    (finish 2026). 2025: a designed 300 of 500 and both executed 225 of 250. Re-plan: 550
    left from 450 a year, 500 + 50: finish 2027. a's designs as planned: still 550 left, no
    month. a's execution alone as planned: 525 left, 500 + 25, no month; b's alike. Execution
    as planned in both: 500 left, finish 2026, all 12 months: the shortfall in every segment
    accounts for the move, and no single segment's does."""
    path = write_file(tmp_path, "i.toml", FLAT_500 + """
[[segment]]
name = "a"
region = "north"
count = 500
engineering_days = 0
execution_days = 0

[[segment]]
name = "b"
region = "north"
count = 500
engineering_days = 0
execution_days = 0
""")
    actuals = write_file(tmp_path, "a.csv", ACTUALS_HEADER + "2025,a,300,225,0,75,0\n"
                                                             "2025,b,500,225,0,275,0\n")
    baseline = Baseline("by hand", "2025", {"finish": "2026"}, [], _flows(
        [("a", "2025", 500.0, 250.0), ("a", "2026", 0.0, 250.0),
         ("b", "2025", 500.0, 250.0), ("b", "2026", 0.0, 250.0)]))
    result = replan(load(path), actuals, AsOf.parse("2025"), baseline)
    assert result.moves == [
        "finish moved from 2026 to 2027 (+12 months): execution's shortfall in every segment "
        "(450 finished of 500 planned, 10% short) accounts for all 12 months (as planned: "
        "2026)"]


def test_stocks_follow_the_items_set_to_plan() -> None:
    """15 more designs: 10 from the backlog (all of it), then 5 from the 30 in engineering,
    all 15 ready; 10 more executions: the 8 ready, then 2 from execution; 10 fewer: 10 more
    ready. What the stocks cannot carry is cut: at most 30 + 10 more designs, 8 + 40 more
    executions, 48 fewer designs."""
    stock = {"in_engineering": 30, "ready": 8, "in_execution": 40}
    assert _restocked("engineering", 15, stock, 10) == {
        "in_engineering": 25, "ready": 23, "in_execution": 40}
    assert _restocked("execution", 10, stock, 10) == {
        "in_engineering": 30, "ready": 0, "in_execution": 38}
    assert _restocked("execution", -10, stock, 10) == {
        "in_engineering": 30, "ready": 18, "in_execution": 40}
    assert _room("engineering", 100, stock, 10) == 40
    assert _room("execution", 100, stock, 10) == 48
    assert _room("engineering", -100, stock, 10) == -48


@pytest.mark.parametrize(("label", "quarter"), [
    ("before 2026", "2025Q4"), ("before 2026Q3", "2026Q2"), ("before 2026Q1", "2025Q4"),
    ("2027Q2", "2027Q2"), (None, None),
])
def test_a_milestone_in_the_history_is_measured_from_the_latest_quarter_it_can_be(
        label: str | None, quarter: str | None) -> None:
    """`before START` (reached before the re-plan's first period) is measured as reached by
    the end of the quarter before START; other labels are themselves."""
    assert _reached_by(label) == quarter
