"""Why the tail: which segments and regions make up the last 5% (and 1%) of the scope, which
limits bind in the tail periods, and the single change that shortens the tail most.

The last q% are the items completed after the cumulative curve passes (100 - q)% of the whole
scope; in the period where it passes, the excess is shared among segments in proportion to
their completions that period. A limit binds in a period when its row is at its bound (within
1e-6 of the scale). Late releases and lead times are not rows; they are named when a tail
segment's last release plus its lead times reach into the tail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from capplan.core.context import Built
from capplan.core.milestones import items_needed
from capplan.core.results import Plan
from capplan.core.routing import STAGES, new_releases
from capplan.inputs.calendar import Calendar
from capplan.inputs.load import Loaded
from capplan.questions.compare import Progress, progress_of, whole_numbers
from capplan.questions.variants import Outcome, Variant
from capplan.questions.whatif import earliest, gains, moved

CHANGE = 0.10


@dataclass
class TailExplanation:
    """The tail's make-up, its binding limits, and candidate changes with their gains."""

    start: str | None
    composition: pd.DataFrame
    regions: pd.DataFrame
    binding: pd.DataFrame
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def sentences(self) -> list[str]:
        """A short ranked list in words and numbers."""
        lines = [f"The last 5% are completed after {self.start}."] if self.start else []
        bound = self.binding.groupby("segment_or_region")["limit"].apply(list).to_dict() \
            if len(self.binding) else {}
        for row in self.composition.head(5).to_dict("records"):
            if float(row["last_5"]) <= 0:
                continue
            reason = "; ".join(bound.get(row["segment"], []) + bound.get(row["region"], []))
            lines.append(f"{row['segment']}: {float(row['last_5_share']):.0f}% of the last 5% "
                         f"({float(row['last_5']):,.0f} items), "
                         f"{float(row['last_1_share']):.0f}% of the last 1%"
                         + (f"; bound by {reason}" if reason else "") + ".")
        for row in self.binding[self.binding["segment_or_region"] == ""].to_dict("records"):
            lines.append(f"Bound overall by {row['limit']}.")
        if len(self.changes):
            best = self.changes.iloc[0]
            if (best["finish_gain_months"] or 0) > 0 or (best["p95_gain_months"] or 0) > 0:
                lines.append(f"The 10% change that shortens the tail most: {best['change']} "
                             f"(the finish {moved(best['finish_gain_months'])}, p95 "
                             f"{moved(best['p95_gain_months'])}).")
            else:
                lines.append("No single 10% change moves the finish or p95; the one that saves "
                             f"the most waiting is {best['change']} "
                             f"({best['waiting_saved']:,.0f} item-years).")
        return lines


def tail_shares(built: Built, plan: Plan, share: float) -> pd.Series:
    """Items per segment among the last `share` of the scope (0.05 for the last 5%); a segment
    with none (within the solver's tolerance) has 0.0, never -0.0."""
    per = plan.flows.pivot_table(index="segment", columns="period", values="exec_done",
                                 aggfunc="sum", sort=False)
    order = list(plan.periods["period"])
    per = per[order]
    cumulative = plan.periods["cumulative"].to_numpy()
    needed = items_needed(built.instance, f"p{round(100 * (1 - share), 6):g}")
    tol = 1e-6 * max(1.0, float(built.instance.remaining))
    crossing = np.flatnonzero(cumulative >= needed - tol)
    if not len(crossing):
        return per.sum(axis=1) * 0 + 0.0
    t = int(crossing[0])
    after = per.iloc[:, t + 1:].sum(axis=1)
    total_t = float(per.iloc[:, t].sum())
    excess = max(0.0, float(cumulative[t]) - needed)
    within = per.iloc[:, t] * (excess / total_t if total_t > 0 else 0.0)
    items = after + within
    return items.where(items > tol, 0.0) + 0.0


def composition(built: Built, plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per segment and per region: items and shares (%) of the last 5% and the last 1%."""
    last5, last1 = tail_shares(built, plan, 0.05), tail_shares(built, plan, 0.01)
    regions = {s.name: s.region for s in built.instance.segment}
    table = pd.DataFrame({"segment": last5.index, "region": [regions[s] for s in last5.index],
                          "last_5": last5.to_numpy(), "last_1": last1.reindex(last5.index)
                          .to_numpy()})
    for col in ("last_5", "last_1"):
        total = table[col].sum()
        table[f"{col}_share"] = 100.0 * table[col] / total if total > 0 else 0.0
    table = table.sort_values("last_5", ascending=False, kind="stable").reset_index(drop=True)
    by_region = table.groupby("region", as_index=False)[["last_5", "last_1"]].sum()
    for col in ("last_5", "last_1"):
        total = by_region[col].sum()
        by_region[f"{col}_share"] = 100.0 * by_region[col] / total if total > 0 else 0.0
    return table, by_region.sort_values("last_5", ascending=False).reset_index(drop=True)


def binding_limits(built: Built, x: np.ndarray, plan: Plan, tail: pd.DataFrame) -> pd.DataFrame:
    """What holds the tail back, in the periods from the 95% crossing to the finish.

    A capacity ceiling binds where the level is at its maximum and fully used; a ramp-up where
    the level grows by the most it may; a regional ceiling where the region's execution is at
    its ceiling. (Levels below their maximum are a choice, not a limit: the last pass keeps
    them as low as the plan allows.) Late releases and lead times are named for tail segments
    whose last release plus lead times reach into the tail.
    """
    cal, lp, inst = built.calendar, built.lp, built.instance
    start, end = _tail_start(built, plan), _finish(built, plan)
    columns = ["segment_or_region", "limit", "years"]
    if start is None or end is None:
        return pd.DataFrame(columns=columns)
    activity = lp.row_activity(x)
    scale = 1e-6 * max(1.0, float(inst.remaining))
    window = np.arange(start, end + 1)
    rows: list[dict[str, object]] = []

    def tight(family: str) -> np.ndarray:
        idx = lp.family_rows(family)
        if not len(idx):
            return np.zeros(0, int)
        at = idx[window]
        used = (np.abs(activity[at] - lp.row_upper[at]) <= scale) & (np.abs(activity[at]) > scale
                                                                      if "ramp" in family
                                                                      else True)
        return window[used]

    for stage in STAGES:
        spec = getattr(inst.capacity, stage)
        if spec is None:
            continue
        full = tight(f"capacity_limit:{stage}")
        at_max = full[x[built.v.cap[stage]][full] >= spec.max - scale]
        if len(at_max):
            rows.append(_row("", f"the {stage} maximum of {spec.max:,.0f}", at_max, cal))
        growing = tight(f"ramp_limit:{stage}:up")
        if len(growing):
            rows.append(_row("", f"the {stage} ramp-up of {spec.ramp_up:,.0f} a year", growing,
                             cal))
    for region in inst.region:
        capped = tight(f"regional_ceiling:{region.name}")
        if len(capped) and region.execution_max > 0:
            rows.append(_row(region.name, f"the {region.name} ceiling of "
                                          f"{region.execution_max:,.0f} a year", capped, cal))
    for name in tail.loc[tail["last_5"] > 0, "segment"]:
        s = next(i for i, seg in enumerate(inst.segment) if seg.name == name)
        seg = inst.segment[s]
        released = np.flatnonzero(new_releases(seg, cal) > 1e-9)
        lead = max(sum(p.lead[st] for st in STAGES) for p in built.routing.paths
                   if p.segment == s)
        days = f"lead times of up to {lead * cal.days_per_period:,.0f} days"
        if len(released) and released[-1] + lead >= start:
            rows.append({"segment_or_region": seg.name,
                         "limit": f"late release (last in {cal.label(int(released[-1]))}) and "
                                  + days, "years": []})
        elif lead >= start:
            rows.append({"segment_or_region": seg.name, "limit": days, "years": []})
    return pd.DataFrame(rows, columns=columns)


def _row(who: str, name: str, periods: np.ndarray, cal: Calendar) -> dict[str, object]:
    years = sorted({int(cal.years[t]) for t in periods})
    return {"segment_or_region": who, "limit": f"{name} in {_span(years)}", "years": years}


def _finish(built: Built, plan: Plan) -> int | None:
    tol = 1e-6 * max(1.0, float(built.instance.remaining))
    hits = np.flatnonzero(plan.periods["remaining"].to_numpy() <= tol)
    return int(hits[0]) if len(hits) else None


def _tail_start(built: Built, plan: Plan) -> int | None:
    """The period in which the curve passes 95% of the scope."""
    needed = items_needed(built.instance, "p95")
    tol = 1e-6 * max(1.0, float(built.instance.remaining))
    hits = np.flatnonzero(plan.periods["cumulative"].to_numpy() >= needed - tol)
    return int(hits[0]) if len(hits) else None


def _span(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def candidate_changes(base: Outcome, tail: pd.DataFrame) -> list[tuple[str, tuple[str, ...]]]:
    """Single changes of 10%: each capacity ceiling and ramp-up up, each regional ceiling up,
    and the lead times of the segment with the largest share of the tail down."""
    inst = base.loaded.instance
    out: list[tuple[str, tuple[str, ...]]] = []
    for stage in STAGES:
        spec = getattr(inst.capacity, stage)
        if spec is None:
            continue
        out.append((f"{stage} max +10%", (f"capacity.{stage}.max={spec.max * (1 + CHANGE)}",)))
        if spec.ramp_up is not None:
            out.append((f"{stage} ramp_up +10%",
                        (f"capacity.{stage}.ramp_up={spec.ramp_up * (1 + CHANGE)}",)))
    for region in inst.region:
        out.append((f"{region.name} ceiling +10%",
                    (f"region.{region.name}.execution_max="
                     f"{region.execution_max * (1 + CHANGE)}",)))
    if len(tail) and tail["last_5"].iloc[0] > 0:
        name = tail["segment"].iloc[0]
        seg = next(s for s in inst.segment if s.name == name)
        out.append((f"{name} lead times -10%", (
            f"segment.{name}.engineering_days={seg.engineering_days * (1 - CHANGE)}",
            f"segment.{name}.execution_days={seg.execution_days * (1 - CHANGE)}")))
    return out


def explain_tail(source: Loaded, base: Outcome, solver: str = "highs",
                 progress: Progress | None = None) -> TailExplanation:
    """The whole explanation for a solved plan (see the module's docstring).
    `progress(k, total)` is called after each earliest plan (the reference and one per
    candidate change)."""
    report = progress_of(progress)
    built = base.built
    assert base.solution.x is not None
    tail, regions = composition(built, base.plan)
    binding = binding_limits(built, base.solution.x, base.plan, tail)
    start = _tail_start(built, base.plan)
    candidates = candidate_changes(base, tail)
    reference = earliest(source, base.variant, solver)
    report(1, len(candidates) + 1)
    rows = []
    for label, overrides in candidates:
        variant = Variant(label, base.variant.scenario, base.variant.overrides + overrides)
        rows.append({"change": label, **gains(reference, earliest(source, variant, solver))})
        report(1, len(candidates) + 1)
    changes = pd.DataFrame(rows, columns=["change", "finish_gain_months", "p95_gain_months",
                                          "waiting_saved"])
    if len(changes):
        changes = changes.sort_values(["finish_gain_months", "p95_gain_months", "waiting_saved"],
                                      ascending=False, kind="stable").reset_index(drop=True)
    changes = whole_numbers(changes, ("finish_gain_months", "p95_gain_months"))
    return TailExplanation(built.calendar.milestone_label(start), tail, regions, binding,
                           changes)


def tail_makeup(base: Outcome) -> TailExplanation:
    """The tail's make-up and the limits binding in it for a solved plan, without the
    candidate changes (no further solve)."""
    built = base.built
    assert base.solution.x is not None
    tail, regions = composition(built, base.plan)
    binding = binding_limits(built, base.solution.x, base.plan, tail)
    return TailExplanation(built.calendar.milestone_label(_tail_start(built, base.plan)), tail,
                           regions, binding)
