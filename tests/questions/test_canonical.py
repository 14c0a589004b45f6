"""One instance, one set of numbers: every command reports the same canonical milestones and
yearly targets, whichever backend solves it, and a what-if moves only what it must."""

from __future__ import annotations

import numpy as np
import pytest

import capplan
from builders import INSTANCES
from capplan.core.context import Built
from capplan.core.solve import plan
from capplan.questions.claims import HALF, Row, cumulative_terms
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
def test_added_capacity_lowers_the_curve_only_where_the_terms_need_it(
        instance: object, add: str) -> None:
    """More capacity is a relaxation: every plan without it is still feasible, and the plan
    with it, the one closest to the plan without among its equally good plans, is done at
    least as far by every year's end, unless no equally good plan is. The terms are optimised
    in order, not the curve: when the capacity brings a milestone forward, the terms after it
    (`smooth`: the least change from period to period) are optimised for the new milestone,
    and a plan that keeps every year's end as far as without may cost more of them. So where
    the curve falls behind, the plan with the capacity and every year's end held at least as
    far as without (the whole items of the plan without, less half an item; the plan without
    is one) must be worse on the terms, compared in their order.

    On Groningen, 500 more execution capacity from 2026 brings p95 from 2028Q3 to 2028Q2;
    the plan then makes 1,927 in 2025 (2,000 without): holding 2,000 in 2025 and every later
    year's end costs 10,516 of smoothness instead of 7,621 at the same finish and p95."""
    result = capplan.whatif(str(instance), add=[add])
    without, with_ = (_cumulative(o) for o in result.outcomes)
    done_all = max(with_.values())  # the trajectory ends with the finish year
    behind = [year for year, done in without.items() if with_.get(year, done_all) < done]
    if not behind:
        return
    outcome = result.outcomes[1]
    start = outcome.loaded.instance.programme.start

    def as_far(built: Built) -> list[Row]:
        rows = []
        for year, done in without.items():
            if year >= start:
                cols, vals, constant = cumulative_terms(built, year)
                rows.append((cols, vals, done - constant - HALF, np.inf))
        return rows

    _, held = plan(outcome.loaded.instance, extra_rows=as_far)
    assert held.status == "optimal"  # the plan without is one such plan: a relaxation
    terms = outcome.solution.terms
    free = [_term(outcome.solution.values[t]) for t in terms]
    kept = [_term(held.values[t]) for t in terms]
    for a, b, term in zip(free, kept, terms, strict=True):
        if b > a + 1e-6 * max(1.0, abs(a)):
            break  # worse on this term, equal on those before it
        assert abs(b - a) <= 1e-6 * max(1.0, abs(a)), (term, a, b, behind)
    else:
        raise AssertionError(f"a plan as far in {behind} is as good on every term: {kept}")


def _term(value: float | int | None) -> float:
    assert value is not None  # every term has a value in an optimal plan
    return float(value)


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
