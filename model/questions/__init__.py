"""The planners' questions: variants made in memory, compare, what-if, evaluate, explain, trade-off,
and why a plan is infeasible."""
