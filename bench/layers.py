"""Benchmark: the cost of handing the quarterly Groningen LP to each modelling layer.

capplan builds the model once as numpy arrays (`model/core/build.py`); this measures, median of 5,
how long each layer then takes to hold the same LP, without solving:
- highspy: HighsLp from the column-wise arrays, passModel;
- OR-Tools pywraplp: a variable and a row object per column and row;
- PuLP: LpVariable and LpAffineExpression per column and row.
The numbers chose the layer: arrays into highspy for the default path, the others only as
backends that are rebuilt per solve.

Run: python bench/layers.py [--granularity quarter]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

from capplan.core.backends import CbcBackend, HighsBackend
from capplan.core.build import build
from capplan.core.lp import INF, CompiledLP
from capplan.inputs.load import load

ROOT = Path(__file__).resolve().parent.parent


def to_highspy(lp: CompiledLP) -> None:
    HighsBackend(lp, 60.0)


def to_pywraplp(lp: CompiledLP) -> None:
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    xs = [solver.NumVar(lo, inf if up == INF else up, "")
          for lo, up in zip(lp.col_lower, lp.col_upper, strict=True)]
    for cols, vals, lo, up in CbcBackend(lp, 60.0).rows():
        row = solver.RowConstraint(-inf if lo == -INF else lo, inf if up == INF else up, "")
        for j, v in zip(cols, vals, strict=True):
            row.SetCoefficient(xs[j], float(v))


def to_pulp(lp: CompiledLP) -> None:
    import pulp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob = pulp.LpProblem("bench", pulp.LpMinimize)
        xs = [pulp.LpVariable(f"x{i}", lowBound=lo, upBound=None if up == INF else up)
              for i, (lo, up) in enumerate(zip(lp.col_lower, lp.col_upper, strict=True))]
        for r, (cols, vals, lo, up) in enumerate(CbcBackend(lp, 60.0).rows()):
            expr = pulp.LpAffineExpression([(xs[j], v) for j, v in zip(cols, vals, strict=True)])
            if lo == up:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{r}", lo)
            elif up < INF:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{r}", up)
            else:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{r}", lo)


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--granularity", default="quarter")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    inst = load(ROOT / "instances" / "groningen-2024.toml", None,
                [f'programme.granularity="{args.granularity}"']).instance
    lp = build(inst).lp
    print(f"Groningen, {args.granularity}: {lp.num_col:,} columns, {lp.num_row:,} rows, "
          f"{len(lp.values):,} nonzeros")
    print("| step | seconds |\n|---|---|")
    own = median_seconds(lambda: build(inst), args.repeat)
    print(f"| capplan build (numpy arrays) | {own:.3f} |")
    layers: list[tuple[str, Callable[[CompiledLP], None]]] = [
        ("highspy passModel", to_highspy), ("OR-Tools pywraplp", to_pywraplp), ("PuLP", to_pulp)]
    for name, layer in layers:
        seconds = median_seconds(partial(layer, lp), args.repeat)
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
