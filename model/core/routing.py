"""Scope classes and paths: which measures each share of a segment takes.

A measure applies to a share of the items of the segments it names. Shares of different
measures are taken as independent, so a segment under measures A and B splits into classes
(A and B, A only, B only, neither) with the products of the shares. A class follows the path of
the measures it takes: measures in mode `in` always, measures in mode `choose` when the solver
includes them, measures in mode `out` never. Classes that end up on the same set of measures
share one path (one set of flow variables).

Work in progress at the start stays on the segment's base path (no measures): the measures
change how items are engineered and executed, and these items are under way already.

Each segment's lead times in whole periods (`Lags`, from its base path's distributed lags) are
derived here once and carried on the routing, for whoever hands a plan's flows to items.
"""

from __future__ import annotations

import fnmatch
import itertools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from capplan.inputs.calendar import (
    Calendar,
    days_to_periods,
    distributed_lag,
    step_note,
    wip_completion,
    wip_occupancy,
)
from capplan.inputs.schema import Instance, Measure, Segment

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

    release: np.ndarray
    choose: tuple[str, ...]
    variants: tuple[tuple[frozenset[str], int], ...]


class Lags(NamedTuple):
    """A segment's lead times in whole periods: the shortest through engineering and through
    execution (the first step of its base path's distributed lag; measures only add to them),
    and the longest through execution (its last step)."""

    engineering: int
    execution: int
    execution_longest: int


@dataclass(frozen=True)
class Routing:
    """All paths and choice splits of an instance, and each segment's Lags by name."""

    paths: list[Path]
    splits: list[ChoiceSplit]
    choose: list[str]
    affected: dict[str, float]
    lags: dict[str, Lags]

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
    paths: list[Path] = []
    splits: list[ChoiceSplit] = []
    affected = {m.id: 0.0 for m in instance.measure}
    for s, seg in enumerate(instance.segment):
        release = new_releases(seg, instance.calendar)
        active = [m for m in instance.measure if m.mode != "out" and applies(m, seg)]
        for m in active:
            affected[m.id] += m.share * float(release.sum())
        _route_segment(instance, s, release, active, paths, splits)
    choose_ids = [m.id for m in instance.measure if m.mode == "choose"]
    return Routing(paths, splits, choose_ids, affected, segment_lags(instance, paths))


def segment_lags(instance: Instance, paths: list[Path]) -> dict[str, Lags]:
    """Per segment name, its Lags: read off its base path's distributed lags."""
    out = {}
    for path in paths:
        if path.is_base:
            eng, exe = path.lag["engineering"], path.lag["execution"]
            out[instance.segment[path.segment].name] = Lags(min(eng), min(exe), max(exe))
    return out


def lags_of(instance: Instance) -> dict[str, Lags]:
    """Per segment name, its Lags on the instance's calendar (those a built model carries as
    `built.routing.lags`)."""
    return route(instance).lags


def _route_segment(
    instance: Instance, s: int, release: np.ndarray, active: list[Measure], paths: list[Path],
    splits: list[ChoiceSplit],
) -> None:
    """Add the paths and choice splits of segment s: one class per combination of the
    measures that apply, with the product of their shares."""
    seg = instance.segment[s]
    index: dict[tuple[str, ...], int] = {}

    def path_for(measures: frozenset[str]) -> int:
        key = tuple(sorted(measures))
        if key not in index:
            index[key] = len(paths)
            chosen = [m for m in instance.measure if m.id in measures]
            paths.append(_make_path(s, seg, key, chosen, instance.calendar))
        return index[key]

    path_for(frozenset())
    for taken in itertools.product((False, True), repeat=len(active)):
        pairs = list(zip(active, taken, strict=True))
        share = float(np.prod([m.share if t else 1 - m.share for m, t in pairs]))
        if share <= 1e-12:
            continue
        always = frozenset(m.id for m, t in pairs if t and m.mode == "in")
        choose = tuple(m.id for m, t in pairs if t and m.mode == "choose")
        if not choose:
            paths[path_for(always)].fixed_release[:] += share * release
            continue
        variants = tuple(
            (frozenset(subset), path_for(always | frozenset(subset)))
            for r in range(len(choose) + 1)
            for subset in itertools.combinations(choose, r)
        )
        splits.append(ChoiceSplit(share * release, choose, variants))


def _make_path(
    s: int, seg: Segment, key: tuple[str, ...], measures: list[Measure], calendar: Calendar
) -> Path:
    """A path of segment s taking `measures`; its fixed release starts empty."""
    days = {
        stage: getattr(seg, f"{stage}_days") + sum(getattr(m.extra_days, stage) for m in measures)
        for stage in STAGES
    }
    weight = {
        stage: getattr(seg.workload, stage)
        + sum(getattr(m.extra_workload, stage) for m in measures)
        for stage in STAGES
    }
    lead = {stage: days_to_periods(days[stage], calendar) for stage in STAGES}
    lag = {stage: distributed_lag(lead[stage]) for stage in STAGES}
    return Path(s, key, lead, lag, weight, np.zeros(calendar.n))


def time_step_note(instance: Instance, routing: Routing) -> str | None:
    """The note on a coarse time step (calendar.step_note) with the lead times of every path,
    measures included; None by quarter or month."""
    per = instance.calendar.days_per_period
    return step_note(instance.calendar, [path.lead[stage] * per for path in routing.paths
                                         for stage in STAGES])


def wip_profiles(
    instance: Instance, routing: Routing
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Work in progress at the start, per stage, as [segment, period] arrays of items: those
    leaving the stage in each period, and those still in it at the period's end (see
    calendar.wip_completion and calendar.wip_occupancy)."""
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
