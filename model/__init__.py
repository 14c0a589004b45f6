"""capplan: multi-year capacity planning of large public programmes.

The public API, one function per command (defined in `capplan.api`; see docs/api.md):

    load, examples, validate, plan, claims, compare, whatif, evaluate, explain, tradeoff, replan,
    sweep, sweep_shard, sweep_merge, residents, report, template, record, reproduce

`import capplan` stays light: each function imports what it needs when called.
"""

from __future__ import annotations

import importlib

# The packages named like API functions (the residents and report wings, the shipped
# examples) are bound first, so that importing their modules later never replaces the function
# of the same name: `capplan.examples()`, `capplan.residents(...)`, `capplan.report(...)`.
from capplan import report as _report_wing  # noqa: F401  (the wing, not the function)
from capplan import residents as _residents_wing  # noqa: F401  (the wing, not the function)

# The shipped examples' package lives outside this folder (instances/): imported by name.
importlib.import_module("capplan.examples")
from capplan.api import (  # noqa: E402
    claims,
    compare,
    evaluate,
    examples,
    explain,
    load,
    plan,
    record,
    replan,
    report,
    reproduce,
    residents,
    sweep,
    sweep_merge,
    sweep_shard,
    template,
    tradeoff,
    validate,
    whatif,
)
from capplan.version import __version__  # noqa: E402

__all__ = ["__version__", "claims", "compare", "evaluate", "examples", "explain", "load", "plan",
           "record", "replan", "report", "reproduce", "residents", "sweep", "sweep_merge",
           "sweep_shard", "template", "tradeoff", "validate", "whatif"]
