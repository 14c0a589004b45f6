"""`capplan claims` on the command line: the JSON document, the files of --out, the ledger,
--write, and bad input (exit 2, one message naming the file, the claim and the problem)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import INSTANCES, run_cli, write_file

READY = """
[[assumption]]
id = "ready-at-start"
paths = ["segment.*.in_progress.ready"]
range = [0, 1000]
source = "test: the designs ready at the start are not known"
"""

CLAIMS = """
[[claim]]
id = "y2025"
text = "750 in 2025"
source = "test"
require = "production 2025 >= 750"
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    instance = write_file(tmp_path, "toy.toml", (INSTANCES / "toy.toml").read_text() + READY)
    return instance, write_file(tmp_path, "claims.toml", CLAIMS)


def test_json_is_the_claims_document(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy makes at most 500 in 2025 (ready 500, capacity 750): the claim does not hold,
    and 250 more ready designs make it hold (see tests/questions/test_claims.py)."""
    instance, claims = files
    code, out, _ = run_cli(capsys, monkeypatch, "claims", str(instance), "--claims",
                           str(claims), "--format", "json", "--no-ledger")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "capplan/claims/1"
    assert [{k: c[k] for k in ("id", "holds", "model_value")} for c in doc["claims"]] == [
        {"id": "y2025", "holds": False, "model_value": 500}]
    calibration = doc["calibration"]
    assert calibration["status"] == "found" and calibration["conflict"] == []
    assert [{k: c[k] for k in ("assumption", "path", "from", "to")}
            for c in calibration["changes"]] == [
        {"assumption": "ready-at-start", "path": "segment.houses.in_progress.ready",
         "from": 500, "to": 750}]


def test_table_out_files_and_ledger(files: tuple[Path, Path], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    instance, claims = files
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, monkeypatch, "claims", str(instance), "--claims",
                             str(claims), "--out", str(out_dir))
    assert code == 0
    assert "at most 500 in 2025" in out
    assert 'y2025 ("750 in 2025") needs at least 750 designs ready at the start in houses ' \
           "(assumed 500)." in out
    assert "recorded as run 1" in err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "changes.csv", "checked.csv", "claims.json", "claims.xlsx"]
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "show", "1")
    assert code == 0
    assert json.loads(out)["document"]["schema"] == "capplan/claims/1"


def test_write_marks_the_changed_line(files: tuple[Path, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    instance, claims = files
    target = tmp_path / "calibrated.toml"
    code, _, _ = run_cli(capsys, monkeypatch, "claims", str(instance), "--claims", str(claims),
                         "--write", str(target), "--no-ledger")
    assert code == 0
    assert ("in_progress = { ready = 750 }  # assumption: 500 designs ready at the start  "
            "# calibrated: y2025") in target.read_text()


@pytest.mark.parametrize(("claim", "assumption", "problem"), [
    ('require = "p95 <= 2028"\nscenario = "fast"', READY,
     "claim.bad.scenario: scenarios.fast: no such scenario (known: none)"),
    ('require = "p95 <= 2040"', READY, "claim.bad.require: 2040 is outside the horizon"),
    ('require = "p95 before 2028"', READY, "claim.bad.require: cannot read"),
    ('require = "p95 <= 2028"\nset = ["segment.flats.count=1"]', READY,
     "claim.bad.set: --set segment.flats.count: segment 'flats' matches nothing"),
    ('require = "p95 <= 2028"', READY.replace("segment.*.in_progress", "region.*.in_progress"),
     "assumption.ready-at-start.paths: 'region.*.in_progress.ready' matches nothing"),
    ('require = "p95 <= 2028"', READY.replace("[0, 1000]", "[5, 5]"),
     "range: [5, 5] is empty"),
])
def test_bad_input_exits_2_naming_file_claim_and_problem(
        tmp_path: Path, claim: str, assumption: str, problem: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    instance = write_file(tmp_path, "toy.toml", (INSTANCES / "toy.toml").read_text() + assumption)
    claims = write_file(tmp_path, "claims.toml", f'[[claim]]\nid = "bad"\n{claim}\n')
    target = tmp_path / "calibrated.toml"
    code, out, err = run_cli(capsys, monkeypatch, "claims", str(instance), "--claims",
                             str(claims), "--write", str(target), "--no-ledger")
    assert code == 2
    assert err.startswith("error: ") and problem in err and "Traceback" not in err
    assert str(claims) in err or str(instance) in err
    assert not target.exists() and out == ""
