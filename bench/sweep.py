"""Benchmark: samples per second of `capplan sweep` on the quarterly Groningen instance.

Runs the instance's risk register for N samples (no tornado, no robust targets) in this
process (1 worker) and in a local process pool of W workers, and reports wall seconds,
samples per second, the pool's speed-up, and where the time goes, summed over the samples:
sampling (drawing the risks), model (applying the draws, validating, building the model's
arrays), solve (the solver passes of one plan), their ratio, read (milestones and the
cumulative curve); then aggregation (percentiles, fan, tables), the pool's start-up and
shipping overhead (wall time not accounted for by the samples' own time divided by the
workers), and how many samples were planned over the whole horizon because they did not
finish by the shorter one (`model/uncertainty/samples.py: short_horizon`).

Second part: does re-solving a sample from an earlier sample's optimal basis pay off? The
first LP of a plan (least waiting) is solved fresh (presolve, dual simplex) and warm (the new
arrays passed in, a cached basis set, dual simplex): from the previous sample when it has the
same sparsity pattern, and from the last sample of the same size (rows and columns: a cache
per model size, as a worker could keep one); both times are reported.

Third part (`--throughput`): solves per second, and per worker, of the sweep with its
default tornado (`default_tornado`) on 1 and 2 local workers and on a Dask cluster over TCP
(a scheduler and two single-threaded workers started as separate processes on 127.0.0.1, as
tests/uncertainty/test_cluster.py does), and the projection for 100,000 samples (the start-up
paid once, then the measured rate; the tornado stays at 100 samples, so it is left out of the
rate: each run's tornado solves are counted as solves, not samples).

Run: python bench/sweep.py [--samples 200] [--workers 2] [--pairs 40]
     python bench/sweep.py --throughput --samples 200 --pairs 0
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from capplan.core.backends import HighsBackend
from capplan.core.build import build
from capplan.core.objectives import linear_cost
from capplan.inputs.load import load
from capplan.uncertainty.risk import draw, sample_instance
from capplan.uncertainty.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent

INSTANCE = ROOT / "instances" / "groningen-2024.toml"


def run(samples: int, workers: int) -> dict[str, float]:
    """Wall seconds and the phase totals of one sweep."""
    loaded = load(INSTANCE)
    started = time.perf_counter()
    result = sweep(loaded, samples, seed=7, workers=workers, tornado_samples=0)
    wall = time.perf_counter() - started
    return {"wall": wall, **result.timing}


def warm_against_fresh(pairs: int) -> dict[str, tuple[int, float, float, int]]:
    """Over `pairs` samples after the first, the first LP (least waiting) solved fresh and
    warm from a cached basis: `pattern`, the previous sample when it had the same sparsity
    pattern; `size`, the last sample with the same number of rows and columns (a cache per
    model size, which is what a worker could keep). Per kind: how many samples could use
    it, mean seconds fresh and warm, and warm solves that did not end optimal."""
    loaded = load(INSTANCE)
    risks = list(loaded.instance.risk)
    previous: tuple[bytes, object] | None = None
    by_size: dict[tuple[int, int], object] = {}
    times: dict[str, tuple[list[float], list[float], list[bool]]] = {
        "pattern": ([], [], []), "size": ([], [], [])}
    for i in range(pairs + 1):
        built = build(sample_instance(loaded.raw, risks, draw(risks, 7, i), "bench"))
        cost = linear_cost(built, "waiting")
        fresh = HighsBackend(built.lp, 60.0)
        fresh.set_cost(cost)
        started = time.perf_counter()
        fresh.solve(fresh=True)
        elapsed = time.perf_counter() - started
        pattern = built.lp.col_start.tobytes() + built.lp.row_index.tobytes()
        size = (built.lp.num_col, built.lp.num_row)
        starts = {"pattern": previous[1] if previous and previous[0] == pattern else None,
                  "size": by_size.get(size) if i else None}
        for kind, basis in starts.items():
            if basis is None:
                continue
            warm = HighsBackend(built.lp, 60.0)
            warm.set_cost(cost)
            warm.h.setBasis(basis)
            warm.h.setOptionValue("simplex_strategy", 1)
            started = time.perf_counter()
            warm.h.run()
            times[kind][0].append(elapsed)
            times[kind][1].append(time.perf_counter() - started)
            times[kind][2].append(
                warm.h.getModelStatus() != warm._highspy.HighsModelStatus.kOptimal)
        previous = (pattern, fresh.h.getBasis())
        by_size[size] = previous[1]
    return {kind: (len(f), _mean(f), _mean(w), sum(bad)) for kind, (f, w, bad) in times.items()}


@contextmanager
def tcp_cluster(workers: int = 2) -> Iterator[str]:
    """A scheduler and `workers` single-threaded workers as processes on 127.0.0.1; yields
    the scheduler's address."""
    dask = str(Path(sys.executable).with_name("dask"))
    folder = Path(tempfile.mkdtemp(prefix="capplan-cluster-"))
    info = folder / "scheduler.json"
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(info)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        while not info.exists() or not info.read_text().strip():
            time.sleep(0.2)
        processes += [subprocess.Popen([dask, "worker", "--scheduler-file", str(info),
                                        "--nthreads", "1", "--no-dashboard"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                      for _ in range(workers)]
        from distributed import Client

        address = json.loads(info.read_text())["address"]
        with Client(address) as client:
            client.wait_for_workers(workers, timeout=120)
        yield str(address)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)


def throughput(samples: int) -> None:
    """Solves per second (and per worker; a solve is a sample or a tornado run) with the
    default tornado: 1 and 2 local workers and the TCP cluster of two; the projection for
    100,000 samples (and a tornado of 100: 100,000 + 100 x the risks' sides not drawn)."""
    from capplan.uncertainty.sweep import default_tornado

    loaded = load(INSTANCE)
    print(f"\nquarterly Groningen, {samples} samples, default tornado "
          f"({default_tornado(samples)} samples re-solved per risk side not drawn)")
    print("| run | workers | wall s | solves | solves/s | solves/s per worker "
          "| 100,000 samples (projected) |")
    print("|---|---|---|---|---|---|---|")

    def one(name: str, workers: int, dask: str | None) -> None:
        started = time.perf_counter()
        result = sweep(loaded, samples, seed=7, workers=workers, dask=dask)
        wall = time.perf_counter() - started
        solves = int(result.timing["samples_solved"])
        rate = solves / max(wall - result.timing["aggregation"], 1e-9)
        tornado = solves - samples  # the tornado's runs: about the same at 100,000 samples
        projected = (100_000 + tornado * 100 / max(default_tornado(samples), 1)) / rate
        print(f"| {name} | {workers} | {wall:.1f} | {solves:,} | {rate:.2f} "
              f"| {rate / workers:.2f} | {projected / 3600:.1f} h |", flush=True)

    one("this process", 1, None)
    one("local pool", 2, None)
    with tcp_cluster(2) as address:
        one("Dask over TCP", 2, address)


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--throughput", action="store_true")
    args = parser.parse_args()
    if args.throughput:
        throughput(args.samples)
        return
    rows = {w: run(args.samples, w) for w in (1, args.workers)}
    print(f"quarterly Groningen, {args.samples} samples of its risk register")
    print(f"{'workers':>8} {'wall s':>8} {'samples/s':>10} {'sampling':>9} {'model':>7} "
          f"{'solve':>7} {'model/solve':>12} {'read':>6} {'aggr.':>6} {'overhead':>9} "
          f"{'whole horizon':>14}")
    overheads = {}
    for w, t in rows.items():
        own = t["sampling"] + t["model"] + t["solve"] + t["read"]
        overhead = overheads[w] = max(t["samples_wall"] - own / w, 0.0)
        print(f"{w:>8} {t['wall']:>8.1f} {args.samples / t['wall']:>10.1f} "
              f"{t['sampling']:>9.2f} {t['model']:>7.2f} {t['solve']:>7.2f} "
              f"{t['model'] / t['solve']:>12.2f} {t['read']:>6.2f} "
              f"{t['aggregation']:>6.2f} {overhead:>9.2f} {t['whole_horizon']:>14.0f}")
    one, many = rows[1]["wall"], rows[args.workers]["wall"]
    start_up = overheads[args.workers]  # paid once, whatever the number of samples
    print(f"speed-up with {args.workers} workers: {one / many:.2f}x; 1,000 samples would take "
          f"about {start_up + 1000 * (many - start_up) / args.samples:.0f} s")
    if args.pairs:
        got = warm_against_fresh(args.pairs)
        same, fresh, warm, failures = got["pattern"]
        print(f"{same} of {args.pairs} samples had the previous sample's sparsity pattern; "
              f"their first LP: fresh {fresh:.3f} s, warm from its basis {warm:.3f} s "
              f"({failures} warm solves not optimal)")
        same, fresh, warm, failures = got["size"]
        print(f"{same} of {args.pairs} samples had a size seen before; their first LP: fresh "
              f"{fresh:.3f} s, warm from that sample's basis {warm:.3f} s "
              f"({failures} warm solves not optimal)")


if __name__ == "__main__":
    main()
