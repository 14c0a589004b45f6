"""A sweep split into shards that run anywhere (a Slurm job array, separate machines) and are
merged into exactly the result of one run.

Shard K of N solves every N-th task of the sweep's task list (`sweep_tasks`: the tasks with
position K-1, K-1+N, ...) and writes their results to a file (JSON, floats written exactly).
Samples are drawn from their own seeded stream by number (uncertainty/risk.py), so a sample
is the same whichever shard solves it. `merge` reads the N files, checks that they are the
shards of one sweep (same instance bytes, scenario, overrides, samples, seed, tornado, solver)
and that every shard is there once, puts the results back in task order and summarises them
as `sweep` does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from capplan.errors import InputError
from capplan.inputs.load import Loaded
from capplan.uncertainty.runner import run_tasks
from capplan.uncertainty.samples import SampleResult
from capplan.uncertainty.sweep import (
    Sweep,
    batch_size,
    default_tornado,
    prepare,
    summarise,
    sweep_tasks,
)

SCHEMA = "capplan/sweep-shard/1"
HEADER = ("instance", "input_sha256", "scenario", "overrides", "samples", "seed", "tornado",
          "batch", "solver", "shards")


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` -> (K, N) with 1 <= K <= N; an InputError on `--shard` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise InputError("--shard", [(text, "expected K/N with 1 <= K <= N, e.g. 3/100")])
    return int(match[1]), int(match[2])


@dataclass
class Shard:
    """One shard's results: the sweep it belongs to (`header`), its number and the results of
    its tasks by position in the sweep's task list."""

    header: dict[str, Any]
    shard: int
    results: dict[int, list[SampleResult]]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **self.header, "shard": self.shard,
                "tasks": {str(k): [_sample_dict(r) for r in rs]
                          for k, rs in self.results.items()}}


def run_shard(loaded: Loaded, samples: int, seed: int, shard: tuple[int, int],
              workers: int = 1, dask: str | None = None, tornado_samples: int | None = None,
              solver: str = "highs", batch: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Shard:
    """Solve shard K of N of the sweep (see the module docstring)."""
    k, n = shard
    context, _, _, _ = prepare(loaded, seed, solver)
    tornado = default_tornado(samples) if tornado_samples is None else tornado_samples
    size = batch or batch_size(samples)
    tasks = sweep_tasks(context, samples, tornado, size)
    mine = list(range(k - 1, len(tasks), n))
    total = sum(len(tasks[t].indices) for t in mine)
    if progress is not None:
        progress(0, total)
    tick = (lambda done: progress(done, total)) if progress is not None else None
    flat = run_tasks(context, [tasks[t] for t in mine], workers, dask, tick)
    results: dict[int, list[SampleResult]] = {}
    at = 0
    for t in mine:
        results[t] = flat[at:at + len(tasks[t].indices)]
        at += len(tasks[t].indices)
    header = {"instance": str(loaded.path), "input_sha256": loaded.sha256,
              "scenario": loaded.scenario, "overrides": list(loaded.overrides),
              "samples": samples, "seed": seed, "tornado": tornado, "batch": size,
              "solver": solver, "shards": n}
    return Shard(header, k, results)


def write_shard(shard: Shard, path: Path) -> None:
    """The shard as JSON, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(shard.to_dict()), encoding="utf-8")
    partial.replace(path)


def read_shard(path: Path) -> Shard:
    """A shard file; an InputError naming the file when it is not one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), [("", f"not a readable shard file ({exc})")]) from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InputError(str(path), [("schema", f"expected {SCHEMA}")])
    missing = [key for key in (*HEADER, "shard", "tasks") if key not in doc]
    if missing:
        raise InputError(str(path), [(key, "missing") for key in missing])
    try:
        results = {int(k): [_sample_of(d) for d in rs] for k, rs in doc["tasks"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(path), [("tasks", f"not a shard's results ({exc})")]) from None
    return Shard({key: doc[key] for key in HEADER}, int(doc["shard"]), results)


def merge(loaded_of: Callable[[dict[str, Any]], Loaded], paths: Sequence[Path]
          ) -> tuple[Loaded, Sweep, dict[str, Any]]:
    """The sweep that the shard files make together: the same as one run of it. `loaded_of`
    loads the instance a header names (with its scenario and overrides). InputError when the
    files are not the N shards of one sweep, each once, or the instance changed since."""
    if not paths:
        raise InputError("merge", [("", "no shard files given")])
    shards = [(path, read_shard(path)) for path in paths]
    first_path, first = shards[0]
    for path, shard in shards[1:]:
        differ = [key for key in HEADER if shard.header[key] != first.header[key]]
        if differ:
            raise InputError(str(path), [(key, f"differs from {first_path}'s") for key in differ])
    numbers = sorted(shard.shard for _, shard in shards)
    count = int(first.header["shards"])
    if numbers != list(range(1, count + 1)):
        seen = {k: numbers.count(k) for k in numbers}
        twice = [k for k, c in seen.items() if c > 1]
        absent = [k for k in range(1, count + 1) if k not in seen]
        problems = ([("shard", f"{k}/{count} given more than once") for k in twice]
                    + [("shard", f"{k}/{count} missing") for k in absent])
        raise InputError("merge", problems)
    loaded = loaded_of(first.header)
    if loaded.sha256 != first.header["input_sha256"]:
        raise InputError(str(first_path), [("input_sha256", "the instance changed since the "
                                                            "shards were solved")])
    header = first.header
    context, calendar, deterministic, milestones = prepare(loaded, int(header["seed"]),
                                                           str(header["solver"]))
    tasks = sweep_tasks(context, int(header["samples"]), int(header["tornado"]),
                        int(header["batch"]))
    by_task: dict[int, list[SampleResult]] = {}
    for _, shard in shards:
        by_task.update(shard.results)
    if sorted(by_task) != list(range(len(tasks))) or any(
            [r.index for r in by_task[t]] != task.indices for t, task in enumerate(tasks)):
        raise InputError("merge", [("tasks", "the shards do not hold every task of the sweep "
                                             "exactly once")])
    results = [r for t in range(len(tasks)) for r in by_task[t]]
    out = summarise(loaded, context, calendar, deterministic, milestones, results,
                    int(header["samples"]), int(header["tornado"]))
    return loaded, out, header


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _sample_dict(r: SampleResult) -> dict[str, Any]:
    """A sample's result as JSON values (NaN kept: Python's json writes and reads it)."""
    return {"index": r.index, "forced": [list(f) for f in r.forced],
            "occurs": list(r.occurs), "values": _plain(r.values), "status": r.status,
            "finish": r.finish, "p95": r.p95, "cumulative": r.cumulative.tolist(),
            "scope": r.scope, "timing": r.timing}


def _sample_of(d: dict[str, Any]) -> SampleResult:
    return SampleResult(
        int(d["index"]), tuple((int(k), bool(on)) for k, on in d["forced"]),
        tuple(bool(o) for o in d["occurs"]), tuple(tuple(v) for v in d["values"]),
        str(d["status"]), d["finish"], d["p95"], np.array(d["cumulative"], dtype=float),
        int(d["scope"]), {k: float(v) for k, v in d.get("timing", {}).items()})


def shard_name(shard: tuple[int, int]) -> str:
    """The default file of shard K of N: `sweep-shard-K-of-N.json`."""
    width = len(str(shard[1]))
    return f"sweep-shard-{shard[0]:0{width}d}-of-{shard[1]}.json"


def tasks_total(samples: int) -> int:
    """Tasks of the samples alone (for a projection): samples over `batch_size`."""
    return math.ceil(samples / batch_size(samples))
