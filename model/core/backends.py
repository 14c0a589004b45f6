"""Solver backends behind one interface, each opened through `open_backend`.

HiGHS (highspy) holds the model and takes changes of bounds, costs and rows in place, so a
re-solve starts from the previous basis. CBC (through PuLP) and OR-Tools (GLOP for LPs, SCIP
for LPs and MILPs) are given the whole model again at each solve.

A solver's library is imported when its backend is opened, never before: HiGHS comes with
capplan, the others with an extra (`pip install 'capplan[cbc]'`, `'capplan[ortools]'`), and
asking for one that is missing is an input error that names the extra.

Algorithm (HiGHS): a solve from scratch of a large LP runs the interior point method with
crossover (a vertex, hence a basis to warm-start from), a smaller one and every warm re-solve
(the milestone probes, the passes after the first) the dual or primal simplex; `algorithm`
forces one (`simplex`, `ipm`) and `Backend.algorithms` counts the solves each one ran. The
size is the matrix's nonzeros (`IPM_NONZEROS`), chosen by measurement (bench/scale.py): on
the synthetic copies of Groningen the first least-waiting LP took 2.4 s by dual simplex
against 1.2 s by interior point at 111k nonzeros (50 quarterly segments), and the interior
point grows more slowly with size; but the monthly Groningen plan (107k nonzeros) took 7%
more CPU in all with it (11.0 s against 10.1 s, the warm passes after it starting from
another vertex), so the interior point starts above every granularity of Groningen.
A warm re-solve that does not settle within `WARM_ITERATIONS` simplex iterations (a pass,
`WARM_PASS_ITERATIONS`) starts over by the interior point with crossover, whatever the
model's size (unless `simplex` is forced; a MILP by its own solver again): the probes that
wander are mostly the ones that cannot be reached, and the interior point proves those
infeasible where the simplex stalls. Measured: at 200 quarterly segments a probe that cannot
be reached took the dual simplex 30,778 iterations over 54 s warm (from scratch it ended
with no status after 25,800 iterations and 30 s), the interior point 1.6 s; on the monthly
Groningen plan of scenario mjvp one p95 probe stalled both simplexes, warm and fresh, for
any time limit (435 iterations in 25 s), the interior point proved it infeasible in 0.16 s.

Time limit: every solve (`Backend.solve`: one LP or MILP, such as one probe of a milestone
search or one lexicographic pass) may take `time_limit` seconds in the solver (HiGHS's run,
CBC's run, OR-Tools' Solve), for every backend; handing the model over is not counted (PuLP
and OR-Tools are given it again at each solve). A plan makes several solves
(`Solution.solves`), so it may take longer in all; a solve stopped by the limit ends the plan
with status `time_limit`.
"""

from __future__ import annotations

import importlib
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from capplan.core.lp import INF, CompiledLP
from capplan.errors import InputError

DEFAULT_TIME_LIMIT = 600.0


class Status(StrEnum):
    """Outcome of one solve, or of a whole plan."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass
class Outcome:
    """One solve: status, primal solution (when optimal), objective, wall seconds in the
    solver."""

    status: Status
    x: np.ndarray | None
    objective: float | None
    seconds: float


class Backend(ABC):
    """A solver holding one model; changes apply to the next solve."""

    name: str = ""
    lp_only: bool = False

    def __init__(self, lp: CompiledLP, time_limit: float, algorithm: str = "auto") -> None:
        self.time_limit = time_limit
        self.algorithm = algorithm
        self.load_seconds = 0.0
        self.solver_seconds = 0.0
        self.solves = 0
        self.last_x: np.ndarray | None = None
        self.algorithms: dict[str, int] = {}
        """Solves per algorithm that ran them (`interior point`, `dual simplex`, ...)."""

    @abstractmethod
    def set_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change column bounds."""

    @abstractmethod
    def set_cost(self, cost: np.ndarray) -> None:
        """Replace the objective (minimised)."""

    @abstractmethod
    def add_row(self, cols: np.ndarray, vals: np.ndarray, lower: float, upper: float) -> None:
        """Add a row lower <= sum vals * x[cols] <= upper."""

    @abstractmethod
    def _solve(self, fresh: bool, primal: bool) -> Outcome:
        """Solve the current model."""

    def solve(self, fresh: bool = False, primal: bool = False) -> Outcome:
        """Solve, counting the solve and its time.

        fresh: drop the previous basis (HiGHS then presolves); primal: primal simplex, for a
        re-solve after the objective changed at a feasible basis. Backends that rebuild the
        model at each solve ignore both.
        """
        outcome = self._solve(fresh, primal)
        ran = self._ran(fresh, primal)
        self.algorithms[ran] = self.algorithms.get(ran, 0) + 1
        self.last_x = outcome.x
        self.solves += 1
        self.solver_seconds += outcome.seconds
        return outcome

    def _ran(self, fresh: bool, primal: bool) -> str:
        """The algorithm the last solve ran (the backend's own, for those not HiGHS)."""
        return self.name

    @property
    def version(self) -> str:
        return ""


ALGORITHMS = ("auto", "simplex", "ipm")
IPM_NONZEROS = 150_000
"""Nonzeros from which a solve from scratch runs the interior point method (`auto`)."""
WARM_ITERATIONS = 250
"""Dual simplex iterations a warm re-solve (a milestone probe: bounds changed) may take before
it starts over by the interior point. Measured in paired rounds against the former cap (a
quarter of the last fresh solve's iterations, then the simplex from scratch): the quarterly
Groningen plan 1.00x, a sweep's samples 0.99x, the plan with terms `finish, waiting` 1.11x;
the monthly mjvp plan, which ran into any time limit, 2.3 s (its stalled probe had done 435
iterations in 25 s, so a larger cap would not catch it); the plan of 200 quarterly segments
93 to 22 CPU s. A cap in iterations, not seconds, keeps the path (and so the solution) the
same on every machine."""
WARM_PASS_ITERATIONS = 500
"""Primal simplex iterations a warm pass (a new objective over the same feasible set) may
take before it starts over by the interior point. Against 250, in 15 paired rounds: the
quarterly Groningen plan 0.90x, the plan with terms `finish, waiting` 0.91x, sweep samples
0.96x (CPU seconds)."""
INF_ITER = 2_000_000_000


class HighsBackend(Backend):
    """HiGHS through highspy: the model is passed once as column-wise arrays."""

    name = "highs"

    def __init__(self, lp: CompiledLP, time_limit: float, algorithm: str = "auto") -> None:
        super().__init__(lp, time_limit, algorithm)
        import highspy

        started = time.perf_counter()
        self._highspy = highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("threads", 1)  # the dual simplex runs serially; parallelism is in workers
        model = highspy.HighsLp()
        model.num_col_ = lp.num_col
        model.num_row_ = lp.num_row
        model.col_cost_ = np.zeros(lp.num_col)
        model.col_lower_ = lp.col_lower
        model.col_upper_ = lp.col_upper
        model.row_lower_ = lp.row_lower
        model.row_upper_ = lp.row_upper
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_ = lp.col_start
        model.a_matrix_.index_ = lp.row_index
        model.a_matrix_.value_ = lp.values
        if lp.col_integer.any():
            model.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in lp.col_integer
            ]
        h.passModel(model)
        self.h = h
        self._num_col = lp.num_col
        self._all_cols = np.arange(lp.num_col, dtype=np.int32)
        self._integer = bool(lp.col_integer.any())
        self._restart_ipm = algorithm != "simplex" and not self._integer
        self._ipm = not self._integer and (algorithm == "ipm" or (
            algorithm == "auto" and len(lp.values) >= IPM_NONZEROS))
        self._last_ran = "dual simplex"
        self._basis: tuple[Any, int] | None = None
        """The basis of the last LP solve that ended optimal, and how many rows it was for."""
        self._basis_lost = False
        """The last solve left no basis (an interior point run that proved infeasibility)."""
        self.deadline = float(time_limit)
        """Where HiGHS's run clock may stand at most during the current solve."""
        self.load_seconds = time.perf_counter() - started

    def set_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.h.changeColsBounds(len(cols), np.asarray(cols, np.int32),
                                np.asarray(lower, float), np.asarray(upper, float))

    def set_cost(self, cost: np.ndarray) -> None:
        self.h.changeColsCost(self._num_col, self._all_cols, np.asarray(cost, float))

    def add_row(self, cols: np.ndarray, vals: np.ndarray, lower: float, upper: float) -> None:
        self.h.addRow(float(lower), float(upper), len(cols), np.asarray(cols, np.int32),
                      np.asarray(vals, float))

    def _ran(self, fresh: bool, primal: bool) -> str:
        return self._last_ran

    def _run(self, fresh: bool, primal: bool, ipm: bool = False) -> None:
        """One run of HiGHS: by interior point with crossover when asked (`ipm`) or for a
        solve from scratch (`fresh`) of a large model (`_ipm`), else by the dual simplex, or
        the primal one (`primal`)."""
        ipm = ipm or (fresh and self._ipm)
        self.h.setOptionValue("solver", "ipm" if ipm else "simplex")
        if ipm:
            self.h.setOptionValue("run_crossover", "on")
        self._last_ran = ("interior point" if ipm else
                          "primal simplex" if primal else "dual simplex")
        # HiGHS measures its time limit on a clock that runs over every `run` of this model
        # (clearSolver does not reset it): the solve's limit is set where the clock stood
        # when the solve began (`deadline`), for each of its runs (a warm start, the start
        # over from scratch, the other simplex), so that the solve as a whole keeps to it.
        self.h.setOptionValue("time_limit", self.deadline)
        self.h.run()

    def _solve(self, fresh: bool, primal: bool) -> Outcome:
        started = time.perf_counter()
        self.deadline = self.h.getRunTime() + float(self.time_limit)
        ms = self._highspy.HighsModelStatus
        if fresh:
            self.h.clearSolver()
        elif self._basis_lost and self._basis is not None and (
                self._basis[1] == self.h.getNumRow()):
            # a warm start from the last optimal basis (a probe after one the interior point
            # proved infeasible, which leaves no basis; bounds changed since keep it dual
            # feasible), not from nothing
            self.h.setBasis(self._basis[0])
        self.h.setOptionValue("simplex_strategy", 4 if primal else 1)
        # A warm start may wander (seen: a feasibility re-solve taking 1,400 slow iterations
        # over 1.3 s where a fresh solve takes 0.07 s): past its cap it starts over.
        cap = WARM_PASS_ITERATIONS if primal else WARM_ITERATIONS
        self.h.setOptionValue("simplex_iteration_limit", INF_ITER if fresh else cap)
        self._run(fresh, primal)
        status = self.h.getModelStatus()
        if status in (ms.kUnknown, ms.kSolveError, ms.kNotset, ms.kIterationLimit) and (
                not fresh):
            self.h.clearSolver()  # a warm start that went astray: from scratch, by interior point
            self.h.setOptionValue("simplex_iteration_limit", INF_ITER)
            self._run(True, primal, ipm=self._restart_ipm)
            status = self.h.getModelStatus()
        if status in (ms.kUnknown, ms.kSolveError, ms.kNotset):
            # The other simplex as a last resort. Seen on a small quarterly plan with a tight
            # engineering limit: a run ending with no status, warm and fresh. Seen on a
            # Groningen sweep sample: a probe "reached by period T" that is infeasible, where
            # dual simplex ends unknown with primal infeasibilities of 1e10, warm or fresh,
            # and primal simplex proves it infeasible; the sample was lost as an error.
            self.h.clearSolver()
            self.h.setOptionValue("solver", "simplex")
            self.h.setOptionValue("simplex_strategy", 1 if primal else 4)
            self.h.setOptionValue("simplex_iteration_limit", INF_ITER)
            self.h.setOptionValue("time_limit", self.deadline)
            self.h.run()
            self._last_ran = "primal simplex" if not primal else "dual simplex"
            status = self.h.getModelStatus()
        seconds = time.perf_counter() - started
        if status == ms.kOptimal:
            if not self._integer:  # a MILP's solve leaves no simplex basis to keep
                self._basis = (self.h.getBasis(), self.h.getNumRow())
            self._basis_lost = False
        else:
            self._basis_lost = not self.h.getBasis().valid
        if status == ms.kOptimal:
            x = np.array(self.h.getSolution().col_value)
            return Outcome(Status.OPTIMAL, x, float(self.h.getInfo().objective_function_value),
                           seconds)
        mapped = {
            ms.kInfeasible: Status.INFEASIBLE,
            ms.kUnboundedOrInfeasible: Status.INFEASIBLE,
            ms.kUnbounded: Status.UNBOUNDED,
            ms.kTimeLimit: Status.TIME_LIMIT,
        }.get(status, Status.ERROR)
        return Outcome(mapped, None, None, seconds)

    @property
    def version(self) -> str:
        return str(self.h.version())


class _RebuildBackend(Backend):
    """Backends given the whole model at each solve; rows added later are kept here."""

    def __init__(self, lp: CompiledLP, time_limit: float, algorithm: str = "auto") -> None:
        super().__init__(lp, time_limit, algorithm)
        self.lp = lp
        self.col_lower = lp.col_lower.copy()
        self.col_upper = lp.col_upper.copy()
        self.col_integer = lp.col_integer.copy()
        self.cost = np.zeros(lp.num_col)
        self.extra_rows: list[tuple[np.ndarray, np.ndarray, float, float]] = []
        counts = np.diff(lp.col_start)
        cols = np.repeat(np.arange(lp.num_col), counts)
        order = np.argsort(lp.row_index, kind="stable")
        self._row_cols = cols[order]
        self._row_vals = lp.values[order]
        self._row_start = np.zeros(lp.num_row + 1, dtype=int)
        np.cumsum(np.bincount(lp.row_index, minlength=lp.num_row), out=self._row_start[1:])

    def set_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.col_lower[cols] = lower
        self.col_upper[cols] = upper

    def set_cost(self, cost: np.ndarray) -> None:
        self.cost = np.asarray(cost, float).copy()

    def add_row(self, cols: np.ndarray, vals: np.ndarray, lower: float, upper: float) -> None:
        self.extra_rows.append((np.asarray(cols), np.asarray(vals, float), lower, upper))

    def rows(self) -> Any:
        """Every row as (cols, vals, lower, upper)."""
        for r in range(self.lp.num_row):
            a, b = self._row_start[r], self._row_start[r + 1]
            yield (self._row_cols[a:b], self._row_vals[a:b], self.lp.row_lower[r],
                   self.lp.row_upper[r])
        yield from self.extra_rows


class CbcBackend(_RebuildBackend):
    """COIN-OR CBC, the binary bundled with PuLP."""

    name = "cbc"

    def _solve(self, fresh: bool, primal: bool) -> Outcome:
        import warnings

        with warnings.catch_warnings():  # PuLP 3 announces PuLP 4's API; pinned below 4
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._solve_pulp()

    def _solve_pulp(self) -> Outcome:
        import pulp

        started = time.perf_counter()
        prob = pulp.LpProblem("capplan", pulp.LpMinimize)
        xs = [
            pulp.LpVariable(
                f"x{i}",
                lowBound=None if lo == -INF else lo,
                upBound=None if up == INF else up,
                cat=pulp.LpInteger if integer else pulp.LpContinuous,
            )
            for i, (lo, up, integer) in enumerate(
                zip(self.col_lower, self.col_upper, self.col_integer, strict=True)
            )
        ]
        prob += pulp.lpSum(c * xs[i] for i, c in enumerate(self.cost) if c)
        for r, (cols, vals, lo, up) in enumerate(self.rows()):
            expr = pulp.LpAffineExpression([(xs[j], v) for j, v in zip(cols, vals, strict=True)])
            if lo == up:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{r}", lo)
                continue
            if lo > -INF:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{r}l", lo)
            if up < INF:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{r}u", up)
        solver = _cbc(timeLimit=self.time_limit, gapRel=1e-9)
        prob.solve(solver)
        seconds = time.perf_counter() - started
        status = pulp.LpStatus[prob.status]
        if status == "Optimal" and prob.sol_status == pulp.LpSolutionOptimal:
            x = np.array([v.varValue or 0.0 for v in xs])
            return Outcome(Status.OPTIMAL, x, float(self.cost @ x), seconds)
        mapped = {"Infeasible": Status.INFEASIBLE, "Unbounded": Status.UNBOUNDED}
        if status == "Optimal" or status == "Not Solved":
            return Outcome(Status.TIME_LIMIT, None, None, seconds)
        return Outcome(mapped.get(status, Status.ERROR), None, None, seconds)

    @property
    def version(self) -> str:
        import pulp

        return f"pulp {pulp.__version__}"


def _cbc(**options: Any) -> Any:
    """PuLP's bundled CBC (PuLP 3 warns that PuLP 4 will unbundle it; pinned below 4)."""
    import warnings

    import pulp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, **options)


class OrtoolsBackend(_RebuildBackend):
    """OR-Tools' linear solver wrapper with one of its solvers (GLOP, SCIP)."""

    solver_id = ""

    def _solve(self, fresh: bool, primal: bool) -> Outcome:
        from ortools.linear_solver import pywraplp

        started = time.perf_counter()
        solver = pywraplp.Solver.CreateSolver(self.solver_id)
        if solver is None:
            return Outcome(Status.ERROR, None, None, 0.0)
        solver.SetTimeLimit(int(self.time_limit * 1000))
        inf = solver.infinity()
        xs = [
            (solver.IntVar if integer else solver.NumVar)(
                -inf if lo == -INF else lo, inf if up == INF else up, f"x{i}"
            )
            for i, (lo, up, integer) in enumerate(
                zip(self.col_lower, self.col_upper, self.col_integer, strict=True)
            )
        ]
        for cols, vals, lo, up in self.rows():
            row = solver.RowConstraint(-inf if lo == -INF else lo, inf if up == INF else up, "")
            for j, v in zip(cols, vals, strict=True):
                row.SetCoefficient(xs[j], float(v))
        objective = solver.Objective()
        for i, c in enumerate(self.cost):
            if c:
                objective.SetCoefficient(xs[i], float(c))
        objective.SetMinimization()
        result = solver.Solve()
        seconds = time.perf_counter() - started
        if result == pywraplp.Solver.OPTIMAL:
            x = np.array([v.solution_value() for v in xs])
            return Outcome(Status.OPTIMAL, x, float(self.cost @ x), seconds)
        mapped = {
            pywraplp.Solver.INFEASIBLE: Status.INFEASIBLE,
            pywraplp.Solver.UNBOUNDED: Status.UNBOUNDED,
            pywraplp.Solver.FEASIBLE: Status.TIME_LIMIT,
            pywraplp.Solver.NOT_SOLVED: Status.TIME_LIMIT,
        }
        return Outcome(mapped.get(result, Status.ERROR), None, None, seconds)

    @property
    def version(self) -> str:
        import ortools

        return f"ortools {ortools.__version__}"


class GlopBackend(OrtoolsBackend):
    """OR-Tools GLOP: LPs only (scope choices are enumerated, milestones searched)."""

    name = "glop"
    solver_id = "GLOP"
    lp_only = True


class ScipBackend(OrtoolsBackend):
    """SCIP through OR-Tools: LPs and MILPs."""

    name = "scip"
    solver_id = "SCIP"


BACKENDS: dict[str, type[Backend]] = {
    b.name: b for b in (HighsBackend, CbcBackend, GlopBackend, ScipBackend)
}

# The library each backend imports, and the extra of capplan that installs it (None: a
# dependency of capplan itself).
LIBRARIES: dict[str, tuple[str, str | None]] = {
    "highs": ("highspy", None),
    "cbc": ("pulp", "cbc"),
    "glop": ("ortools.linear_solver.pywraplp", "ortools"),
    "scip": ("ortools.linear_solver.pywraplp", "ortools"),
}


class SolverUnavailable(Exception):
    """The chosen backend is unknown or cannot solve this kind of model."""


class SolverNotInstalled(InputError):
    """The chosen backend's library is missing or cannot solve here: an input error on
    `--solver` (exit code 2) that says what to install."""

    def __init__(self, problem: str) -> None:
        super().__init__("--solver", [("", problem)])


def backend_type(name: str) -> type[Backend]:
    """The backend class of a solver name; SolverUnavailable for an unknown one."""
    if name not in BACKENDS:
        raise SolverUnavailable(f"unknown solver '{name}' (one of {', '.join(BACKENDS)})")
    return BACKENDS[name]


def require(name: str) -> None:
    """Import the library of backend `name` (the first call imports it, later ones find it
    loaded) and check that it can solve here; SolverNotInstalled naming the extra to install
    when it cannot."""
    backend_type(name)
    module, extra = LIBRARIES[name]
    install = (f"pip install 'capplan[{extra}]'" if extra
               else f"{module}: reinstall capplan, which depends on it")
    try:
        library = importlib.import_module(module)
    except ImportError as exc:
        raise SolverNotInstalled(f"{name} needs {install} ({exc})") from None
    if name == "cbc" and not _cbc().available():
        raise SolverNotInstalled(f"cbc: this PuLP has no CBC binary here; {install}")
    if name in ("glop", "scip") and library.Solver.CreateSolver(name.upper()) is None:
        raise SolverNotInstalled(f"{name}: this OR-Tools build has no {name.upper()}")


def open_backend(name: str, lp: CompiledLP, time_limit: float = DEFAULT_TIME_LIMIT,
                 algorithm: str = "auto") -> Backend:
    """Backend `name` holding `lp`; each of its solves may take `time_limit` seconds;
    `algorithm` (HiGHS: `auto`, `simplex`, `ipm`) for its solves from scratch.

    The one way to create a backend: its library is imported here (SolverNotInstalled, an
    InputError on `--solver` with the extra to install, when it is missing; SolverUnavailable
    for an unknown name)."""
    kind = backend_type(name)
    require(name)
    if algorithm not in ALGORITHMS:
        raise SolverUnavailable(f"unknown algorithm '{algorithm}' (one of {', '.join(ALGORITHMS)})")
    return kind(lp, time_limit, algorithm)


def available() -> list[str]:
    """Backends whose library loads and solves here."""
    out = []
    for name in BACKENDS:
        try:
            require(name)
        except SolverNotInstalled:
            continue
        out.append(name)
    return out
