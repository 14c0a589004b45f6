"""What `capplan claims` costs on the Groningen claims: end to end, building the models, and
the solver's own time, in rounds (the machine is shared and noisy, so medians).

Each round runs `capplan.claims(INSTANCE, CLAIMS)` once (a fresh process state is not needed:
nothing a call solves is reused by the next; the yearly figures a check keeps for the
calibration are solved afresh by each call's check) and splits its time into
- solver: seconds HiGHS spends in its runs (every check and calibration LP);
- build: seconds building the calibration's models (the instance varied with lever values and
  built), for the derivatives of the linear assumptions and the searched levers' probes;
- the rest: validation, the assembly of the calibration LPs, reading the results.
Ratios are end to end over the solver's time in the same round.

Run: python bench/claims.py [--rounds 5] [--instance groningen-2024]
     [--claims instances/groningen-2024-claims.toml] [--set PATH=VALUE ...]

The shipped instance is calibrated, so the command finds no change to make; `--set` puts
assumptions back where they were first assumed to measure a calibration that moves them:

    python bench/claims.py --set segment.eemsdelta-light.in_progress.ready=150 \
        --set capacity.engineering.initial=2800 --set measure.M6.extra_days.engineering=137
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import capplan
from capplan.core import backends
from capplan.questions import claims_calibration

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instance", default="groningen-2024")
    parser.add_argument("--claims", default=str(ROOT / "instances" / "groningen-2024-claims.toml"))
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="an override, as capplan's --set (repeat for more)")
    args = parser.parse_args()
    spent = {"solver": 0.0, "build": 0.0, "lps": 0.0, "builds": 0.0}
    solve = backends.Backend.solve
    model_at = claims_calibration.model_at

    def timed_solve(self: backends.Backend, fresh: bool = False,
                    primal: bool = False) -> backends.Outcome:
        outcome = solve(self, fresh, primal)
        spent["solver"] += outcome.seconds
        spent["lps"] += 1
        return outcome

    def timed_model(*a: Any, **k: Any) -> Any:
        started = time.perf_counter()
        try:
            return model_at(*a, **k)
        finally:
            spent["build"] += time.perf_counter() - started
            spent["builds"] += 1

    backends.Backend.solve = timed_solve  # type: ignore[method-assign]
    claims_calibration.model_at = timed_model
    rows: list[dict[str, float]] = []
    last: Any = None
    for _ in range(args.rounds):
        for key in spent:
            spent[key] = 0.0
        started = time.perf_counter()
        last = capplan.claims(args.instance, args.claims, overrides=args.set)
        total = time.perf_counter() - started
        rows.append({"total": total, **spent, "ratio": total / max(spent["solver"], 1e-9)})
    _report(rows, last, args)


def _report(rows: list[dict[str, float]], result: Any, args: argparse.Namespace) -> None:
    def median(key: str) -> float:
        return statistics.median(r[key] for r in rows)

    sets = "".join(f" --set {s}" for s in args.set)
    print(f"capplan claims {args.instance} --claims {Path(args.claims).name}{sets}: "
          f"{len(rows)} rounds, medians")
    for key, label in (("total", "end to end"), ("solver", "HiGHS runs"),
                       ("build", "building models")):
        print(f"  {label:16} {median(key):7.2f} s   (all: "
              + ", ".join(f"{r[key]:.2f}" for r in rows) + ")")
    print(f"  end to end / solver {median('ratio'):.2f}x; {median('lps'):.0f} LPs, "
          f"{median('builds'):.0f} models built")
    status: Callable[[], str] = lambda: str(result.calibration.status)  # noqa: E731
    print(f"  calibration {status()}: {len(result.calibration.changes())} changes")
    for lever, value in result.calibration.changes():
        print(f"    {lever.path}: {lever.value:g} -> {value:g}")


if __name__ == "__main__":
    main()
