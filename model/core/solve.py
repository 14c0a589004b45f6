"""Solving: backend choice and the lexicographic passes.

Two methods give the same optimum:
- `search` (default): one LP, built once. Scope choices (`choose` measures) are enumerated by
  fixing include[m] to 0 or 1; each milestone term is found by bisection over "done by period
  T": the least-waiting LP with bounds changed in place, re-solved from the last basis.
- `milp`: one MILP with include[m] binary and indicator binaries per milestone term; the
  general fallback (used by `auto` when there are many choose measures) and the cross-check.
Each term is optimised, then held within its tolerance while the next is optimised.

The plan printed is one defined plan, whatever the solver's choice among equal optima
(`_canonical`): every reported milestone that is not a term (p50, p95 and finish are always
reported) is the earliest period reachable with the terms held, and is held in turn (finish,
then p95, then p50); then, year by year from the first, the most items done by the year's end
with everything before held (so the cumulative curve at year ends, hence the yearly targets,
is unique). A last pass keeps capacity levels as low as the plan allows.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from capplan.core.backends import (
    DEFAULT_TIME_LIMIT,
    Backend,
    SolverUnavailable,
    Status,
    backend_type,
    open_backend,
    require,
)
from capplan.core.build import build
from capplan.core.context import Built
from capplan.core.milestones import (
    done_by_bounds,
    earliest_bound,
    is_milestone,
    least_undone,
    milestone_ends,
    milestone_period,
    remaining_allowed,
    unit_end_index,
)
from capplan.core.objectives import linear_cost, term_value
from capplan.inputs.schema import Instance, expand_terms

MAX_ENUMERATED = 4
"""Most `choose` measures whose combinations (2^n) `auto` enumerates; beyond, the single MILP
decides them, each of its solves within the plan's time limit. Measured on Groningen with
share-0.5 measures on all segments: six measures make 64 combinations, each a plan of a model
of 120k columns (enumeration had not finished after 5 minutes), and the MILP's first solve
stopped at a 60 s limit; four make 16 of 32k columns. More than `routing.MAX_VARIANTS` scope
variants are refused before anything is built."""
NUMERIC_SLACK = 1e-7
REPORTED = ("finish", "p95", "p50")
"""Milestones every plan reports, in the order they are held when they are not terms."""


@dataclass
class Solution:
    """A solved plan: status, solution vector, term values and how it was solved."""

    status: Status
    x: np.ndarray | None
    terms: list[str]
    values: dict[str, float | int | None] = field(default_factory=dict)
    include: dict[str, bool] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)
    """How each reported milestone is defined: `objective term`, or `earliest with the terms
    held` (see `_canonical`)."""
    failed_term: str | None = None
    solver: str = "highs"
    solver_version: str = ""
    method: str = "search"
    build_seconds: float = 0.0
    load_seconds: float = 0.0
    solver_seconds: float = 0.0
    seconds: float = 0.0
    solves: int = 0
    algorithm: str = ""
    """The algorithms that ran the solves, with their counts (`interior point 1, dual simplex
    12, primal simplex 3`)."""


class _Stopped(Exception):
    """A solve ended without an answer (time limit, numerical trouble)."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.value)
        self.status = status


Row = tuple[np.ndarray, np.ndarray, float, float]


def plan(
    instance: Instance,
    terms: list[str] | None = None,
    solver: str = "highs",
    method: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    extra_rows: Callable[[Built], list[Row]] | None = None,
    settle: bool = True,
    within: int | None = None,
    reference: np.ndarray | None = None,
    algorithm: str = "auto",
) -> tuple[Built, Solution]:
    """Build and solve an instance lexicographically over its objective terms.

    solver: a backend name (`open_backend`); SolverUnavailable for an unknown one or an LP-only
    backend asked for a MILP, SolverNotInstalled (an InputError) when its library is missing.
    time_limit: seconds each solve may take (each probe and pass; a plan makes
    `Solution.solves` of them).
    extra_rows: rows (cols, coefficients, lower, upper) added to the built model before the
    first solve, such as yearly production targets to evaluate.
    settle: end with the pass that keeps capacity levels as low as the terms allow. A sweep,
    which reads only the completions, skips it (`settle=False`) when the last term's pass has
    a solution already (search method).
    within: a period by which milestone terms are expected to be reached, such as a sweep's
    deterministic finish plus a year; the search looks there first (search method; the
    answer is the same without it, only slower or faster to find).
    reference: per segment and period, the completions of the plan this one starts from (a
    what-if's plan without the change, a re-plan's baseline): among the plans equally good on
    every term, the one closest to it is chosen (see `_canonical`).
    algorithm: how HiGHS solves from scratch (`auto`: interior point for large models, else
    dual simplex; `simplex`; `ipm`); warm re-solves use the simplex, and one that wanders
    starts over by the interior point (by the simplex when `simplex` is forced). The printed
    plan is the same whichever (`_canonical`); `Solution.algorithm` says which ran.
    """
    started = time.perf_counter()
    terms = expand_terms(terms or instance.objective.terms)
    lp_only = backend_type(solver).lp_only
    require(solver)  # a missing library is said before the model is built
    choose = [m.id for m in instance.measure if m.mode == "choose"]
    if method == "auto":
        method = "milp" if len(choose) > MAX_ENUMERATED and not lp_only else "search"
    if method == "milp" and lp_only:
        raise SolverUnavailable(f"solver '{solver}' solves LPs only; use --method search")
    if method == "milp":
        built = build(instance, integer=True, milestones=[t for t in terms if is_milestone(t)],
                      reference=reference)
    else:
        built = build(instance, reference=reference)
    backend = open_backend(solver, built.lp, time_limit, algorithm)
    for cols, vals, lower, upper in extra_rows(built) if extra_rows else []:
        backend.add_row(cols, vals, lower, upper)
    try:
        if method == "milp":
            solution = _milp_passes(built, backend, terms)
        else:
            solution = _search_passes(built, backend, terms, settle, within)
    except _Stopped as stop:
        solution = Solution(stop.status, None, terms)
    solution.method = method
    solution.solver = solver
    solution.solver_version = backend.version
    solution.build_seconds = built.seconds
    solution.load_seconds = backend.load_seconds
    solution.solver_seconds = backend.solver_seconds
    solution.solves = backend.solves
    solution.algorithm = ", ".join(f"{name} {count}" for name, count in
                                   backend.algorithms.items())
    solution.seconds = time.perf_counter() - started
    return built, solution


def _tolerance(built: Built, term: str) -> float:
    return float(built.instance.objective.tolerance.get(term, 0.0))


def _linear_limit(best: float, relative: float) -> float:
    """The value a linear term is held to: its optimum plus its tolerance (relative)."""
    return best + abs(best) * relative + NUMERIC_SLACK * max(1.0, abs(best))


class _Holds:
    """Upper bounds on the remaining-work columns that earlier milestone terms hold."""

    def __init__(self, built: Built) -> None:
        self.cols = np.concatenate([*built.v.undone.values(), built.v.undone_total])
        self.lower = built.lp.col_lower[self.cols].copy()
        self.upper = built.lp.col_upper.copy()

    def with_milestone(self, built: Built, term: str, period: int) -> np.ndarray:
        """Upper bounds of the columns with "term reached by `period`" added."""
        upper = self.upper.copy()
        cols, bound = done_by_bounds(built, term, period)
        upper[cols] = np.minimum(upper[cols], bound)
        return upper[self.cols]

    def hold(self, built: Built, term: str, period: int) -> None:
        cols, bound = done_by_bounds(built, term, period)
        self.upper[cols] = np.minimum(self.upper[cols], bound)

    def apply(self, backend: Backend, upper: np.ndarray | None = None) -> None:
        backend.set_bounds(self.cols, self.lower, self.upper[self.cols] if upper is None else upper)


def _fix_scope(built: Built, backend: Backend, combo: dict[str, int]) -> None:
    if combo:
        cols = np.array([built.v.include[m] for m in combo])
        values = np.array([float(b) for b in combo.values()])
        backend.set_bounds(cols, values, values)


def _earliest(
    built: Built, backend: Backend, holds: _Holds, term: str, within: int | None = None,
    bracket: np.ndarray | None = None,
) -> tuple[int | None, float | None, np.ndarray | None]:
    """The first quarter (its last period; the year at yearly granularity: `milestone_ends`)
    by whose end milestone `term` can be reached (None when not even by the horizon's end),
    with the least waiting once it is held and that plan's solution.

    The front-loaded plan (least waiting) brackets the search: its milestone is reachable and
    usually the earliest, so one more LP often settles it. Each probe "reached by period T"
    keeps the waiting objective and re-solves from the last basis with the dual simplex (a
    change of bounds keeps the basis dual feasible): an infeasible probe excludes T, a
    feasible one is at once the least waiting with T held, so no pass is needed after the
    search (measured on the Groningen samples: 21% fewer simplex iterations than feasibility
    probes followed by a fresh least-waiting pass).

    within: a period by which the milestone is expected. The front-loaded plan is first sought
    with the milestone held to it: presolve then drops the later periods (measured 38% fewer
    simplex iterations in that LP on the quarterly Groningen samples). Exact either way: that
    plan is also the least waiting under any tighter hold the search ends with, and when the
    milestone cannot be reached by `within` the plan is sought over the whole horizon.

    bracket: a least-waiting plan under the holds as they are (the previous milestone's
    answer, held exactly); it brackets the search without solving again.
    """
    last = built.calendar.n - 1
    cost = linear_cost(built, "waiting")
    waiting = None
    if bracket is not None:
        backend.set_cost(cost)
        waiting = float(cost @ bracket)
    elif within is not None and within < last:
        holds.apply(backend, holds.with_milestone(built, term, within))
        waiting = _minimise(backend, cost, fresh=True)
        if waiting is None:
            holds.apply(backend)
    if waiting is None:
        waiting = _minimise(backend, cost, fresh=True)
    start = bracket if bracket is not None else backend.last_x
    if waiting is None or start is None:
        return None, None, None
    best: tuple[float, np.ndarray] = (waiting, start.copy())
    high = term_value(built, term, best[1])

    def reached(period: int) -> tuple[float, np.ndarray] | None:
        """The least waiting with the milestone held to `period`; None if it cannot be."""
        holds.apply(backend, holds.with_milestone(built, term, period))
        outcome = backend.solve()
        if outcome.status == Status.INFEASIBLE:
            return None
        if outcome.status != Status.OPTIMAL or outcome.x is None or outcome.objective is None:
            raise _Stopped(outcome.status)
        return outcome.objective, outcome.x

    ends = milestone_ends(built)  # the candidates: the quarters' (or years') last periods
    if not isinstance(high, int):
        if (at_last := reached(last)) is None:
            holds.apply(backend)
            return None, None, None
        high, best = last, at_last
    # Over the candidates' indices: gallop down from the bracket's quarter (the optimum is
    # usually a few before it), then bisect: `high` is always reachable (`best` its plan),
    # `low` the earliest not yet excluded, from the start the quarter of the bound with
    # unlimited capacity (`earliest_bound`): when the bracket attains it, as Groningen's
    # finish does (set by the releases and lead times), no probe is solved.
    high = unit_end_index(ends, high)
    low, step = min(unit_end_index(ends, earliest_bound(built, term)), high), 1
    while high > low:
        probe = max(high - step, low)
        if (at := reached(int(ends[probe]))) is None:
            low = probe + 1
            break
        high, best, step = probe, at, step * 2
    while low < high:
        mid = (low + high) // 2
        if (at := reached(int(ends[mid]))) is None:
            low = mid + 1
        else:
            high, best = mid, at
    holds.apply(backend)
    return int(ends[high]), best[0], best[1]


def _minimise(backend: Backend, cost: np.ndarray, fresh: bool) -> float | None:
    """Optimum of a linear term; None if infeasible. A pass right after the milestone search
    starts fresh (measured faster: presolve runs); a pass after another optimisation re-solves
    from its basis with primal simplex (the basis stays primal feasible)."""
    backend.set_cost(cost)
    outcome = backend.solve(fresh=fresh, primal=not fresh)
    if outcome.status == Status.OPTIMAL:
        return outcome.objective
    if outcome.status == Status.INFEASIBLE:
        return None
    raise _Stopped(outcome.status)


def _search_passes(built: Built, backend: Backend, terms: list[str],
                   settle: bool = True, within: int | None = None) -> Solution:
    """Lexicographic passes over enumerated scope choices, milestones by bisection."""
    choose = list(built.v.include)
    combos = [
        dict(zip(choose, bits, strict=True))
        for bits in sorted(itertools.product((0, 1), repeat=len(choose)), key=sum)
    ]
    candidates = list(range(len(combos)))
    optima: dict[str, float] = {}  # each linear term's optimum, as held
    holds = _Holds(built)
    holds.apply(backend)
    searched = True
    known_waiting: dict[int, float] = {}
    known_x: dict[int, np.ndarray] = {}
    solved_x: dict[int, np.ndarray] = {}  # a solution of the current term, per candidate
    for term in terms:
        results: dict[int, float] = {}
        cost = None if is_milestone(term) else linear_cost(built, term)
        found_waiting: dict[int, float] = {}
        found_x: dict[int, np.ndarray] = {}
        solved_x = {}
        for c in candidates:
            _fix_scope(built, backend, combos[c])
            value: float | int | None
            if cost is None:
                value, waiting, x_waiting = _earliest(built, backend, holds, term, within,
                                                      known_x.get(c))
                if waiting is not None and x_waiting is not None:
                    found_waiting[c], found_x[c] = waiting, x_waiting
            elif term == "waiting" and c in known_waiting:
                value = known_waiting[c]
                solved_x[c] = known_x[c]
            else:
                value = _minimise(backend, cost, fresh=searched or len(candidates) > 1)
                if value is not None and backend.last_x is not None:
                    solved_x[c] = backend.last_x.copy()
            if value is not None:
                results[c] = float(value)
        if not results:
            return Solution(Status.INFEASIBLE, None, terms, failed_term=term)
        best = min(results.values())
        if cost is not None:
            optima[term] = best
        if cost is None:
            limit = min(best + int(_tolerance(built, term)), built.calendar.n - 1)
            holds.hold(built, term, int(limit))
            holds.apply(backend)
        else:
            limit = _linear_limit(best, _tolerance(built, term))
            nz = np.flatnonzero(cost)
            backend.add_row(nz, cost[nz], -np.inf, limit)
        candidates = [c for c in candidates if c in results and results[c] <= limit + 1e-9]
        searched = cost is None or (term == "waiting" and all(c in known_waiting for c in results))
        exact = cost is None and _tolerance(built, term) == 0
        known_waiting, known_x = (found_waiting, found_x) if exact else ({}, {})
    combo = combos[candidates[0]]
    include = {m: bool(b) for m, b in combo.items()}
    if not settle and candidates[0] in solved_x:
        x = solved_x[candidates[0]]
        return Solution(Status.OPTIMAL, x, terms, {t: term_value(built, t, x) for t in terms},
                        include)
    _fix_scope(built, backend, combo)
    basis = _canonical(built, backend, holds, terms)
    solution = _final_pass(built, backend, terms, include, fresh=False)
    solution.basis = basis
    _report_optima(built, solution, optima)
    return solution


def _milp_passes(built: Built, backend: Backend, terms: list[str]) -> Solution:
    """Lexicographic passes over one MILP: milestone indicators and binary scope choices."""
    holds = _Holds(built)
    n = built.calendar.n
    optima: dict[str, float] = {}
    for term in terms:
        ends = milestone_ends(built)
        if is_milestone(term):  # the count of quarters (or years) by whose end it is reached
            cost = np.zeros(built.lp.num_col)
            cost[built.indicators[term][ends]] = -1.0
        else:
            cost = linear_cost(built, term)
        value = _minimise(backend, cost, fresh=True)
        if value is None:
            return Solution(Status.INFEASIBLE, None, terms, failed_term=term)
        if is_milestone(term):
            period = int(ends[len(ends) + round(value)])  # the first quarter's end reached
            holds.hold(built, term, min(period + int(_tolerance(built, term)), n - 1))
            holds.apply(backend)
        else:
            optima[term] = value
            nz = np.flatnonzero(cost)
            backend.add_row(nz, cost[nz], -np.inf, _linear_limit(value, _tolerance(built, term)))
    basis = _canonical(built, backend, holds, terms)
    solution = _final_pass(built, backend, terms, None, fresh=True)
    solution.basis = basis
    _report_optima(built, solution, optima)
    return solution


def _earliest_reach(built: Built, backend: Backend, term: str) -> int | None:
    """The first quarter (its last period t; the year at yearly granularity) by whose end
    milestone `term` can be reached with everything held as it is: the least
    undone_total[t] is at most the items it may leave undone. The search lies
    between the period the last solution reaches it in and the bound with unlimited capacity
    (`earliest_bound`: no plan reaches it earlier), so a solution that attains the bound needs
    no probe (measured on the quarterly Groningen plan: 2 probes instead of 6, a third of the
    iterations). Each probe changes only the cost (the basis stays primal feasible), so it
    re-solves by primal simplex from the last basis."""
    allowed = remaining_allowed(built.instance, term)
    tol = 1e-6 * max(1.0, float(built.instance.remaining))
    if backend.last_x is None:  # the last solve was an infeasible probe: a plan to start from
        _minimise(backend, linear_cost(built, "waiting"), fresh=False)
    x = backend.last_x
    high = milestone_period(built, x, term) if x is not None else None
    if high is None:
        return None

    def reachable(period: int) -> bool:
        cost = np.zeros(built.lp.num_col)
        cost[built.v.undone_total[period]] = 1.0
        least = _minimise(backend, cost, fresh=False)
        if least is None:  # the held set is feasible: a warm start gone wrong, so afresh
            least = _minimise(backend, cost, fresh=True)
        # None: a solver that calls the held set infeasible at its own tolerances (seen with
        # GLOP); the period is then taken as not reachable.
        return least is not None and least <= allowed + tol

    ends = milestone_ends(built)  # over the quarters' (or years') last periods
    high = unit_end_index(ends, high)
    low = min(unit_end_index(ends, earliest_bound(built, term)), high)
    while low < high:
        probe = high - 1 if high - low <= 2 else (low + high) // 2
        if reachable(int(ends[probe])):
            high = probe
        else:
            low = probe + 1
    return int(ends[high])


def _report_optima(built: Built, solution: Solution, optima: dict[str, float]) -> None:
    """Report each linear term at the optimum its pass found: the plan holds it there to
    within the numerical slack of the hold (a solver tolerance, not a difference in plans)."""
    for term, best in optima.items():
        value = solution.values.get(term)
        if isinstance(value, float) and abs(value - best) <= 1e-6 * max(1.0, abs(best)):
            solution.values[term] = best


def _canonical(built: Built, backend: Backend, holds: _Holds, terms: list[str]) -> dict[str, str]:
    """Make the printed plan one defined plan among those equally good on every term.

    1. Each reported milestone that is not a term (finish, p95, p50, in that order) is the
       earliest period reachable with the terms (and the milestones before it) held, and is
       held from then on.
    2. With a reference plan: the least total change in per-segment completions against it
       (a what-if or a re-plan moves only what it must), held.
    3. Year by year, from the first planned year to the last with work left: the least
       undone_total[end of year y] with everything before held (most items done by each
       year's end, earliest years first). The cumulative curve at year ends, hence every yearly
       target, is then the same whichever optimum a solver or algorithm returns.
    Returns how each reported milestone is defined.
    """
    basis = {}
    for term in REPORTED:
        if term in terms:
            basis[term] = "objective term"
            continue
        period = _earliest_reach(built, backend, term)
        if period is None:
            basis[term] = "not reached within the horizon"
            continue
        holds.hold(built, term, period)
        holds.apply(backend)
        basis[term] = "earliest with the objective terms held"
    if built.v.ahead:
        cost = linear_cost(built, "distance")
        least = _minimise(backend, cost, fresh=False)
        if least is not None:
            nz = np.flatnonzero(cost)
            backend.add_row(nz, cost[nz], -np.inf, _linear_limit(least, 0.0))
    calendar, v = built.calendar, built.v
    slack = 1e-6 * max(1.0, float(built.instance.remaining))  # items; within any solver's tolerance
    fewest = least_undone(built)
    for year in sorted(set(calendar.years.tolist())):
        end = min(calendar.last_period_of_year(year), calendar.n - 1)
        col = int(v.undone_total[end])
        x = backend.last_x
        if x is not None and x[col] <= slack:  # all done by then: so in every later year
            holds.upper[col] = min(holds.upper[col], slack)
            holds.apply(backend)
            break
        if x is not None and x[col] <= fewest[end] + slack:  # no plan does more: held as it is
            holds.upper[col] = min(holds.upper[col], float(x[col]) + slack)
            holds.apply(backend)
            continue
        cost = np.zeros(built.lp.num_col)
        cost[col] = 1.0
        least = _minimise(backend, cost, fresh=False)
        if least is None:  # the held set is feasible: a warm start gone wrong, so afresh
            least = _minimise(backend, cost, fresh=True)
        if least is None:  # infeasible at the solver's own tolerances (seen with GLOP)
            break
        holds.upper[col] = min(holds.upper[col], least + slack)
        holds.apply(backend)
    return basis


def _final_pass(
    built: Built, backend: Backend, terms: list[str], include: dict[str, bool] | None,
    fresh: bool,
) -> Solution:
    """Minimise capacity levels with every term held; read the solution."""
    backend.set_cost(linear_cost(built, "capacity"))
    outcome = backend.solve(fresh=fresh, primal=not fresh)
    if outcome.status != Status.OPTIMAL or outcome.x is None:
        return Solution(outcome.status, None, terms, failed_term="capacity")
    x = outcome.x
    if include is None:
        include = {m: bool(x[col] > 0.5) for m, col in built.v.include.items()}
    values = {term: term_value(built, term, x) for term in terms}
    return Solution(Status.OPTIMAL, x, terms, values, include)
