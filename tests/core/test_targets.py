"""Integer targets that add up: per period and per region, like the yearly ones."""

from __future__ import annotations

import numpy as np
import pytest

import capplan
from builders import INSTANCES
from capplan.core.targets import apportion, period_targets, regional_targets


def test_apportion_by_largest_remainder() -> None:
    """10 over 3.33, 3.33, 3.34: floors 3, 3, 3 leave 1 for the largest remainder (0.34)."""
    assert apportion(10, np.array([3.33, 3.33, 3.34])).tolist() == [3, 3, 4]
    assert apportion(7, np.array([2.5, 2.5, 2.0])).tolist() == [3, 2, 2]
    assert apportion(0, np.array([0.2, 0.1])).tolist() == [0, 0]


@pytest.mark.parametrize("scenario", [None, "pessimistic", "scope-17500"])
def test_quarterly_and_regional_targets_add_up(scenario: str | None) -> None:
    """Each year's quarters and each year's regions add up to its yearly target."""
    result = capplan.plan(INSTANCES / "groningen-2024.toml", scenario=scenario)
    yearly = result.trajectory[~result.trajectory["realised"]].set_index("year")["completed"]
    quarters = period_targets(result.plan).groupby("year")["completed"].sum()
    regions = regional_targets(result.plan).groupby("year")["completed"].sum()
    assert quarters.to_dict() == yearly.to_dict()
    assert regions.to_dict() == yearly.to_dict()
    assert (period_targets(result.plan)["completed"] >= 0).all()
