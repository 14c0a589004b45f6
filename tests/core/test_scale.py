"""Plans at many times Groningen's size: the bound with unlimited capacity that lets the
milestone search skip its probes, and a synthetic instance of 200 segments (twenty copies of
Groningen, capacities scaled with the copies; bench/scale.py `replicate`) that plans with
Groningen's own milestones."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from builders import INSTANCES
from capplan.core.build import build
from capplan.core.milestones import earliest_bound, least_undone
from capplan.core.results import read_plan
from capplan.core.solve import plan
from capplan.inputs.load import load

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scale.py"


def _bench_scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_least_undone_on_the_toy() -> None:
    """Toy (yearly, 2,000 remaining): the 500 designs ready at the start are executed in 2025
    (execution 0 days), the other 1,500 leave engineering (365 days) in 2026 and are executed
    then: with unlimited capacity 1,500 remain at the end of 2025 and none from 2026. So no
    plan finishes before 2026 (the plan, held back by the execution ramp, finishes 2027)."""
    instance = load(INSTANCES / "toy.toml").instance
    built = build(instance)
    assert least_undone(built) == pytest.approx([1500.0, 0, 0, 0, 0, 0])
    assert built.calendar.label(earliest_bound(built, "finish")) == "2026"


@pytest.mark.parametrize("scenario", [None, "mjvp", "scope-17500", "m29-in"])
def test_bound_never_after_the_plan(scenario: str | None) -> None:
    """On every plan of Groningen's scenarios, the remaining work at each period's end is at
    least the bound's, so each milestone's bound is at or before the plan's milestone (the
    finish attains it: it is set by the releases and lead times)."""
    instance = load(INSTANCES / "groningen-2024.toml", scenario).instance
    built, solution = plan(instance)
    assert solution.x is not None
    undone = solution.x[built.v.undone_total]
    assert np.all(undone >= least_undone(built) - 1e-6 * instance.remaining)
    for term in ("finish", "p95"):
        value = solution.values[term]
        assert isinstance(value, int) and earliest_bound(built, term) <= value
    assert earliest_bound(built, "finish") == solution.values["finish"]


def test_200_segments_plan_with_groningens_milestones() -> None:
    """Twenty copies of Groningen (200 segments, yearly), history and capacities times 20:
    twenty Groningen plans side by side are a plan of it and any of its plans averaged over
    the copies is a Groningen plan, so its finish and p95 are Groningen's."""
    scale = _bench_scale()
    override = ['programme.granularity="year"']
    groningen = load(INSTANCES / "groningen-2024.toml", None, override).instance
    big = scale.synthetic(200, "year")
    assert len(big.segment) == 200 and big.scope == 20 * groningen.scope
    expected = read_plan(*plan(groningen)).milestones
    built, solution = plan(big)
    got = read_plan(built, solution).milestones
    assert got["finish"] == expected["finish"]
    assert got["p95"] == expected["p95"]


def _choose(n: int, share: float = 0.5) -> list[dict[str, object]]:
    return [{"id": f"X{k}", "segments": ["*"], "share": share, "mode": "choose",
             "extra_days": {"engineering": 30 * (k + 1)}, "value": 1 + k} for k in range(n)]


def test_many_choose_measures_use_the_milp_or_are_refused() -> None:
    """Five `choose` measures (more than MAX_ENUMERATED) on the toy: `auto` takes the MILP,
    whose solves keep to the time limit; each measure only adds engineering days to the
    toy's one segment, so the finish (2027, held first) leaves room for none beyond what the
    execution ramp allows. Twelve on all Groningen segments would make 5.3 million scope
    variants: refused, naming them, before anything is built."""
    from capplan.core.routing import MAX_VARIANTS, variant_count
    from capplan.core.solve import MAX_ENUMERATED
    from capplan.errors import InputError
    from capplan.inputs.schema import validate

    toy = load(INSTANCES / "toy.toml")
    raw = {**toy.raw, "measure": _choose(MAX_ENUMERATED + 1)}
    instance = validate(raw, "toy")
    assert variant_count(instance) == 3 ** (MAX_ENUMERATED + 1)
    _, solution = plan(instance, time_limit=60.0)
    assert solution.method == "milp"
    assert solution.values["finish"] == 2  # 2027, as without measures
    groningen = load(INSTANCES / "groningen-2024.toml")
    raw = {**groningen.raw, "measure": _choose(12)}
    raw.pop("risk")
    big = validate(raw, "groningen")
    assert variant_count(big) == 10 * 3 ** 12 > MAX_VARIANTS
    with pytest.raises(InputError, match="12 measures in mode choose"):
        build(big)
