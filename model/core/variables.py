"""Decision variables, one function per family. Each returns column indices keyed by what they
index: a path (segment and its measures) and the periods, a stage, a measure.

Units: items for flows and stocks (per period), annual rates for throughput capacity, items at
once for concurrent capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from capplan.core.lp import INF, LinearProgram
from capplan.core.routing import STAGES, Routing
from capplan.inputs.schema import Capacity, Instance


@dataclass
class Variables:
    """Column indices of every decision variable family."""

    eng_start: dict[int, np.ndarray] = field(default_factory=dict)
    exec_start: dict[int, np.ndarray] = field(default_factory=dict)
    backlog: dict[int, np.ndarray] = field(default_factory=dict)
    ready: dict[int, np.ndarray] = field(default_factory=dict)
    undone: dict[int, np.ndarray] = field(default_factory=dict)
    undone_total: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    cap: dict[str, np.ndarray] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    include: dict[str, int] = field(default_factory=dict)
    split: dict[tuple[int, int], int] = field(default_factory=dict)
    relax: dict[str, int] = field(default_factory=dict)
    ahead: dict[int, np.ndarray] = field(default_factory=dict)
    behind: dict[int, np.ndarray] = field(default_factory=dict)
    rise: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    fall: np.ndarray = field(default_factory=lambda: np.zeros(0, int))


def define_flow_variables(lp: LinearProgram, routing: Routing, n: int, v: Variables) -> None:
    """eng_start[p, t], exec_start[p, t] >= 0: items entering engineering / execution on path p
    in period t; backlog[p, t], ready[p, t] >= 0: items released but not yet in engineering,
    and engineered but not yet in execution, at the end of t."""
    for p in range(len(routing.paths)):
        v.eng_start[p] = lp.add_cols(n)
        v.exec_start[p] = lp.add_cols(n)
        v.backlog[p] = lp.add_cols(n)
        v.ready[p] = lp.add_cols(n)


def define_remaining_variables(lp: LinearProgram, instance: Instance, n: int, v: Variables) -> None:
    """undone[s, t] in [0, count_s]: items of segment s not completed by the end of t;
    undone_total[t]: the same over all segments."""
    for s, seg in enumerate(instance.segment):
        v.undone[s] = lp.add_cols(n, 0.0, float(seg.count))
    v.undone_total = lp.add_cols(n, 0.0, float(instance.remaining))


def define_capacity_variables(lp: LinearProgram, instance: Instance, n: int, v: Variables,
                              relaxed: frozenset[str]) -> None:
    """cap[stage, t] in [min, max]: the stage's capacity level in period t (an annual rate for
    `throughput`, items at once for `concurrent`). A relaxed `max` is a row instead of a bound."""
    for stage in STAGES:
        spec: Capacity | None = getattr(instance.capacity, stage)
        if spec is None:
            continue
        upper = INF if f"max:{stage}" in relaxed else spec.max
        v.cap[stage] = lp.add_cols(n, spec.min, upper)


def define_peak_variables(lp: LinearProgram, instance: Instance, v: Variables) -> None:
    """peak[stage] in [0, max]: the highest capacity level of the stage over the horizon (same
    unit as cap); built only for `capplan tradeoff`, whose objective gives it meaning."""
    for stage in v.cap:
        v.peak[stage] = int(lp.add_cols(1, 0.0, getattr(instance.capacity, stage).max)[0])


def define_scope_variables(
    lp: LinearProgram, routing: Routing, v: Variables, integer: bool
) -> None:
    """include[m] in {0, 1}: measure m (mode `choose`) is taken; split[c, k] in [0, 1]: share of
    choice class c that follows its k-th variant."""
    for m in routing.choose:
        v.include[m] = int(lp.add_cols(1, 0.0, 1.0, integer=integer)[0])
    for c, split in enumerate(routing.splits):
        for k in range(len(split.variants)):
            v.split[c, k] = int(lp.add_cols(1, 0.0, 1.0)[0])


def define_relaxation_variables(lp: LinearProgram, relaxed: frozenset[str], v: Variables) -> None:
    """relax[limit] >= 0: how far a limit is raised, in its own unit (elastic re-solve only)."""
    for limit in sorted(relaxed):
        v.relax[limit] = int(lp.add_cols(1)[0])


def define_change_variables(lp: LinearProgram, instance: Instance, n: int,
                            v: Variables) -> None:
    """rise[t], fall[t] in [0, remaining], t = 1 .. n-1: how much production (items completed
    in a period) rises or falls from period t-1 to t; the `smooth` term's measure of change."""
    v.rise = lp.add_cols(max(n - 1, 0), 0.0, float(instance.remaining))
    v.fall = lp.add_cols(max(n - 1, 0), 0.0, float(instance.remaining))


def define_distance_variables(lp: LinearProgram, instance: Instance, n: int, v: Variables,
                              reference: np.ndarray | None) -> None:
    """ahead[s, t], behind[s, t] in [0, count_s]: how many more (fewer) items of segment s
    complete in period t than in the reference plan; only with a reference."""
    if reference is None:
        return
    for s, seg in enumerate(instance.segment):
        v.ahead[s] = lp.add_cols(n, 0.0, float(seg.count))
        v.behind[s] = lp.add_cols(n, 0.0, float(seg.count))
