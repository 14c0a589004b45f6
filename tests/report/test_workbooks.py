"""Workbooks read back with openpyxl: the front sheet's headline, units in headers, number
formats, frozen headers; the template's enforced validation, its key lists and its refusal to
overwrite a filled workbook."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import capplan
from builders import INSTANCES
from builders import run_cli as run
from capplan.report.documents import output_files

TOY = INSTANCES / "toy.toml"


def _book(content: str | bytes) -> Any:
    assert isinstance(content, bytes)
    return load_workbook(io.BytesIO(content))


def _front(book: Any, sheet: str = "about") -> dict[str, Any]:
    return {row[0]: row[1] for row in book[sheet].iter_rows(min_row=2, values_only=True)}


def test_plan_workbook_headline_and_formats() -> None:
    """The toy (README): p95 and finish 2027, 2,000 of 2,500 done by the end of 2026
    (80.0%), deadline not met; 500 realised in 2024 then 500, 1,000, 500."""
    result = capplan.plan(TOY)
    book = _book(output_files(result, "en")["plan.xlsx"])
    front = _front(book)
    assert front["milestones: p95"] == "2027" and front["milestones: finish"] == "2027"
    assert front["deadline 2026"] == "2,000 (80.0%), not met"
    assert front["input sha256"] == result.loaded.sha256
    assert front["capplan"] == capplan.__version__
    assert front["scenario"] == "(none)"
    ws = book["trajectory"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["year", "completed (items)", "cumulative (items)", "share (%)"]
    assert ws.freeze_panes == "B2"
    assert [ws.cell(r, 2).value for r in range(2, 6)] == [500, 500, 1000, 500]
    assert ws.cell(3, 2).number_format == "#,##0"
    assert ws.cell(3, 1).number_format == "0"
    assert ws.cell(3, 4).number_format == '0.0"%"'
    assert ws.cell(2, 5).value == "yes" and ws.cell(3, 5).value == "no"
    assert ws.column_dimensions["B"].width >= len("completed (items)")


def test_compare_and_whatif_fronts(measure_instance: Path) -> None:
    """compare records its scenarios and variants; whatif the capacity added and its gains.
    MEASURE: 100 items at 100 a year finish in 2025, the first year, so 100 more from 2025
    gains 0 months. A header names its unit unless the name already does."""
    compare = capplan.compare(measure_instance, scenarios=["slow"],
                              vary=["measure.M.mode=out,in"])
    front = _front(_book(output_files(compare, "en")["compare.xlsx"]))
    assert front["scenarios"] == "slow"
    assert front["variants"] == "slow M.mode=out; slow M.mode=in"
    whatif = capplan.whatif(measure_instance, add=["execution=+100@2025"])
    front = _front(_book(output_files(whatif, "en")["whatif.xlsx"]))
    assert front["capacity added"] == "100 more execution capacity from 2025"
    assert front["finish gain months"] == 0
    sheet = _book(output_files(whatif, "en")["whatif.xlsx"])["comparison"]
    headers = [c.value for c in sheet[1]]
    assert "finish_delta_months" in headers and "tail_quarters" in headers
    assert "waiting (item-years)" in headers and "peak_production (items)" in headers


def test_dutch_workbook() -> None:
    book = _book(output_files(capplan.plan(TOY), "nl")["plan.xlsx"])
    assert book.sheetnames[0] == "overzicht"
    front = _front(book, "overzicht")
    assert front["streefjaar 2026"] == "2.000 (80,0%), niet gehaald"
    assert book["verloop"].cell(2, 5).value == "ja"


def test_template_validation_enforced_and_keys_listed() -> None:
    book = _book(capplan.template())
    for ws in book.worksheets:
        for rule in ws.data_validations.dataValidation:
            assert rule.showErrorMessage and rule.errorStyle == "stop"
            assert rule.error and rule.errorTitle
    segments = book["segments"]
    rules = {str(r.sqref).split(":")[0]: r for r in segments.data_validations.dataValidation}
    assert rules["C3"].type == "whole"          # count
    assert rules["D3"].type == "decimal"        # engineering_days
    programme = book["programme"]
    assert [c.value for c in programme[1]] == ["key", "value", "unit", "meaning"]
    keys = {row[0]: row for row in programme.iter_rows(min_row=3, values_only=True)}
    assert set(keys) == {"name", "start", "start_quarter", "horizon_end", "granularity",
                         "deadline", "hard_deadline"}
    assert all(row[2] and row[3] for row in keys.values())
    objective = {row[0] for row in book["objective"].iter_rows(min_row=3, values_only=True)}
    assert objective == {"terms", "tolerance"}


def test_filled_template_reads_back(tmp_path: Path) -> None:
    """The toy written into the template (blank keys left for their defaults) plans the
    same: 500, 1,000, 500."""
    path = tmp_path / "toy.xlsx"
    path.write_bytes(capplan.template(TOY))
    assert _front_value(path, "deadline") == 2026
    plan = capplan.plan(path)
    assert list(plan.trajectory["completed"]) == [500, 500, 1000, 500]


def _front_value(path: Path, key: str) -> Any:
    rows = load_workbook(path)["programme"].iter_rows(min_row=3, values_only=True)
    return next(row[1] for row in rows if row[0] == key)


def test_template_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(b"the planner's filled workbook")
    code, _, err = run(capsys, monkeypatch, "template", str(path))
    assert code == 2
    assert "error:" in err and "--force" in err and str(path) in err
    assert path.read_bytes() == b"the planner's filled workbook"
    code, _, _ = run(capsys, monkeypatch, "template", str(path), "--force")
    assert code == 0
    assert load_workbook(path).sheetnames[0] == "programme"
