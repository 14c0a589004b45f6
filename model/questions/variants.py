"""Variants of one loaded instance, made in memory: a scenario (or none) and overrides, and
the product of `--vary` values; each solved as one full plan."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from capplan.core.context import Built
from capplan.core.results import Plan, read_plan, segment_completions
from capplan.core.solve import Solution, plan
from capplan.errors import InputError
from capplan.inputs.load import Loaded, vary


@dataclass(frozen=True)
class Variant:
    """One variant: a scenario (or none) and overrides, with a short label."""

    label: str
    scenario: str | None
    overrides: tuple[str, ...]


@dataclass
class Outcome:
    """A solved variant."""

    variant: Variant
    loaded: Loaded
    built: Built
    solution: Solution
    plan: Plan


def solver_zero(value: float, scale: float = 1.0) -> float:
    """A figure computed from a solution, with a value within the solver's tolerance of zero
    (1e-6 of `scale`, such as the items to do) reported as 0.0, never -0.0."""
    return 0.0 if abs(value) <= 1e-6 * max(1.0, abs(scale)) else value + 0.0


def parse_vary(text: str) -> tuple[str, list[str]]:
    """`PATH=V1,V2` -> (PATH, [V1, V2]); InputError when malformed."""
    path, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not path.strip() or not items:
        raise InputError("--vary", [(text, "expected PATH=V1,V2,...")])
    return path.strip(), items


def variants(
    scenarios: list[str | None] | list[str] | None, varies: list[str] | None
) -> list[Variant]:
    """Every scenario (or the instance as is) crossed with the product of the vary values."""
    axes = [parse_vary(v) for v in varies or []]
    out = []
    chosen: list[str | None] = list(scenarios) if scenarios else [None]
    for scenario in chosen:
        for values in itertools.product(*(vals for _, vals in axes)):
            overrides = tuple(f"{path}={value}" for (path, _), value in zip(axes, values,
                                                                              strict=True))
            parts = ([scenario] if scenario else []) + [
                f"{_short(path)}={value}" for (path, _), value in zip(axes, values, strict=True)]
            out.append(Variant(" ".join(parts) or "base", scenario, overrides))
    return out


def _short(path: str) -> str:
    """`measure.M29.mode` -> `M29.mode`, `capacity.execution.max` -> `execution.max`."""
    root, _, rest = path.partition(".")
    return rest if root in ("measure", "segment", "region", "capacity") and rest else path


def run(base: Loaded, variant: Variant, solver: str = "highs",
        terms: list[str] | None = None, time_limit: float = 600.0,
        near: Outcome | None = None) -> Outcome:
    """Solve one variant of a loaded instance, derived in memory: the variant's scenario, then
    the base's overrides (`--set`), then the variant's; `terms` replace the instance's
    objective terms when given. `near`: a solved plan of the same segments and periods; among
    the variant's plans equally good on every term, the one closest to it is taken."""
    loaded = vary(base, variant.scenario, [*base.overrides, *variant.overrides])
    reference = None
    if near is not None and near.solution.x is not None:
        reference = segment_completions(near.built, near.solution.x)
    built, solution = plan(loaded.instance, terms, solver=solver, time_limit=time_limit,
                           reference=reference)
    return Outcome(variant, loaded, built, solution, read_plan(built, solution))


