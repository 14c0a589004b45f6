"""Benchmark: samples per second of `capplan sweep` on the quarterly Groningen instance.

Runs the instance's risk register for N samples (no tornado, no robust targets) in this
process (1 worker) and in a local process pool of W workers, and reports wall seconds,
samples per second, the pool's speed-up, and where the time goes, summed over the samples:
sampling (drawing the risks), model (applying the draws, validating, building the model's
arrays), solve (the solver passes of one plan), read (milestones and the cumulative curve);
then aggregation (percentiles, fan, tables) and the pool's start-up and shipping overhead
(wall time not accounted for by the samples' own time divided by the workers).

Second part: does re-solving a sample from the previous sample's optimal basis pay off? For
consecutive samples of the same model shape (same sparsity), the first LP of a plan (least
waiting) is solved fresh (presolve, dual simplex) and warm (the new arrays passed in, the
previous sample's basis set, dual simplex), and both times are reported.

Run: python bench/sweep.py [--samples 200] [--workers 2] [--pairs 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.backends import HighsBackend  # noqa: E402
from model.build import build  # noqa: E402
from model.instance import load  # noqa: E402
from model.objectives import linear_cost  # noqa: E402
from model.risk import draw, sample_instance  # noqa: E402
from model.sweep import sweep  # noqa: E402

INSTANCE = ROOT / "instances" / "groningen-2024.toml"


def run(samples: int, workers: int) -> dict[str, float]:
    """Wall seconds and the phase totals of one sweep."""
    loaded = load(INSTANCE)
    started = time.perf_counter()
    result = sweep(loaded, samples, seed=7, workers=workers, tornado_samples=0)
    wall = time.perf_counter() - started
    return {"wall": wall, **result.timing}


def warm_against_fresh(pairs: int) -> tuple[int, float, float, int]:
    """Over `pairs` consecutive samples: how many had the previous sample's shape, and the
    mean seconds of their first LP solved fresh and warm; plus warm solves that went wrong."""
    loaded = load(INSTANCE)
    risks = list(loaded.instance.risk)
    previous = None
    fresh_s, warm_s, failures = [], [], 0
    for i in range(pairs + 1):
        built = build(sample_instance(loaded.raw, risks, draw(risks, 7, i), "bench"))
        cost = linear_cost(built, "waiting")
        fresh = HighsBackend(built.lp, 60.0)
        fresh.set_cost(cost)
        started = time.perf_counter()
        fresh.solve(fresh=True)
        elapsed = time.perf_counter() - started
        shape = (built.lp.col_start.tobytes(), built.lp.row_index.tobytes())
        if previous is not None and previous[0] == shape:
            warm = HighsBackend(built.lp, 60.0)
            warm.set_cost(cost)
            warm.h.setBasis(previous[1])
            warm.h.setOptionValue("simplex_strategy", 1)
            started = time.perf_counter()
            warm.h.run()
            warm_s.append(time.perf_counter() - started)
            fresh_s.append(elapsed)
            failures += warm.h.getModelStatus() != warm._highspy.HighsModelStatus.kOptimal
        previous = (shape, fresh.h.getBasis())
    return len(fresh_s), _mean(fresh_s), _mean(warm_s), failures


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=40)
    args = parser.parse_args()
    rows = {w: run(args.samples, w) for w in (1, args.workers)}
    print(f"quarterly Groningen, {args.samples} samples of its risk register")
    print(f"{'workers':>8} {'wall s':>8} {'samples/s':>10} {'sampling':>9} {'model':>7} "
          f"{'solve':>7} {'read':>6} {'aggr.':>6} {'overhead':>9}")
    for w, t in rows.items():
        own = t["sampling"] + t["model"] + t["solve"] + t["read"]
        overhead = max(t["samples_wall"] - own / w, 0.0)
        print(f"{w:>8} {t['wall']:>8.1f} {args.samples / t['wall']:>10.1f} "
              f"{t['sampling']:>9.2f} {t['model']:>7.2f} {t['solve']:>7.2f} {t['read']:>6.2f} "
              f"{t['aggregation']:>6.2f} {overhead:>9.2f}")
    one, many = rows[1]["wall"], rows[args.workers]["wall"]
    print(f"speed-up with {args.workers} workers: {one / many:.2f}x; "
          f"1,000 samples would take about {1000 * many / args.samples:.0f} s")
    same, fresh, warm, failures = warm_against_fresh(args.pairs)
    print(f"{same} of {args.pairs} consecutive samples kept the previous shape; their first "
          f"LP: fresh {fresh:.3f} s, warm from the previous basis {warm:.3f} s "
          f"({failures} warm solves not optimal)")


if __name__ == "__main__":
    main()
