"""The cost guard: how large an instance's model will be, estimated before it is built, and the
budget it must stay within unless the user says `--allow-large`.

The estimate counts what the builder makes (core/variables.py, core/constraints.py) from the
instance alone, cheaply (no routing, no arrays):

- paths: each segment's items split by the measures that apply to them: a measure in mode `in`
  with share 1 keeps one path, one with a share below 1 or in mode `choose` doubles them, and
  work in progress stays on the base path (an upper bound: classes on the same measures share a
  path);
- columns: per period, four flow variables per path (eng_start, exec_start, backlog, ready),
  one `undone` per segment and one in total, one capacity level per stage, two for the change
  between periods; plus one per measure in `choose`;
- nonzeros: about five per flow column and two per other column, and for a `concurrent`
  capacity each start counted in every period its lead time spans.

`choose` measures are also counted: the plan's search enumerates their subsets (2^n), so more
than MAX_CHOICES of them is refused too. Measured against the built models of the shipped
instances at every granularity (tests/inputs/test_size.py), the estimate is never below the
built model and at most a few times above it.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass

from capplan.errors import InputError
from capplan.inputs.schema import Instance

MAX_COLUMNS = 1_000_000
"""The most columns (variables) a model may have without `--allow-large`: about a minute per
solve on two cores and under 1 GB. Groningen monthly has 16,000 (estimated 18,300); 400
segments monthly over 61 years (1.5 million estimated) took 216 s and 2.7 GB."""

MAX_NONZEROS = 10_000_000
"""The most nonzero coefficients a model may have without `--allow-large`."""

MAX_CHOICES = 10
"""The most measures in mode `choose` without `--allow-large` (2^10 = 1,024 scope choices)."""

BYTES_PER_NONZERO = 60
"""Memory per nonzero while building and solving (measured: 18 million columns with some 70
million nonzeros took 4.3 GB, about 60 bytes per nonzero)."""

PERIODS_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


@dataclass(frozen=True)
class Size:
    """An estimate of a model's size: periods, paths, columns, nonzeros and `choose`
    measures."""

    periods: int
    paths: int
    columns: int
    nonzeros: int
    choices: int

    @property
    def memory_gb(self) -> float:
        """Memory the model is expected to need while it is built and solved, in GB."""
        return self.nonzeros * BYTES_PER_NONZERO / 1e9


def estimate(instance: Instance) -> Size:
    """The model's size from the instance alone (see the module docstring)."""
    p = instance.programme
    per_year = PERIODS_PER_YEAR[p.granularity]
    n = (p.horizon_end - p.start + 1) * per_year - p.offset
    days_per_period = 365.25 / per_year
    names = [s.name for s in instance.segment]
    splits = dict.fromkeys(names, 0)
    taken = dict.fromkeys(names, 0)
    for m in instance.measure:
        if m.mode == "out" or m.share == 0:
            continue
        doubles = m.mode == "choose" or m.share < 1
        matched = {name for pattern in m.segments for name in fnmatch.filter(names, pattern)}
        for name in matched:
            splits[name] += 1 if doubles else 0
            taken[name] += 0 if doubles else 1
    # work in progress keeps the base path: a segment under measures has one path more
    paths = sum(2 ** min(splits[name] + (taken[name] > 0), 62) for name in names)
    stages = [stage for stage in ("engineering", "execution")
              if getattr(instance.capacity, stage) is not None]
    choices = sum(1 for m in instance.measure if m.mode == "choose")
    flow_columns = 4 * paths * n
    other_columns = (len(names) + 1 + len(stages) + 2) * n + choices
    columns = flow_columns + other_columns
    spans = 0
    for stage in stages:
        if getattr(instance.capacity, stage).kind == "concurrent":
            key = f"{stage}_days"
            longest = max(getattr(s, key) for s in instance.segment)
            extra = max((getattr(m.extra_days, stage) for m in instance.measure), default=0.0)
            spans += math.ceil((longest + extra) / days_per_period) + 1
    nonzeros = 5 * flow_columns + 2 * other_columns + paths * n * spans
    return Size(n, paths, columns, nonzeros, choices)


def check_size(instance: Instance, source: str, allow_large: bool = False) -> Size:
    """The model's estimated size; InputError with the figures when it exceeds the budget
    (MAX_COLUMNS, MAX_NONZEROS, MAX_CHOICES), unless `allow_large`."""
    size = estimate(instance)
    if allow_large:
        return size
    problems = []
    if size.columns > MAX_COLUMNS or size.nonzeros > MAX_NONZEROS:
        problems.append(("model size", f"about {size.columns:,} columns and {size.nonzeros:,} "
                                       f"nonzeros ({size.periods:,} periods x {size.paths:,} "
                                       f"paths, {size.memory_gb:.1f} GB); the budget is "
                                       f"{MAX_COLUMNS:,} columns and {MAX_NONZEROS:,} "
                                       "nonzeros: use fewer segments, a coarser granularity "
                                       "or a shorter horizon, or --allow-large"))
    if size.choices > MAX_CHOICES:
        problems.append(("measure", f"{size.choices} measures in mode choose: "
                                    f"{2 ** min(size.choices, 62):,} scope choices; at most "
                                    f"{MAX_CHOICES} without --allow-large (fix some with mode "
                                    "in or out)"))
    if problems:
        raise InputError(source, problems)
    return size
