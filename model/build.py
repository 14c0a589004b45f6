"""build(instance) -> Built: the model, in order, like a table of contents."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from model.constraints import FAMILIES, ModelContext
from model.instance import Instance
from model.lp import CompiledLP, LinearProgram
from model.objectives import add_milestone_indicator, done_by_bounds
from model.paths import Routing, route
from model.periods import Calendar
from model.variables import (
    Variables,
    define_capacity_variables,
    define_flow_variables,
    define_peak_variables,
    define_relaxation_variables,
    define_remaining_variables,
    define_scope_variables,
)


@dataclass
class Built:
    """A built model: the instance, its calendar and paths, variable indices and the LP."""

    instance: Instance
    calendar: Calendar
    routing: Routing
    v: Variables
    lp: CompiledLP
    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    relaxed: frozenset[str] = frozenset()
    seconds: float = 0.0

    @property
    def integer(self) -> bool:
        """Whether any column is integer (the single-MILP form)."""
        return bool(self.lp.col_integer.any())


def build(
    instance: Instance,
    *,
    integer: bool = False,
    milestones: Sequence[str] = (),
    relaxed: frozenset[str] = frozenset(),
    peaks: bool = False,
) -> Built:
    """Build the planning model of an instance.

    integer: measure inclusion binary (the MILP); otherwise include[m] is continuous and is
    fixed to 0 or 1 by the solver's enumeration. milestones: terms that get MILP indicator
    binaries. relaxed: limits made elastic (`max:STAGE`, `ramp_up:STAGE`, `region:NAME`) for
    the infeasibility analysis. peaks: add peak[stage] >= cap[stage, t] (for tradeoffs).
    """
    started = time.perf_counter()
    calendar = instance.calendar
    n = calendar.n
    lp = LinearProgram()
    v = Variables()
    routing = route(instance)

    define_flow_variables(lp, routing, n, v)
    define_remaining_variables(lp, instance, n, v)
    define_capacity_variables(lp, instance, n, v, relaxed)
    if peaks:
        define_peak_variables(lp, instance, v)
    define_scope_variables(lp, routing, v, integer)
    define_relaxation_variables(lp, relaxed, v)

    ctx = ModelContext(instance, calendar, routing, lp, v, relaxed)
    for family in FAMILIES:
        family(ctx)
    indicators = {term: add_milestone_indicator(ctx, term) for term in milestones}

    built = Built(instance, calendar, routing, v, lp.finish(), indicators, relaxed)
    apply_hard_deadline(built)
    built.seconds = time.perf_counter() - started
    return built


def apply_hard_deadline(built: Built) -> None:
    """undone[s, t] <= 0 for all s and all t from the end of the deadline year, when the
    deadline is hard."""
    programme = built.instance.programme
    if not programme.hard_deadline or programme.deadline is None:
        return
    period = built.calendar.last_period_of_year(programme.deadline)
    cols, upper = done_by_bounds(built, "finish", period)
    built.lp.col_upper[cols] = np.minimum(built.lp.col_upper[cols], upper)
