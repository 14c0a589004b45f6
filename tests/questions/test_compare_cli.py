"""`capplan compare` on the command line: its document and files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import run_cli


def test_compare_cli(measure_instance: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "compare", str(measure_instance), "--vary",
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
def test_compare_bad_input(args: list[str], message: str, measure_instance: Path,
                           capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "compare", str(measure_instance), *args)
    assert code == 2 and message in err
