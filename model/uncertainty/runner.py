"""Running a sweep's tasks: batches of samples, solved here, in a process pool or on Dask.

A task is a batch of samples, solved with the same risks forced (or checked against yearly
levels). Tasks run in this process (one worker), in a local pool of processes, or on a Dask
cluster; results come back in task order whatever finished first, so the numbers do not depend
on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from capplan.errors import InputError
from capplan.uncertainty.samples import Forced, SweepContext, check_samples, solve_samples


@dataclass(frozen=True)
class Task:
    """A batch of samples: to solve with the same risks forced, or (with `levels`) to check
    whether each can reach cumulative levels by each year end."""

    indices: list[int]
    forced: Forced = ()
    levels: tuple[tuple[int, int], ...] = ()


def run_task(context: SweepContext, task: Task) -> list[Any]:
    """A task's results: SampleResults, or booleans for a check of levels."""
    if task.levels:
        return check_samples(context, task.indices, dict(task.levels))
    return solve_samples(context, task.indices, task.forced)


def batches(indices: list[int], size: int, forced: Forced = (),
            levels: tuple[tuple[int, int], ...] = ()) -> list[Task]:
    """Samples in batches of `size`."""
    return [Task(indices[k:k + size], forced, levels) for k in range(0, len(indices), size)]


def run_tasks(context: SweepContext, tasks: list[Task], workers: int = 1,
              dask: str | None = None,
              progress: Callable[[int], None] | None = None) -> list[Any]:
    """Solve every task: in this process (1 worker), in a pool of `workers` processes, or on a
    Dask cluster (`local` starts a LocalCluster of `workers` processes; else a scheduler
    address). Results come back in task order whatever finished first."""
    if dask is not None:
        results = _run_dask(context, tasks, workers, dask, progress)
    elif workers <= 1:
        results = []
        for task in tasks:
            results.append(run_task(context, task))
            if progress:
                progress(len(task.indices))
    else:
        results = _run_pool(context, tasks, workers, progress)
    return [r for batch in results for r in batch]


def _run_pool(context: SweepContext, tasks: list[Task], workers: int,
              progress: Callable[[int], None] | None) -> list[list[Any]]:
    import multiprocessing

    out: list[list[Any]] = [[] for _ in tasks]
    spawn = multiprocessing.get_context("spawn")  # no fork of a process holding solver threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        futures = {pool.submit(run_task, context, t): k for k, t in enumerate(tasks)}
        for future in as_completed(futures):
            out[futures[future]] = future.result()
            if progress:
                progress(len(out[futures[future]]))
    return out


def _run_dask(context: SweepContext, tasks: list[Task], workers: int, address: str,
              progress: Callable[[int], None] | None) -> list[list[Any]]:
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address, security=security(address))
    try:
        shared = client.scatter(context, broadcast=True)
        # One future per task: a task whose worker is lost is run again by the scheduler
        # on another, and its result is taken once, at its position.
        futures = [client.submit(run_task, shared, t, pure=False) for t in tasks]
        position = {f.key: k for k, f in enumerate(futures)}
        out: list[list[Any]] = [[] for _ in tasks]
        for future in dask_completed(futures):
            out[position[future.key]] = future.result()
            if progress:
                progress(len(out[position[future.key]]))
        return out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def security(address: str) -> Any:
    """The Dask client's security for a scheduler address: for `tls://`, the certificates of
    Dask's configuration (`distributed.comm.tls.ca-file`, `.client.cert`, `.client.key`; or
    the environment variables DASK_DISTRIBUTED__COMM__TLS__CA_FILE,
    DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY),
    encryption required; an InputError on `--dask` when they are not set. None (plain TCP)
    otherwise."""
    if not address.startswith("tls://"):
        return None
    import dask.config
    from distributed.security import Security

    missing = [key for key in ("ca-file", "client.cert") if
               not dask.config.get(f"distributed.comm.tls.{key}", None)]
    if missing:
        raise InputError("--dask", [(address, "tls:// needs the certificates in Dask's "
                                              "configuration: " + ", ".join(
                                                  f"distributed.comm.tls.{k}" for k in missing)
                                     + " (see docs/scale.md)")])
    return Security(require_encryption=True)
