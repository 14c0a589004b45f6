"""Objective terms, one function each, and the milestone indicators of the single MILP.

Milestone terms (`finish`, `pNN`) are periods: the first period by whose end all items, or NN%
of the whole scope (history included), are completed. They are found either by a search over
"done by period T" (bounds on undone[s, T] or undone_total[T]) or, in the MILP, by binaries.
Linear terms are cost vectors over the columns:
- `waiting`: sum_{s,t} undone[s, t] * dt, item-years not yet completed;
- `cost`: sum_{stage,t} cost[stage] * cap[stage, t] * dt, capacity cost;
- `scope`: -sum_m value[m] * affected[m] * include[m], the value of included measures;
- `capacity`: sum_{stage,t} cap[stage, t] * dt, the last tie-breaker: the least capacity that
  carries the plan.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from model.constraints import ModelContext
from model.instance import Instance

if TYPE_CHECKING:
    from model.build import Built

LINEAR_TERMS = ("waiting", "cost", "scope", "capacity")


def is_milestone(term: str) -> bool:
    """`finish` and `pNN` are milestone terms (periods); the rest are linear."""
    return term == "finish" or term.startswith("p")


def items_needed(instance: Instance, term: str) -> float:
    """Items of the whole scope (history included) that a milestone term counts as done.

    p95 of 15,644 -> ceil(14,861.8) = 14,862, as the regulator's letter counts.
    """
    if term == "finish":
        return float(instance.scope)
    share = float(term[1:]) / 100.0
    return float(math.ceil(share * instance.scope - 1e-9))


def remaining_allowed(instance: Instance, term: str) -> float:
    """Most items that may remain undone once a milestone is reached (items)."""
    return max(0.0, instance.scope - items_needed(instance, term))


def done_by_bounds(built: Built, term: str, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper bounds that say "milestone `term` reached by the end of `period`".

    finish: undone[s, t] <= 0 for all s and t >= period; pNN: undone_total[t] <= allowed.
    """
    v = built.v
    if term == "finish":
        cols = np.concatenate([v.undone[s][period:] for s in v.undone])
        return cols, np.zeros(len(cols))
    cols = v.undone_total[period:]
    return cols, np.full(len(cols), remaining_allowed(built.instance, term))


def milestone_period(built: Built, x: np.ndarray, term: str) -> int | None:
    """First period by whose end the milestone is reached in solution x; None if never."""
    allowed = remaining_allowed(built.instance, term)
    tol = 1e-6 * max(1.0, float(built.instance.remaining))
    left = x[built.v.undone_total]
    hits = np.flatnonzero(left <= allowed + tol)
    return int(hits[0]) if len(hits) else None


def waiting_cost(built: Built) -> np.ndarray:
    """c[undone[s, t]] = dt: item-years of items not yet completed."""
    c = np.zeros(built.lp.num_col)
    for cols in built.v.undone.values():
        c[cols] = built.calendar.dt
    return c


def capacity_cost(built: Built) -> np.ndarray:
    """c[cap[stage, t]] = cost[stage] * dt: capacity cost per unit-year."""
    c = np.zeros(built.lp.num_col)
    for stage, cols in built.v.cap.items():
        c[cols] = getattr(built.instance.capacity, stage).cost * built.calendar.dt
    return c


def scope_cost(built: Built) -> np.ndarray:
    """c[include[m]] = -value[m] * affected[m]: maximise the value of chosen measures."""
    c = np.zeros(built.lp.num_col)
    for m in built.instance.measure:
        if m.id in built.v.include:
            c[built.v.include[m.id]] = -m.value * built.routing.affected[m.id]
    return c


def capacity_level_cost(built: Built) -> np.ndarray:
    """c[cap[stage, t]] = dt: total capacity-years, so levels stay as low as the plan allows."""
    c = np.zeros(built.lp.num_col)
    for cols in built.v.cap.values():
        c[cols] = built.calendar.dt
    return c


def peak_cost(built: Built, stage: str) -> np.ndarray:
    """c[peak[stage]] = 1: the highest capacity level of a stage."""
    c = np.zeros(built.lp.num_col)
    c[built.v.peak[stage]] = 1.0
    return c


def linear_cost(built: Built, term: str) -> np.ndarray:
    """The cost vector of a linear term."""
    return {
        "waiting": waiting_cost,
        "cost": capacity_cost,
        "scope": scope_cost,
        "capacity": capacity_level_cost,
    }[term](built)


def term_value(built: Built, term: str, x: np.ndarray) -> float | int | None:
    """A term's value in solution x: a period index for milestones, else the linear value
    (scope as the positive value of all measures taken, fixed ones included)."""
    if is_milestone(term):
        return milestone_period(built, x, term)
    if term == "scope":
        taken = {m.id for m in built.instance.measure if m.mode == "in"}
        taken |= {m for m, col in built.v.include.items() if x[col] > 0.5}
        return float(sum(m.value * built.routing.affected[m.id]
                         for m in built.instance.measure if m.id in taken))
    return float(linear_cost(built, term) @ x)


def add_milestone_indicator(ctx: ModelContext, term: str) -> np.ndarray:
    """MILP: binaries b[t] = "milestone reached by the end of t", monotone in t.

    finish: undone[s, t] <= count[s] * (1 - b[t]) for all s, t;
    pNN: undone_total[t] <= allowed + (remaining - allowed) * (1 - b[t]) for all t;
    b[t] <= b[t+1]; b[last] = 1. The term's period is n - sum_t b[t].
    """
    lp, v, n = ctx.lp, ctx.v, ctx.n
    reached_at_end = np.zeros(n)
    reached_at_end[-1] = 1.0
    b = lp.add_cols(n, reached_at_end, 1.0, integer=True)
    if term == "finish":
        for s, seg in enumerate(ctx.instance.segment):
            rows = lp.add_rows("milestone:finish", n, upper=float(seg.count))
            lp.add_terms(rows, v.undone[s], 1.0)
            lp.add_terms(rows, b, float(seg.count))
    else:
        allowed = remaining_allowed(ctx.instance, term)
        big = max(0.0, ctx.instance.remaining - allowed)
        rows = lp.add_rows(f"milestone:{term}", n, upper=allowed + big)
        lp.add_terms(rows, v.undone_total, 1.0)
        lp.add_terms(rows, b, big)
    order = lp.add_rows(f"milestone_order:{term}", n - 1, upper=0.0)
    lp.add_terms(order, b[:-1], 1.0)
    lp.add_terms(order, b[1:], -1.0)
    return b
