"""The long fuzzing run: many cases over the instance schema, the `--set` grammar and the
targets and actuals CSVs (the strategies of tests/fuzz/fuzz_cases.py), each run through capplan's
entry point in a worker process, and a summary of the outcomes per class.

A worker runs the cases one after another in its own process, so that a crash of the process
(a signal: a segfault, an abort) is seen as such: the case is counted under `signal`, the
worker replaced and the run goes on. A case that takes longer than the wall limit counts as
`timeout` and its worker is replaced too. Every other case ends in one of the classes of
tests/fuzz/fuzz_cases.py (optimal, infeasible, valid, answered, rejected, failure).

Run: python bench/fuzz.py [--cases 5000] [--seed 18] [--show 10] [--save DIR]
Exit code 1 when any case is a failure, a signal or a timeout.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "fuzz"))

from fuzz_cases import WALL_LIMIT, Case, Outcome, every_case, run_case
from hypothesis import HealthCheck, given, seed, settings

BAD = ("failure", "signal", "timeout")


def _worker(conn: Connection) -> None:
    """Run the cases sent, one at a time, and send back each outcome."""
    while True:
        case = conn.recv()
        if case is None:
            return
        conn.send(run_case(case))


class Runner:
    """One worker process, replaced when a case kills it or runs past the wall limit."""

    def __init__(self) -> None:
        self.context = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child,), daemon=True)
        self.process.start()

    def run(self, case: Case) -> Outcome:
        started = time.perf_counter()
        self.conn.send(case)
        if self.conn.poll(WALL_LIMIT):
            try:
                outcome: Outcome = self.conn.recv()
                return outcome
            except EOFError:
                pass
        seconds = time.perf_counter() - started
        self.process.join(0.5)
        code = self.process.exitcode
        if code is None:  # still running: past the wall limit
            self.process.kill()
            self.process.join()
            self._start()
            return Outcome(case.kind, "timeout", -1, seconds, f"over {WALL_LIMIT:.0f} s")
        self._start()
        return Outcome(case.kind, "signal", code, seconds, f"the process ended with {code}")

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--show", type=int, default=10, help="Bad cases printed in full.")
    parser.add_argument("--save", type=Path, default=None, metavar="DIR",
                        help="Write each bad case's files into DIR/N/ (args in DIR/N/args).")
    options = parser.parse_args()

    runner = Runner()
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    bad: list[tuple[Outcome, Case]] = []
    seconds: list[float] = []
    started = time.perf_counter()

    @settings(max_examples=options.cases, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @seed(options.seed)
    @given(every_case)
    def campaign(case: Case) -> None:
        outcome = runner.run(case)
        counts[case.kind, outcome.outcome] += 1
        seconds.append(outcome.seconds)
        if outcome.outcome in BAD or not outcome.ok:
            bad.append((outcome, case))
        done = sum(counts.values())
        if done % 250 == 0:
            print(f"  {done} cases, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    campaign()
    runner.close()
    _summary(counts, seconds, time.perf_counter() - started)
    for k, (outcome, case) in enumerate(bad):
        if options.save is not None:
            folder = options.save / str(k + 1)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "args").write_text(" ".join(case.args) + f"\n# {outcome}\n")
            for name, data in case.files.items():
                (folder / name).write_bytes(data)
    for outcome, case in bad[:options.show]:
        print(f"\n{outcome.outcome} ({outcome.kind}, exit {outcome.code}, "
              f"{outcome.seconds:.1f} s): {outcome.note}")
        print("  args:", " ".join(case.args))
        for name, data in case.files.items():
            print(f"  {name}: {data[:600]!r}")
    return 1 if bad else 0


def _summary(counts: collections.Counter[tuple[str, str]], seconds: list[float],
             total: float) -> None:
    """Cases per input kind and outcome, as a Markdown table."""
    kinds = sorted({k for k, _ in counts})
    outcomes = ["optimal", "infeasible", "valid", "answered", "rejected", *BAD]
    print(f"\n{sum(counts.values())} cases in {total:.0f} s (slowest case "
          f"{max(seconds, default=0):.1f} s)\n")
    print("| input | " + " | ".join(outcomes) + " | all |")
    print("|---|" + "---|" * (len(outcomes) + 1))
    for kind in [*kinds, "all"]:
        row: list[Any] = [sum(n for (k, o), n in counts.items()
                              if o == outcome and kind in (k, "all")) for outcome in outcomes]
        print(f"| {kind} | " + " | ".join(str(n) for n in row) + f" | {sum(row)} |")


if __name__ == "__main__":
    sys.exit(main())
