"""`capplan explain`: the tail's make-up and what binds there, on instances whose tail has one
known cause."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from builders import run_cli

REGIONS = """
[programme]
name = "regions"
start = 2025
horizon_end = 2030
granularity = "year"

[[segment]]
name = "a"
region = "A"
count = 1000
engineering_days = 0
execution_days = 0

[[segment]]
name = "b"
region = "B"
count = 1000
engineering_days = 0
execution_days = 0

[capacity.execution]
initial = 2000
max = 2000

[objective]
terms = ["finish", "waiting"]

[[region]]
name = "A"
execution_max = 500
"""

SLOW = """
[programme]
name = "slow"
start = 2025
horizon_end = 2030
granularity = "year"

[[segment]]
name = "fast"
count = 190
engineering_days = 0
execution_days = 0

[[segment]]
name = "slow"
count = 10
engineering_days = 0
execution_days = 730
"""


def _explain(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    path = tmp_path / "i.toml"
    path.write_text(text)
    code, out, err = run_cli(capsys, monkeypatch, "explain", str(path), "-f", "json")
    assert code == 0, err
    return dict(json.loads(out))


def test_regional_ceiling_tail(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """B's 1,000 and 500 of A in 2025 (A capped at 500 a year), A's last 500 in 2026. 95% of
    2,000 = 1,900 is passed in 2026 with 100 to spare: the last 5% (100 items) are all A's,
    and the A ceiling binds in 2026."""
    doc = _explain(tmp_path, REGIONS, capsys, monkeypatch)
    segments = {s["segment"]: s for s in doc["segments"]}
    assert segments["a"]["last_5"] == pytest.approx(100.0)
    assert segments["a"]["last_5_share"] == pytest.approx(100.0)
    assert segments["b"]["last_5"] == pytest.approx(0.0, abs=1e-6)
    limits = [b["limit"] for b in doc["binding"]]
    assert "the A ceiling of 500 a year in 2026" in limits
    assert doc["tail_start"] == "2026"


def test_lead_time_tail(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """No capacity limits: the 190 fast items (95% of 200) are done in 2025, the 10 slow ones
    take 730 days and finish in 2027: the last 5% and 1% are all slow, held by lead time.
    Cutting slow's lead time by 10% (657 days = 1.8 years) still ends in 2027."""
    doc = _explain(tmp_path, SLOW, capsys, monkeypatch)
    slow = next(s for s in doc["segments"] if s["segment"] == "slow")
    assert slow["last_5"] == pytest.approx(10.0) and slow["last_1_share"] == pytest.approx(100.0)
    assert any(b["segment_or_region"] == "slow" and "lead times of up to 730 days" in b["limit"]
               for b in doc["binding"])
    changes = {c["change"]: c for c in doc["changes"]}
    assert changes["slow lead times -10%"]["finish_gain_months"] == 0
    assert any("slow: 100% of the last 5%" in line
               for line in doc["explanation"])
