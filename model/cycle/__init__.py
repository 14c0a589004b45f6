"""The yearly plan-do-check-act cycle: actuals, re-plans against the plan in force, and the
run ledger."""
