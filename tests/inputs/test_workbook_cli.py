"""Excel: the template, reading a filled workbook as an instance, messages naming cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from builders import INSTANCES, run_cli
from capplan.inputs.load import load


@pytest.fixture
def groningen_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "g.xlsx"
    code, _, err = run_cli(capsys, monkeypatch, "template", str(path), "--from",
                           str(INSTANCES / "groningen-2024.toml"))
    assert code == 0, err
    return path


def test_round_trip_gives_the_same_instance(groningen_xlsx: Path) -> None:
    """The Groningen instance written to the template and read back is the same instance,
    scenarios, risks and `[[assumption]]` blocks (the sheet assumptions: id, paths, low,
    high, source) included."""
    toml = load(INSTANCES / "groningen-2024.toml", "scope-17500").instance
    xlsx = load(groningen_xlsx, "scope-17500").instance
    assert len(xlsx.assumption) == len(toml.assumption) > 0
    assert xlsx.model_dump() == toml.model_dump()


def test_plan_from_workbook(groningen_xlsx: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbook plans as the instance it was written from: Groningen finishes in 2029Q4
    (the instance calibrated to the letter's claims, see docs/claims.md)."""
    code, out, _ = run_cli(capsys, monkeypatch, "plan", str(groningen_xlsx), "-f", "json")
    assert code == 0
    assert json.loads(out)["milestones"]["finish"] == "2029Q4"


def test_template_has_units_and_validation(groningen_xlsx: Path) -> None:
    book = load_workbook(groningen_xlsx)
    assert book.sheetnames == ["programme", "history", "segments", "capacity", "measures",
                               "regions", "objective", "scenarios", "risks", "assumptions"]
    segments = book["segments"]
    assert segments["C1"].value == "count" and segments["C2"].value == "items"
    kinds = [dv for dv in book["capacity"].data_validations.dataValidation if dv.type == "list"]
    assert any('"throughput,concurrent"' in str(dv.formula1) for dv in kinds)


def _edit(path: Path, sheet: str, cell: str, value: object) -> None:
    book = load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


@pytest.mark.parametrize(("sheet", "cell", "value", "message"), [
    ("segments", "C3", -5,
     "segment.eemsdelta-light.count (sheet segments, row 3, column count (C3)): Input should "
     "be greater than or equal to 0"),
    ("segments", "H5", "2025=700; 2026", "sheet segments, row 5, column released (H5): "
                                         "'2026' is not YEAR=AMOUNT"),
    ("capacity", "B3", "sometimes", "capacity.engineering.kind (sheet capacity, row 3, "
                                    "column kind (B3))"),
    ("measures", "I5", "maybe", "measure.M29.mode (sheet measures, row 5, column mode (I5))"),
    ("risks", "C3", 1.3, "risk.lead-time.likelihood (sheet risks, row 3, column likelihood "
                         "(C3)): Input should be less than or equal to 1"),
    ("risks", "F3", "480, 430, 230", "risk.lead-time.effect.[0].triangular (sheet risks, row 3, "
                                     "column values (F3)): mode 430 is outside 480..230"),
])
def test_bad_cells_are_named(groningen_xlsx: Path, sheet: str, cell: str, value: object,
                             message: str, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(groningen_xlsx, sheet, cell, value)
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(groningen_xlsx))
    assert code == 2, err
    assert message in err


def test_empty_template_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "e.xlsx"
    assert run_cli(capsys, monkeypatch, "template", str(empty))[0] == 0
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(empty))
    assert code == 2 and "programme.name: is required" in err
    junk = tmp_path / "j.xlsx"
    junk.write_text("not a workbook")
    code, _, err = run_cli(capsys, monkeypatch, "plan", str(junk))
    assert code == 2 and "not a readable .xlsx workbook" in err
    code, _, err = run_cli(capsys, monkeypatch, "template", str(tmp_path / "t.csv"))
    assert code == 2 and "must be an .xlsx file" in err
