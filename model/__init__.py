"""capplan: multi-year capacity planning of large public programmes.

The public API, one function per command (defined in `capplan.api`; see docs/api.md):

    load, examples, validate, plan, compare, whatif, evaluate, explain, tradeoff, replan,
    sweep, residents, template, record, reproduce

`import capplan` stays light: each function imports what it needs when called.
"""

from __future__ import annotations

from capplan import residents as _residents_wing  # noqa: F401  (the wing, not the function)
from capplan.api import (
    compare,
    evaluate,
    examples,
    explain,
    load,
    plan,
    record,
    replan,
    reproduce,
    residents,
    sweep,
    template,
    tradeoff,
    validate,
    whatif,
)

# The wings named like API functions are bound first, so that importing their modules later
# never replaces the function of the same name.
from capplan.version import __version__

__all__ = ["__version__", "compare", "evaluate", "examples", "explain", "load", "plan",
           "record", "replan", "reproduce", "residents", "sweep", "template", "tradeoff",
           "validate", "whatif"]

from capplan.api import claims

__all__ += ["claims"]
