"""Benchmark: build and solve times of the Groningen instance.

For each granularity (year, quarter, month) and solver (HiGHS, CBC), median of 5 runs of
`plan` with the instance's own terms (the default `finish, p95, smooth, waiting`):
- build: building the model's arrays; load: handing them to the solver;
- solver: wall time inside the solver calls, over all passes;
- raw: HiGHS alone on the same LPs, each pass's LP written as MPS and solved from scratch
  (the limit), summed over the passes;
for the quarterly instance, the CLI end to end (`capplan plan ... -f json`, imports
included) against a bare `python -c pass`; and what the canonical passes cost (the table of
bench/canonical.py: the quarterly plan with and without them, in paired rounds).

Run: python bench/solve.py [--repeat 5] [--solvers highs,cbc]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from canonical import table as canonical_table  # bench/canonical.py, beside this file

from capplan.core import backends
from capplan.core.solve import plan
from capplan.inputs.load import load

ROOT = Path(__file__).resolve().parent.parent

INSTANCE = ROOT / "instances" / "groningen-2024.toml"


def time_plan(granularity: str, solver: str, repeat: int) -> dict[str, float]:
    """Median build, load, solver and total seconds of `plan`, and the number of solves."""
    inst = load(INSTANCE, None, [f'programme.granularity="{granularity}"']).instance
    runs = []
    for _ in range(repeat):
        built, sol = plan(inst, solver=solver)
        runs.append((sol.build_seconds, sol.load_seconds, sol.solver_seconds, sol.seconds,
                     sol.solves, built.lp.num_col, built.lp.num_row))
    med = [statistics.median(r[i] for r in runs) for i in range(4)]
    return {"build": med[0], "load": med[1], "solver": med[2], "total": med[3],
            "solves": runs[0][4], "cols": runs[0][5], "rows": runs[0][6]}


def raw_highs(granularity: str, repeat: int) -> float:
    """HiGHS alone on each pass's LP (from MPS, from scratch), summed; median of `repeat`."""
    import highspy

    inst = load(INSTANCE, None, [f'programme.granularity="{granularity}"']).instance
    folder = Path(tempfile.mkdtemp(prefix="capplan-bench-"))
    written: list[Path] = []
    original = backends.HighsBackend._solve

    def record(self: backends.HighsBackend, fresh: bool, primal: bool) -> backends.Outcome:
        path = folder / f"pass{len(written)}.mps"
        self.h.writeModel(str(path))
        written.append(path)
        return original(self, fresh, primal)

    backends.HighsBackend._solve = record  # type: ignore[method-assign]
    try:
        plan(inst)
    finally:
        backends.HighsBackend._solve = original  # type: ignore[method-assign]
    totals = []
    for _ in range(repeat):
        total = 0.0
        for path in written:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.readModel(str(path))
            started = time.perf_counter()
            h.run()
            total += time.perf_counter() - started
        totals.append(total)
    return statistics.median(totals)


def cli_seconds(repeat: int) -> tuple[float, float]:
    """Median wall seconds of the CLI on the quarterly instance, and of a bare interpreter."""
    def wall(cmd: list[str]) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    capplan = [sys.executable, str(ROOT / "cli.py"), "plan", str(INSTANCE), "-f", "json"]
    return wall(capplan), wall([sys.executable, "-c", "pass"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--solvers", default="highs,cbc")
    args = parser.parse_args()
    print("| granularity | solver | columns | rows | solves | build s | load s | solver s | "
          "raw HiGHS s | build / solver | solver / raw | total s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for granularity in ("year", "quarter", "month"):
        raw = raw_highs(granularity, args.repeat)
        for solver in args.solvers.split(","):
            r = time_plan(granularity, solver, args.repeat)
            print(f"| {granularity} | {solver} | {r['cols']:,} | {r['rows']:,} | {r['solves']} | "
                  f"{r['build']:.3f} | {r['load']:.3f} | {r['solver']:.3f} | {raw:.3f} | "
                  f"{(r['build'] + r['load']) / r['solver']:.2f} | {r['solver'] / raw:.2f} | "
                  f"{r['total']:.3f} |", flush=True)
    cli, bare = cli_seconds(args.repeat)
    print(f"\nCLI end to end, quarterly, `plan -f json`: {cli:.3f} s "
          f"(a bare Python start: {bare:.3f} s)")
    print("\nWhat the canonical passes cost:")
    print("\n".join(canonical_table("quarter", max(args.repeat, 7))))


if __name__ == "__main__":
    main()
