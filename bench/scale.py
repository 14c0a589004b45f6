"""Benchmark: plans a hundred times Groningen's size.

Synthetic instances are copies of the Groningen instance (`replicate`): its ten segments
(two of them empty unless a scenario fills them) copied K times (`c1-eemsdelta-light`, ...,
`cK-overig-replacement`, each copy its own region with the regional ceiling), history and
every capacity figure (initial, min, max, ramps) multiplied by K. K plans of Groningen side by
side carry such an instance, and any plan of it, averaged over the copies, is a plan of
Groningen: so every size has Groningen's milestones, and the table measures size alone.

For segments 10/50/200/1,000 (K = 1, 5, 20, 100) and granularity year/quarter/month, one plan
each (`capplan.plan` in process, default terms): build, solve (solver seconds and the plan's
solves), read-back (`read_plan` plus the yearly table and the JSON records), end to end, the
peak resident memory of the process that planned it (each cell runs in its own process), and
the algorithms that ran the solves. Seconds are wall seconds, with the process's CPU seconds
for the end to end (on a shared machine the CPU seconds are the steadier measure). Cells
whose projected CPU time exceeds `--budget` seconds are skipped and said so. The growth
exponent is the slope of log(solve seconds) against log(nonzeros) between consecutive sizes
of a granularity.

`--paired N` times Groningen's own quarterly plan N times, interleaving this checkout's code
with another checkout's (`--against /work/main`), and prints the median ratio.

Run: python bench/scale.py [--budget 120] [--sizes 10,50,200,1000]
     [--granularities year,quarter,month] [--paired 7 --against /work/main]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GRONINGEN = "groningen-2024"
SCALED = ("initial", "min", "max", "ramp_up", "ramp_down")


def replicate(raw: dict[str, Any], copies: int) -> dict[str, Any]:
    """Groningen's raw instance with its work copied `copies` times (see the module
    docstring): its segments copied with a `cK-` prefix (measures name them
    by suffix globs, which still match) into their own regions, history and capacities
    multiplied. Risks and scenarios are dropped (they name the original segments)."""
    out = copy.deepcopy(raw)
    segments = raw["segment"]
    out["segment"] = []
    for k in range(1, copies + 1):
        for seg in segments:
            twin = copy.deepcopy(seg)
            twin["name"] = f"c{k}-{seg['name']}"
            twin["region"] = f"{seg['region']}-{k}"
            out["segment"].append(twin)
    out["region"] = [{**region, "name": f"{region['name']}-{k}"}
                     for k in range(1, copies + 1) for region in raw.get("region", [])]
    history = out.get("history", {})
    history["completed"] = {y: v * copies for y, v in history.get("completed", {}).items()}
    history["completed_before"] = history.get("completed_before", 0) * copies
    for stage in ("engineering", "execution"):
        spec = out.get("capacity", {}).get(stage)
        for key in SCALED if spec else ():
            if key in spec:
                spec[key] = spec[key] * copies
    out.pop("risk", None)
    out.pop("scenarios", None)
    return out


def synthetic(segments: int, granularity: str = "quarter") -> Any:
    """The validated synthetic instance with `segments` segments (a multiple of ten)."""
    from capplan.inputs.load import load
    from capplan.inputs.schema import validate

    loaded = load(GRONINGEN, None, [f'programme.granularity="{granularity}"'])
    copies, rest = divmod(segments, len(loaded.raw["segment"]))
    if rest:
        raise SystemExit(f"segments must be a multiple of {len(loaded.raw['segment'])}")
    return validate(replicate(loaded.raw, copies), f"{GRONINGEN} x{copies}")


def cell(segments: int, granularity: str) -> dict[str, Any]:
    """One plan of the synthetic instance, timed (run in a process of its own)."""
    import resource

    import capplan
    from capplan.core.results import read_plan, trajectory_records
    from capplan.core.solve import plan

    instance = synthetic(segments, granularity)
    started, cpu = time.perf_counter(), time.process_time()
    built, solution = plan(instance)
    planned = time.perf_counter()
    result = read_plan(built, solution)
    trajectory_records(result)
    read = time.perf_counter() - planned
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB -> MiB
    del capplan
    return {"segments": segments, "granularity": granularity,
            "nonzeros": len(built.lp.values), "columns": built.lp.num_col,
            "rows": built.lp.num_row, "build": solution.build_seconds,
            "solve": solution.solver_seconds, "solves": solution.solves,
            "algorithm": getattr(solution, "algorithm", ""), "read": read,
            "end_to_end": planned - started + read, "cpu": cpu, "peak_mib": peak,
            "finish": result.milestones.get("finish"), "p95": result.milestones.get("p95")}


def run_cell(segments: int, granularity: str, timeout: float) -> dict[str, Any] | None:
    """`cell` in a fresh process (its own peak memory); None if it outlasts `timeout`."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import scale; "
            f"print(json.dumps(scale.cell({segments}, {granularity!r})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(exc.stderr) from None
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def exponent(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    """Growth exponent of the solve seconds in the nonzeros between two cells."""
    if a["solve"] <= 0 or b["solve"] <= 0 or a["nonzeros"] == b["nonzeros"]:
        return None
    return math.log(b["solve"] / a["solve"]) / math.log(b["nonzeros"] / a["nonzeros"])


def paired(repeat: int, against: Path) -> dict[str, float]:
    """Groningen's quarterly plan end to end in process, this checkout and `against`
    interleaved; medians and the median ratio of the pairs."""
    code = ("import time, capplan; i = capplan.load('groningen-2024'); t = time.perf_counter(); "
            "p = capplan.plan(i); p.to_dict(); print(time.perf_counter() - t)")
    def timed(root: Path) -> float:
        python = root / ".venv" / "bin" / "python"  # each checkout's own install
        out = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                             check=True, cwd=root)
        return float(out.stdout.strip().splitlines()[-1])

    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(timed(ROOT))
        theirs.append(timed(against))
    return {"this": statistics.median(ours), "against": statistics.median(theirs),
            "ratio": statistics.median(a / b for a, b in zip(ours, theirs, strict=True))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200,1000")
    parser.add_argument("--granularities", default="year,quarter,month")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="skip a cell projected to take longer (seconds)")
    parser.add_argument("--paired", type=int, default=0)
    parser.add_argument("--against", type=Path, default=Path("/work/main"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cells: list[dict[str, Any]] = []
    print("| granularity | segments | nonzeros | build s | solve s (solves) | algorithm "
          "| read back s | end to end s (CPU s) | peak MiB | finish | exponent |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for granularity in args.granularities.split(","):
        previous: dict[str, Any] | None = None
        for size in sizes:
            if previous is not None:  # project from the last cell with exponent 1.5
                projected = previous["cpu"] * (size / previous["segments"]) ** 1.5
                if projected > args.budget:
                    print(f"| {granularity} | {size:,} | | | skipped: projected "
                          f"{projected:,.0f} s > budget {args.budget:,.0f} s | | | | | | |")
                    continue
            result = run_cell(size, granularity, timeout=args.budget * 2)
            if result is None:
                print(f"| {granularity} | {size:,} | | | stopped after "
                      f"{args.budget * 2:,.0f} s | | | | | | |")
                continue
            growth = exponent(previous, result) if previous else None
            cells.append({**result, "exponent": growth})
            print(f"| {granularity} | {size:,} | {result['nonzeros'] / 1000:,.0f}k "
                  f"| {result['build']:.2f} | {result['solve']:.2f} ({result['solves']}) "
                  f"| {result['algorithm']} | {result['read']:.2f} "
                  f"| {result['end_to_end']:.2f} ({result['cpu']:.2f}) "
                  f"| {result['peak_mib']:,.0f} "
                  f"| {result['finish']} | {'' if growth is None else f'{growth:.2f}'} |",
                  flush=True)
            previous = result
    if args.paired:
        timing = paired(args.paired, args.against)
        print(f"\nGroningen quarterly, in process, {args.paired} pairs: this "
              f"{timing['this']:.3f} s, {args.against} {timing['against']:.3f} s, "
              f"median ratio {timing['ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(cells, indent=1))


if __name__ == "__main__":
    main()
