"""Benchmark: does a plan depend on its time step?

For every shipped instance and scenario, plans the instance at each granularity (year, quarter,
month; `programme.granularity`) and prints per scenario and granularity the yearly targets,
p50, p95 and finish; then the largest yearly difference between two granularities as a share
of the scope (quarter vs month, and year vs month) and the milestone differences in months.

A plan that HiGHS does not solve (a stalled simplex, seen on some monthly Groningen plans with
p95 among the terms: a solve running into the time limit) is solved with GLOP instead, and
marked so.

Equal optima: several plans can share every term's optimum and still reach a year's total
differently. With `--ranges`, each plan's terms are held at their optimum and the cumulative
completions at each year's end are minimised and maximised; a difference between two
granularities counts only beyond those ranges ("cumulative apart beyond equal optima": the
most the two ranges of a year's cumulative lie apart, 0 when they overlap), so what is
measured is the model's time step, not the choice among optima. (The plans compared are the
printed ones, each one defined plan among its equal optima: core/solve.py, `_canonical`.)

Run: python bench/timestep.py [--objective finish,p95,waiting] [--ranges]
     [--instances groningen-2024,toy] [--scenarios base,mjvp] [--granularities quarter,month]
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass, field

import numpy as np

from capplan.core.backends import Backend, Status, open_backend
from capplan.core.build import build
from capplan.core.context import Built
from capplan.core.milestones import done_by_bounds, is_milestone
from capplan.core.objectives import linear_cost
from capplan.core.results import read_plan
from capplan.core.solve import plan
from capplan.inputs.calendar import label_end_month
from capplan.inputs.examples import resolve
from capplan.inputs.load import load
from capplan.inputs.schema import Instance, expand_terms

GRANULARITIES = ("year", "quarter", "month")
MILESTONES = ("p50", "p95", "finish")
BASE = "base"
TIME_LIMIT = 60.0
FALLBACK = "glop"


@dataclass
class Outcome:
    """One plan: status, cumulative completions at each planned year's end (history
    included), milestones, and with `--ranges` the least and most cumulative at each year's
    end among plans equally good on every term."""

    status: str
    scope: int = 0
    before: float = 0.0
    cumulative: dict[int, float] = field(default_factory=dict)
    milestones: dict[str, str | None] = field(default_factory=dict)
    low: dict[int, float] = field(default_factory=dict)
    high: dict[int, float] = field(default_factory=dict)
    solver: str = "highs"

    def targets(self, years: list[int]) -> list[int]:
        """Integer yearly targets (rounded cumulative, differenced), 0 after the finish."""
        rounded = [round(self.cumulative[y]) for y in years]
        return [int(d) for d in np.diff([round(self.before), *rounded])]


def scenarios(name: str) -> list[str]:
    """The base and every named scenario of a shipped instance."""
    with open(resolve(name), "rb") as handle:
        return [BASE, *tomllib.load(handle).get("scenarios", {})]


def solve(name: str, scenario: str, granularity: str, objective: list[str] | None,
          ranges: bool) -> Outcome:
    """Plan one variant; read cumulative completions at year ends and the milestones."""
    overrides = [f'programme.granularity="{granularity}"']
    if objective:
        overrides.append("objective.terms=[" + ", ".join(f'"{t}"' for t in objective) + "]")
    inst = load(name, None if scenario == BASE else scenario, overrides).instance
    solver = "highs"
    built, solution = plan(inst, solver=solver, time_limit=TIME_LIMIT)
    if solution.status not in (Status.OPTIMAL, Status.INFEASIBLE):
        solver = FALLBACK  # a stalled simplex is the solver's, not the time step's
        built, solution = plan(inst, solver=solver, time_limit=TIME_LIMIT)
    if solution.status != Status.OPTIMAL or solution.x is None:
        return Outcome(solution.status.value)
    result = read_plan(built, solution)
    low: dict[int, float] = {}
    high: dict[int, float] = {}
    for attempt in (solver, FALLBACK) if ranges else ():
        model, backend = held(inst, solution.values, solution.include, attempt)
        try:
            low, high = equal_optima_ranges(inst, model, backend)
        except RuntimeError:  # a stalled simplex: once more with the fallback solver
            if attempt == FALLBACK:
                raise
            continue
        break
    periods = result.periods
    cumulative = {y: float(periods["cumulative"].iloc[built.calendar.last_period_of_year(y)])
                  for y in range(inst.programme.start, inst.programme.horizon_end + 1)}
    return Outcome("optimal", inst.scope, float(inst.history.total), cumulative,
                   dict(result.milestones), low, high, solver)


def held(inst: Instance, values: dict[str, float | int | None], include: dict[str, bool],
         solver: str = "highs") -> tuple[Built, Backend]:
    """The model with every term held at the value found (milestones by bounds, linear terms
    by a row with relative slack 1e-7) and the scope choices fixed."""
    built = build(inst)
    backend = open_backend(solver, built.lp, TIME_LIMIT)
    upper = built.lp.col_upper.copy()
    for term in expand_terms(inst.objective.terms):
        value = values.get(term)
        if value is None:
            continue
        if is_milestone(term):
            cols, bound = done_by_bounds(built, term, int(value))
            upper[cols] = np.minimum(upper[cols], bound)
        else:
            cost = linear_cost(built, term)
            nz = np.flatnonzero(cost)
            backend.add_row(nz, cost[nz], -np.inf,
                            float(value) + 1e-7 * max(1.0, abs(float(value))))
    backend.set_bounds(np.arange(built.lp.num_col), built.lp.col_lower, upper)
    for m, taken in include.items():
        col = np.array([built.v.include[m]])
        backend.set_bounds(col, np.array([float(taken)]), np.array([float(taken)]))
    return built, backend


def _year_end(inst: Instance, built: Built, backend: Backend, year: int, sign: float) -> float:
    """The cumulative completions at the end of `year`, minimised (sign -1) or maximised."""
    col = built.v.undone_total[built.calendar.last_period_of_year(year)]
    cost = np.zeros(built.lp.num_col)
    cost[col] = sign
    backend.set_cost(cost)
    outcome = backend.solve()
    if outcome.status != Status.OPTIMAL or outcome.x is None:
        raise RuntimeError(f"{year}: {outcome.status}")
    return inst.scope - float(outcome.x[col])


def equal_optima_ranges(inst: Instance, built: Built, backend: Backend,
                        ) -> tuple[dict[int, float], dict[int, float]]:
    """Least and most cumulative completions (history included) at each year's end among
    plans that keep every term at its optimum."""
    years = range(inst.programme.start, inst.programme.horizon_end + 1)
    low = {y: _year_end(inst, built, backend, y, -1.0) for y in years}
    high = {y: _year_end(inst, built, backend, y, 1.0) for y in years}
    return low, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", default="groningen-2024,toy")
    parser.add_argument("--scenarios", default="", help="comma-separated; default: all")
    parser.add_argument("--granularities", default=",".join(GRANULARITIES))
    parser.add_argument("--objective", default="", help="terms, e.g. finish,p95,waiting")
    parser.add_argument("--ranges", action="store_true",
                        help="also bound each year's cumulative among equal optima")
    args = parser.parse_args()
    objective = [t for t in args.objective.split(",") if t] or None
    grans = [g for g in args.granularities.split(",") if g]
    for name in args.instances.split(","):
        wanted = [s for s in args.scenarios.split(",") if s] or scenarios(name)
        for scenario in wanted:
            outcomes = {g: solve(name, scenario, g, objective, args.ranges) for g in grans}
            report(name, scenario, outcomes)


def report(name: str, scenario: str, outcomes: dict[str, Outcome]) -> None:
    """Print one scenario's table and its differences between granularities."""
    print(f"\n{name} / {scenario}")
    solved = {g: o for g, o in outcomes.items() if o.status == "optimal"}
    for g, o in outcomes.items():
        if g not in solved:
            print(f"  {g:8s} {o.status}")
    if not solved:
        return
    years = sorted(set().union(*(o.cumulative for o in solved.values())))
    last = max(y for o in solved.values() for y, c in o.cumulative.items()
               if c < o.scope - 0.5) + 1
    years = [y for y in years if y <= last]
    scope = next(iter(solved.values())).scope
    print("  " + " " * 8 + "".join(f"{y:>7d}" for y in years) + "    p50     p95     finish")
    for g, o in solved.items():
        cells = o.targets(years)
        ms = "".join(f" {o.milestones.get(m)!s:7s}" for m in MILESTONES)
        note = "" if o.solver == "highs" else f"  ({o.solver}: HiGHS stalled)"
        print(f"  {g:8s}" + "".join(f"{c:7d}" for c in cells) + ms + note)
        if o.low and o.high:
            print("  " + " " * 8 + "".join(
                f"{round(o.high[y] - o.low[y]):7d}" for y in years) + "  (range of cumulative)")
    for a, b in (("quarter", "month"), ("year", "month"), ("year", "quarter")):
        if a in solved and b in solved:
            largest, year, gap, later = differences(solved[a], solved[b], years, scope)
            text = ", ".join(f"{m} {'n/a' if d is None else f'{d:+d} mo'}"
                             for m, d in later.items())
            gap_text = (f", cumulative apart beyond equal optima {gap:.2f}%"
                        if solved[a].low else "")
            print(f"  {a} vs {b}: largest yearly difference {largest:.2f}% of scope "
                  f"({year}){gap_text}; {text}")


def differences(a: Outcome, b: Outcome, years: list[int],
                 scope: int) -> tuple[float, int, float, dict[str, int | None]]:
    """Largest difference of a yearly target (% of scope) and its year, the largest distance
    between the two equal-optima ranges of a year's cumulative (% of scope), and per milestone
    the months b is later than a."""
    ta, tb = a.targets(years), b.targets(years)
    diffs = [abs(x - y) for x, y in zip(ta, tb, strict=True)]
    k = int(np.argmax(diffs))
    gap = 0.0
    if a.low and b.low:
        gap = max(max(a.low[y] - b.high[y], b.low[y] - a.high[y], 0.0) for y in years)
    later = {m: months_later(a.milestones.get(m), b.milestones.get(m)) for m in MILESTONES}
    return 100.0 * diffs[k] / scope, years[k], 100.0 * gap / scope, later


def months_later(a: str | None, b: str | None) -> int | None:
    """Months milestone b lies after a, quarter against quarter; a yearly plan's milestone is
    only a year, so against it a quarter counts by its year (0 when it lies in that year)."""
    ma, mb = label_end_month(a), label_end_month(b)
    if ma is None or mb is None or a is None or b is None:
        return None
    if len(a) == 4 or len(b) == 4:
        return 12 * ((mb - 1) // 12 - (ma - 1) // 12)
    return mb - ma


if __name__ == "__main__":
    main()
