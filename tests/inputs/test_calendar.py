"""Calendar, distributed lags and work-in-progress profiles."""

from __future__ import annotations

import numpy as np
import pytest

from capplan.inputs.calendar import (
    Calendar,
    distributed_lag,
    occupancy_kernel,
    wip_completion,
    wip_occupancy,
)


def test_430_days_is_not_rounded() -> None:
    """430 days at 91.25 days a quarter = 4.7123 quarters: 28.8% leave after 4 quarters,
    71.2% after 5 (no rounding up to 5, nor to two whole years)."""
    cal = Calendar(2025, 2030, "quarter")
    lag = distributed_lag(430 / cal.days_per_period)
    assert set(lag) == {4, 5}
    assert lag[4] == pytest.approx(1 - 430 / 91.25 + 4)
    assert lag[5] == pytest.approx(430 / 91.25 - 4)
    assert sum(lag.values()) == pytest.approx(1.0)


def test_whole_lags() -> None:
    assert distributed_lag(0.0) == {0: 1.0}
    assert distributed_lag(2.0) == {2: 1.0}


def test_occupancy_kernel() -> None:
    """Items in the stage at the end of each period. Lag 1.5: half leave after 1 period (in
    at the end of t), half after 2 (in at the ends of t, t+1): [1.0, 0.5], adding up to 1.5.
    Lag 0.3 ({0: 0.7, 1: 0.3}): only the 0.3 leaving in t + 1 is in at the end of t: [0.3]
    (was [1.0] when an item counted in at least one period). Lag 0 holds no place (was
    [1.0])."""
    assert list(occupancy_kernel({1: 0.5, 2: 0.5})) == [1.0, 0.5]
    assert list(occupancy_kernel({0: 0.7, 1: 0.3})) == pytest.approx([0.3])
    assert list(occupancy_kernel({0: 1.0})) == []


def test_wip_profiles() -> None:
    """Lead time 2.5 periods: work in progress leaves at 0.4, 0.4, 0.2 in periods 0, 1, 2.
    As for new items, it is counted in the stage at the end of each period: 1 - 0.4 = 0.6 at
    the end of period 0, 0.2 at the end of period 1 (the share leaving in period 2), 0 after.
    (Before, the 0.4 leaving in period 0 also counted in period 0, giving 1.0.)"""
    assert np.allclose(wip_completion(2.5, 5), [0.4, 0.4, 0.2, 0, 0])
    assert np.allclose(wip_occupancy(2.5, 5), [0.6, 0.2, 0, 0, 0])
    assert np.allclose(wip_completion(0.0, 3), [1, 0, 0])


def test_labels_and_profiles() -> None:
    cal = Calendar(2025, 2026, "month")
    assert cal.n == 24 and cal.label(13) == "2026-02"
    assert cal.milestone_label(13) == "2026Q1"
    q = Calendar(2025, 2026, "quarter")
    assert q.label(6) == "2026Q3"
    assert list(q.profile({"2025": 400, "2026Q2": 10})) == [100, 100, 100, 100, 0, 10, 0, 0]
    assert q.profile({"2020": 5})[0] == 5
    with pytest.raises(ValueError, match="after horizon_end"):
        q.profile({"2027": 1})
    with pytest.raises(ValueError, match="names a month"):
        q.profile({"2025-03": 1})


def test_calendar_starting_mid_year() -> None:
    """A quarterly calendar resuming after 2025Q2 (offset 2) runs 2025Q3 .. 2026Q4: 6 periods;
    2025 has two of them (indices 0, 1) and its last is index 1; the year key 2025 names
    indices -2..1, so a 2025 release of 400 puts its past half (200) in period 0."""
    cal = Calendar(2025, 2026, "quarter", offset=2)
    assert cal.n == 6
    assert [cal.label(t) for t in (0, 1, 2)] == ["2025Q3", "2025Q4", "2026Q1"]
    assert list(cal.years) == [2025, 2025, 2026, 2026, 2026, 2026]
    assert cal.last_period_of_year(2025) == 1 and cal.last_period_of_year(2026) == 5
    assert cal.periods_of_key("2025") == [-2, -1, 0, 1]
    assert cal.milestone_label(2) == "2026Q1"
    assert list(cal.profile({"2025": 400})) == [300, 100, 0, 0, 0, 0]
    months = Calendar(2025, 2025, "month", offset=6)
    assert months.n == 6 and months.label(0) == "2025-07"
    assert months.milestone_label(3) == "2025Q4"
