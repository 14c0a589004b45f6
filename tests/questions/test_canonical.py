"""One instance, one set of numbers: every command reports the same canonical milestones and
yearly targets, whichever backend solves it, and a what-if moves only what it must."""

from __future__ import annotations

import pytest

import capplan
from builders import INSTANCES
from capplan.questions.variants import Outcome

TOY = INSTANCES / "toy.toml"
GRONINGEN = INSTANCES / "groningen-2024.toml"


def _cumulative(outcome: Outcome) -> dict[int, int]:
    t = outcome.plan.trajectory
    return dict(zip(t["year"].tolist(), t["cumulative"].tolist(), strict=True))


@pytest.mark.parametrize(("instance", "add"), [
    (TOY, "execution=+500@2026"), (TOY, "execution=+250@2027"),
    (GRONINGEN, "execution=+500@2026"), (GRONINGEN, "engineering=+300@2025"),
])
def test_added_capacity_never_lowers_the_curve(instance: object, add: str) -> None:
    """More capacity is a relaxation: the plan with it, the one closest to the plan without
    among its equally good plans, is done at least as far by every year's end."""
    result = capplan.whatif(str(instance), add=[add])
    without, with_ = (_cumulative(o) for o in result.outcomes)
    done_all = max(with_.values())  # the trajectory ends with the finish year
    assert all(with_.get(year, done_all) >= done for year, done in without.items()), (without,
                                                                                      with_)


def test_every_command_reports_the_same_plan() -> None:
    """plan, compare, whatif (without), explain, evaluate (its optimal plan) and sweep (its
    plan without risks) give the Groningen base scenario the same milestones and targets."""
    loaded = capplan.load(GRONINGEN)
    planned = capplan.plan(loaded)
    targets = planned.trajectory.set_index("year")["completed"].to_dict()
    compared = capplan.compare(loaded).outcomes[0].plan
    without = capplan.whatif(loaded, add=["execution=+100@2026"]).outcomes[0].plan
    explained = capplan.explain(loaded).base.plan
    evaluated = capplan.evaluate(loaded, {2024: 1400, 2025: 1800}).evaluation.optimal
    for other in (compared, without, explained, evaluated):
        assert other.milestones == planned.milestones
        assert other.trajectory.set_index("year")["completed"].to_dict() == targets
    swept = capplan.sweep(loaded, samples=2, tornado_samples=0, workers=1)
    assert swept.sweep.deterministic_milestones == planned.milestones


@pytest.mark.parametrize("instance", [TOY, INSTANCES / "groningen-2024.toml"])
def test_backends_print_the_same_targets(instance: object) -> None:
    """HiGHS, CBC and GLOP (and the MILP form) agree on every yearly target and milestone:
    the printed plan is defined by the model, not by the solver."""
    loaded = capplan.load(str(instance))
    if instance != TOY:
        loaded = capplan.load(loaded, overrides=["programme.granularity=year"])
    first = capplan.plan(loaded)
    expected = first.trajectory["completed"].tolist()
    for solver, method in (("cbc", "search"), ("glop", "search"), ("highs", "milp")):
        other = capplan.plan(loaded, solver=solver, method=method)
        assert other.status == "optimal", (solver, method)
        assert other.milestones == first.milestones, (solver, method)
        assert other.trajectory["completed"].tolist() == expected, (solver, method)
