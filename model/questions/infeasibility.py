"""Why a plan is infeasible, in planning terms.

When the requirement (a hard deadline, or a milestone term that must be reached within the
horizon) cannot be met, three questions are answered:
- the earliest feasible finish without the hard deadline;
- which limits bind: each capacity ceiling, ramp-up limit and regional ceiling is made elastic
  on its own (one extra column `relax[limit]` >= 0 added to the limit) and the least raise that
  makes the plan feasible is found by an LP; a limit whose raise helps is binding;
- the smallest single change: the raise with the smallest relative size.
If the requirement cannot be met even with no capacity limits at all, lead times and the
release of work make it unreachable; that is said, with the earliest finish they allow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from capplan.core.backends import Status, open_backend
from capplan.core.build import build
from capplan.core.context import Built
from capplan.core.milestones import done_by_bounds, is_milestone
from capplan.core.routing import STAGES
from capplan.core.solve import plan
from capplan.inputs.schema import CapacitySection, Instance

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Change:
    """One limit raised just enough: from `current` to `needed`, from `year` on."""

    limit: str
    key: str
    current: float
    needed: float
    year: int | None

    @property
    def relative(self) -> float:
        """The raise as a share of the current value (inf when the current value is 0)."""
        return (self.needed - self.current) / self.current if self.current > 0 else math.inf

    def describe(self) -> str:
        raise_by = self.needed - self.current
        when = f" from {self.year}" if self.year is not None else ""
        return f"{self.key} {self.current:,.0f} -> {self.needed:,.0f} (+{raise_by:,.0f}){when}"


@dataclass
class Infeasibility:
    """What cannot be met, the earliest feasible finish, and the single changes that help."""

    requirement: str
    earliest_finish: str | None
    changes: list[Change] = field(default_factory=list)
    unreachable_by_capacity: bool = False
    unlimited_finish: str | None = None

    @property
    def binding(self) -> list[str]:
        """The limits whose raise alone makes the plan feasible."""
        return [c.key for c in self.changes]

    def describe(self) -> list[str]:
        """The explanation as short sentences."""
        lines = [f"Cannot meet: {self.requirement}."]
        if self.earliest_finish:
            lines.append(f"Earliest feasible finish: {self.earliest_finish}.")
        else:
            lines.append("Not all work can be done within the horizon even without a deadline.")
        if self.unreachable_by_capacity:
            lines.append("No capacity raise helps: lead times, the release of work and the work "
                         "in progress make it unreachable; even with unlimited capacity the "
                         f"earliest finish is {self.unlimited_finish or 'beyond the horizon'}.")
        elif self.changes:
            lines.append("Binding limits: " + ", ".join(self.binding) + ".")
            lines.append("Smallest single change: " + self.changes[0].describe() + ".")
            lines += ["Or: " + c.describe() + "." for c in self.changes[1:]]
        else:
            lines.append("No single capacity ceiling, ramp-up or regional ceiling raised on its "
                         "own makes it feasible; capacity limits together do (relative ramps "
                         "included), so raise several at once.")
        return lines

    def table(self) -> pd.DataFrame:
        """One row per single change that makes the plan feasible (smallest first): the
        requirement, the earliest feasible finish, the limit, its current and needed value,
        the change and the year it is first needed; with no such change, one row whose note
        says why (`plan -f csv` on an infeasible plan)."""
        import pandas as pd

        columns = ["requirement", "earliest_finish", "limit", "current", "needed", "change",
                   "from_year", "note"]
        common = {"requirement": self.requirement, "earliest_finish": self.earliest_finish}
        if self.unreachable_by_capacity:
            note = ("no capacity raise helps: lead times, the release of work and the work in "
                    "progress make it unreachable; with unlimited capacity the earliest finish "
                    f"is {self.unlimited_finish or 'beyond the horizon'}")
        elif not self.changes:
            note = "no single limit raised on its own makes it feasible; raise several at once"
        else:
            return pd.DataFrame([{**common, "limit": c.key, "current": c.current,
                                  "needed": c.needed, "change": c.needed - c.current,
                                  "from_year": c.year, "note": None} for c in self.changes],
                                columns=columns)
        return pd.DataFrame([{**common, "limit": None, "current": None, "needed": None,
                              "change": None, "from_year": None, "note": note}],
                            columns=columns)

    def as_dict(self) -> dict[str, object]:
        return {
            "requirement": self.requirement,
            "earliest_finish": self.earliest_finish,
            "binding": self.binding,
            "changes": [
                {"key": c.key, "current": c.current, "needed": c.needed, "year": c.year,
                 "relative": None if math.isinf(c.relative) else c.relative}
                for c in self.changes
            ],
            "unreachable_by_capacity": self.unreachable_by_capacity,
            "unlimited_capacity_finish": self.unlimited_finish,
            "explanation": self.describe(),
        }


def requirement_text(instance: Instance, failed_term: str | None) -> str:
    """What the plan was asked to meet, in words."""
    p = instance.programme
    if p.hard_deadline and p.deadline is not None:
        return f"all {instance.remaining:,} remaining items done by the end of {p.deadline} " \
               "(hard deadline)"
    if failed_term and is_milestone(failed_term):
        what = "all items" if failed_term == "finish" else f"{failed_term[1:]}% of the scope"
        return f"{what} done by the end of {p.horizon_end} (horizon_end)"
    return "the limits at the start (work in progress against initial capacity and ramps)"


def candidate_limits(instance: Instance) -> dict[str, tuple[str, float]]:
    """Limits that can be made elastic: name -> (instance key, current value)."""
    out: dict[str, tuple[str, float]] = {}
    for stage in STAGES:
        spec = getattr(instance.capacity, stage)
        if spec is None:
            continue
        out[f"max:{stage}"] = (f"capacity.{stage}.max", spec.max)
        if spec.ramp_up is not None:
            out[f"ramp_up:{stage}"] = (f"capacity.{stage}.ramp_up", spec.ramp_up)
    for region in instance.region:
        out[f"region:{region.name}"] = (f"region.{region.name}.execution_max",
                                        region.execution_max)
    return out


def explain(instance: Instance, failed_term: str | None, solver: str = "highs") -> Infeasibility:
    """Explain an infeasible plan (see the module's docstring)."""
    soft = instance.model_copy(
        update={"programme": instance.programme.model_copy(update={"hard_deadline": False})}
    )
    result = Infeasibility(requirement_text(instance, failed_term),
                           _earliest_finish(soft, solver))
    unlimited = instance.model_copy(update={"capacity": CapacitySection(), "region": []})
    term = failed_term if failed_term and is_milestone(failed_term) else "finish"
    if plan(unlimited, [term], solver=solver, method="search")[1].status != Status.OPTIMAL:
        result.unreachable_by_capacity = True
        result.unlimited_finish = _earliest_finish(
            unlimited.model_copy(update={"programme": soft.programme}), solver)
        return result
    limits = candidate_limits(instance)
    for limit, (key, current) in limits.items():
        raised = _least_raise(instance, frozenset([limit]), failed_term, solver)
        if raised is None:
            continue
        amount, year = raised
        result.changes.append(Change(limit, key, current, current + math.ceil(amount - 1e-6), year))
    result.changes.sort(key=lambda c: (c.relative, c.needed - c.current))
    return result


def _earliest_finish(instance: Instance, solver: str) -> str | None:
    """The earliest finish of an instance as a milestone label; None beyond the horizon."""
    built, solution = plan(instance, ["finish"], solver=solver, method="search")
    finish = solution.values.get("finish")
    if solution.status != Status.OPTIMAL or finish is None:
        return None
    return built.calendar.milestone_label(int(finish))


def _least_raise(
    instance: Instance, relaxed: frozenset[str], failed_term: str | None, solver: str
) -> tuple[float, int | None] | None:
    """Least total raise of the relaxed limits that makes the requirement feasible, and the
    first year that needs it; None when still infeasible."""
    built = build(instance, relaxed=relaxed)
    backend = open_backend(solver, built.lp)
    if failed_term and is_milestone(failed_term):
        cols, upper = done_by_bounds(built, failed_term, built.calendar.n - 1)
        upper = np.minimum(upper, built.lp.col_upper[cols])
        backend.set_bounds(cols, built.lp.col_lower[cols], upper)
    if built.v.include:
        cols = np.array(list(built.v.include.values()))
        backend.set_bounds(cols, np.zeros(len(cols)), np.zeros(len(cols)))
    cost = np.zeros(built.lp.num_col)
    for col in built.v.relax.values():
        cost[col] = 1.0
    backend.set_cost(cost)
    outcome = backend.solve()
    if outcome.status != Status.OPTIMAL or outcome.x is None:
        return None
    amount = float(sum(outcome.x[col] for col in built.v.relax.values()))
    return amount, _first_year_needed(built, outcome.x, relaxed)


def _first_year_needed(built: Built, x: np.ndarray, relaxed: frozenset[str]) -> int | None:
    """For a raised capacity ceiling: the first year in which capacity goes above it."""
    for limit in relaxed:
        kind, _, name = limit.partition(":")
        if kind == "max":
            spec = getattr(built.instance.capacity, name)
            above = np.flatnonzero(x[built.v.cap[name]] > spec.max + 1e-6)
            if len(above):
                return int(built.calendar.years[above[0]])
    return None
