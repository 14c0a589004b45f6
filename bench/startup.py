"""Benchmark: whole-process times of the command line, and the API's overhead over its solver.

Three pairs, each run interleaved (A B, B A, A B, ...) so that a noisy machine slows both
alike; medians over the pairs, and the median of the per-pair ratios:
- `capplan --help` against `python -c "import typer"` (goal: at most 1.5x);
- `capplan plan INSTANCE --no-ledger` against a script that imports highspy and solves, one
  after the other from MPS files, the same LPs `capplan plan` solves (every milestone probe
  and every pass, written once beforehand from inside the backend) (goal: at most 1.5x);
- in process, the API's `capplan.plan` on a loaded instance against the solver seconds that
  same run reports (`solution.solver_seconds`) (goal: at most 1.2x).
For reference, with no goal: the `--help` of a two-command typer app against the same
`import typer` (what typer's own help, drawn with rich, costs).
A whole process's CPU time is the child's user + system time (os.wait4); wall time is taken
around it. Last, the heavy modules each command imports, and the capplan module that pulls
each in (from `python -X importtime`). Whether capplan's modules load from cached bytecode
is printed first: with PYTHONDONTWRITEBYTECODE set and no __pycache__, every run compiles them
again, which shows in every capplan figure.

INSTANCE is a shipped example's name or a file (default: groningen-2024, the quarterly
Groningen instance).

Run: python bench/startup.py [--pairs 15] [--instance groningen-2024]
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import capplan
from capplan.core import backends

capplan_examples = importlib.import_module("capplan.examples")  # the package, not the function

INSTANCE = "groningen-2024"
HEAVY = ("pydantic", "numpy", "pandas", "pyarrow", "matplotlib", "openpyxl", "pulp", "ortools",
         "dask", "highspy")

BASELINE_SCRIPT = '''
import sys

import highspy

for path in sys.argv[1:]:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.readModel(path)
    h.run()
    print(h.modelStatusToString(h.getModelStatus()))
'''


TYPER_APP = '''
import typer

app = typer.Typer(add_completion=False)


@app.command()
def plan(instance: str, scenario: str | None = None) -> None:
    """Solve an instance and print the optimal target trajectory."""


@app.command()
def validate(instance: str) -> None:
    """Check an instance."""


app()
'''


def bytecode_state() -> str:
    """Whether capplan's modules (those imported here) load from cached bytecode: a .pyc
    beside each source, not older than it."""
    stale = []
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if not name.startswith("capplan") or spec is None or not spec.cached:
            continue
        source, cached = Path(spec.origin), Path(spec.cached)
        if not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime:
            stale.append(name)
    if not stale:
        return "capplan's modules load from cached bytecode"
    return (f"{len(stale)} of capplan's modules have no cached bytecode: "
            + ("it is written on their first run" if not sys.dont_write_bytecode else
               "PYTHONDONTWRITEBYTECODE is set, so every run compiles them again"))


def capplan_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m capplan`."""
    script = Path(sys.executable).with_name("capplan")
    found = str(script) if script.exists() else shutil.which("capplan")
    return [found] if found else [sys.executable, "-m", "capplan"]


def run_child(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process; it must exit 0."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode() if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime


def paired(a: Callable[[], tuple[float, float]], b: Callable[[], tuple[float, float]],
           pairs: int) -> dict[str, float]:
    """Medians of `pairs` interleaved runs of a and b, and of the per-pair ratios a / b."""
    runs_a, runs_b = [], []
    for i in range(pairs):
        if i % 2:
            runs_b.append(b())
            runs_a.append(a())
        else:
            runs_a.append(a())
            runs_b.append(b())
    out: dict[str, float] = {}
    for k, what in enumerate(("wall", "cpu")):
        out[f"a_{what}"] = statistics.median(r[k] for r in runs_a)
        out[f"b_{what}"] = statistics.median(r[k] for r in runs_b)
        out[f"ratio_{what}"] = statistics.median(
            ra[k] / rb[k] for ra, rb in zip(runs_a, runs_b, strict=True))
    return out


def dump_passes(instance: str, folder: Path) -> tuple[list[Path], list[str]]:
    """Plan the instance as `capplan plan` does, writing each LP HiGHS is given (every probe
    and pass) as MPS; returns the files and each solve's status."""
    written: list[Path] = []
    statuses: list[str] = []
    original = backends.HighsBackend._solve

    def record(self: backends.HighsBackend, fresh: bool, primal: bool) -> backends.Outcome:
        path = folder / f"solve{len(written):03d}.mps"
        self.h.writeModel(str(path))
        written.append(path)
        outcome = original(self, fresh, primal)
        statuses.append(outcome.status.value)
        return outcome

    backends.HighsBackend._solve = record  # type: ignore[method-assign]
    try:
        capplan.plan(instance)
    finally:
        backends.HighsBackend._solve = original  # type: ignore[method-assign]
    return written, statuses


def in_process(instance: str, pairs: int) -> dict[str, float]:
    """Medians over `pairs` runs of `capplan.plan` on a loaded instance: wall and CPU seconds,
    the solver seconds of the same run, the parts, and the ratio wall / solver seconds."""
    loaded = capplan.load(instance)
    rows = []
    for _ in range(pairs):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        result = capplan.plan(loaded)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        solution = result.solution
        rows.append({"wall": wall, "cpu": cpu, "solver": solution.solver_seconds,
                     "build": solution.build_seconds, "load": solution.load_seconds,
                     "plan": solution.seconds, "solves": solution.solves,
                     "ratio": wall / solution.solver_seconds})
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def heavy_imports(argv: list[str], cwd: Path) -> tuple[list[str], dict[str, str]]:
    """Which HEAVY modules a command holds at exit, and for each, the capplan module whose
    import pulls it in (or that a command imports it while running)."""
    report = cwd / "modules.json"
    code = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(report)!r}, 'w').write(json.dumps("
        f"[m for m in {HEAVY!r} if m in sys.modules])))\n"
        f"sys.argv = ['capplan', *{argv!r}]\n"
        "from capplan.cli import main\n"
        "main()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    held = json.loads(report.read_text())
    timed = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           check=True).stderr
    return held, pulled_by(timed, held)


def pulled_by(importtime: str, modules: list[str]) -> dict[str, str]:
    """From `-X importtime` output (a module's line follows those of what it imported, one
    level deeper): the nearest capplan module above the first import of each of `modules`
    (or, when a package logs no line of its own, of its first submodule), with the
    cumulative milliseconds of that import."""
    lines = []
    for line in importtime.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        lines.append((depth, name.strip(), int(cumulative) / 1000))
    found: dict[str, str] = {}
    for module in modules:
        # the package's own line, else its first submodule's (highspy logs only those)
        exact = [i for i, line in enumerate(lines) if line[1] == module]
        inside = [i for i, line in enumerate(lines) if line[1].startswith(module + ".")]
        if not exact and not inside:
            continue
        first = exact[0] if exact else inside[0]
        level, owner = lines[first][0], "a command, while running"
        for later_depth, later_name, _ in lines[first + 1:]:
            if later_depth < level:
                level = later_depth
                if later_name.startswith("capplan"):
                    owner = later_name
                    break
        found[module] = f"{owner} ({lines[first][2]:.0f} ms)"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--instance", default=INSTANCE, help="a shipped name or a file")
    args = parser.parse_args()
    path = Path(args.instance)
    instance = str(path.resolve()) if path.exists() else args.instance
    work = Path(tempfile.mkdtemp(prefix="capplan-startup-"))
    cli = capplan_command()
    files, statuses = dump_passes(instance, work)
    script = work / "solve_mps.py"
    script.write_text(BASELINE_SCRIPT)
    typer_app = work / "typer_app.py"
    typer_app.write_text(TYPER_APP)
    replayed = subprocess.run([sys.executable, str(script), *map(str, files)],
                              capture_output=True, text=True, check=True).stdout.split()
    print(f"instance: {args.instance}; {len(files)} LPs written as MPS; statuses in capplan "
          f"{statuses}, from MPS {replayed}")
    # A wheel install compiles every module at install time; an editable one writes the
    # bytecode on first import unless PYTHONDONTWRITEBYTECODE is set. Compile here so that
    # the figures are those of an installed capplan, whatever the environment says.
    for package in (capplan, capplan_examples):
        compileall.compile_dir(str(Path(str(package.__file__)).parent), quiet=1)
    print(f"{args.pairs} interleaved pairs each; CPU = user + system of the child process; "
          f"{bytecode_state()}\n")

    results = [
        ("capplan --help", "python -c 'import typer'", 1.5, paired(
            lambda: run_child([*cli, "--help"], work),
            lambda: run_child([sys.executable, "-c", "import typer"], work), args.pairs)),
        ("capplan plan --no-ledger", f"highspy script, {len(files)} MPS", 1.5, paired(
            lambda: run_child([*cli, "plan", instance, "--no-ledger"], work),
            lambda: run_child([sys.executable, str(script), *map(str, files)], work),
            args.pairs)),
        ("typer app --help", "python -c 'import typer'", None, paired(
            lambda: run_child([sys.executable, str(typer_app), "--help"], work),
            lambda: run_child([sys.executable, "-c", "import typer"], work), args.pairs)),
    ]
    api = in_process(instance, args.pairs)
    header = (f"{'measured':<26}{'against':<28}{'wall s':>8}{'base s':>8}{'ratio':>7}"
              f"{'cpu s':>8}{'base s':>8}{'ratio':>7}{'goal':>6}")
    print(header)
    print("-" * len(header))
    for name, base, goal, r in results:
        print(f"{name:<26}{base:<28}{r['a_wall']:>8.3f}{r['b_wall']:>8.3f}"
              f"{r['ratio_wall']:>7.2f}{r['a_cpu']:>8.3f}{r['b_cpu']:>8.3f}{r['ratio_cpu']:>7.2f}"
              + (f"{goal:>6.1f}" if goal is not None else f"{'-':>6}"))
    print(f"{'API capplan.plan':<26}{'its solver seconds':<28}{api['wall']:>8.3f}"
          f"{api['solver']:>8.3f}{api['ratio']:>7.2f}{api['cpu']:>8.3f}{'':>8}{'':>7}"
          f"{1.2:>6.1f}")
    passes = api["plan"] - api["solver"] - api["build"] - api["load"]
    print(f"\nin process (medians, s): build {api['build']:.3f}, load into HiGHS "
          f"{api['load']:.3f}, solver {api['solver']:.3f} over {api['solves']:.0f} solves, "
          f"the passes around them {passes:.3f}, reading the plan back and the result "
          f"{api['wall'] - api['plan']:.3f}")
    print("\nheavy modules at start-up (pulled in by):")
    for label, argv in (("capplan --help", ["--help"]),
                        ("capplan plan", ["plan", instance, "--no-ledger"]),
                        ("capplan plan -f json", ["plan", instance, "--no-ledger", "-f", "json"])):
        held, owners = heavy_imports(argv, work)
        print(f"  {label}: " + (", ".join(held) or "none"))
        for module in held:
            print(f"    {module:<11} <- {owners.get(module, '?')}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
