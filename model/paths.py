"""Scope classes and paths: which measures each share of a segment takes.

A measure applies to a share of the items of the segments it names. Shares of different
measures are taken as independent, so a segment under measures A and B splits into classes
(A and B, A only, B only, neither) with the products of the shares. A class follows the path of
the measures it takes: measures in mode `in` always, measures in mode `choose` when the solver
includes them, measures in mode `out` never. Classes that end up on the same set of measures
share one path (one set of flow variables).

Work in progress at the start stays on the segment's base path (no measures): the measures
change how items are engineered and executed, and these items are under way already.
"""

from __future__ import annotations

import fnmatch
import itertools
from dataclasses import dataclass

import numpy as np

from model.instance import Instance, Measure, Segment
from model.periods import (
    Calendar,
    days_to_periods,
    distributed_lag,
    wip_completion,
    wip_occupancy,
)

STAGES = ("engineering", "execution")


@dataclass(frozen=True)
class Path:
    """One route of a segment's items through the stages, with a fixed set of measures.

    Lead times in periods (non-integer) and as distributed lags; workload weights per item.
    `fixed_release` is the items per period that enter this path whatever the choices.
    """

    segment: int
    measures: tuple[str, ...]
    lead: dict[str, float]
    lag: dict[str, dict[int, float]]
    weight: dict[str, float]
    fixed_release: np.ndarray

    @property
    def is_base(self) -> bool:
        return not self.measures


@dataclass(frozen=True)
class ChoiceSplit:
    """A class of a segment whose path depends on `choose` measures.

    `release` is the class's items per period; `variants` pairs each subset of its choose
    measures that may be included with the path the class then takes.
    """

    segment: int
    share: float
    release: np.ndarray
    choose: tuple[str, ...]
    variants: tuple[tuple[frozenset[str], int], ...]


@dataclass(frozen=True)
class Routing:
    """All paths and choice splits of an instance."""

    paths: list[Path]
    splits: list[ChoiceSplit]
    choose: list[str]
    affected: dict[str, float]

    def paths_of(self, segment: int) -> list[int]:
        """Indices of the paths of a segment (base path first)."""
        return [i for i, p in enumerate(self.paths) if p.segment == segment]

    def base_path(self, segment: int) -> int:
        """Index of a segment's base path (carries the work in progress)."""
        return next(i for i, p in enumerate(self.paths) if p.segment == segment and p.is_base)


def new_releases(seg: Segment, calendar: Calendar) -> np.ndarray:
    """Items per period that become ready for engineering, not counting work in progress.

    The release profile (default: all at the start) covers all `count` items; items already in
    progress are taken from the earliest releases.
    """
    profile = calendar.profile({k: float(v) for k, v in seg.released.items()}) if (
        seg.released is not None
    ) else np.eye(1, calendar.n, 0).ravel() * seg.count
    to_deduct = float(seg.in_progress.total)
    out = profile.copy()
    for t in range(calendar.n):
        if to_deduct <= 0:
            break
        take = min(out[t], to_deduct)
        out[t] -= take
        to_deduct -= take
    return out


def applies(measure: Measure, seg: Segment) -> bool:
    """Whether a measure names this segment (by glob)."""
    return any(fnmatch.fnmatchcase(seg.name, pattern) for pattern in measure.segments)


def route(instance: Instance) -> Routing:
    """Split every segment into classes by measure and map the classes onto paths."""
    calendar = instance.calendar
    modes = {m.id: m.mode for m in instance.measure}
    paths: list[Path] = []
    splits: list[ChoiceSplit] = []
    affected = {m.id: 0.0 for m in instance.measure}
    for s, seg in enumerate(instance.segment):
        release = new_releases(seg, calendar)
        active = [m for m in instance.measure if m.mode != "out" and applies(m, seg)]
        for m in active:
            affected[m.id] += m.share * float(release.sum())
        index: dict[tuple[str, ...], int] = {}
        fixed: dict[tuple[str, ...], np.ndarray] = {}

        def path_for(measures: frozenset[str], s: int = s, seg: Segment = seg) -> int:
            key = tuple(sorted(measures))
            if key not in index:
                index[key] = len(paths)
                fixed[key] = np.zeros(calendar.n)
                chosen = [m for m in instance.measure if m.id in measures]
                paths.append(_make_path(s, seg, key, chosen, calendar, fixed[key]))
            return index[key]

        path_for(frozenset())
        for taken in itertools.product((False, True), repeat=len(active)):
            share = float(np.prod([m.share if t else 1 - m.share for m, t in zip(active, taken)]))
            if share <= 1e-12:
                continue
            members = [m.id for m, t in zip(active, taken) if t]
            always = frozenset(i for i in members if modes[i] == "in")
            choose = tuple(i for i in members if modes[i] == "choose")
            if not choose:
                path_for(always)
                fixed[tuple(sorted(always))] += share * release
                continue
            variants = tuple(
                (frozenset(subset), path_for(always | frozenset(subset)))
                for r in range(len(choose) + 1)
                for subset in itertools.combinations(choose, r)
            )
            splits.append(ChoiceSplit(s, share, share * release, choose, variants))
    choose_ids = [m.id for m in instance.measure if m.mode == "choose"]
    return Routing(paths, splits, choose_ids, affected)


def _make_path(
    s: int, seg: Segment, key: tuple[str, ...], measures: list[Measure], calendar: Calendar,
    fixed_release: np.ndarray,
) -> Path:
    days = {
        "engineering": seg.engineering_days + sum(m.extra_days.engineering for m in measures),
        "execution": seg.execution_days + sum(m.extra_days.execution for m in measures),
    }
    weight = {
        "engineering": seg.workload.engineering + sum(m.extra_workload.engineering for m in measures),
        "execution": seg.workload.execution + sum(m.extra_workload.execution for m in measures),
    }
    lead = {stage: days_to_periods(days[stage], calendar) for stage in STAGES}
    lag = {stage: distributed_lag(lead[stage]) for stage in STAGES}
    return Path(s, key, lead, lag, weight, fixed_release)


def wip_profiles(
    instance: Instance, routing: Routing
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Work in progress at the start, per stage, as [segment, period] arrays of items: those
    leaving the stage in each period, and those still in it (see periods.wip_completion)."""
    n = instance.calendar.n
    done: dict[str, np.ndarray] = {}
    inside: dict[str, np.ndarray] = {}
    for stage in STAGES:
        done[stage] = np.zeros((len(instance.segment), n))
        inside[stage] = np.zeros((len(instance.segment), n))
        for s, seg in enumerate(instance.segment):
            count = float(getattr(seg.in_progress, stage))
            lead = routing.paths[routing.base_path(s)].lead[stage]
            done[stage][s] = count * wip_completion(lead, n)
            inside[stage][s] = count * wip_occupancy(lead, n)
    return done, inside
