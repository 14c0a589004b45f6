"""Constraint families, one function each; `FAMILIES` lists them in the order the model is built.

Notation: p a path (a segment with a fixed set of measures), s a segment, t a period, dt the
period length in years, lag_x[p][k] the share of items entering stage x on path p in t that
leave it in t + k (a distributed lag), occ_x[p][j] the share still in the stage at the end of
t + j. Work in progress at the start (wip) is data: it leaves its stage at an even rate over
the stage's lead time, and it uses capacity like any other item. Flows are even within their
period, stocks and `concurrent` levels are counted at its end, `throughput` levels are annual
rates averaged over it (inputs/calendar.py), so each family means the same at every step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from capplan.core.context import Built
from capplan.core.lp import LinearProgram
from capplan.core.routing import STAGES
from capplan.inputs.calendar import occupancy_kernel, steps
from capplan.inputs.schema import Capacity


def _starts(ctx: Built, stage: str) -> dict[int, np.ndarray]:
    return ctx.v.eng_start if stage == "engineering" else ctx.v.exec_start


def _add_lagged(lp: LinearProgram, rows: np.ndarray, cols: np.ndarray, kernel: dict[int, float],
                coef: float) -> None:
    """rows[t] += coef * sum_k kernel[k] * cols[t - k]."""
    n = len(rows)
    for k, share in kernel.items():
        if k < n:
            lp.add_terms(rows[k:], cols[: n - k], coef * share)


def _add_stage_use(ctx: Built, rows: np.ndarray, stage: str, kind: str,
                   paths: list[int]) -> None:
    """rows[t] += sum_p w[p] * use[p, t]: items leaving the stage in t (throughput) or items
    in it at the end of t (concurrent), weighted by workload."""
    for p in paths:
        path = ctx.routing.paths[p]
        lag = path.lag[stage]
        kernel = lag if kind == "throughput" else dict(enumerate(occupancy_kernel(lag)))
        _add_lagged(ctx.rows, rows, _starts(ctx, stage)[p], kernel, path.weight[stage])


def _wip_use(ctx: Built, stage: str, kind: str, paths: list[int]) -> np.ndarray:
    """The same use by the work in progress at the start (data, on base paths)."""
    source = ctx.wip_done if kind == "throughput" else ctx.wip_inside
    wip = np.zeros(ctx.n)
    for p in paths:
        path = ctx.routing.paths[p]
        if path.is_base:
            wip += path.weight[stage] * source[stage][path.segment]
    return wip


def _per_period(ctx: Built, kind: str) -> float:
    """Capacity units used by one period: dt for annual rates, 1 for items at once."""
    return ctx.calendar.dt if kind == "throughput" else 1.0


def add_release_balance(ctx: Built) -> None:
    """backlog[p, t] = backlog[p, t-1] + released[p, t] - eng_start[p, t], for all p, t (items).

    released[p, t] is the path's fixed release plus, for classes whose path depends on a
    `choose` measure, release[c, t] * split[c, k] of each variant k leading to p.
    """
    lp, v = ctx.rows, ctx.v
    for p, path in enumerate(ctx.routing.paths):
        rows = lp.add_rows("release_balance", ctx.n, path.fixed_release, path.fixed_release)
        lp.add_terms(rows, v.backlog[p], 1.0)
        lp.add_terms(rows[1:], v.backlog[p][:-1], -1.0)
        lp.add_terms(rows, v.eng_start[p], 1.0)
        for c, split in enumerate(ctx.routing.splits):
            for k, (_, target) in enumerate(split.variants):
                if target == p:
                    lp.add_terms(rows, np.full(ctx.n, v.split[c, k]), -split.release)


def add_ready_balance(ctx: Built) -> None:
    """ready[p, t] = ready[p, t-1] + sum_k lag_eng[p][k] eng_start[p, t-k] + wip_eng_done[p, t]
    - exec_start[p, t], for all p, t (items); ready[p, -1] is the ready stock at the start."""
    lp, v = ctx.rows, ctx.v
    for p, path in enumerate(ctx.routing.paths):
        rhs = np.zeros(ctx.n)
        if path.is_base:
            seg = ctx.instance.segment[path.segment]
            rhs += ctx.wip_done["engineering"][path.segment]
            rhs[0] += seg.in_progress.ready
        rows = lp.add_rows("ready_balance", ctx.n, rhs, rhs)
        lp.add_terms(rows, v.ready[p], 1.0)
        lp.add_terms(rows[1:], v.ready[p][:-1], -1.0)
        _add_lagged(lp, rows, v.eng_start[p], path.lag["engineering"], -1.0)
        lp.add_terms(rows, v.exec_start[p], 1.0)


def add_completion_balance(ctx: Built) -> None:
    """undone[s, t] = undone[s, t-1] - sum_p sum_k lag_exec[p][k] exec_start[p, t-k]
    - wip_exec_done[s, t], for all s, t (items); undone[s, -1] = count[s]."""
    lp, v = ctx.rows, ctx.v
    for s, seg in enumerate(ctx.instance.segment):
        rhs = -ctx.wip_done["execution"][s]
        rhs[0] += seg.count
        rows = lp.add_rows("completion_balance", ctx.n, rhs, rhs)
        lp.add_terms(rows, v.undone[s], 1.0)
        lp.add_terms(rows[1:], v.undone[s][:-1], -1.0)
        for p in ctx.routing.paths_of(s):
            _add_lagged(lp, rows, v.exec_start[p], ctx.routing.paths[p].lag["execution"], 1.0)


def add_remaining_total(ctx: Built) -> None:
    """undone_total[t] = sum_s undone[s, t], for all t (items)."""
    rows = ctx.rows.add_rows("remaining_total", ctx.n, 0.0, 0.0)
    ctx.rows.add_terms(rows, ctx.v.undone_total, 1.0)
    for s in range(len(ctx.instance.segment)):
        ctx.rows.add_terms(rows, ctx.v.undone[s], -1.0)


def add_capacity_limit(ctx: Built) -> None:
    """sum_p w[p] * use[p, t] <= (cap[stage, t] + extra[stage, t]) * dt (throughput) or
    cap[stage, t] + extra[stage, t] (concurrent), for all stages with a capacity and all t.

    use is items leaving the stage in t (throughput) or items in it at the end of t
    (concurrent): sum_j occ[p][j] starts[p, t-j] plus the work in progress still in (see
    calendar.occupancy_kernel: an item of lead time L periods holds a place for L periods, so
    a concurrent level carries level / L items a period at every step). extra is capacity
    given on top of the planned level (data; 0 unless the instance adds some). Units: items
    per period on the left; annual rates times dt (years), or items at once, on the right.
    """
    lp, v = ctx.rows, ctx.v
    for stage in STAGES:
        spec: Capacity | None = getattr(ctx.instance.capacity, stage)
        if spec is None:
            continue
        paths = list(range(len(ctx.routing.paths)))
        per = _per_period(ctx, spec.kind)
        given = steps(ctx.calendar, spec.extra) * per
        rows = lp.add_rows(f"capacity_limit:{stage}", ctx.n,
                           upper=given - _wip_use(ctx, stage, spec.kind, paths))
        _add_stage_use(ctx, rows, stage, spec.kind, paths)
        lp.add_terms(rows, v.cap[stage], -per)
        if f"max:{stage}" in ctx.relaxed:
            raised = lp.add_rows(f"capacity_max:{stage}", ctx.n, upper=spec.max)
            lp.add_terms(raised, v.cap[stage], 1.0)
            lp.add_terms(raised, np.full(ctx.n, v.relax[f"max:{stage}"]), -1.0)


def _ramp_years(ctx: Built, kind: str) -> np.ndarray:
    """Years between the instants two consecutive levels stand for: span[t] from level t-1
    (the initial level for t = 0) to level t. See add_ramp_limit."""
    dt = ctx.calendar.dt
    span = np.full(ctx.n, dt)
    span[0] = (1.0 + dt) / 2.0 if kind == "throughput" else dt
    return span


def add_ramp_limit(ctx: Built) -> None:
    """cap[stage, t] - cap[stage, t-1] <= ramp_up * span[t] and cap[stage, t-1] - cap[stage, t]
    <= ramp_down * span[t], for all stages and t, with cap[stage, -1] = initial; relative
    limits cap[t] <= (1 + ramp_up_rel)^span[t] cap[t-1] and cap[t] >= (1 - ramp_down_rel)^span[t]
    cap[t-1]. Ramps are per year, span[t] in years, so the level's rate of change is bounded
    the same at every time step.

    span[t] = dt for t >= 1. span[0]: a `throughput` level is an annual rate averaged over its
    period and `initial` the rate averaged over the year before the start, so span[0] = 1/2 +
    dt/2 (from the middle of that year to the middle of the first period); a `concurrent` level
    is the number of items at once at the end of its period and `initial` the number at the
    start, so span[0] = dt. Then any plan's yearly mean of a throughput level can rise by the
    ramp each year whatever the step: from 1,400 with ramp_up 800, 2025 averages at most 2,200
    by year, by quarter (1,900, 2,100, 2,300, 2,500) and by month (1,833 + 66.7 a month).
    Before, span[0] was dt at every step: 2025 averaged at most 2,200 by year, 1,900 by quarter
    and 1,833 by month, and every later year as much less.
    """
    lp, v = ctx.rows, ctx.v
    for stage in STAGES:
        spec: Capacity | None = getattr(ctx.instance.capacity, stage)
        if spec is None:
            continue
        cap, span = v.cap[stage], _ramp_years(ctx, spec.kind)
        for sign, limit, name in ((1.0, spec.ramp_up, "up"), (-1.0, spec.ramp_down, "down")):
            if limit is None:
                continue
            upper = limit * span
            upper[0] += sign * spec.initial
            rows = lp.add_rows(f"ramp_limit:{stage}:{name}", ctx.n, upper=upper)
            lp.add_terms(rows, cap, sign)
            lp.add_terms(rows[1:], cap[:-1], -sign)
            if f"ramp_{name}:{stage}" in ctx.relaxed:
                lp.add_terms(rows, np.full(ctx.n, v.relax[f"ramp_{name}:{stage}"]), -span)
        for sign, rel, name in ((1.0, spec.ramp_up_rel, "up_rel"),
                                (-1.0, spec.ramp_down_rel, "down_rel")):
            if rel is None:
                continue
            factor = (1.0 + sign * rel) ** span
            upper = np.zeros(ctx.n)
            upper[0] = sign * factor[0] * spec.initial
            rows = lp.add_rows(f"ramp_limit:{stage}:{name}", ctx.n, upper=upper)
            lp.add_terms(rows, cap, sign)
            lp.add_terms(rows[1:], cap[:-1], -sign * factor[1:])


def add_peak_level(ctx: Built) -> None:
    """cap[stage, t] <= peak[stage], for all stages with a peak variable and all t."""
    for stage in ctx.v.peak:
        cap = ctx.v.cap[stage]
        rows = ctx.rows.add_rows(f"peak_level:{stage}", ctx.n, upper=0.0)
        ctx.rows.add_terms(rows, cap, 1.0)
        ctx.rows.add_terms(rows, np.full(ctx.n, ctx.v.peak[stage]), -1.0)


def add_regional_ceiling(ctx: Built) -> None:
    """sum_{p in region r} w_exec[p] * use[p, t] <= execution_max[r] * dt (or items at once
    when execution capacity is concurrent), for all regions r with a ceiling and all t."""
    spec = ctx.instance.capacity.execution
    if not ctx.instance.region or spec is None:
        return
    lp, v = ctx.rows, ctx.v
    for region in ctx.instance.region:
        paths = [p for p, path in enumerate(ctx.routing.paths)
                 if ctx.instance.segment[path.segment].region == region.name]
        per = _per_period(ctx, spec.kind)
        upper = region.execution_max * per - _wip_use(ctx, "execution", spec.kind, paths)
        rows = lp.add_rows(f"regional_ceiling:{region.name}", ctx.n, upper=upper)
        _add_stage_use(ctx, rows, "execution", spec.kind, paths)
        if f"region:{region.name}" in ctx.relaxed:
            lp.add_terms(rows, np.full(ctx.n, v.relax[f"region:{region.name}"]), -per)


def add_measure_choice(ctx: Built) -> None:
    """sum_k split[c, k] = 1 for every choice class c; split[c, k] <= include[m] for each
    measure m its variant k takes, and split[c, k] <= 1 - include[m] for each it leaves out."""
    lp, v = ctx.rows, ctx.v
    for c, split in enumerate(ctx.routing.splits):
        whole = lp.add_rows("measure_choice", 1, 1.0, 1.0)
        for k in range(len(split.variants)):
            lp.add_terms(whole, np.array([v.split[c, k]]), 1.0)
        for k, (taken, _) in enumerate(split.variants):
            for m in split.choose:
                row = lp.add_rows("measure_choice", 1, upper=0.0 if m in taken else 1.0)
                lp.add_terms(row, np.array([v.split[c, k]]), 1.0)
                lp.add_terms(row, np.array([v.include[m]]), -1.0 if m in taken else 1.0)


def add_production_change(ctx: Built) -> None:
    """done[t] - done[t-1] = rise[t] - fall[t], for t = 1 .. n-1 (items per period), where
    done[t] = undone_total[t-1] - undone_total[t] is the production of period t
    (undone_total[-1] = the items remaining at the start)."""
    n = ctx.n
    if n < 2:
        return
    lp, v, u = ctx.rows, ctx.v, ctx.v.undone_total
    rhs = np.zeros(n - 1)
    rhs[0] = float(ctx.instance.remaining)  # done[0] - done[-1] has no done[-1]: 2u0 - u1 - R
    rows = lp.add_rows("production_change", n - 1, rhs, rhs)
    lp.add_terms(rows, u[:-1], 2.0)  # done[t] = u[t-1] - u[t], done[t-1] = u[t-2] - u[t-1]
    lp.add_terms(rows, u[1:], -1.0)
    lp.add_terms(rows[1:], u[:-2], -1.0)
    lp.add_terms(rows, v.rise, -1.0)
    lp.add_terms(rows, v.fall, 1.0)


def add_reference_distance(ctx: Built) -> None:
    """undone[s, t-1] - undone[s, t] - ahead[s, t] + behind[s, t] = ref[s, t], for all s, t
    (items; undone[s, -1] = count[s]): the completions of segment s in period t against the
    reference plan's. Only with a reference."""
    if ctx.reference is None:
        return
    lp, v = ctx.rows, ctx.v
    for s, seg in enumerate(ctx.instance.segment):
        rhs = np.asarray(ctx.reference[s], float).copy()
        rhs[0] -= float(seg.count)
        rows = lp.add_rows("reference_distance", ctx.n, rhs, rhs)
        lp.add_terms(rows, v.undone[s], -1.0)
        lp.add_terms(rows[1:], v.undone[s][:-1], 1.0)
        lp.add_terms(rows, v.ahead[s], -1.0)
        lp.add_terms(rows, v.behind[s], 1.0)


Family = Callable[[Built], None]

FAMILIES: list[Family] = [
    add_release_balance,
    add_ready_balance,
    add_completion_balance,
    add_remaining_total,
    add_capacity_limit,
    add_ramp_limit,
    add_peak_level,
    add_regional_ceiling,
    add_measure_choice,
    add_production_change,
    add_reference_distance,
]
