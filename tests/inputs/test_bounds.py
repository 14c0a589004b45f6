"""Every number in an instance is finite and bounded: NaN, infinity, counts near 2^63 and lead
times longer than the horizon are input errors (exit 2) naming the `--set` path and the bound,
never a crash inside the solver or a wrong plan."""

from __future__ import annotations

import pytest

from builders import MEASURE, run_cli, segment, write_file
from capplan.errors import InputError
from capplan.inputs.schema import validate

TOY = "instances/toy.toml"


@pytest.mark.parametrize(("setting", "key", "bound"), [
    ("capacity.execution.extra={2026=nan}", "capacity.execution.extra.2026", "1e9"),
    ("history.completed.2024=9223372036854775807", "history.completed.2024", "at most 1e9"),
    ("history.completed_before=1000000001", "history.completed_before", "at most 1e9"),
    ("segment.houses.count=9223372036854775807", "segment.houses.count", "at most 1e9"),
    ("segment.houses.engineering_days=inf", "segment.houses.engineering_days", "days"),
    ("segment.houses.engineering_days=1e300", "segment.houses.engineering_days", "days"),
    ("segment.houses.execution_days=9223372036854775808", "segment.houses.execution_days",
     "days"),
    ("segment.houses.execution_days=nan", "segment.houses.execution_days", "days"),
    ("capacity.execution.max=inf", "capacity.execution.max", "at most 1e9"),
    ("capacity.execution.initial=nan", "capacity.execution.initial", "at most 1e9"),
    ("capacity.execution.ramp_up=1e300", "capacity.execution.ramp_up", "at most 1e9"),
    ("capacity.execution.cost=-inf", "capacity.execution.cost", "at most 1e9"),
    ("capacity.execution.ramp_down_rel=nan", "capacity.execution.ramp_down_rel", "at most 1"),
    ("objective.tolerance.finish=inf", "objective.tolerance.finish", "at most 1000"),
    ("segment.houses.workload.execution=nan", "segment.houses.workload.execution",
     "at most 1000"),
])
def test_a_non_finite_or_huge_number_names_key_and_bound(capsys, monkeypatch, setting, key,  # type: ignore[no-untyped-def]
                                                         bound) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--set", setting)
    assert code == 2, err
    assert err.startswith("error:")
    assert key in err and bound in err and "finite" in err.replace("whole", "finite")
    assert "internal error" not in err


def test_the_message_states_the_bound(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, monkeypatch, "validate", TOY, "--set",
                           "capacity.execution.max=nan")
    assert code == 2
    assert "capacity.execution.max: must be a finite number at most 1e9" in err


def test_a_lead_time_longer_than_the_horizon_is_refused(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The toy runs 2025..2030: 2,191 days. 3,000 days of design never ends within it."""
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--set",
                           "segment.houses.engineering_days=3000")
    assert code == 2
    assert "segment.houses.engineering_days" in err and "longer than the horizon" in err
    assert "2191 days" in err


def test_a_lead_time_of_the_whole_horizon_is_allowed(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, monkeypatch, "validate", TOY, "--set",
                           "segment.houses.engineering_days=2191")
    assert code == 0, err


def test_extra_days_of_a_measure_are_bounded_by_the_horizon(capsys, monkeypatch,  # type: ignore[no-untyped-def]
                                                            tmp_path) -> None:
    path = write_file(tmp_path, "m.toml", MEASURE)
    for value, expect in (("inf", "finite"), ("1e300", "finite"), ("5000", "longer than")):
        code, _, err = run_cli(capsys, monkeypatch, "plan", str(path), "--set",
                               f"measure.M.extra_days.execution={value}")
        assert code == 2, err
        assert "measure.M.extra_days.execution" in err and expect in err


def test_a_risk_cannot_draw_from_an_infinite_range() -> None:
    raw = {"programme": {"name": "t", "start": 2025, "horizon_end": 2030},
           "segment": [segment()],
           "risk": [{"id": "r", "likelihood": 0.5,
                     "effect": [{"path": "segment.a.count", "uniform": [0, float("inf")]}]}]}
    with pytest.raises(InputError) as exc:
        validate(raw, "t")
    assert any("finite" in p for _, p in exc.value.problems)


def test_bounds_hold_at_the_limit() -> None:
    """1e9 itself is allowed (a count, a capacity)."""
    instance = validate({"programme": {"name": "t", "start": 2025, "horizon_end": 2030},
                         "segment": [segment(count=10**9)],
                         "capacity": {"execution": {"initial": 1e9, "max": 1e9}}}, "t")
    assert instance.remaining == 10**9
