"""The cost guard's estimate: never below the model built, at most twice it, on the shipped
instances at every granularity and with a concurrent capacity."""

from __future__ import annotations

import pytest

import capplan
from capplan.core.build import build
from capplan.inputs.size import estimate


@pytest.mark.parametrize(("name", "scenario", "overrides"), [
    ("toy", None, []),
    ("toy", None, ["capacity.execution.kind=concurrent", "segment.houses.execution_days=400"]),
    ("groningen-2024", None, ["programme.granularity=year"]),
    ("groningen-2024", "m29-choose", ["programme.granularity=year"]),
    ("groningen-2024", None, ["programme.granularity=quarter"]),
    ("groningen-2024", None, ["programme.granularity=quarter",
                              "capacity.engineering.kind=concurrent"]),
])
def test_the_estimate_bounds_the_built_model(name: str, scenario: str | None,
                                             overrides: list[str]) -> None:
    loaded = capplan.load(name, scenario, overrides)
    built = build(loaded.instance)
    size = estimate(loaded.instance)
    assert built.lp.num_col <= size.columns <= 2 * built.lp.num_col
    assert len(built.lp.values) <= size.nonzeros <= 2 * len(built.lp.values)
    assert len(built.routing.paths) <= size.paths


def test_the_toy_by_hand() -> None:
    """Toy, yearly 2025..2030: 6 periods, 1 segment on 1 path, execution capacity only:
    4 x 1 x 6 = 24 flow columns, (1 undone + 1 total + 1 capacity + 2 change) x 6 = 30 more."""
    size = estimate(capplan.load("toy", None, ["programme.granularity=year"]).instance)
    assert (size.periods, size.paths, size.columns) == (6, 1, 54)
