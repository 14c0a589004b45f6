"""build(instance) -> Built: the model, in order, like a table of contents."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from capplan.core.constraints import FAMILIES
from capplan.core.context import Built
from capplan.core.milestones import add_milestone_indicator, done_by_bounds
from capplan.core.routing import route
from capplan.core.variables import (
    define_capacity_variables,
    define_change_variables,
    define_distance_variables,
    define_flow_variables,
    define_peak_variables,
    define_relaxation_variables,
    define_remaining_variables,
    define_scope_variables,
)
from capplan.inputs.schema import Instance


def build(
    instance: Instance,
    *,
    integer: bool = False,
    milestones: Sequence[str] = (),
    relaxed: frozenset[str] = frozenset(),
    peaks: bool = False,
    reference: np.ndarray | None = None,
) -> Built:
    """Build the planning model of an instance.

    integer: measure inclusion binary (the MILP); otherwise include[m] is continuous and is
    fixed to 0 or 1 by the solver's enumeration. milestones: terms that get MILP indicator
    binaries. relaxed: limits made elastic (`max:STAGE`, `ramp_up:STAGE`, `region:NAME`) for
    the infeasibility analysis. peaks: add peak[stage] >= cap[stage, t] (for tradeoffs).
    reference: per segment and period, the completions of a plan to stay close to.
    """
    started = time.perf_counter()
    ctx = Built(instance, instance.calendar, route(instance), relaxed=relaxed,
                reference=reference)
    lp, v, n = ctx.rows, ctx.v, ctx.n

    # --- variables ---
    define_flow_variables(lp, ctx.routing, n, v)
    define_remaining_variables(lp, instance, n, v)
    define_capacity_variables(lp, instance, n, v, relaxed)
    if peaks:
        define_peak_variables(lp, instance, v)
    define_scope_variables(lp, ctx.routing, v, integer)
    define_relaxation_variables(lp, relaxed, v)
    define_change_variables(lp, instance, n, v)
    define_distance_variables(lp, instance, n, v, reference)

    # --- constraints, one family each (core/constraints.py) ---
    for family in FAMILIES:
        family(ctx)

    # --- milestone indicators of the single MILP ---
    ctx.indicators = {term: add_milestone_indicator(ctx, term) for term in milestones}

    ctx.finish()
    apply_horizon_end(ctx)
    apply_hard_deadline(ctx)
    ctx.seconds = time.perf_counter() - started
    return ctx


def apply_horizon_end(built: Built) -> None:
    """undone[s, T] <= 0 for all s, T the last period: the whole scope is done within the
    horizon (`horizon_end` is the last year the solver may use), whatever the objective's
    terms; a plan that cannot do it is infeasible, with or without `finish` among the terms."""
    cols, upper = done_by_bounds(built, "finish", built.n - 1)
    built.lp.col_upper[cols] = np.minimum(built.lp.col_upper[cols], upper)


def apply_hard_deadline(built: Built) -> None:
    """undone[s, t] <= 0 for all s and all t from the end of the deadline year, when the
    deadline is hard."""
    programme = built.instance.programme
    if not programme.hard_deadline or programme.deadline is None:
        return
    period = built.calendar.last_period_of_year(programme.deadline)
    cols, upper = done_by_bounds(built, "finish", period)
    built.lp.col_upper[cols] = np.minimum(built.lp.col_upper[cols], upper)
