"""Calendar: granularity, period labels, and lead times in days turned into distributed lags.

A year has 365 days. Periods run from the first planned period of `start` (after `offset`
periods of that year, when planning resumes mid-year) to the last of `horizon_end`; period index
0 is the first planned period.

What a period's numbers mean, the same at every time step (year, quarter, month):
- a flow of a period (items released, entering or leaving a stage) is spread evenly over the
  period, so a lead time of L periods moves it to [t + L, t + L + 1): the distributed lag
  (`distributed_lag`), which is exact for such flows;
- a stock (items in a stage, ready, not yet done) and a `concurrent` capacity level are counted
  at the end of the period (`occupancy_kernel`, `wip_occupancy`): an instant, so a stock is
  the same number at the end of 2025Q1 whether counted by quarter or by month;
- a `throughput` capacity level is an annual rate averaged over its period;
- ramps bound the change of a level per year (core/constraints.py, add_ramp_limit);
- milestones are quarters (the year at yearly granularity): `milestone_label`, `milestone_end`.
A plan by year cannot place work within a year, so it is coarser than one by quarter or month
(`step_note`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Granularity = Literal["year", "quarter", "month"]

PERIODS_PER_YEAR: dict[str, int] = {"year": 1, "quarter": 4, "month": 12}
DAYS_PER_YEAR = 365.0

_KEY = re.compile(r"^(?P<year>\d{4})(?:Q(?P<q>[1-4])|-(?P<m>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Calendar:
    """The planning periods: `n` periods of `1 / per_year` years from `start` to `end`, the
    first `offset` periods of `start` left out (a replan from 2025Q3 has offset 2 quarters)."""

    start: int
    end: int
    granularity: Granularity
    offset: int = 0

    @property
    def per_year(self) -> int:
        """Periods per year (1, 4 or 12)."""
        return PERIODS_PER_YEAR[self.granularity]

    @property
    def dt(self) -> float:
        """Length of one period in years."""
        return 1.0 / self.per_year

    @property
    def n(self) -> int:
        """Number of periods in the horizon."""
        return (self.end - self.start + 1) * self.per_year - self.offset

    @property
    def years(self) -> np.ndarray:
        """Calendar year of each period."""
        return self.start + (np.arange(self.n) + self.offset) // self.per_year

    @property
    def days_per_period(self) -> float:
        """Days in one period (365 / periods per year)."""
        return DAYS_PER_YEAR / self.per_year

    def label(self, t: int) -> str:
        """Period label: `2028`, `2028Q3` or `2028-07`."""
        year, k = divmod(t + self.offset, self.per_year)
        year += self.start
        if self.granularity == "year":
            return str(year)
        if self.granularity == "quarter":
            return f"{year}Q{k + 1}"
        return f"{year}-{k + 1:02d}"

    def milestone_label(self, t: int | None) -> str | None:
        """Milestone label of period t: a quarter (`2028Q3`), or the year at yearly granularity.

        `None` when the milestone is not reached within the horizon.
        """
        if t is None:
            return None
        year, k = divmod(t + self.offset, self.per_year)
        year += self.start
        if self.granularity == "year":
            return str(year)
        quarter = k + 1 if self.granularity == "quarter" else k // 3 + 1
        return f"{year}Q{quarter}"

    def milestone_end(self, t: int) -> int:
        """The last period (within the horizon) of the milestone unit containing period t: the
        quarter's last month at monthly granularity, t itself by quarter or year. "Reached by
        2028Q3" means by the end of 2028-09 whatever the step."""
        if self.granularity != "month":
            return t
        return min((t + self.offset) // 3 * 3 + 2 - self.offset, self.n - 1)

    def last_period_of_year(self, year: int) -> int:
        """Index of the last period of `year` (may lie outside the horizon)."""
        return (year - self.start + 1) * self.per_year - 1 - self.offset

    def periods_of_key(self, key: str) -> list[int]:
        """Periods a profile key names: a year (all its periods), `YYYYQn` or `YYYY-MM`.

        Raises ValueError when the key is malformed or finer than the granularity.
        """
        match = _KEY.match(key)
        if match is None:
            raise ValueError(f"'{key}' is not a year (2026), quarter (2026Q2) or month (2026-05)")
        year = int(match["year"])
        first = (year - self.start) * self.per_year - self.offset
        if match["q"] is not None:
            if self.granularity == "year":
                raise ValueError(f"'{key}' names a quarter but the granularity is year")
            q = int(match["q"]) - 1
            if self.granularity == "quarter":
                return [first + q]
            return [first + 3 * q + i for i in range(3)]
        if match["m"] is not None:
            if self.granularity != "month":
                raise ValueError(f"'{key}' names a month but the granularity is {self.granularity}")
            return [first + int(match["m"]) - 1]
        return [first + i for i in range(self.per_year)]

    def profile(self, values: dict[str, float]) -> np.ndarray:
        """Amounts per period from a keyed profile; a year's amount is spread evenly over its
        periods, and keys before the first period count in period 0.

        Raises ValueError for a key past the horizon.
        """
        out = np.zeros(self.n)
        for key, amount in values.items():
            periods = self.periods_of_key(key)
            if periods[-1] >= self.n:
                raise ValueError(f"'{key}' lies after horizon_end {self.end}")
            for t in periods:
                out[max(t, 0)] += amount / len(periods)
        return out


def steps(calendar: Calendar, changes: dict[str, float]) -> np.ndarray:
    """A step profile: each key's amount applies from the first period it names on.
    `{"2026": 500, "2028": -200}` -> 0 before 2026, 500 in 2026-2027, 300 from 2028."""
    out = np.zeros(calendar.n)
    for key, amount in changes.items():
        first = calendar.periods_of_key(key)[0]
        out[max(first, 0):] += amount
    return out


def days_to_periods(days: float, calendar: Calendar) -> float:
    """A lead time in days as a (non-integer) number of periods."""
    return days / calendar.days_per_period


def distributed_lag(periods: float) -> dict[int, float]:
    """Share of items entering in t that leave in t + k, for a lead time of `periods`.

    A non-integer lag L is split: 1 - frac(L) leaves after floor(L) periods, frac(L) after
    ceil(L). 4.71 quarters -> {4: 0.29, 5: 0.71}.
    """
    low = math.floor(periods)
    frac = periods - low
    if frac < 1e-9:
        return {low: 1.0}
    if frac > 1 - 1e-9:
        return {low + 1: 1.0}
    return {low: 1.0 - frac, low + 1: frac}


def occupancy_kernel(lag: dict[int, float]) -> np.ndarray:
    """Share of items entering in t that are still in the stage at the end of t + j, j = 0, 1, ...

    Items enter evenly over their period (as the distributed lag takes them), so of those with
    a lead time of L periods a share min(1, max(0, L - j)) is still in at the end of t + j: an
    item leaving after k periods is in at the ends of t .. t + k - 1. The kernel adds up to L:
    Little's law at every time step. A lead time below one period is in at the end of t for
    the share that leaves in t + 1 only, and a lead time of 0 holds no place.

    Before, an item leaving after k periods counted in t .. t + max(k, 1) - 1: an item of
    lead time 0 counted one whole period, and at a coarse step a short stay counted far more
    than its length (60 days held a place for all of a year period, but 60 / 30.4 = 1.97 of a
    month period's length in months), so a concurrent stage ran slower the coarser the step.
    """
    length = max(lag)
    kernel = np.zeros(length)
    for k, share in lag.items():
        kernel[:k] += share
    return kernel


def wip_completion(periods: float, n: int) -> np.ndarray:
    """Share of the work in progress at the start that leaves a stage in period t.

    Items in progress have a remaining lead time spread uniformly over (0, L], so they leave
    at an even rate over the first L periods; with L = 0 they all leave in period 0.
    """
    out = np.zeros(n)
    if periods <= 1e-9:
        out[0] = 1.0
        return out
    for t in range(min(n, math.ceil(periods - 1e-9))):
        out[t] = (min(periods, t + 1) - t) / periods
    return out


def wip_occupancy(periods: float, n: int) -> np.ndarray:
    """Share of the work in progress at the start still in the stage at the end of period t:
    1 - min(1, (t + 1) / L), what has not yet left (see wip_completion).

    As for new items (occupancy_kernel), an item leaving in period k is in at the ends of
    periods 0 .. k - 1. Before, the items leaving in period 0 also counted in period 0, so with
    a lead time of L periods the first period carried all of the work in progress instead of
    1 - 1 / L of it: 2,600 designs with 430 days left at the start held 2,600 places through a
    year period (instead of 390 at its end), 2,600 through a quarter (instead of 2,048), 2,600
    through a month (instead of 2,416); the coarser the step, the later new work could start.
    """
    done = wip_completion(periods, n)
    return np.clip(1.0 - np.cumsum(done), 0.0, 1.0)


def step_note(calendar: Calendar, lead_days: Iterable[float]) -> str | None:
    """What a plan by year cannot tell, for `validate` and `plan` to show; None by quarter or
    month (whose yearly targets agree within 2% of the scope on the shipped instances).

    A year is one period: the work entering a stage in a year is taken as spread evenly over
    it, so a stage of L days passes a year's work on over [L, L + 365) days, not as soon as
    each item is done, and milestones are known to the year only."""
    if calendar.granularity != "year":
        return None
    days = sorted({round(d) for d in lead_days if d > 0})
    lead = (f" (lead times here {days[0]:,}-{days[-1]:,} days)" if len(days) > 1
            else f" (lead times here {days[0]:,} days)" if days else "")
    return ("granularity year is coarse: the work entering a stage in a year is taken as spread "
            f"evenly over that year, so it passes on later than by quarter{lead}, and "
            "milestones are known to the year only; yearly targets can differ from a quarterly "
            "plan's by several percent of the scope and milestones by a year. For targets plan "
            "by quarter (the default) or month: --set programme.granularity=quarter")


def label_end_month(label: str | None) -> int | None:
    """A milestone label as a month count (year * 12 + month, at the end of its quarter or
    year): `2029Q1` -> 2029 * 12 + 3, `2029` -> 2029 * 12 + 12. None stays None; a label such
    as `before 2025` has no month."""
    if label is None:
        return None
    match = re.fullmatch(r"(\d{4})(?:Q([1-4]))?", label)
    if match is None:
        return None
    return int(match[1]) * 12 + (int(match[2]) * 3 if match[2] else 12)


def months_between(earlier: str | None, later: str | None) -> int | None:
    """Months from one milestone label to another (negative when `later` is earlier)."""
    a, b = label_end_month(earlier), label_end_month(later)
    return None if a is None or b is None else b - a
