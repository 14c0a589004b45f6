"""Infeasible answers explained: the earliest feasible finish, what binds, and the least single
change that makes the plan feasible, on hand-solved instances."""

from __future__ import annotations

from builders import deadline_instance, make, segment, solve
from capplan.core.backends import Status
from capplan.questions.infeasibility import explain


def test_hard_deadline_infeasible_with_explanation() -> None:
    """By the end of 2025 the rate is at most 1,500 < 2,000: infeasible. Earliest finish 2026.
    The least single change: ramp_up 500 -> 1,000 (2,000 in 2025); raising max does not help."""
    _, sol, plan = solve(deadline_instance())
    assert sol.status == Status.INFEASIBLE
    assert plan.trajectory.empty
    why = explain(deadline_instance(), sol.failed_term)
    assert why.earliest_finish == "2026"
    assert why.binding == ["capacity.execution.ramp_up"]
    change = why.changes[0]
    assert change.current == 500 and change.needed == 1000
    assert "ramp_up 500 -> 1,000" in why.describe()[3]


def test_capacity_ceiling_change_names_its_year() -> None:
    """Rate 1,000 (initial = max, ramp unlimited), 3,000 items, hard deadline 2026: 2,000 is
    the most by 2026. Raising max to 1,500 suffices (1,500 + 1,500), needed from 2025."""
    inst = make([segment(count=3000)], execution={"initial": 1000, "max": 1000},
                deadline=2026, hard=True)
    _, sol, _ = solve(inst)
    assert sol.status == Status.INFEASIBLE
    why = explain(inst, sol.failed_term)
    assert why.changes[0].key == "capacity.execution.max"
    assert why.changes[0].needed == 1500
    assert why.changes[0].year == 2025


def test_lead_times_make_deadline_unreachable() -> None:
    """Execution takes 730 days (2 years): nothing can finish before 2027, so a hard 2026
    deadline is out of reach whatever the capacity."""
    inst = make([segment(count=10, exe=730)], execution={"initial": 100, "max": 100},
                deadline=2026, hard=True)
    _, sol, _ = solve(inst)
    why = explain(inst, sol.failed_term)
    assert why.unreachable_by_capacity
    assert why.earliest_finish == "2027"
    assert why.unlimited_finish == "2027"


def test_horizon_too_short_is_infeasible() -> None:
    """100 items at 10 a year cannot finish within 2025-2030 (60 at most): `finish` is
    infeasible; earliest finish: none within the horizon."""
    inst = make([segment(count=100)], execution={"initial": 10, "max": 10})
    _, sol, _ = solve(inst)
    assert sol.status == Status.INFEASIBLE and sol.failed_term == "finish"
    why = explain(inst, sol.failed_term)
    assert why.earliest_finish is None
    assert "horizon_end" in why.requirement


def test_relative_ramp_cause_is_not_called_unreachable() -> None:
    """Only a relative ramp limits: 1,000 a year before start, +10% a year, 1,500 items, hard
    deadline 2025 (1,100 at most). Not unreachable (without capacity limits all is done in
    2025), and no single elastic limit helps: the message says to raise several at once.
    Earliest finish: 1,100 + 1,210 >= 1,500 -> 2026."""
    inst = make([segment(count=1500)],
                execution={"initial": 1000, "max": 5000, "ramp_up_rel": 0.1},
                deadline=2025, hard=True)
    _, sol, _ = solve(inst)
    assert sol.status == Status.INFEASIBLE
    why = explain(inst, sol.failed_term)
    assert not why.unreachable_by_capacity
    assert why.earliest_finish == "2026"
    assert why.changes == []
    assert "raise several at once" in why.describe()[-1]
