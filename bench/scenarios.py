"""The README's scenario table: the shipped Groningen instance planned in each scenario with its
own objective (default terms `finish, p95, smooth, waiting`), and what `smooth` costs in waiting
(the same terms without it). `python bench/scenarios.py` prints the markdown table."""

from __future__ import annotations

import capplan

WHAT = {
    None: "engineering 430 days",
    "mjvp": "engineering 230 days",
    "pessimistic": "engineering 480 days",
    "scope-17500": "1,856 more addresses released 2026-2028",
    "m29-in": "measure 29 taken",
    "m29-choose": "the solver decides M29 (terms finish, p95, scope, smooth, waiting)",
    "deadline-2028": "the 2028 target made hard",
}


def main() -> None:
    loaded = capplan.load("groningen-2024")
    years = list(range(2025, 2032))
    print("| scenario | what changes | p50 | p95 | finish | "
          + " | ".join(str(y) for y in years) + " | done by 2028 | smooth costs |")
    print("|---" * (len(years) + 7) + "|")
    for scenario, what in WHAT.items():
        result = capplan.plan(loaded, scenario=scenario)
        name = f"`{scenario}`" if scenario else "(base)"
        if result.status != "optimal":
            why = result.infeasibility.describe()[1] if result.infeasibility else ""
            print(f"| {name} | {what} | {result.status}: {why} |" + " |" * (len(years) + 4))
            continue
        t = result.trajectory[~result.trajectory["realised"]]
        done = dict(zip(t["year"].tolist(), t["completed"].tolist(), strict=True))
        terms = [x for x in result.solution.terms if x != "smooth"]
        plain = capplan.plan(loaded, scenario=scenario, objective=terms)
        waiting, without = result.solution.values["waiting"], plain.solution.values["waiting"]
        assert isinstance(waiting, float) and isinstance(without, float)
        ms = result.milestones
        scope = ", ".join(f"{m} {'in' if v else 'out'}" for m, v in result.plan.scope.items()
                          if m == "M29")
        print(f"| {name} | {what} ({scope}) | {ms['p50']} | {ms['p95']} | {ms['finish']} | "
              + " | ".join(f"{done[y]:,}" if y in done else "" for y in years)
              + f" | {result.plan.deadline['share']:.1f}% | "
              f"+{100 * (waiting / without - 1):.1f}% waiting |")


if __name__ == "__main__":
    main()
