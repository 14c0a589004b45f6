"""`capplan sweep` on the command line: everything it writes, and one message for each kind of
bad risk block."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from builders import INSTANCES, VARIED_RISKS, run_cli, with_risks


def test_sweep_command_writes_everything(tmp_path: Path, _ledger_in_tmp: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = with_risks(tmp_path, VARIED_RISKS)
    code, out, err = run_cli(capsys, monkeypatch, "sweep", str(path), "--samples", "10",
                             "--workers", "1", "--tornado-samples", "3", "--robust", "0.7",
                             "--set", 'objective.terms=["finish", "waiting"]',
                             "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert "Probability of finishing by the end of 2026" in out
    assert "p95 is not an objective term" in out  # the terms set: finish, waiting
    written = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"sweep.json", "sweep.xlsx", "samples.csv", "samples.parquet", "fan.png",
            "tornado.png", "heatmap.png", "yearly.csv", "robust_targets.csv"} <= written
    assert len(pd.read_parquet(tmp_path / "o" / "samples.parquet")) == 10
    doc = json.loads((tmp_path / "o" / "sweep.json").read_text())
    assert doc["samples"] == 10 and doc["robust_info"]["share"] == 0.7
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "list")
    assert code == 0 and "sweep" in out
    code, out, err = run_cli(capsys, monkeypatch, "sweep", str(path), "--samples", "4",
                             "--workers", "1", "--tornado-samples", "0",
                             "--set", 'objective.terms=["finish", "p95", "waiting"]',
                             "--out", str(tmp_path / "none"))
    assert code == 0, err
    assert "p95 is not an objective term" not in out
    # no tornado asked for: no empty table printed, no empty tornado file or chart written
    assert "tornado" not in out
    written = {p.name for p in (tmp_path / "none").iterdir()}
    assert not {"tornado.csv", "tornado.png", "heatmap.png"} & written
    assert "milestones.csv" in written
    assert "% by 2026" in out


BAD = [
    ('likelihood = 1.3\neffect = [ { path = "segment.houses.count", fixed = 1 } ]',
     "risk.r.likelihood: Input should be less than or equal to 1"),
    ('likelihood = 0.5\neffect = [ { path = "segment.houses.engineering_days", '
     "triangular = [230, 500, 480] } ]", "triangular: mode 500 is outside 230..480"),
    ('likelihood = 0.5\neffect = [ { path = "segment.flats.count", fixed = 1 } ]',
     "risk.r.effect[0]: segment.flats.count: segment 'flats' matches nothing"),
    ('likelihood = 0.5\neffect = [ { path = "segment.houses.count", fixed = 1, '
     "uniform = [1, 2] } ]", "give exactly one of fixed, uniform, triangular, choice"),
    ('likelihood = 0.5\neffect = [ { path = "segment.houses.count", uniform = [5, 1] } ]',
     "uniform: expected [low, high] with low <= high"),
    ('likelihood = 0.5\neffect = [ { path = "programme.horizon_end", fixed = 2040 } ]',
     "the programme's horizon cannot be a risk"),
    ('likelihood = 0.5\neffect = [ { path = "segment.houses.count", fixed = -5 } ]',
     "segment.houses.count: Input should be greater than or equal to 0"),
]


@pytest.mark.parametrize(("block", "message"), BAD)
def test_bad_risk_blocks(block: str, message: str, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = with_risks(tmp_path, f'[[risk]]\nid = "r"\n{block}\n')
    code, _, err = run_cli(capsys, monkeypatch, "sweep", str(path), "--samples", "2",
                           "--workers", "1")
    assert code == 2, err
    assert message in err and "Traceback" not in err


def test_an_instance_without_risks_is_refused(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "sweep", str(INSTANCES / "toy.toml"))
    assert code == 2 and "no [[risk]] blocks" in err
