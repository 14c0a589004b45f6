"""Jobs: every solve, question and sweep the page asks for runs in a worker process.

The workers form a `spawn` pool owned by the server and shut down with it (running workers
are terminated, none is left behind). A job's state is a small JSON file in the server's
state folder, written by the worker as it goes (queued, running with its progress, done with
its run id, failed with its message), so any request, from any tab or after a reload, reads
the same state; nothing about a job lives only in a browser. A finished job has recorded its
result in the run ledger (the command line's), and left the result's view and its download
files (`capplan.report.documents.output_files`, what `--out` writes) under `runs/<id>/`.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import secrets
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["plan", "compare", "whatif", "explain", "tradeoff", "evaluate", "sweep",
               "report", "reproduce"]

SHOWN = ".shown"
"""A run's marker: the server has sent its result to whoever waited for it."""
SHOWN_WAIT = 1.0
"""Seconds a worker waits for that before writing the download files anyway."""

JOB_ID = re.compile(r"^[0-9a-f]{16}$")
"""A job id: 16 hexadecimal digits, random (a job cannot be guessed from another's)."""

Notice = tuple[str, int]
"""Where the server hears of a job's change: a UDP port of 127.0.0.1."""


def notify(notice: Notice | None, job_id: str) -> None:
    """Tell the server that a job's state file has changed (its id in one datagram), so that
    a request waiting for the job answers at once instead of looking at the file again and
    again. Only a hint: the file is the state, and a lost notice is made up for by the
    server looking anyway now and then."""
    if notice is None:
        return
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(job_id.encode("ascii"), notice)


class JobSpec(BaseModel):
    """What a job computes: the command, its instance (a path the server resolved), and the
    command's options. `name` is how the page shows the instance, `source` how messages
    name it (an upload by the planner's file name, never a server path)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    instance: str = ""
    name: str = ""
    source: str = ""
    scenario: str | None = None
    objective: str | None = None
    overrides: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    lang: Literal["en", "nl"] = "en"

    def command(self) -> list[str]:
        """The command line that computes the same result (what the ledger records, so that
        `capplan runs reproduce` re-solves a plan made on the page)."""
        line = ["capplan", self.kind, self.instance]
        if self.scenario:
            line += ["--scenario", self.scenario]
        for setting in self.overrides:
            line += ["--set", setting]
        if self.objective:
            line += ["--objective", self.objective]
        for key, value in self.params.items():
            if key in ("names", "lang"):  # how messages name pasted tables: not an option
                continue
            values = value if isinstance(value, list) else [value]
            for v in values:
                line += [f"--{key.rstrip('_').replace('_', '-')}", str(v)]
        return line


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON file whole or not at all (a reader never sees half of it)."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(json.dumps(data), encoding="utf-8")
    os.replace(part, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class JobFile:
    """One job's state file; `update` merges keys, stamps the change and tells the server."""

    def __init__(self, path: Path, notice: Notice | None = None) -> None:
        self.path = path
        self.notice = notice

    def update(self, **values: Any) -> None:
        state = read_json(self.path) or {}
        state.update(values, stamp=int(state.get("stamp", 0)) + 1, updated=time.time())
        write_json(self.path, state)
        notify(self.notice, self.path.stem)


def compute(spec: JobSpec, progress: Callable[[int, int], None], base: Any = None) -> Any:
    """Call the one API function of the job's command; `base`: the instance as the server
    loaded it (no scenario, no overrides), so that the file is not read again."""
    from capplan import api

    p = spec.params
    common: dict[str, Any] = {"overrides": spec.overrides}
    instance = base if base is not None else spec.instance
    if spec.kind == "plan":
        return api.plan(instance, scenario=spec.scenario, objective=spec.objective,
                        **common)
    if spec.kind == "compare":
        return api.compare(instance, scenarios=p.get("scenario", []),
                           vary=p.get("vary", []), **common)
    if spec.kind == "whatif":
        return api.whatif(instance, add=p.get("add", []), raise_=p.get("raise_", []),
                          scenario=spec.scenario, **common)
    if spec.kind == "explain":
        return api.explain(instance, scenario=spec.scenario, **common)
    if spec.kind == "tradeoff":
        return api.tradeoff(instance, periods=int(p.get("periods", 8)),
                            stage=str(p.get("stage", "execution")), scenario=spec.scenario,
                            **common)
    if spec.kind == "evaluate":
        return api.evaluate(instance, str(p["targets"]), scenario=spec.scenario, **common)
    if spec.kind == "sweep":
        return api.sweep(instance, samples=int(p.get("samples", 100)),
                         seed=int(p.get("seed", 7)), workers=1,
                         tornado_samples=int(p.get("tornado_samples", 0)),
                         scenario=spec.scenario, progress=progress, **common)
    if spec.kind == "report":
        return api.report(instance, scenarios=list(p.get("scenario", [])),
                          samples=int(p.get("samples", 0)),
                          tornado_samples=int(p.get("tornado_samples", 0)), workers=1,
                          **common)
    raise ValueError(f"unknown job kind {spec.kind}")


def run_job(spec_data: dict[str, Any], job_path: str, ledger: str, runs: str,
            base: Any = None, notice: Notice | None = None) -> None:
    """In a worker: compute, record in the ledger, keep the view, write the downloads.

    The job is `done` as soon as the result is recorded and its view kept; the download
    files follow (`files: true` when they are there). Each change of its state is told to
    the server at `notice`."""
    from capplan import api
    from capplan.errors import InputError

    job = JobFile(Path(job_path), notice)
    spec = JobSpec.model_validate(spec_data)
    job.update(status="running", started=time.time())
    counted = {"done": 0}

    def progress(k: int, total: int) -> None:
        counted["done"] += k
        job.update(done=counted["done"], total=total)

    try:
        if spec.kind == "reproduce":
            again = api.reproduce(int(spec.params["run"]), ledger)
            job.update(status="done", reproduction=again.to_dict(), finished=time.time())
            return
        began, cpu = time.time(), time.process_time()
        from capplan import api as public

        with public.reporting(progress):  # the long questions count their solves too
            result = compute(spec, progress, base)
        computed, cpu = time.time(), time.process_time() - cpu
    except InputError as exc:
        if spec.source and exc.source == spec.instance:
            exc = InputError(spec.source, exc.problems)
        for path, name in dict(spec.params.get("names") or {}).items():
            if exc.source == path:  # a pasted or uploaded table, by the name the planner knows
                exc = InputError(str(name), exc.problems)
        job.update(status="failed", error=exc.message(), source=exc.source,
                   problems=[list(p) for p in exc.problems], finished=time.time())
        return
    except Exception as exc:
        job.update(status="failed", error=f"internal error: {type(exc).__name__}: {exc}",
                   finished=time.time())
        return
    try:
        run_id = api.record(result, ledger, command=spec.command())
        if hasattr(result, "run_id"):  # the annex names the run that reproduces it
            result.run_id = run_id
        recorded = time.time()
    except Exception as exc:
        job.update(status="failed", error=f"could not record the run in the ledger: {exc}",
                   finished=time.time())
        return
    folder = Path(runs) / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    from capplan.web.views import make_view

    view = make_view(result)
    view["instance"] = spec.name or spec.instance
    write_json(folder / "view.json", view)
    job.update(status="done", run=run_id, finished=time.time(),
               seconds={"compute": round(computed - began, 3), "compute_cpu": round(cpu, 3),
                        "record": round(recorded - computed, 3),
                        "view": round(time.time() - recorded, 3)})
    shown = folder / SHOWN
    deadline = time.monotonic() + SHOWN_WAIT
    while not shown.exists() and time.monotonic() < deadline:  # the result first, on a busy
        time.sleep(0.01)                                        # machine the files after it
    write_files(result, folder, spec.lang)
    job.update(files=True)


def write_files(result: Any, run_folder: Path, lang: str = "en") -> None:
    """The result's download files in the page's language, the same `--out` writes (an
    annex: its Word and HTML documents), into `files/` of the run's folder, all at once
    (written aside, then the folder renamed)."""
    from capplan.report.documents import output_files

    part = run_folder / f".files.{os.getpid()}.part"
    part.mkdir(parents=True, exist_ok=True)
    if result.kind == "report":
        files: dict[str, str | bytes] = {f"annex.{kind}": result.document(lang, kind)
                                         for kind in ("docx", "html")}
    else:
        files = output_files(result, lang)
    for name, content in files.items():
        if isinstance(content, bytes):
            (part / name).write_bytes(content)
        else:
            (part / name).write_text(content, encoding="utf-8")
    os.replace(part, run_folder / "files")


WARM_UP = "toy"
"""The shipped example each worker plans once when it starts."""


def warm() -> None:
    """Go once through what a job does, on the smallest shipped example, so that no job pays
    for the worker's first use of anything: the imports a job makes as it goes (pandas with
    the questions' progress, the solver, the view; matplotlib and openpyxl for the download
    files: a third of a second before the table, a second before the downloads), done while
    the worker waits for its first job. Nothing is written or recorded; should the example
    fail, the worker starts all the same (a job meeting the problem reports it)."""
    from capplan import api
    from capplan.report.documents import output_files
    from capplan.web.views import make_view

    try:
        with api.reporting(lambda k, total: None):
            result = api.plan(WARM_UP)
        make_view(result)
        output_files(result, "en")
    except Exception:  # a pool whose initializer fails is broken: no job would run
        return


class Jobs:
    """The server's jobs: a `spawn` pool of `workers` processes and a folder of job files."""

    def __init__(self, state: Path, ledger: Path, workers: int) -> None:
        self.folder = state / "jobs"
        self.runs = state / "runs"
        self.ledger = ledger
        self.workers = max(1, workers)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[str, Future[None]] = {}
        self.notice: Notice | None = None

    def start(self, notice: Notice | None = None) -> None:
        """Start the workers; `notice`: where they tell the server of a job's change."""
        if notice is not None:
            self.notice = notice
        self.folder.mkdir(parents=True, exist_ok=True)
        self.runs.mkdir(parents=True, exist_ok=True)
        self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=warm)
        for _ in range(self.workers):  # start every worker now, not at the first job
            self.pool.submit(time.sleep, 0)

    def path(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id):
            raise KeyError(job_id)
        return self.folder / f"{job_id}.json"

    def submit(self, spec: JobSpec, base: Any = None) -> str:
        if self.pool is None:
            raise RuntimeError("the job pool is not running")
        job_id = secrets.token_hex(8)
        path = self.path(job_id)
        write_json(path, {"id": job_id, "kind": spec.kind, "name": spec.name,
                          "status": "queued", "stamp": 0, "created": time.time(),
                          "done": 0, "total": 0})
        args = (spec.model_dump(), str(path), str(self.ledger), str(self.runs), base,
                self.notice)
        try:
            future = self.pool.submit(run_job, *args)
        except BrokenProcessPool:  # a worker died: the jobs it held failed; start afresh
            self.shutdown()
            self.start()
            assert self.pool is not None
            future = self.pool.submit(run_job, *args)
        self.futures[job_id] = future
        future.add_done_callback(lambda f: self.finished(job_id, f))
        return job_id

    def finished(self, job_id: str, future: Future[None]) -> None:
        """A worker that died (or a job cancelled at shutdown) leaves its job failed, never
        running for ever."""
        self.futures.pop(job_id, None)
        if future.cancelled():
            error = "the server stopped before the job ran"
        elif future.exception() is not None:
            error = f"the worker stopped: {future.exception()}"
        else:
            return
        with contextlib.suppress(OSError):
            JobFile(self.path(job_id), self.notice).update(status="failed", error=error)

    def state(self, job_id: str) -> dict[str, Any] | None:
        try:
            return read_json(self.path(job_id))
        except KeyError:
            return None

    def shutdown(self) -> None:
        """Cancel queued jobs, end the running workers and wait for them."""
        pool, self.pool = self.pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
