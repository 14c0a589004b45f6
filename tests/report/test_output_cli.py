"""What the commands write: the JSON document, the terminal tables, CSV on stdout, and the
tables, workbooks and charts under --out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import INSTANCES
from builders import run_cli as run

TOY = str(INSTANCES / "toy.toml")


def test_toy_json_contract(capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy (see README): 500 ready at the start, 1,500 to engineer for a year, execution
    500 + 250 a year up to 1,000 -> 500 (2025), 1,000 (2026), 500 (2027) after 500 in 2024;
    cumulative 500, 1,000, 2,000, 2,500; p50 = 1,250 -> 2026, p95 = 2,375 -> 2027."""
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    for key in ("status", "instance", "scenario", "trajectory", "milestones", "scope",
                "capacity", "solver", "input_sha256"):
        assert key in doc
    assert doc["status"] == "optimal"
    assert [(r["year"], r["completed"], r["cumulative"]) for r in doc["trajectory"]] == [
        (2024, 500, 500), (2025, 500, 1000), (2026, 1000, 2000), (2027, 500, 2500)]
    assert doc["milestones"] == {"p50": "2026", "p95": "2027", "finish": "2027"}
    assert doc["trajectory"][0]["realised"] is True
    assert doc["solver"]["name"] == "highs"
    assert len(doc["input_sha256"]) == 64


def test_table_output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "plan", TOY)
    assert code == 0
    assert "realised" in out and "Milestones: p50 2026, p95 2027, finish 2027" in out
    assert "Deadline 2026: 2,000 done by its end (80.0%), not met" in out


def test_csv_and_out_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "--format", "csv", "--out",
                       str(tmp_path / "o"))
    assert code == 0
    assert out.splitlines()[0] == "year,completed,cumulative,share,realised,engineering,execution"
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "capacity.csv", "cumulative.png", "plan.json", "plan.xlsx", "targets.png",
        "trajectory.csv"]
    assert json.loads((tmp_path / "o" / "plan.json").read_text())["status"] == "optimal"


def test_charts_and_tradeoff_files(measure_instance: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """--out writes the tables as CSV, a workbook and PNG charts (every command)."""
    for args, expected in (
        (["plan", str(measure_instance)],
         {"cumulative.png", "targets.png", "plan.json", "plan.xlsx"}),
        (["compare", str(measure_instance), "--vary", "measure.M.mode=out,in"],
         {"cumulative.png", "targets.png"}),
        (["tradeoff", str(measure_instance), "--periods", "2"],
         {"tradeoff.png", "tradeoff.csv", "tradeoff.xlsx"}),
        (["whatif", str(measure_instance), "--add", "execution=+10@2026"], {"whatif.xlsx"}),
        (["explain", str(measure_instance)], {"explain.xlsx", "segments.csv", "tail.png"}),
    ):
        folder = tmp_path / args[0]
        code, _, err = run(capsys, monkeypatch, *args, "--out", str(folder))
        assert code == 0, err
        names = {p.name for p in folder.iterdir()}
        assert expected <= names
        for png in folder.glob("*.png"):
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
