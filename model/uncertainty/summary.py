"""Summaries of a sweep's samples: milestones, years, fan, samples, tornado, robust targets.

P10/P50/P90 of finish and p95 and the probability (%) of finishing by the deadline; per-year
production percentiles; the fan of the cumulative curve; per risk the P50 finish with the risk
forced off and forced on over the same draws (the tornado, and the impact on the likelihood x
impact heatmap); cumulative levels per year reached in a given share of the samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from capplan.inputs.calendar import Calendar, months_between
from capplan.inputs.schema import Risk
from capplan.uncertainty.samples import SampleResult, year_ends


def period_quantile(periods: list[int | None], q: float, n: int) -> int | None:
    """The q-quantile of milestone periods (a period some sample reached; samples beyond the
    horizon count as later than all); None when it lies beyond the horizon."""
    values = np.array([n if p is None else p for p in periods], dtype=float)
    value = int(np.quantile(values, q, method="inverted_cdf"))
    return None if value >= n else value


QUANTILES = {"P10": 0.1, "P50": 0.5, "P90": 0.9}


def percent_value(share: float) -> float:
    """A share as a percentage to one decimal, rounded towards 50 so that it never reads as
    certain or impossible when it is not: 0.48 -> 48.0, 0.485 -> 48.5, 0.9996 -> 99.9 (not
    100.0), 0.0004 -> 0.1 (not 0.0)."""
    value = 100.0 * share
    tenths = value * 10.0
    if abs(tenths - round(tenths)) < 1e-6:
        return round(tenths) / 10.0 + 0.0
    return (math.floor(tenths) if value > 50 else math.ceil(tenths)) / 10.0 + 0.0


def percent(share: float) -> str:
    """A share in words as a percentage, as `percent_value` rounds it: `48%`, `48.5%`."""
    value = percent_value(share)
    return f"{value:.0f}%" if value.is_integer() else f"{value:.1f}%"


def milestone_summary(results: list[SampleResult], calendar: Calendar,
                      deadline: int | None) -> pd.DataFrame:
    """Per milestone (finish, p95): P10/P50/P90 as quarters, and the percentage of samples
    that reach it by the end of the deadline year (`% by YEAR`, see `percent_value`)."""
    rows = []
    for name in ("finish", "p95"):
        periods = [getattr(r, name) for r in results]
        row: dict[str, Any] = {"milestone": name}
        for label, q in QUANTILES.items():
            row[label] = calendar.milestone_label(period_quantile(periods, q, calendar.n)) or (
                "beyond horizon")
        if deadline is not None:
            last = calendar.last_period_of_year(deadline)
            row[f"% by {deadline}"] = percent_value(float(np.mean(
                [p is not None and p <= last for p in periods])))
        rows.append(row)
    return pd.DataFrame(rows)


def cumulative_matrix(results: list[SampleResult]) -> np.ndarray:
    """[sample, period] cumulative items (NaN rows for samples without a plan)."""
    return np.vstack([r.cumulative for r in results])


def yearly_table(results: list[SampleResult], calendar: Calendar, history: float,
                 deterministic: np.ndarray) -> pd.DataFrame:
    """Per year: P10/P50/P90 over the samples of the items completed in the year, and the
    deterministic plan's (items); years after the last with any production are left out."""
    cum = cumulative_matrix(results)
    rows = []
    previous, det_previous = np.full(len(results), history), history
    for year, last in year_ends(calendar).items():
        done = cum[:, last] - previous
        rows.append({"year": year,
                     **{k: float(np.nanquantile(done, q)) for k, q in QUANTILES.items()},
                     "plan": float(deterministic[last] - det_previous)})
        previous, det_previous = cum[:, last], float(deterministic[last])
    table = pd.DataFrame(rows)
    busy = np.flatnonzero((table[["P90", "plan"]].abs() > 0.5).any(axis=1).to_numpy())
    return table.iloc[: int(busy[-1]) + 1] if len(busy) else table


def fan_table(results: list[SampleResult], calendar: Calendar,
              deterministic: np.ndarray) -> pd.DataFrame:
    """Per period: P10/P50/P90 of the cumulative curve over the samples, and the plan's."""
    cum = cumulative_matrix(results)
    table = pd.DataFrame({"period": [calendar.label(t) for t in range(calendar.n)]})
    for label, q in QUANTILES.items():
        table[label] = np.nanquantile(cum, q, axis=0)
    table["plan"] = deterministic
    return table


def samples_table(results: list[SampleResult], risks: list[Risk],
                  calendar: Calendar) -> pd.DataFrame:
    """One row per sample: which risks occurred (`risk:ID`), the drawn values
    (`risk:ID:PATH`), status, milestones and scope. Risk columns carry the `risk:` prefix, so
    a risk named like a column of the sample (`scope`, `finish`) cannot overwrite it."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"sample": r.index}
        for k, risk in enumerate(risks):
            row[f"risk:{risk.id}"] = r.occurs[k]
            for j, value in enumerate(r.values[k]):
                row[f"risk:{risk.id}:{risk.effect[j].path}"] = value
        row.update(status=r.status, finish=calendar.milestone_label(r.finish),
                   p95=calendar.milestone_label(r.p95), scope=r.scope)
        rows.append(row)
    return pd.DataFrame(rows)


def p50_finish(results: list[SampleResult], calendar: Calendar) -> str | None:
    """The median finish quarter of some samples."""
    return calendar.milestone_label(period_quantile([r.finish for r in results], 0.5,
                                                    calendar.n))


def tornado_table(risks: list[Risk],
                  forced: dict[tuple[int, bool], list[SampleResult]],
                  calendar: Calendar) -> pd.DataFrame:
    """Per risk: the P50 finish over the same samples with the risk forced off and forced on,
    and the swing in months (on minus off), largest swing first."""
    rows = []
    for k, risk in enumerate(risks):
        if (k, False) not in forced:
            continue
        off = p50_finish(forced[(k, False)], calendar)
        on = p50_finish(forced[(k, True)], calendar)
        swing = months_between(off, on)
        if swing is None:  # beyond the horizon on one side: count the horizon's end
            end = calendar.milestone_label(calendar.n - 1)
            swing = months_between(off or end, on or end) or 0
        rows.append({"risk": risk.id, "description": risk.description,
                     "likelihood": risk.likelihood, "P50 finish off": off or "beyond horizon",
                     "P50 finish on": on or "beyond horizon", "swing_months": swing})
    table = pd.DataFrame(rows, columns=["risk", "description", "likelihood", "P50 finish off",
                                        "P50 finish on", "swing_months"])
    return table.sort_values("swing_months", key=lambda s: s.abs(), ascending=False,
                             kind="stable").reset_index(drop=True)


def robust_levels(results: list[SampleResult], calendar: Calendar, share: float,
                  history: int) -> dict[int, int]:
    """Cumulative items by the end of each year reached in at least `share` of the samples:
    the (1 - share)-quantile of the samples' cumulative at each year end, rounded down (a
    sample without a plan counts as reaching nothing). Non-decreasing over the years, since
    every sample's curve is."""
    cum = np.nan_to_num(cumulative_matrix(results), nan=float(history))
    out = {}
    for year, last in year_ends(calendar).items():
        level = float(np.quantile(cum[:, last], 1.0 - share, method="inverted_cdf"))
        out[year] = int(np.floor(level + 1e-6))
    return out


def robust_table(levels: dict[int, int], history: int, scope: int) -> pd.DataFrame:
    """Yearly targets from cumulative levels: differences, so they add up to the cumulative
    figures; share of the (risk-free) scope."""
    rows, previous = [], history
    for year, level in levels.items():
        rows.append({"year": year, "target": level - previous, "cumulative": level,
                     "share": 100.0 * level / scope})
        previous = level
        if level >= scope:
            break
    return pd.DataFrame(rows)


def implied(levels: dict[int, int], needed: float) -> int | None:
    """The first year whose cumulative level reaches `needed` items; None if none does."""
    return next((y for y, level in levels.items() if level >= needed - 1e-9), None)
