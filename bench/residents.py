"""Benchmark: per-address disaggregation of a solved plan, 17,500 addresses.

The quarterly Groningen instance with every segment's count and work in progress scaled so
that 17,500 addresses remain (the SodM scope of 17,500, as if none were done yet), and a
synthetic register of them. The plan is solved once; then, median of R repeats, seconds for:
reading the register (checks and pseudonyms), scheduling every address through the four
transitions, the tables (addresses, letters, summaries), and the total after the plan is
solved; the same with 1% of the addresses asking to postpone by a year.

Run: python bench/residents.py [--addresses 17500] [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from capplan.core.results import read_plan, segment_flow_arrays
from capplan.core.routing import lags_of
from capplan.core.solve import plan
from capplan.inputs.load import load
from capplan.inputs.schema import Instance, validate
from capplan.residents.notices import address_table, letters_table, summary
from capplan.residents.register import read_register, synthetic
from capplan.residents.schedule import NONE, schedule

ROOT = Path(__file__).resolve().parent.parent

INSTANCE = ROOT / "instances" / "groningen-2024.toml"
KEY = b"bench-key-of-enough-length"


def scaled(addresses: int) -> Instance:
    """Groningen with counts, work in progress and capacities scaled to `addresses` remaining
    items (releases all at the start, horizon to 2045)."""
    loaded = load(INSTANCE)
    raw = copy.deepcopy(loaded.raw)
    raw.pop("risk", None)
    raw.pop("scenarios", None)
    factor = addresses / loaded.instance.remaining
    segments = raw["segment"]
    for seg in segments:
        seg["count"] = round(seg["count"] * factor)
        seg.pop("released", None)
        for stage, value in seg.get("in_progress", {}).items():
            seg["in_progress"][stage] = round(value * factor)
    segments[0]["count"] += addresses - sum(s["count"] for s in segments)
    raw["programme"]["horizon_end"] = 2045
    for spec in raw.get("capacity", {}).values():  # the same programme, larger
        for key in ("initial", "max", "ramp_up", "ramp_down"):
            if key in spec:
                spec[key] = spec[key] * factor
    for region in raw.get("region", []):
        if "execution_max" in region:
            region["execution_max"] = region["execution_max"] * factor
    return validate(raw, "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=17500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    instance = scaled(args.addresses)
    started = time.perf_counter()
    built, solution = plan(instance)
    result = read_plan(built, solution)
    solve_s = time.perf_counter() - started
    n = built.calendar.n
    flows = segment_flow_arrays(result.flows, n)
    lags = lags_of(instance)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        synthetic(instance, 1).to_csv(path, index=False)
        register = read_register(path, instance, KEY, tolerance=0.0)
        planned = schedule(register.table, flows, lags, n).exec_start
        asks = np.random.default_rng(3).random(len(planned)) < 0.01
        postponed = np.where(asks & (planned >= 0), planned + 4, NONE)  # a year later
        phases: dict[str, list[float]] = {}
        for _ in range(args.repeats):
            for label, earliest in (("", None), (" (1% postpone)", postponed)):
                t0 = time.perf_counter()
                register = read_register(path, instance, KEY, tolerance=0.0)
                t1 = time.perf_counter()
                got = schedule(register.table, flows, lags, n, "fifo", earliest)
                t2 = time.perf_counter()
                table = address_table(register, got, got.completion, got.completion,
                                      built.calendar, instance.programme.horizon_end, earliest)
                letters_table(table, instance.programme.horizon_end)
                summary(table, "segment", built.calendar)
                summary(table, "region", built.calendar)
                t3 = time.perf_counter()
                assert got.later_than_without == 0
                for name, value in (("read register", t1 - t0), ("schedule", t2 - t1),
                                    ("tables and letters", t3 - t2),
                                    ("total after the plan", t3 - t0)):
                    phases.setdefault(name + label, []).append(value)
    print(f"{args.addresses:,} addresses, {len(instance.segment)} segments, {n} quarters; "
          f"plan solved in {solve_s:.2f} s (not counted below)")
    print(f"{'phase':<40} {'median s':>9}")
    for name, values in phases.items():
        print(f"{name:<40} {statistics.median(values):>9.3f}")


if __name__ == "__main__":
    main()
