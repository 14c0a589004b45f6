"""The `capplan serve` application: pages for people, the same endpoints as JSON.

Every handler parses its form or JSON, calls one API function (loading and validating in the
request; solving in a job, see jobs.py), renders the result, and the job records it in the
ledger. The server keeps no per-user state: instances are named by a key the page gives
(a shipped example, a file of `--instances DIR`, an upload kept under its hash), jobs and runs
by their ids, the language by a cookie.

Settings come from the environment `capplan serve` sets (uvicorn builds the application with
`create_app`): CAPPLAN_SERVE_INSTANCES (a folder of instances), CAPPLAN_LEDGER (the ledger),
CAPPLAN_SERVE_STATE (jobs, uploads, views and downloads), CAPPLAN_SERVE_WORKERS.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.background import BackgroundTask

from capplan import api
from capplan.errors import InputError
from capplan.report.words import label, localise
from capplan.web import svg
from capplan.web.forms import FormField, overrides, plan_fields
from capplan.web.jobs import JOB_ID, SHOWN, Jobs, JobSpec, read_json
from capplan.web.text import LANGUAGES, number, words
from capplan.web.views import View, from_document

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 2 * 1024 * 1024
"""Bytes an uploaded instance or targets file may have."""
MAX_PATHS = 100_000
"""The largest model the page solves, in period-segment-measure paths (periods x segments x
(1 + measures)): a quarterly Groningen has 1,920, monthly over twelve years 5,760; a month
granularity over decades with thousands of segments is refused before anything is built."""
MAX_SAMPLES = 500
"""The most samples a sweep started from the page may draw."""
POLL_SECONDS = 8.0
"""How long a request for a job's progress waits for a change before answering."""
RECHECK_SECONDS = 0.1
"""How often a waiting request looks at the job's file without being told of a change (a
worker tells the server of each change; this makes up for a notice lost)."""
SUFFIXES = (".toml", ".xlsx")
SAFE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Every response: no script, style or frame from elsewhere; no sniffing of types."""
HEADERS = [(k.lower().encode(), v.encode()) for k, v in SAFE_HEADERS.items()]
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Settings:
    instances: Path | None
    ledger: Path
    state: Path
    workers: int

    @classmethod
    def from_environment(cls) -> Settings:
        folder = os.environ.get("CAPPLAN_SERVE_INSTANCES") or None
        ledger = Path(os.environ.get("CAPPLAN_LEDGER") or "capplan-runs.sqlite").resolve()
        state = Path(os.environ.get("CAPPLAN_SERVE_STATE")
                     or ledger.with_name(ledger.stem + "-serve")).resolve()
        workers = int(os.environ.get("CAPPLAN_SERVE_WORKERS") or min(2, os.cpu_count() or 1))
        return cls(Path(folder).resolve() if folder else None, ledger, state, workers)


class Refused(Exception):
    """A request the page will not serve: a status code and one sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- instances --------------------------------------------------------------------------------


class Instances:
    """Where instances come from, each named by a key: `NAME` (shipped), `folder/FILE` (from
    --instances DIR) or `upload/HASH/FILE` (uploaded). Only these resolve; a path sent by a
    browser is never opened. Loaded instances are kept (a variant is derived in memory)."""

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.instances
        self.uploads = settings.state / "uploads"
        self.loaded: OrderedDict[tuple[str, float], Any] = OrderedDict()
        self.examples: list[Any] | None = None

    def shipped(self) -> list[Any]:
        """The shipped example instances, listed once: they come with the package and do not
        change while it runs (listing them reads every example file)."""
        if self.examples is None:
            self.examples = [e for e in api.examples() if e.kind == "instance"]
        return self.examples

    def in_folder(self) -> list[str]:
        if self.folder is None or not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir()
                      if p.suffix.lower() in SUFFIXES and p.is_file())

    def path(self, key: str) -> Path:
        parts = key.split("/")
        if len(parts) == 1:
            for e in self.shipped():
                if e.name == key:
                    return Path(e.path)
        elif parts[0] == "folder" and len(parts) == 2 and parts[1] in self.in_folder():
            assert self.folder is not None
            return self.folder / parts[1]
        elif (parts[0] == "upload" and len(parts) == 3 and re.fullmatch(r"[0-9a-f]{16}", parts[1])
              and SAFE_NAME.sub("", parts[2]) == parts[2]):
            path = self.uploads / parts[1] / parts[2]
            if path.is_file():
                return path
        raise Refused(404, f"no instance {key!r}")

    def name(self, key: str) -> str:
        """How messages name an instance: as the command line does (its path), an upload
        by its file name."""
        return key.split("/")[-1] if key.startswith("upload/") else str(self.path(key))

    def label(self, key: str) -> str:
        """How the page names an instance: by its name or file name."""
        return key.split("/")[-1]

    def load(self, key: str, scenario: str | None = None, settings: list[str] | None = None,
             objective: str | None = None) -> Any:
        """The instance validated, with scenario, overrides and objective; an InputError
        names the file as the planner knows it."""
        path = self.path(key)
        stamp = (key, path.stat().st_mtime)
        try:
            base = self.loaded.get(stamp)
            if base is None:
                base = api.load(path)
                self.loaded[stamp] = base
                while len(self.loaded) > 16:
                    self.loaded.popitem(last=False)
            return api.load(base, scenario or None, settings or [], objective or None)
        except InputError as exc:  # an upload is named as the planner named the file
            if key.startswith("upload/") and exc.source == str(path):
                raise InputError(self.name(key), exc.problems) from None
            raise

    def save_upload(self, filename: str, content: bytes) -> str:
        """Keep an uploaded file under its hash; its key."""
        name = SAFE_NAME.sub("_", Path(filename or "instance").name)[:80] or "instance"
        if Path(name).suffix.lower() not in SUFFIXES:
            raise InputError(name, [("", "expected a .toml instance or a filled .xlsx "
                                         "template")])
        digest = hashlib.sha256(content).hexdigest()[:16]
        folder = self.uploads / digest
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
        return f"upload/{digest}/{name}"


def size_problem(instance: Any) -> str | None:
    """Why an instance is too large for the page, or None."""
    periods = instance.calendar.n
    paths = periods * len(instance.segment) * (1 + len(instance.measure))
    if paths <= MAX_PATHS:
        return None
    return (f"the model would have {paths:,} period-segment paths ({periods:,} periods x "
            f"{len(instance.segment):,} segments x (1 + {len(instance.measure)} measures)); "
            f"the page solves at most {MAX_PATHS:,}: use a coarser granularity, fewer segments "
            "or the command line")


def summary(loaded: Any, key: str) -> dict[str, Any]:
    """What `capplan validate` says of an instance, as data for the page."""
    inst = loaded.instance
    p = inst.programme
    regions: dict[str, int] = {}
    for seg in inst.segment:
        regions[seg.region] = regions.get(seg.region, 0) + seg.count
    capacity = []
    for stage in ("engineering", "execution"):
        spec = getattr(inst.capacity, stage)
        if spec is not None:
            capacity.append({"stage": stage, "kind": spec.kind, "initial": spec.initial,
                             "max": spec.max, "ramp_up": spec.ramp_up,
                             "ramp_down": spec.ramp_down})
    return {"key": key, "name": p.name, "start": p.start, "end": p.horizon_end,
            "granularity": p.granularity, "deadline": p.deadline, "hard": p.hard_deadline,
            "scope": inst.scope, "history": inst.history.total, "remaining": inst.remaining,
            "segments": len(inst.segment), "regions": regions,
            "measures": [{"id": m.id, "name": m.name, "mode": m.mode} for m in inst.measure],
            "capacity": capacity, "objective": list(inst.objective.terms),
            "scenarios": list(inst.scenarios), "risks": len(inst.risk)}


# --- the application --------------------------------------------------------------------------


class Guard:
    """Refuse a body over the upload limit before reading it (browsers send its length), and
    give every response the safe headers. Plain ASGI: it costs a request next to nothing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > MAX_UPLOAD + 64 * 1024:
            refusal = JSONResponse({"error": f"the upload is larger than "
                                             f"{MAX_UPLOAD // 2**20} MB"}, status_code=413)
            await refusal(scope, receive, send)
            return

        async def send_safely(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_safely)


class Notices(asyncio.DatagramProtocol):
    """The server's ear for the workers: each datagram is the id of a job whose state file
    has just changed (a hint to read it, nothing more: the file is the state)."""

    def __init__(self, changed: Callable[[str], None]) -> None:
        self.changed = changed

    def datagram_received(self, data: bytes, addr: Any) -> None:
        job_id = data.decode("ascii", errors="replace")
        if JOB_ID.match(job_id):
            self.changed(job_id)


class JobRequest(BaseModel):
    """A job asked for as JSON (`POST /api/jobs`): the instance by its key."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    instance: str = ""
    scenario: str | None = None
    objective: str | None = None
    overrides: list[str] = Field(default_factory=list, max_length=200)
    params: dict[str, Any] = Field(default_factory=dict)
    lang: Literal["en", "nl"] = "en"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; its job pool starts and stops with it."""
    settings = settings or Settings.from_environment()
    settings.state.mkdir(parents=True, exist_ok=True)
    jobs = Jobs(settings.state, settings.ledger, settings.workers)
    instances = Instances(settings)
    views: OrderedDict[int, View] = OrderedDict()
    pages: OrderedDict[tuple[int, str], bytes] = OrderedDict()
    waiting: dict[str, list[asyncio.Future[None]]] = {}

    def changed(job_id: str) -> None:
        """A worker says a job's state has changed: wake the requests waiting for it."""
        for woken in waiting.pop(job_id, []):
            if not woken.done():
                woken.set_result(None)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        notices, _ = await loop.create_datagram_endpoint(lambda: Notices(changed),
                                                         local_addr=("127.0.0.1", 0))
        jobs.start(notices.get_extra_info("sockname")[:2])
        for name in templates.env.list_templates():  # compiled now, not for the first result
            templates.env.get_template(name)
        try:
            yield
        finally:
            jobs.shutdown()
            notices.close()

    app = FastAPI(title="capplan", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")
    app.state.jobs = jobs
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["chart_svg"] = chart_svg

    app.add_middleware(Guard)

    def language(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("lang") or "en"
        return lang if lang in LANGUAGES else "en"

    def page(request: Request, template: str, status: int = 200,
             headers: dict[str, str] | None = None, **context: Any) -> Response:
        lang = language(request)
        headers = dict(headers or {})
        if request.headers.get("hx-request") and "push" in context:
            headers["HX-Push-Url"] = context["push"]
        return templates.TemplateResponse(
            request, template,
            {"t": words(lang), "n": number(lang), "n1": number(lang, 1), "lang": lang,
             "say": functools.partial(localise, lang=lang),
             "lab": functools.partial(label, lang=lang),
             "path": request.url.path, **context},
            status_code=status, headers=headers)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return page(request, "error.html", exc.status, message=exc.message)

    # --- pages -----------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> Response:
        return page(request, "index.html", shipped=instances.shipped(),
                    folder=instances.in_folder(), has_folder=settings.instances is not None,
                    limit=f"{MAX_UPLOAD // 2**20} MB", upload_error=None)

    @app.post("/upload", response_class=HTMLResponse)
    async def upload(request: Request) -> Response:
        form = await request.form()
        item = form.get("instance")
        try:
            if item is None or isinstance(item, str) or not item.filename:
                raise InputError("instance", [("", "choose a file to upload")])
            content = await item.read(MAX_UPLOAD + 1)
            if len(content) > MAX_UPLOAD:
                raise InputError(item.filename, [("", f"larger than {MAX_UPLOAD // 2**20} "
                                                      "MB")])
            key = instances.save_upload(item.filename, content)
            loaded = instances.load(key)
            problem = size_problem(loaded.instance)
            if problem:
                raise InputError(instances.name(key), [("programme", problem)])
        except InputError as exc:
            return page(request, "index.html", 400, shipped=instances.shipped(),
                        folder=instances.in_folder(),
                        has_folder=settings.instances is not None,
                        limit=f"{MAX_UPLOAD // 2**20} MB", upload_error=exc.message())
        return RedirectResponse(f"/instance?i={key}", status_code=303)

    def instance_page(request: Request, key: str, status: int = 200,
                      errors: dict[str, list[str]] | None = None,
                      general: list[str] | None = None, form: dict[str, str] | None = None,
                      scenario: str | None = None, objective: str | None = None,
                      fragment: bool = False) -> Response:
        """The instance's page; `fragment`: only its plan form, to replace the one shown
        (a form with its problems next to the fields)."""
        loaded = instances.load(key)
        problem = size_problem(loaded.instance)
        if problem:
            raise InputError(instances.name(key), [("programme", problem)])
        fields = plan_fields(loaded.instance)
        values = {f.path: f.value for f in fields}
        values.update(form or {})
        groups: dict[str, list[FormField]] = {}
        for f in fields:
            groups.setdefault(f.group, []).append(f)
        if fragment:
            return page(request, "_plan_form.html", 200,
                        {"HX-Retarget": "#plan-form", "HX-Reswap": "outerHTML"},
                        s=summary(loaded, key), groups=groups, values=values,
                        errors=errors or {}, general=general or [], scenario=scenario,
                        objective=objective or "")
        return page(request, "instance.html", status, s=summary(loaded, key),
                    validation=api.validate(loaded).to_dict(), groups=groups, values=values,
                    errors=errors or {}, general=general or [], scenario=scenario,
                    objective=objective or "")

    @app.get("/instance", response_class=HTMLResponse)
    async def instance(request: Request, i: str) -> Response:
        try:
            return instance_page(request, i)
        except InputError as exc:
            return page(request, "error.html", 400, message=exc.message())

    def job_started(request: Request, job_id: str) -> Response:
        if request.headers.get("hx-request"):
            return page(request, "_job.html", job=jobs.state(job_id), push=f"/jobs/{job_id}")
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)

    def submit(spec: JobSpec, loaded: Any, key: str) -> str:
        """A job for an instance checked here (`loaded`: the variant it computes); the worker
        gets the instance as loaded, not its file to read again."""
        problem = size_problem(loaded.instance)
        if problem:
            raise InputError(spec.source, [("programme", problem)])
        return jobs.submit(spec, instances.load(key))

    @app.post("/plan", response_class=HTMLResponse)
    async def plan(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
        key = form.get("instance", "")
        scenario = form.get("scenario") or None
        objective = form.get("objective") or None
        base = instances.load(key)
        fields = plan_fields(base.instance)
        settings_, problems = overrides(form, fields)
        try:
            if problems:
                raise InputError(instances.name(key), problems)
            loaded = instances.load(key, scenario, settings_, objective)
            if form.get("action") == "compare":
                if not settings_:
                    raise InputError(instances.name(key), [("", "change a figure in the form "
                                                                "to compare with")])
                vary = [f"{s.partition('=')[0]}={_value(base, s)},{s.partition('=')[2]}"
                        for s in settings_]
                if len(vary) > 3:
                    raise InputError(instances.name(key), [("", "compare varies at most 3 "
                                                                "figures at once")])
                spec = JobSpec(kind="compare", instance=str(instances.path(key)),
                               name=instances.label(key), source=instances.name(key),
                               params={"vary": vary,
                                       "scenario": [scenario] if scenario else []},
                               lang=language(request))
            else:
                spec = JobSpec(kind="plan", instance=str(instances.path(key)),
                               name=instances.label(key), source=instances.name(key),
                               scenario=scenario, objective=objective, overrides=settings_,
                               lang=language(request))
            job_id = submit(spec, loaded, key)
        except InputError as exc:
            errors, general = field_errors(exc, fields)
            return instance_page(request, key, 400, errors, general, form, scenario, objective,
                                 fragment=bool(request.headers.get("hx-request")))
        return job_started(request, job_id)

    @app.post("/ask/{kind}", response_class=HTMLResponse)
    async def ask(request: Request, kind: str) -> Response:
        raw = await request.form()
        form = {k: str(v) for k, v in raw.items() if isinstance(v, str)}
        key = form.get("instance", "")
        scenario = form.get("scenario") or None
        try:
            loaded = instances.load(key, scenario)
            params: dict[str, Any] = {}
            if kind == "compare":
                params["scenario"] = [s for s in raw.getlist("scenarios") if isinstance(s, str)]
                measure = form.get("measure")
                if measure:
                    params["vary"] = [f"measure.{measure}.mode=out,in"]
                if not params["scenario"] and not measure:
                    raise InputError("compare", [("", "tick a scenario or choose a measure")])
            elif kind == "whatif":
                stage = form.get("stage", "execution")
                amount, year = form.get("amount", "").strip(), form.get("year", "").strip()
                params["add"] = [f"{stage}=+{amount}@{year}"] if amount else []
                if form.get("raise", "").strip():
                    params["raise_"] = [f"{stage}.max={form['raise'].strip()}"]
            elif kind == "tradeoff":
                params = {"periods": _int(form, "periods", 1, 24),
                          "stage": form.get("stage", "execution")}
            elif kind == "sweep":
                params = {"samples": _int(form, "samples", 1, MAX_SAMPLES),
                          "seed": _int(form, "seed", 0, 2**31),
                          "tornado_samples": _int(form, "tornado_samples", 0, 100)}
            elif kind == "report":
                params = {"scenario": [s for s in raw.getlist("scenarios") if isinstance(s, str)],
                          "samples": _int(form, "samples", 0, MAX_SAMPLES),
                          "tornado_samples": _int(form, "tornado_samples", 0, 100)}
            elif kind == "evaluate":
                path, name = await targets_file(raw)
                params["targets"] = str(path)
                params["names"] = {str(path): name}
            elif kind != "explain":
                raise Refused(404, f"no question {kind!r}")
            spec = JobSpec(kind=kind, instance=str(instances.path(key)),
                           name=instances.label(key), source=instances.name(key),
                           scenario=scenario if kind not in ("compare", "report") else None,
                           params=params, lang=language(request))
            job_id = submit(spec, loaded, key)
        except InputError as exc:
            if request.headers.get("hx-request"):
                return page(request, "_error.html", 200, message=exc.message())
            return page(request, "error.html", 400, message=exc.message(), back=key)
        return job_started(request, job_id)

    async def targets_file(raw: Any) -> tuple[Path, str]:
        """Pasted or uploaded targets kept as a CSV file under its hash, and the name
        messages give it."""
        item = raw.get("targets_file")
        if item is not None and not isinstance(item, str) and item.filename:
            content = await item.read(MAX_UPLOAD + 1)
            name = SAFE_NAME.sub("_", Path(item.filename).name)[:80]
        else:
            content = str(raw.get("targets") or "").encode("utf-8")
            name = "targets (pasted)"
        if not content.strip():
            raise InputError("targets", [("", "paste a table year,completed or choose a file")])
        if len(content) > MAX_UPLOAD:
            raise InputError("targets", [("", f"larger than {MAX_UPLOAD // 2**20} MB")])
        folder = settings.state / "uploads" / "targets"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(content).hexdigest()[:16]}.csv"
        path.write_bytes(content)
        return path, name

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: str) -> Response:
        state = jobs.state(job_id)
        if state is None:
            raise Refused(404, f"no job {job_id}")
        if state.get("status") == "done" and state.get("run"):
            return RedirectResponse(f"/runs/{state['run']}", status_code=303)
        return page(request, "job.html", job=state)

    @app.get("/jobs/{job_id}/poll", response_class=HTMLResponse)
    async def job_poll(request: Request, job_id: str, stamp: int = -1) -> Response:
        state = await wait_for(job_id, stamp)
        if state.get("status") == "done" and state.get("run"):
            run_id = int(state["run"])
            return page(request, "_result.html", run=run_id, view=view_of(run_id),
                        files=files_of(run_id), push=f"/runs/{run_id}")
        return page(request, "_job.html", job=state)

    def shown(run_id: int) -> None:
        """Tell the worker the result is shown: it may write the download files now (on a
        busy machine they would slow the result down). A page says so when it asks for the
        result's downloads (once the result is in it), a JSON client once it has its answer;
        without either the worker waits at most SHOWN_WAIT."""
        folder = jobs.runs / str(run_id)
        if not (folder / "files").exists():
            with contextlib.suppress(OSError):
                (folder / SHOWN).touch()

    async def wait_for(job_id: str, stamp: int) -> dict[str, Any]:
        """The job's state once it differs from `stamp` (or after POLL_SECONDS): read when
        the worker says it has changed (or every RECHECK_SECONDS), never polled in a tight
        loop that would take the processor from the worker."""
        deadline = time.monotonic() + POLL_SECONDS
        loop = asyncio.get_running_loop()
        while True:
            woken: asyncio.Future[None] = loop.create_future()
            waiting.setdefault(job_id, []).append(woken)  # before reading: no change missed
            try:
                state = jobs.state(job_id)
                if state is None:
                    raise Refused(404, f"no job {job_id}")
                left = deadline - time.monotonic()
                if (int(state.get("stamp", 0)) != stamp
                        or state.get("status") in ("done", "failed") or left <= 0):
                    return state
                await asyncio.wait([woken], timeout=min(left, RECHECK_SECONDS))
            finally:
                others = [w for w in waiting.get(job_id, []) if w is not woken]
                if others:
                    waiting[job_id] = others
                else:
                    waiting.pop(job_id, None)

    def view_of(run_id: int) -> View:
        if run_id in views:
            return views[run_id]
        view = read_json(jobs.runs / str(run_id) / "view.json")
        if view is None:
            try:
                shown = api.show_run(run_id, settings.ledger)
            except (InputError, OSError, KeyError) as exc:
                raise Refused(404, f"no run {run_id}") from exc
            command = shown.get("command") or ["capplan", "run"]
            view = from_document(shown["document"], str(command[1]))
            view["instance"] = Path(str(shown.get("instance_path"))).name
        views[run_id] = view
        while len(views) > 256:
            views.popitem(last=False)
        return view

    def files_of(run_id: int) -> list[str] | None:
        """The run's download files; None while they are being written."""
        folder = jobs.runs / str(run_id) / "files"
        if folder.is_dir():  # it appears whole
            return sorted(p.name for p in folder.iterdir())
        return None if (jobs.runs / str(run_id) / "view.json").exists() else []

    @app.get("/runs", response_class=HTMLResponse)
    async def runs_page(request: Request) -> Response:
        return page(request, "runs.html", runs=run_rows(), ledger=settings.ledger)

    def run_rows() -> list[dict[str, Any]]:
        if not settings.ledger.exists():
            return []
        frame = api.runs(settings.ledger)
        rows: list[dict[str, Any]] = ([] if frame.empty else
                                      [{str(k): v for k, v in r.items()}
                                       for r in frame.to_dict("records")])
        for r in rows:
            r["instance"] = Path(str(r["instance"])).name
            r.update({k: None for k, v in r.items() if isinstance(v, float) and v != v})
        return rows[::-1]

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    async def run_page(request: Request, run_id: int) -> Response:
        """A recorded run: computed once, so its page is kept once its files are there."""
        key = (run_id, language(request))
        cached = pages.get(key)
        if cached is not None:
            return HTMLResponse(cached)
        files = files_of(run_id)
        response = page(request, "run.html", run=run_id, view=view_of(run_id), files=files)
        if files is not None and isinstance(response.body, bytes):
            pages[key] = response.body
            while len(pages) > 256:
                pages.popitem(last=False)
        return response

    @app.get("/runs/{run_id}/downloads", response_class=HTMLResponse)
    async def downloads(request: Request, run_id: int) -> Response:
        shown(run_id)
        deadline = time.monotonic() + POLL_SECONDS
        while files_of(run_id) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return page(request, "_downloads.html", run=run_id, files=files_of(run_id))

    @app.get("/runs/{run_id}/files/{name}")
    async def download(run_id: int, name: str) -> Response:
        folder = jobs.runs / str(run_id) / "files"
        if not folder.is_dir() or name.startswith(".") or name not in os.listdir(folder):
            raise Refused(404, f"run {run_id} has no file {name}")
        return FileResponse(folder / name, filename=name)

    @app.post("/runs/{run_id}/reproduce", response_class=HTMLResponse)
    async def reproduce(request: Request, run_id: int) -> Response:
        job_id = jobs.submit(JobSpec(kind="reproduce", params={"run": run_id},
                                     name=f"run {run_id}"))
        return job_started(request, job_id)

    @app.get("/template.xlsx")
    async def template(request: Request) -> Response:
        """The Excel instance template to fill and upload, in the page's language."""
        return Response(api.template(lang=language(request)),
                        media_type="application/vnd.openxmlformats-"
                        "officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="template.xlsx"'})

    @app.get("/lang/{lang}")
    async def set_language(lang: str, next: str = "/") -> Response:
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
        return response

    # --- the JSON API ------------------------------------------------------------------------

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        """A request missing a field or with one of the wrong kind (a hand-typed address):
        the same problems as the JSON API gives, on a page for a person."""
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        problems = [(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), e["msg"])
                    for e in exc.errors()]
        message = ("error: this page's address is incomplete or mistyped ("
                   + "; ".join(f"{k}: {m.lower()}" for k, m in problems)
                   + "); start again from the front page")
        return page(request, "error.html", 422, message=message)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message(), "source": exc.source,
                                 "problems": [{"key": k, "problem": p}
                                              for k, p in exc.problems]}, status_code=400)
        return page(request, "error.html", 400, message=exc.message())

    @app.get("/api/instances")
    async def api_instances() -> dict[str, Any]:
        return {"shipped": [{"key": e.name, "name": e.programme, "description": e.description}
                            for e in instances.shipped()],
                "folder": [f"folder/{name}" for name in instances.in_folder()]}

    @app.post("/api/validate")
    async def api_validate(body: JobRequest) -> dict[str, Any]:
        loaded = instances.load(body.instance, body.scenario, body.overrides, body.objective)
        problem = size_problem(loaded.instance)
        if problem:
            raise InputError(instances.name(body.instance), [("programme", problem)])
        doc = api.validate(loaded).to_dict()
        doc["instance"] = body.instance
        return doc

    @app.post("/api/jobs", status_code=202)
    async def api_job(body: JobRequest) -> dict[str, Any]:
        try:
            spec = JobSpec(kind=body.kind,
                           instance=str(instances.path(body.instance))
                           if body.kind != "reproduce" else "",
                           name=instances.label(body.instance),
                           source=instances.name(body.instance), scenario=body.scenario,
                           objective=body.objective, overrides=body.overrides,
                           params=body.params, lang=body.lang)
        except ValidationError as exc:
            raise InputError("request", [(".".join(str(p) for p in e["loc"]), e["msg"])
                                         for e in exc.errors()]) from None
        if spec.kind == "sweep":
            samples = int(spec.params.get("samples", 100))
            if not 1 <= samples <= MAX_SAMPLES:
                raise InputError("request", [("params.samples", f"between 1 and {MAX_SAMPLES}")])
        if spec.kind == "reproduce":
            job_id = jobs.submit(spec)
        else:
            loaded = instances.load(body.instance, body.scenario, body.overrides,
                                    body.objective)
            job_id = submit(spec, loaded, body.instance)
        return {"job": job_id, "url": f"/api/jobs/{job_id}"}

    @app.get("/api/jobs/{job_id}")
    async def api_job_state(job_id: str, wait: float = 0.0, stamp: int = -1) -> Response:
        """The job's state; with `wait`, once it differs from `stamp` (a finished job's
        download files are written once this answer is sent)."""
        if wait > 0:
            state = await wait_for(job_id, stamp)
        else:
            found = jobs.state(job_id)
            if found is None:
                raise Refused(404, f"no job {job_id}")
            state = found
        run = state.get("run") if not state.get("files") else None
        return JSONResponse(state, background=BackgroundTask(shown, int(run)) if run else None)

    @app.get("/api/runs")
    async def api_runs() -> list[dict[str, Any]]:
        return run_rows()

    @app.get("/api/runs/{run_id}")
    async def api_run(run_id: int) -> dict[str, Any]:
        try:
            shown = api.show_run(run_id, settings.ledger)
        except (InputError, OSError, KeyError) as exc:
            raise Refused(404, f"no run {run_id}") from exc
        return dict(shown["document"])

    @app.get("/api/runs/{run_id}/view")
    async def api_view(run_id: int) -> View:
        return view_of(run_id)

    @app.get("/api/runs/{run_id}/files")
    async def api_files(run_id: int) -> dict[str, Any]:
        return {"files": files_of(run_id)}

    return app


def field_errors(exc: InputError, fields: list[FormField]) -> tuple[dict[str, list[str]],
                                                                     list[str]]:
    """An InputError's problems by the form field of their key (as the command line writes
    them: file: key: problem); the others apart."""
    paths = {f.path for f in fields}
    by_field: dict[str, list[str]] = {}
    general = []
    for key, problem in exc.problems:
        text = InputError(exc.source, [(key, problem)]).message()
        path = key.removeprefix("--set ")
        if path in paths:
            by_field.setdefault(path, []).append(text)
        else:
            general.append(text)
    return by_field, general


def _value(loaded: Any, setting: str) -> str:
    """The instance's own value of an override's path, as the form shows it."""
    from capplan.web.forms import plan_fields as fields_of

    path = setting.partition("=")[0]
    for f in fields_of(loaded.instance):
        if f.path == path:
            return f.value
    return ""


def _int(form: dict[str, str], key: str, low: int, high: int) -> int:
    text = form.get(key, "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise InputError(key, [("", f"expected a whole number from {low} to {high}")])
    return int(text)


def chart_svg(chart: dict[str, Any], index: int, t: Any, n: Any, lang: str = "en") -> Markup:
    """A view's chart as inline SVG with the page's words, its series' labels in the page's
    language (`report.words.localise`)."""
    chart = {**chart, "id": f"chart{index}", "marker_label": t("deadline_word"),
             "series": [{**s, "label": localise(str(s["label"]), lang)}
                        for s in chart.get("series", [])]}
    labels = ", ".join(s["label"] for s in chart.get("series", []))
    if chart["kind"] == "tornado":
        return Markup(svg.tornado_chart(chart, t("tornado_title"), t("tornado_title"),
                                        t("months")))
    title = {"cumulative": t("cumulative_title"), "fan": t("fan_title"),
             "line": t("tradeoff_title")}[chart["kind"]]
    describe = {"cumulative": t("cumulative_desc", series=labels), "fan": t("fan_desc"),
                "line": t("tradeoff_desc", series=labels)}[chart["kind"]]
    return Markup(svg.line_chart(chart, title, describe, n))


