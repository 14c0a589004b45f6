"""The model reference (docs/model.md), written from the docstrings of the variable,
constraint and objective functions, so the documentation is the code's own words.

Regenerate with `python -m capplan.core.reference > docs/model.md`; a test checks it is current.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from capplan.core import milestones, objectives, variables
from capplan.core.constraints import FAMILIES

VARIABLE_FAMILIES: list[Callable[..., Any]] = [
    variables.define_flow_variables,
    variables.define_remaining_variables,
    variables.define_capacity_variables,
    variables.define_peak_variables,
    variables.define_scope_variables,
    variables.define_relaxation_variables,
    variables.define_change_variables,
    variables.define_distance_variables,
]
OBJECTIVE_TERMS: list[Callable[..., Any]] = [
    objectives.waiting_cost,
    objectives.capacity_cost,
    objectives.scope_cost,
    objectives.smooth_cost,
    objectives.distance_cost,
    objectives.capacity_level_cost,
    objectives.peak_cost,
    milestones.add_milestone_indicator,
]

INTRO = """# The capplan model

Written from the code's docstrings by `python -m capplan.core.reference`; do not edit by hand.

Sets: segments s, paths p (a segment with a fixed set of measures; `core/routing.py`), periods
t = 0 .. n-1 of length dt years, stages (engineering, execution), measures m, choice classes c
(shares of a segment whose path depends on `choose` measures). lag_x[p][k] is the share of items
entering stage x on path p in t that leave it in t + k (a distributed lag: 430 days = 4.71
quarters -> 29% after 4, 71% after 5); work in progress at the start (wip) leaves its stage
evenly over the lead time and uses capacity like any item.
"""


def _entry(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return f"### `{fn.__name__}`\n\n{doc}\n"


def model_reference() -> str:
    """The whole reference as markdown."""
    parts = [INTRO, "## Variables\n"]
    parts += [_entry(fn) for fn in VARIABLE_FAMILIES]
    parts.append("## Constraints, in the order they are built\n")
    parts += [_entry(fn) for fn in FAMILIES]
    parts.append("## Objective terms\n")
    parts.append((inspect.getdoc(objectives) or "") + "\n")
    parts += [_entry(fn) for fn in OBJECTIVE_TERMS]
    return "\n".join(parts)


if __name__ == "__main__":
    print(model_reference(), end="")
