"""The tradeoff between a date and the capacity it needs, solved by hand."""

from __future__ import annotations

import pytest

from builders import make, segment
from capplan.questions.tradeoff import tradeoff


def test_capacity_years_with_the_least_peak_held() -> None:
    """3,000 items, no lead times; execution 1,000 a year before start, ramp-up 1,000 and
    ramp-down 500 a year, max 3,000; horizon 2030. 2025 can do at most 2,000, so the earliest
    finish is 2026.

    Least peak by year k: 3,000 / k a year, every year: by 2026 1,500, by 2027 1,000, by 2028
    750, by 2029 600. Held at that peak, the level can fall only 500 a year after the last
    item: by 2026 1,500 + 1,500, then 1,000 + 500 idle = 4,500 capacity-years; by 2027
    3 x 1,000 + 500 = 3,500; by 2028 4 x 750 + 250 = 3,250; by 2029 5 x 600 + 100 = 3,100.
    (Without the peak held the least capacity-years are the work itself, 3,000, from 2027 on:
    production falls 500 a year at the end, 1,500 + 1,000 + 500, and nothing is idle.)

    p95 = 2,850 items, earliest 2026: least peak 1,425 (2,850 in two years); held there, the
    last 150 come in 2027 while the level falls 500 a year: 1,425 + 1,425 + 925 + 425 = 4,200.
    """
    inst = make([segment(count=3000)],
                execution={"initial": 1000, "max": 3000, "ramp_up": 1000, "ramp_down": 500})
    table = tradeoff(inst, periods=3)
    finish = table[table["milestone"] == "finish"]
    assert list(finish["by"]) == ["2026", "2027", "2028", "2029"]
    assert list(finish["least_peak_execution"]) == pytest.approx([1500, 1000, 750, 600])
    assert list(finish["least_capacity_years"]) == pytest.approx([4500, 3500, 3250, 3100])
    p95 = table[table["milestone"] == "p95"].iloc[0]
    assert p95["by"] == "2026"
    assert p95["least_peak_execution"] == pytest.approx(1425)
    assert p95["least_capacity_years"] == pytest.approx(4200)
