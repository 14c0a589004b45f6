"""The plan-do-check-act cycle on the command line: actuals, re-planning from as-of, variance
and milestone moves, and one message for each kind of bad actuals file.

The toy instance (instances/toy.toml): 2,000 items, 500 ready at the start, engineering takes
one year and has no capacity limit, execution has none of its own lead time and a capacity of
500 a year at the start, +250 a year at most, 1,000 at most; 500 were done in 2024.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import capplan
from builders import ACTUALS_HEADER, INSTANCES, SMALL, run_cli, write_file
from capplan.cycle.ledger import latest_plan
from capplan.inputs.load import load

TOY = str(INSTANCES / "toy.toml")


def test_two_year_walk_on_the_toy(tmp_path: Path, _ledger_in_tmp: Path,
                                  capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan (run 1): 2025 executes the 500 ready items (capacity 500 + 250 allows 750, only 500
    are ready); the 1,500 engineered in 2025 finish in 2026 at most 1,000 (750 + 250), the
    last 500 in 2027. p95 = 95% of 2,500 = 2,375: reached in 2027 (2,500), finish 2027.

    Check 2025: execution finished 400, not 500: -100 (-20%). At the end of 2025: 1,500 in
    engineering, ready 500 - 400 = 100.
    Re-plan from 2026 (run 2): 1,600 left, capacity from 400 a year with +250 a year: 2026 650
    (100 ready + 1,500 engineered), 2027 900, 2028 50. Cumulative 1,550 / 2,450 / 2,500: p95
    2027 (stays), finish 2028 (+12 months). With execution as planned (500; ready 0): 1,500
    left from 500 a year: 750 + 750, finish 2027: the shortfall accounts for all 12 months.

    Check 2026 against run 2: execution finished 600, not 650: -50 (-7.7%); engineering 1,500
    as planned. At the end of 2026: ready 100 + 1,500 - 600 = 1,000.
    Re-plan from 2027 (run 3): 1,000 left, from 600 a year: 2027 850, 2028 150. Cumulative
    2,350 by 2027 < 2,375, so p95 moves from 2027 to 2028 (+12 months); finish stays 2028. With
    execution as planned (650; ready 950): 950 left from 650 a year: 900 in 2027, 2,450 by
    then, p95 2027 again: all 12 months. The deadline 2026 lies before the new start and is
    dropped."""
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY)
    assert code == 0, err
    first = write_file(tmp_path, "a2025.csv", ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n")
    code, out, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(first),
                             "--as-of", "2025", "--baseline", "1", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    total = {r["stage"]: r for r in doc["variance"] if r["segment"] == "all"}
    assert (total["execution"]["planned"], total["execution"]["actual"]) == (500, 400)
    assert total["execution"]["difference"] == -100
    assert total["execution"]["difference_pct"] == -20.0
    assert (total["engineering"]["planned"], total["engineering"]["actual"]) == (0, 0)
    assert total["engineering"]["difference_pct"] is None
    years = {r["year"]: r["completed"] for r in doc["trajectory"]}
    assert years == {2024: 500, 2025: 400, 2026: 650, 2027: 900, 2028: 50}
    assert doc["milestones"]["p95"] == "2027" and doc["milestones"]["finish"] == "2028"
    assert ("finish moved from 2027 to 2028 (+12 months): execution's shortfall in houses "
            "(400 finished of 500 planned, 20% short) accounts for all 12 months (as planned: "
            "2027)") in doc["milestone_moves"]
    assert "p95 stays at 2027" in doc["milestone_moves"]
    assert doc["baseline"]["source"].startswith("run 1")

    second = write_file(tmp_path, "a2026.csv", ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n"
                        "2026,houses,1500,600,0,1000,0\n")
    code, out, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(second),
                             "--as-of", "2026", "--baseline", "2", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    rows = {(r["year"], r["stage"]): r for r in doc["variance"] if r["segment"] == "all"}
    assert set(rows) == {(2026, "engineering"), (2026, "execution")}  # run 2 starts in 2026
    assert (rows[2026, "execution"]["planned"], rows[2026, "execution"]["actual"]) == (650, 600)
    assert rows[2026, "execution"]["difference_pct"] == pytest.approx(-7.7)
    assert rows[2026, "engineering"]["difference"] == 0
    years = {r["year"]: r["completed"] for r in doc["trajectory"]}
    assert years == {2024: 500, 2025: 400, 2026: 600, 2027: 850, 2028: 150}
    assert ("p95 moved from 2027 to 2028 (+12 months): execution's shortfall in houses "
            "(600 finished of 650 planned, 8% short) accounts for all 12 months (as planned: "
            "2027)") in doc["milestone_moves"]
    assert "finish stays at 2028" in doc["milestone_moves"]
    assert any("deadline 2026" in note and "dropped" in note for note in doc["notes"])

    for run_id in ("2", "3"):
        code, out, err = run_cli(capsys, monkeypatch, "runs", "reproduce", run_id)
        assert code == 0 and "identical" in out, err
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify")
    assert code == 0 and "3 records, chain intact" in out

    far = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    sha = load(TOY).sha256
    found = latest_plan(_ledger_in_tmp, sha, None, [], far, (2026, 4))
    assert found is not None and found["id"] == 2  # run 3 re-planned as of 2026 itself
    found = latest_plan(_ledger_in_tmp, sha, None, [], far, (2025, 4))
    assert found is not None and found["id"] == 1  # run 2 re-planned as of 2025
    assert latest_plan(_ledger_in_tmp, sha, None, [], dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                       (2026, 4)) is None
    assert latest_plan(_ledger_in_tmp, sha, "other", [], far, (2026, 4)) is None


def test_replan_without_a_recorded_plan_solves_the_baseline(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No ledger: the baseline is the toy's plan solved now (500 in 2025); the table shows
    the -20% and the files land in --out."""
    first = write_file(tmp_path, "a.csv", ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n")
    code, out, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(first),
                             "--as-of", "2025", "--no-ledger", "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert "the plan solved now" in out and "-20.0%" in out
    assert "Finish moved from 2027 to 2028" in out
    written = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"variance.csv", "variance.png", "replan.xlsx", "plan.json",
            "trajectory.csv"} <= written
    table = pd.read_csv(tmp_path / "o" / "variance.csv")
    execution = table[table["stage"] == "execution"]
    assert list(zip(execution["segment"], execution["difference"], strict=True)) == [
        ("all", -100.0), ("houses", -100.0)]


QUARTERLY = SMALL.replace('granularity = "year"', 'granularity = "quarter"').replace(
    "count = 100", "count = 1000") + """
[capacity.execution]
initial = 400
max = 800
ramp_up = 400
"""


def test_quarter_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 items, no lead times, execution 400 a year in the year before the start, +400 a
    year up to 800. The rate averaged over 2025Q1 may exceed 2024's mean by 400 x (1/2 + 1/8)
    years = 250 (middle of 2024 to the middle of 2025Q1), then +100 a quarter. Plan: 2025Q1
    650/4 = 162.5, Q2 750/4 = 187.5. Actuals: 100 in each of Q1 and Q2 (a rate of 400 a year):
    200 against 350 planned through 2025Q2, -150 (-42.9%). Re-plan from 2025Q3 with 800 left,
    from the realised 400 a year (taken, like any `initial`, as the mean of the year before):
    162.5, 187.5 (2025), 200, 200, 50 (2026): finish 2026Q3. The 2025 row joins the realised
    200 and the planned 350: 550. (Before, the first period could exceed `initial` by one
    period's ramp only: 125, 150 through 2025Q2, 275 planned, -27.3%, rows 475 and 525.)"""
    instance = write_file(tmp_path, "q.toml", QUARTERLY)
    actuals = write_file(tmp_path, "a.csv",
                         ACTUALS_HEADER + "2025Q1,a,100,100,,,\n2025Q2,a,100,100,0,0,0\n")
    code, out, err = run_cli(capsys, monkeypatch, "replan", str(instance), "--actuals",
                             str(actuals), "--as-of", "2025Q2", "--no-ledger", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    execution = next(r for r in doc["variance"] if r["stage"] == "execution"
                     and r["segment"] == "all")
    assert (execution["through"], execution["planned"], execution["actual"]) == (
        "2025Q2", 350, 200)
    assert execution["difference_pct"] == pytest.approx(-42.9)
    assert doc["start"] == "2025Q3"
    assert {r["year"]: r["completed"] for r in doc["trajectory"]} == {2025: 550, 2026: 450}
    assert doc["milestones"]["finish"] == "2026Q3"


BAD = [
    (ACTUALS_HEADER + "2025,flats,0,400,1500,100,0\n", "2025",
     "row 2, segment: unknown segment 'flats'"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n2026,houses,0,0,1500,100,0\n", "2025",
     "row 3, period: 2026 is after --as-of 2025"),
    (ACTUALS_HEADER + "2025,houses,0,-4,1500,100,0\n", "2025", "row 2, execution_done"),
    (ACTUALS_HEADER + "2025,houses,0,2.5,1500,100,0\n", "2025", "row 2, execution_done"),
    (ACTUALS_HEADER + "2025,houses,1500,1900,1500,100,0\n", "2025",
     "1,900 finished and 1,600 in progress by 2025: more than the 2,000 items it has"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,,0\n", "2025", "row 2, ready: work in progress"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n", "2026", "no rows for 2026"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n2025,*,0,0,0,0,0\n", "2025",
     "has both a * row and rows per segment"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n2025,houses,0,400,1500,100,0\n", "2025",
     "appears twice"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,150,0\n", "2025",
     "ready + in_execution at 2025 is 150, but"),
    ("period,segment,engineering_done,execution_done,colour\n2025,houses,0,1,red\n", "2025",
     "unknown column(s) colour"),
    (ACTUALS_HEADER + "2024,houses,0,400,1500,100,0\n2025,houses,0,400,1500,100,0\n", "2025",
     "row 2, period: 2024 is before the instance's start 2025"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n", "2025Q2", "is a quarter but the instance"),
    (ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n", "spring", "'spring' is not a year"),
]


@pytest.mark.parametrize(("text", "as_of", "message"), BAD)
def test_bad_actuals(text: str, as_of: str, message: str, tmp_path: Path, _ledger_in_tmp: Path,
                     capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 2 with one message naming the file (or option), the row or key, and the fault;
    nothing written, nothing recorded."""
    path = write_file(tmp_path, "bad.csv", text)
    code, out, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                             "--as-of", as_of, "--out", str(tmp_path / "o"))
    assert code == 2, out + err
    assert message in err and "Traceback" not in err
    assert "bad.csv" in err or "--as-of" in err
    assert not (tmp_path / "o").exists() and not _ledger_in_tmp.exists()


def test_baseline_must_be_a_plan_of_the_same_instance(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", str(INSTANCES / "groningen-2024.toml"))
    assert code == 0, err
    path = write_file(tmp_path, "a.csv", ACTUALS_HEADER + "2025,houses,0,400,1500,100,0\n")
    code, _, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                           "--as-of", "2025", "--baseline", "1")
    assert code == 2 and "--baseline: run 1: planned another instance file" in err


def test_shipped_example_actuals(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The example actuals for Groningen are valid and re-plan from 2026: the 1,550 realised
    in 2025 enter the history. The baseline makes 2,000 in 2025 and reaches p50 (7,822 of
    15,644) in 2025Q4 with 7,858 done; with 1,550 only 7,408 are done by then, and p50 moves
    6 months to 2026Q2. Each move is traced by re-planning with one deviation set to the
    baseline's plan: with Eemsdelta's and the other segments' engineering as planned (2,207,
    not 1,862: 16% short) the p95 comes back 3 of its 6 months, to 2028Q4; no single
    segment's engineering takes as much, nor does any other deviation."""
    code, out, err = run_cli(capsys, monkeypatch, "replan",
                             str(INSTANCES / "groningen-2024.toml"), "--actuals",
                             str(INSTANCES / "groningen-actuals-2025.csv"), "--as-of", "2025",
                             "--no-ledger", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {r["year"]: r["completed"] for r in doc["trajectory"]}[2025] == 1550
    assert doc["start"] == "2026"
    moves = {move.split()[0]: move for move in doc["milestone_moves"]}
    assert moves["p50"].startswith("p50 moved from 2025Q4 to 2026Q2 (+6 months): ")
    assert moves["p95"] == (
        "p95 moved from 2028Q3 to 2029Q1 (+6 months): engineering's shortfall in every "
        "segment (1,862 finished of 2,207 planned, 16% short) accounts for 3 of the 6 months "
        "(as planned: 2028Q4)")


def test_a_shortfall_that_takes_a_milestone_back_into_the_history_is_named(
        tmp_path: Path) -> None:
    """With execution as planned in every segment (2,000 in 2025, not 1,550) the 7,858 done
    by the end of 2025 reach p50 (7,822) before the re-plan's start: that shortfall accounts
    for all 6 months of p50's move (measured from 2025Q4, the latest "before 2026" can be;
    450 of 2,000 is 22.5% short, printed 23%)."""
    result = capplan.replan(str(INSTANCES / "groningen-2024.toml"),
                            actuals=str(INSTANCES / "groningen-actuals-2025.csv"),
                            as_of="2025", ledger=tmp_path / "ledger.sqlite")
    moves = {move.split()[0]: move for move in result.to_dict()["milestone_moves"]}
    assert moves["p50"].startswith(
        "p50 moved from 2025Q4 to 2026Q2 (+6 months): execution's shortfall in every segment "
        "(1,550 finished of 2,000 planned, 23% short) accounts for all 6 months (as planned: "
        "before 2026)")
