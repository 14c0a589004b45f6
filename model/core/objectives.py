"""Linear objective terms, one function each (milestone terms: core/milestones.py).

Milestone terms (`finish`, `pNN`) are periods: the first period by whose end all items, or NN%
of the whole scope (history included), are completed. They are found either by a search over
"done by period T" (bounds on undone[s, T] or undone_total[T]) or, in the MILP, by binaries.
Linear terms are cost vectors over the columns:
- `waiting`: sum_{s,t} undone[s, t] * dt, item-years not yet completed;
- `cost`: sum_{stage,t} cost[stage] * cap[stage, t] * dt, capacity cost;
- `scope`: -sum_m value[m] * affected[m] * include[m], the value of included measures;
- `smooth`: sum_t (rise[t] + fall[t]) / dt, the total change of the production rate;
- `capacity`: sum_{stage,t} cap[stage, t] * dt, the last tie-breaker: the least capacity that
  carries the plan.
"""

from __future__ import annotations

import numpy as np

from capplan.core.context import Built
from capplan.core.milestones import is_milestone, milestone_period

LINEAR_TERMS = ("waiting", "cost", "scope", "smooth", "capacity")


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


def smooth_cost(built: Built) -> np.ndarray:
    """c[rise[t]] = c[fall[t]] = periods per year: the total change of the annual production
    rate from period to period (items per year), so that targets can be followed; the same
    measure at every time step."""
    c = np.zeros(built.lp.num_col)
    c[built.v.rise] = built.calendar.per_year
    c[built.v.fall] = built.calendar.per_year
    return c


def distance_cost(built: Built) -> np.ndarray:
    """c[ahead[s, t]] = c[behind[s, t]] = 1: the total change in per-segment completions
    against the reference plan (items)."""
    c = np.zeros(built.lp.num_col)
    for cols in (*built.v.ahead.values(), *built.v.behind.values()):
        c[cols] = 1.0
    return c


def linear_cost(built: Built, term: str) -> np.ndarray:
    """The cost vector of a linear term."""
    return {
        "waiting": waiting_cost,
        "cost": capacity_cost,
        "scope": scope_cost,
        "capacity": capacity_level_cost,
        "smooth": smooth_cost,
        "distance": distance_cost,
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
