"""The risk register sampled: which risks occur in a sample and the values their effects take.

Sample `i` of a sweep with seed `s` draws from its own random stream (numpy's PCG64 seeded with
[s, i]), so a sample is the same whichever worker solves it and in whatever order. In each
sample every risk draws whether it occurs (probability `likelihood`) and a value for each of
its effects, occurring or not, so that switching one risk on or off leaves the draws of the
others unchanged (common random numbers for the tornado).

Effects of occurring risks are applied in the order the risks are written; a later risk's
value at the same path wins. A value is rounded to a whole number where the instance holds a
whole number at that path (counts, days written as integers).
"""

from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass
from typing import Any

import numpy as np

from capplan.inputs.overrides import LIST_BLOCKS, set_path
from capplan.inputs.schema import Effect, Instance, Risk, Scalar, validate


@dataclass(frozen=True)
class Draw:
    """One sample's draws: whether each risk occurs and each effect's value."""

    index: int
    occurs: tuple[bool, ...]
    values: tuple[tuple[Scalar, ...], ...]


def draw_value(effect: Effect, rng: np.random.Generator) -> Scalar:
    """One value from an effect's distribution."""
    if effect.fixed is not None:
        rng.random()  # keep one draw per effect whatever its kind
        return effect.fixed
    if effect.uniform is not None:
        low, high = effect.uniform
        return float(low + (high - low) * rng.random())
    if effect.triangular is not None:
        low, mode, high = effect.triangular
        u = rng.random()
        return float(_triangular_quantile(u, low, mode, high))
    assert effect.choice is not None
    weights = np.asarray(effect.weights or [1.0] * len(effect.choice), dtype=float)
    cumulative = np.cumsum(weights / weights.sum())
    k = int(np.searchsorted(cumulative, rng.random(), side="right"))
    return effect.choice[min(k, len(effect.choice) - 1)]


def _triangular_quantile(u: float, low: float, mode: float, high: float) -> float:
    """The u-quantile of a triangular distribution (inverse transform, one uniform draw)."""
    if high <= low:
        return low
    split = (mode - low) / (high - low)
    if u < split:
        return low + float(np.sqrt(u * (high - low) * (mode - low)))
    return high - float(np.sqrt((1 - u) * (high - low) * (high - mode)))


def draw(risks: list[Risk], seed: int, index: int) -> Draw:
    """Sample `index` of the sweep with `seed`."""
    rng = np.random.default_rng([seed, index])
    occurs: list[bool] = []
    values: list[tuple[Scalar, ...]] = []
    for risk in risks:
        occurs.append(bool(rng.random() < risk.likelihood))
        values.append(tuple(draw_value(e, rng) for e in risk.effect))
    return Draw(index, tuple(occurs), tuple(values))


def sample_instance(raw: dict[str, Any], risks: list[Risk], sample: Draw, source: str,
                    forced: dict[int, bool] | None = None) -> Instance:
    """The instance of one sample: the effects of the risks that occur (or are `forced` on or
    off, by position) applied to the raw instance."""
    out = copy.deepcopy(raw)
    for r, risk in enumerate(risks):
        occurs = sample.occurs[r] if forced is None or r not in forced else forced[r]
        if not occurs:
            continue
        for k, effect in enumerate(risk.effect):
            value = sample.values[r][k]
            if isinstance(value, float) and _holds_integer(raw, effect.path):
                value = round(value)
            set_path(out, effect.path, value, source, f"risk.{risk.id}.effect[{k}]",
                     in_place=True)
    return validate(out, source)


def _holds_integer(raw: dict[str, Any], path: str) -> bool:
    """Whether every value the path points at in the raw instance is a whole number."""
    parts = path.split(".")
    nodes: list[Any] = [raw]
    if parts[0] in LIST_BLOCKS:
        key = LIST_BLOCKS[parts[0]]
        blocks = raw.get(parts[0]) or []
        nodes = [b for b in blocks if isinstance(b, dict)
                 and fnmatch.fnmatchcase(str(b.get(key, "")), parts[1])]
        parts = parts[2:]
    values = []
    for node in nodes:
        for part in parts:
            node = node.get(part) if isinstance(node, dict) else None
        values.append(node)
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
