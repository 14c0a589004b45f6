"""`capplan whatif`: a known gain, marginal gains, and bad additions."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from builders import run_cli
from capplan.questions.variants import solver_zero
from capplan.questions.whatif import Earliest, gains, moved

FLAT = """
[programme]
name = "flat"
start = 2025
horizon_end = 2030
granularity = "year"

[[segment]]
name = "a"
count = 3000
engineering_days = 0
execution_days = 0

[capacity.execution]
initial = 1000
max = 1000
ramp_up = 0
"""


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    path = tmp_path / "flat.toml"
    path.write_text(FLAT)
    return path


def test_added_capacity_gains_a_year(instance: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """3,000 items at 1,000 a year (no ramp room): finish 2027, waiting 2,000 + 1,000 =
    3,000 item-years. 500 given from 2025: 1,500 a year -> finish 2026 (12 months earlier);
    p95 = 2,850 items: 2027 -> 2026 (12 months); waiting 1,500 -> 1,500 saved."""
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--add",
                           "execution=+500@2025", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["gains"]["finish_gain_months"] == 12
    assert doc["gains"]["p95_gain_months"] == 12
    assert doc["gains"]["waiting_saved"] == pytest.approx(1500.0, rel=1e-6)
    assert [v["finish"] for v in doc["variants"]] == ["2027", "2026"]


def test_raise_a_limit(instance: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Raising max to 1,500 alone changes nothing: ramp_up = 0 keeps the rate at 1,000.
    Raising ramp_up to 500 as well: 1,500 a year -> finish 2026."""
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--raise",
                           "execution.max=1500", "-f", "json")
    assert code == 0 and json.loads(out)["gains"]["finish_gain_months"] == 0
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--raise",
                           "execution.max=1500", "--raise", "execution.ramp_up=500", "-f", "json")
    assert code == 0 and json.loads(out)["gains"]["finish_gain_months"] == 12


def test_marginal(instance: Path, capsys: pytest.CaptureFixture[str],
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """100 more in 2025 only: 1,100 + 1,000 + 900 -> still 2027 (0 months), remaining 1,900
    and 900 instead of 2,000 and 1,000: 200 item-years saved. 100 more in 2027 (the last
    year): finish stays 2027, nothing saved."""
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--marginal",
                           "-f", "json")
    assert code == 0
    rows = {(r["stage"], r["year"]): r for r in json.loads(out)["marginal"]}
    assert set(rows) == {("execution", 2025), ("execution", 2026), ("execution", 2027)}
    assert rows["execution", 2025]["finish_gain_months"] == 0
    assert rows["execution", 2025]["waiting_saved"] == pytest.approx(200.0, rel=1e-6)
    assert rows["execution", 2026]["waiting_saved"] == pytest.approx(100.0, rel=1e-6)
    assert rows["execution", 2027]["waiting_saved"] == pytest.approx(0.0, abs=1e-2)


@pytest.mark.parametrize(("args", "message"), [
    (["--add", "execution=500"], "expected STAGE=+AMOUNT@YEAR"),
    (["--add", "engineering=+5@2026"], "no capacity 'engineering' (the instance has: execution)"),
    (["--raise", "execution.speed=3"], "expected STAGE.LIMIT=VALUE"),
    (["--add", "execution=+5@2050"], "capacity.execution.extra.2050"),
    ([], "give --add, --raise or --marginal"),
])
def test_whatif_bad_input(args: list[str], message: str, instance: Path,
                          capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "whatif", str(instance), *args)
    assert code == 2, err
    assert message in err


def test_added_capacity_is_capacity_in_use(instance: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """3,000 items at 1,000 a year; 500 given from 2025: 1,500 a year, of which the planned
    level carries 1,000 (ramp_up 0) and the capacity given 500, so the peak execution capacity
    in use is 1,000 without and 1,500 with (not the planned level alone, 1,000). The sentence
    says it in the user's words."""
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--add",
                           "execution=+500@2025", "-f", "json", "--no-ledger")
    assert code == 0
    doc = json.loads(out)
    assert [v["peak_execution"] for v in doc["variants"]] == pytest.approx([1000.0, 1500.0])
    assert doc["additions"] == ["capacity.execution.extra.2025=500.0"]
    assert doc["described"] == ["500 more execution capacity from 2025"]
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--add",
                           "execution=+500@2025", "--no-ledger")
    assert ("With 500 more execution capacity from 2025: the earliest finish moves 12 months "
            "earlier, the earliest p95 moves 12 months earlier, and the least waiting at the "
            "earliest finish falls by 1,500 item-years.") in out


def test_sentences_for_no_move_and_a_later_one(instance: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Raising max to 1,500 changes nothing (ramp_up 0): nothing moves. 500 less from 2026:
    1,000 in 2025, then 500 a year: 3,000 by 2029 (finish 2027 -> 2029, 24 months later);
    p95 = 2,850 also in 2029; waiting 2,000 + 1,500 + 1,000 + 500 = 5,000 item-years against
    2,000 + 1,000 = 3,000: 2,000 more."""
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--raise",
                           "execution.max=1500", "--no-ledger")
    assert code == 0
    assert ("With the execution maximum at 1,500 instead of 1,000: the earliest finish does not "
            "move, the earliest p95 does not move, and the least waiting at the earliest finish "
            "does not change.") in out
    code, out, _ = run_cli(capsys, monkeypatch, "whatif", str(instance), "--add",
                           "execution=-500@2026", "--no-ledger")
    assert code == 0
    assert ("With 500 less execution capacity from 2026: the earliest finish moves 24 months "
            "later, the earliest p95 moves 24 months later, and the least waiting at the "
            "earliest finish rises by 2,000 item-years.") in out


def test_no_negative_zero() -> None:
    """Equal waiting up to the solver's tolerance (3,000 against 3,000.0000001) saves 0.0, not
    -0.0 (which a JSON document and a table would print as -0.0)."""
    base: Earliest = {"finish": "2027", "p95": "2027", "waiting": 3000.0}
    other: Earliest = {"finish": "2027", "p95": "2027", "waiting": 3000.0000001}
    saved = gains(base, other)["waiting_saved"]
    assert saved == 0.0 and math.copysign(1.0, float(saved or 0.0)) == 1.0
    assert math.copysign(1.0, solver_zero(-1e-9)) == 1.0
    assert solver_zero(-0.5) == -0.5
    assert [moved(m) for m in (0, 3, 1, -6, None)] == [
        "does not move", "moves 3 months earlier", "moves 1 month earlier",
        "moves 6 months later", "cannot be compared (beyond the horizon in one of the plans)"]
