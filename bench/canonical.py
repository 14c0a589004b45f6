"""What the canonical numbers cost: the quarterly Groningen plan's solver time and solves.

Three ways to plan the same instance, run in interleaved rounds (the machine is shared and
noisy, so medians of paired runs):
- `finish, waiting`, no canonical passes: the former default, as it was solved before the
  printed plan was made unique (the reference, 1.00x);
- `finish, waiting` with the canonical passes (p95 and p50 the earliest with the terms held,
  the yearly tie-breaker);
- the default `finish, p95, smooth, waiting` without and with the canonical passes (what the
  terms cost, then what the passes add to them).
Ratios are of solver seconds to the reference's in the same round.

Run: python bench/canonical.py [--rounds 7] [--granularity quarter]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from typing import Any

from capplan.core import solve
from capplan.inputs.load import load


def table(granularity: str = "quarter", rounds: int = 7) -> list[str]:
    """The lines of the table: each way's solves, median solver seconds and ratios."""
    instance = load("groningen-2024", None, [f'programme.granularity="{granularity}"']).instance
    canonical = solve._canonical

    def skip(*_: Any) -> dict[str, str]:
        return {}

    ways: dict[str, tuple[list[str], Callable[..., dict[str, str]]]] = {
        "finish, waiting (no canonical passes)": (["finish", "waiting"], skip),
        "finish, waiting (canonical)": (["finish", "waiting"], canonical),
        "finish, p95, smooth, waiting (no canonical passes)": (
            ["finish", "p95", "smooth", "waiting"], skip),
        "finish, p95, smooth, waiting (canonical)": (["finish", "p95", "smooth", "waiting"],
                                                     canonical),
    }
    seconds: dict[str, list[float]] = {k: [] for k in ways}
    solves: dict[str, int] = {}
    ratios: dict[str, list[float]] = {k: [] for k in ways}
    added: dict[str, list[float]] = {k: [] for k in ways}  # against the same terms, no passes
    for _ in range(rounds):
        base = None
        plain: dict[tuple[str, ...], float] = {}
        for name, (terms, passes) in ways.items():
            solve._canonical = passes
            try:
                _, solution = solve.plan(instance, terms)
            finally:
                solve._canonical = canonical
            seconds[name].append(solution.solver_seconds)
            solves[name] = solution.solves
            base = solution.solver_seconds if base is None else base
            ratios[name].append(solution.solver_seconds / base)
            if passes is skip:
                plain[tuple(terms)] = solution.solver_seconds
            elif tuple(terms) in plain:
                added[name].append(solution.solver_seconds / plain[tuple(terms)])
    lines = [f"Groningen, {granularity}, median of {rounds} interleaved rounds",
             "ratio: to the first row; passes: to the same terms without the canonical passes",
             f"{'plan':50} {'solves':>6} {'solver s':>9} {'ratio':>6} {'passes':>6}"]
    for name in ways:
        passes_ratio = f"{statistics.median(added[name]):>6.2f}" if added[name] else ""
        lines.append(f"{name:50} {solves[name]:>6} {statistics.median(seconds[name]):>9.3f} "
                     f"{statistics.median(ratios[name]):>6.2f} {passes_ratio:>6}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--granularity", default="quarter")
    args = parser.parse_args()
    print("\n".join(table(args.granularity, args.rounds)))


if __name__ == "__main__":
    main()
