"""Milestone terms: `finish` and `pNN` are periods, the first by whose end all items, or NN% of
the whole scope (history included), are completed. The search bounds "done by period T"
(`done_by_bounds`); the single MILP adds indicator binaries (`add_milestone_indicator`).

A milestone is a quarter (the year at yearly granularity), as the letters name it and as
every plan prints it (`Calendar.milestone_label`): as an objective term it is optimised to
the quarter at every step, so a monthly plan is not asked to reach 95% in July rather than
September of the same quarter, which would cost the later terms (smoothness, waiting) for a
milestone printed the same; the terms then choose the same plans by month as by quarter.
The candidate periods are the milestone units' last periods (`milestone_ends`)."""

from __future__ import annotations

import math

import numpy as np

from capplan.core.context import Built
from capplan.inputs.schema import Instance


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


def milestone_ends(built: Built) -> np.ndarray:
    """The periods a milestone term can be held to, ascending: the last period of each
    milestone unit (quarter, or year at yearly granularity) within the horizon; every period
    by quarter or year, every third month by month (and the horizon's last period)."""
    calendar = built.calendar
    return np.unique([calendar.milestone_end(t) for t in range(calendar.n)])


def unit_end_index(ends: np.ndarray, period: int) -> int:
    """Index in `ends` of the unit containing `period` (the first end at or after it)."""
    return int(np.searchsorted(ends, period))


def lagged(starts: np.ndarray, lag: dict[int, float]) -> np.ndarray:
    """Items leaving a stage per period: sum_k lag[k] * starts[t - k]."""
    out = np.zeros(len(starts))
    for k, share in lag.items():
        if k < len(starts):
            out[k:] += share * starts[: len(starts) - k]
    return out


def least_undone(built: Built) -> np.ndarray:
    """Per period t, the fewest items that can remain undone at the end of t: every item
    enters engineering as it is released and execution as soon as it is engineered, on the
    quickest path open to it (a `choose` measure not taken: measures only add days), with no
    capacity, ramp or regional limit (items).

    A bound on every plan: completions are the execution lag applied to the starts, the
    starts can run ahead of nothing that this schedule does not already start, and each lag
    is a non-negative kernel, so starting earlier never completes fewer by any period.
    """
    routing, n = built.routing, built.n
    release = np.array([p.fixed_release for p in routing.paths]).reshape(len(routing.paths), n)
    for split in routing.splits:
        quickest = next(target for subset, target in split.variants if not subset)
        release[quickest] += split.release
    done = np.zeros(n)
    for p, path in enumerate(routing.paths):
        ready = lagged(release[p], path.lag["engineering"])
        if path.is_base:
            seg = built.instance.segment[path.segment]
            ready = ready + built.wip_done["engineering"][path.segment]
            ready[0] += seg.in_progress.ready
            done += built.wip_done["execution"][path.segment]
        done += lagged(ready, path.lag["execution"])
    return float(built.instance.remaining) - np.cumsum(done)


def earliest_bound(built: Built, term: str) -> int:
    """The first period by whose end milestone `term` could be reached with unlimited
    capacity (`least_undone`): no plan reaches it earlier. 0 when not even that schedule
    reaches it within the horizon (no plan does; the search finds that out itself)."""
    allowed = remaining_allowed(built.instance, term)
    tol = 1e-6 * max(1.0, float(built.instance.remaining))
    hits = np.flatnonzero(least_undone(built) <= allowed + tol)
    return int(hits[0]) if len(hits) else 0


def add_milestone_indicator(ctx: Built, term: str) -> np.ndarray:
    """MILP: binaries b[t] = "milestone reached by the end of t", monotone in t.

    finish: undone[s, t] <= count[s] * (1 - b[t]) for all s, t;
    pNN: undone_total[t] <= allowed + (remaining - allowed) * (1 - b[t]) for all t;
    b[t] <= b[t+1]; b[last] = 1. The term's period is n - sum_t b[t].
    """
    lp, v, n = ctx.rows, ctx.v, ctx.n
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
