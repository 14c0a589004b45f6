"""`capplan tradeoff` on the command line: a stage the instance has no capacity for."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import run_cli


def test_tradeoff_bad_stage(measure_instance: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "tradeoff", str(measure_instance), "--stage",
                           "engineering")
    assert code == 2 and "the instance has no such capacity" in err
