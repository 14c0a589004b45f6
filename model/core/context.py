"""The one context of a model: what it is built from, the data derived from that once, the
variables' column indices, and the linear programme (as it is built, then as arrays).

Every constraint family reads it (`ctx`), every solver pass and every reader of results
receives it (`built`); derived data (distributed lags on the paths, each segment's lags in
whole periods on the routing, the work in progress's profiles) is computed here once and
carried, never recomputed downstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from capplan.core.lp import CompiledLP, LinearProgram
from capplan.core.routing import Routing, wip_profiles
from capplan.core.variables import Variables
from capplan.inputs.calendar import Calendar
from capplan.inputs.schema import Instance


@dataclass
class Built:
    """A model: the instance, its calendar and paths, variable indices and the LP.

    While the families add blocks, `rows` holds the programme as it grows; `finish()` turns it
    into flat arrays (`lp`) that the solver passes change in place.
    """

    instance: Instance
    calendar: Calendar
    routing: Routing
    v: Variables = field(default_factory=Variables)
    relaxed: frozenset[str] = frozenset()
    reference: np.ndarray | None = field(default=None, repr=False)
    """Per segment and period, the completions of a plan to stay close to (a what-if's plan
    without the change, a re-plan's baseline), or None."""
    rows: LinearProgram = field(default_factory=LinearProgram, repr=False)
    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    wip_done: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    wip_inside: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    compiled: CompiledLP | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.wip_done:
            self.wip_done, self.wip_inside = wip_profiles(self.instance, self.routing)

    @property
    def n(self) -> int:
        """The number of periods."""
        return self.calendar.n

    @property
    def lp(self) -> CompiledLP:
        """The finished programme as arrays (after `finish`)."""
        if self.compiled is None:
            raise RuntimeError("the model is still being built: call finish() first")
        return self.compiled

    def finish(self) -> None:
        """Compile the rows added so far into arrays; the growing form is dropped."""
        self.compiled = self.rows.finish()
        self.rows = LinearProgram()

    @property
    def integer(self) -> bool:
        """Whether any column is integer (the single-MILP form)."""
        return bool(self.lp.col_integer.any())
