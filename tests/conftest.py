"""Pytest fixtures shared by every test folder; the builders they use live in builders.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import MEASURE, PSEUDONYM_KEY, SOLVERS


@pytest.fixture(autouse=True)
def _ledger_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test records its runs in its own ledger, never in the working folder."""
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("CAPPLAN_LEDGER", str(path))
    return path


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def measure_instance(tmp_path: Path) -> Path:
    """builders.MEASURE written to a file."""
    path = tmp_path / "m.toml"
    path.write_text(MEASURE)
    return path


@pytest.fixture
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Residents' commands find builders.PSEUDONYM_KEY in CAPPLAN_PSEUDONYM_KEY."""
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", PSEUDONYM_KEY)
