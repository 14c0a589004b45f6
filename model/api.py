"""The Python API: one function per command, each returning a typed result.

Notebooks, the command line and the web page call these and nothing deeper. An instance is
given as a path, a shipped example's name (`"groningen-2024"`) or an already loaded instance
(`capplan.load(...)`); scenarios and overrides vary it in memory, never by reading the file
again. Every result has `.to_dict()` (the command's JSON document, `"schema":
"capplan/<command>/1"`), `.tables()` (pandas DataFrames) and `.charts()` (PNG bytes).

    >>> import capplan
    >>> result = capplan.plan("toy")
    >>> result.milestones["finish"]
    '2027'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from capplan.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from capplan.inputs.examples import Example
    from capplan.inputs.load import Loaded
    from capplan.report.claims import ClaimsResult
    from capplan.report.documents import (
        CompareResult,
        EvaluateResult,
        ExplainResult,
        PlanResult,
        ReplanResult,
        Reproduction,
        ResidentsResult,
        Result,
        SweepResult,
        TradeoffResult,
        Validation,
        WhatifResult,
    )

Progress = Callable[[int, int], None]  # (plans just finished, plans in all)


def load(instance: str | Path | Loaded, scenario: str | None = None,
         overrides: Sequence[str] = (), objective: str | Sequence[str] | None = None, *,
         allow_large: bool = False) -> Loaded:
    """An instance read once and validated: a TOML file, a filled Excel template or a shipped
    example's name; with a `[scenarios.NAME]` block, `PATH=VALUE` overrides and objective
    terms (`"finish,waiting"` or a list) applied in that order. Given a loaded instance,
    derives the variant in memory (its own overrides first). A model larger than the budget
    of docs/input-limits.md is refused unless `allow_large`."""
    from dataclasses import replace

    from capplan.inputs.load import Loaded, vary
    from capplan.inputs.load import load as read

    settings = list(overrides)
    if objective is not None:
        terms = ([t.strip() for t in objective.split(",") if t.strip()]
                 if isinstance(objective, str) else list(objective))
        settings.append("objective.terms=[" + ", ".join(f'"{t}"' for t in terms) + "]")
    if isinstance(instance, Loaded):
        if allow_large and not instance.allow_large:
            instance = replace(instance, allow_large=True)
        if scenario is None and not settings:
            return instance
        return vary(instance, scenario if scenario is not None else instance.scenario,
                    [*instance.overrides, *settings])
    return read(instance, scenario, settings, allow_large=allow_large)


def examples() -> list[Example]:
    """The shipped example instances, targets and actuals."""
    from capplan.inputs.examples import examples as shipped

    return shipped()


def validate(instance: str | Path | Loaded, *, scenario: str | None = None,
             overrides: Sequence[str] = (), allow_large: bool = False) -> Validation:
    """Check an instance (schema, totals, references, risk paths) and build its model without
    solving it."""
    from capplan.core.build import build
    from capplan.core.routing import time_step_note
    from capplan.inputs.load import check_risk_paths
    from capplan.report.documents import Validation

    loaded = load(instance, scenario, overrides, allow_large=allow_large)
    check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
    built = build(loaded.instance)
    note = time_step_note(loaded.instance, built.routing)
    return Validation(loaded, built.lp.num_col, built.lp.num_row, notes=(note,) if note else ())


def plan(instance: str | Path | Loaded, *, scenario: str | None = None,
         overrides: Sequence[str] = (), objective: str | Sequence[str] | None = None,
         solver: str = "highs", method: str = "auto", time_limit: float = 600.0,
         allow_large: bool = False) -> PlanResult:
    """The optimal plan: yearly targets, milestones, capacity, scope; when there is none,
    the limits that make it infeasible and the nearest feasible alternative."""
    from capplan.core.backends import Status
    from capplan.core.results import read_plan
    from capplan.core.solve import SolverUnavailable
    from capplan.core.solve import plan as solve
    from capplan.questions.infeasibility import explain as why_infeasible
    from capplan.report.documents import PlanResult

    loaded = load(instance, scenario, overrides, objective, allow_large=allow_large)
    try:
        built, solution = solve(loaded.instance, solver=solver, method=method,
                                time_limit=time_limit)
    except SolverUnavailable as exc:
        raise InputError("--solver", [("", str(exc))]) from None
    why = None
    if solution.status == Status.INFEASIBLE:
        why = why_infeasible(loaded.instance, solution.failed_term, solver)
    return PlanResult(loaded, built, solution, read_plan(built, solution), why)


def compare(instance: str | Path | Loaded, *, scenarios: Sequence[str] = (),
            vary: Sequence[str] = (), overrides: Sequence[str] = (),
            solver: str = "highs", time_limit: float = 600.0) -> CompareResult:
    """Several variants side by side: each scenario (or the instance as is) crossed with the
    product of the `vary` values (`"measure.M29.mode=out,in"`); milestones, tail, peaks,
    waiting and the months each is later than the first."""
    from capplan.questions.compare import solve_variants, summary_table, targets_table
    from capplan.questions.variants import variants
    from capplan.report.documents import CompareResult

    base = load(instance, None, overrides)
    outcomes = solve_variants(base, variants(list(scenarios), list(vary)), solver, time_limit)
    return CompareResult(base, outcomes, summary_table(outcomes), targets_table(outcomes),
                         (solver, None))


def whatif(instance: str | Path | Loaded, *, add: Sequence[str] = (),
           raise_: Sequence[str] = (), marginal: bool = False, scenario: str | None = None,
           overrides: Sequence[str] = (), solver: str = "highs") -> WhatifResult:
    """What if we add capacity (`add=["execution=+500@2026"]`) or raise a limit
    (`raise_=["execution.max=3500"]`): the plan with and without, and the months gained on
    the earliest finish and p95; `marginal`: the same for 100 more units per stage and
    year."""
    from capplan.questions.compare import summary_table, targets_table
    from capplan.questions.variants import Variant, run
    from capplan.questions.whatif import additions, earliest, gains
    from capplan.questions.whatif import marginal as marginal_table
    from capplan.report.documents import WhatifResult

    source = load(instance, scenario, overrides)
    base = run(source, Variant("without", source.scenario, ()), solver)
    added = additions(list(add), list(raise_), source.instance)
    if not added and not marginal:
        raise InputError("whatif", [("", "give --add, --raise or --marginal")])
    outcomes = [base]
    gained = None
    if added:
        with_variant = Variant("with", source.scenario, tuple(a.path for a in added))
        outcomes.append(run(source, with_variant, solver, near=base))
        gained = gains(earliest(source, base.variant, solver),
                       earliest(source, with_variant, solver))
    table = marginal_table(source, base, solver) if marginal else None
    return WhatifResult(source, outcomes, [a.path for a in added], gained,
                        summary_table(outcomes), targets_table(outcomes), table, (solver, None),
                        [a.words for a in added])


def explain(instance: str | Path | Loaded, *, scenario: str | None = None,
            overrides: Sequence[str] = (), solver: str = "highs") -> ExplainResult:
    """Why the tail: what the last 5% and 1% are made of, what binds there, and the single
    10% change that shortens it most."""
    from capplan.core.backends import Status
    from capplan.questions.explain import explain_tail
    from capplan.questions.variants import Variant, run
    from capplan.report.documents import ExplainResult

    source = load(instance, scenario, overrides)
    base = run(source, Variant("plan", source.scenario, ()), solver)
    tail = (explain_tail(source, base, solver) if base.solution.status == Status.OPTIMAL
            else None)
    return ExplainResult(source, base, tail, (solver, None))


def tradeoff(instance: str | Path | Loaded, *, periods: int = 8, stage: str = "execution",
             scenario: str | None = None, overrides: Sequence[str] = (),
             solver: str = "highs") -> TradeoffResult:
    """How much capacity each date needs: for each period from the earliest finish (and p95)
    to `periods` later, the least peak capacity of `stage` and, with that peak held, the least
    capacity cost (capacity-years when no costs are given)."""
    from capplan.questions.tradeoff import tradeoff as run_tradeoff
    from capplan.report.documents import TradeoffResult

    loaded = load(instance, scenario, overrides)
    if stage not in ("engineering", "execution") or getattr(loaded.instance.capacity,
                                                            stage) is None:
        raise InputError("--stage", [(stage, "the instance has no such capacity")])
    table = run_tradeoff(loaded.instance, periods, stage, solver)
    return TradeoffResult(loaded, stage, table, (solver, None))


def evaluate(instance: str | Path | Loaded, targets: str | Path | Mapping[int, int], *,
             scenario: str | None = None, overrides: Sequence[str] = (),
             solver: str = "highs") -> EvaluateResult:
    """Check yearly production targets (a CSV `year,completed`, a shipped targets file's
    name, or a mapping year -> items): can they be delivered, what they imply, and how far
    they are from the optimal plan."""
    from capplan.questions.evaluate import check_targets, read_targets
    from capplan.questions.evaluate import evaluate as run_evaluation
    from capplan.report.documents import EvaluateResult

    loaded = load(instance, scenario, overrides)
    if isinstance(targets, Mapping):
        given, source = dict(sorted((int(y), int(v)) for y, v in targets.items())), None
        problems = check_targets(given, loaded.instance)
        if problems:
            raise InputError("targets", problems)
    else:
        path = _resolve(targets, "targets")
        given, source = read_targets(path, loaded.instance), str(path)
    return EvaluateResult(loaded, source, run_evaluation(loaded.instance, given, solver),
                          (solver, None))


def replan(instance: str | Path | Loaded, actuals: str | Path, as_of: str, *,
           baseline: int | None = None, ledger: str | Path | None = None,
           scenario: str | None = None, overrides: Sequence[str] = (),
           objective: str | Sequence[str] | None = None, solver: str = "highs",
           time_limit: float = 600.0) -> ReplanResult:
    """Re-plan the remaining work from actuals up to `as_of` (`"2025"` or `"2025Q2"`) and
    compare with the plan in force: run `baseline` of the ledger, else the last plan of this
    instance recorded before the end of `as_of`, else the plan solved now."""
    from capplan.core.backends import Status
    from capplan.core.solve import SolverUnavailable
    from capplan.cycle.actuals import AsOf
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.replan import baseline_of_run, find_baseline
    from capplan.cycle.replan import replan as run_replan
    from capplan.cycle.runs import get_run
    from capplan.questions.infeasibility import explain as why_infeasible
    from capplan.report.documents import ReplanResult

    loaded = load(instance, scenario, overrides, objective)
    moment = AsOf.parse(as_of)
    where = ledger_path(Path(ledger) if ledger is not None else None)
    base = (baseline_of_run(get_run(where, baseline), loaded) if baseline is not None
            else find_baseline(where, loaded, moment, solver))
    try:
        r = run_replan(loaded, _resolve(actuals, "actuals"), moment, base, solver=solver,
                       time_limit=time_limit)
    except SolverUnavailable as exc:
        raise InputError("--solver", [("", str(exc))]) from None
    why = None
    if r.solution.status == Status.INFEASIBLE:
        why = why_infeasible(r.resumed.instance, r.solution.failed_term, solver)
    return ReplanResult(r, why)


def sweep(instance: str | Path | Loaded, *, samples: int = 1000, seed: int = 7,
          workers: int | None = None, robust: float | None = None,
          tornado_samples: int | None = None, dask: str | None = None,
          scenario: str | None = None, overrides: Sequence[str] = (), solver: str = "highs",
          progress: Progress | None = None) -> SweepResult:
    """Sample the risk register, plan every sample, and give the spread of the milestones and
    the yearly production, each risk's weight (tornado: by default on a tenth of the samples,
    10 to 100), and with `robust` targets reached in at least that share of the samples.
    `progress(k, total)` is called as k more of the `total` plans finish."""
    from capplan.inputs.load import check_risk_paths
    from capplan.report.documents import SweepResult
    from capplan.uncertainty.sweep import sweep as run_sweep

    loaded = load(instance, scenario, overrides)
    check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
    if not loaded.instance.risk:
        raise InputError(str(loaded.path), [("risk", "the instance has no [[risk]] blocks to "
                                                      "sample")])
    if dask is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError("--dask", [("", "Dask is not installed: pip install "
                                              "'capplan[dask]'")]) from None
    count = workers or os.cpu_count() or 1
    result = run_sweep(loaded, samples, seed, count, dask, robust, tornado_samples, solver,
                       progress=progress)
    return SweepResult(loaded, result, samples, seed, count, dask, (solver, None))


def residents(instance: str | Path | Loaded, register: str | Path, *, rule: str = "fifo",
              postpone: str | Path | None = None, previous: str | Path | None = None,
              samples: int = 0, seed: int = 7, workers: int | None = None,
              key_file: str | Path | None = None, allow_columns: Sequence[str] = (),
              tolerance: float = 0.05, scenario: str | None = None,
              overrides: Sequence[str] = (), solver: str = "highs",
              progress: Progress | None = None) -> ResidentsResult:
    """Expected quarters per address (engineering, execution, completion), a sentence per
    address in Dutch and English, postponements that delay no one else, and how each window
    moved since `previous`. Ids are pseudonymised with the key (`key_file` or
    `$CAPPLAN_PSEUDONYM_KEY`)."""
    from capplan.inputs.load import check_risk_paths
    from capplan.report.documents import ResidentsResult
    from capplan.residents.notices import read_postponements
    from capplan.residents.notices import residents as run_residents
    from capplan.residents.register import pseudonym_key, read_register
    from capplan.residents.schedule import Rule

    key = pseudonym_key(Path(key_file) if key_file is not None else None)
    loaded = load(instance, scenario, overrides)
    if samples:
        check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
        if not loaded.instance.risk:
            raise InputError(str(loaded.path), [("risk", "--samples needs [[risk]] blocks")])
    reg = read_register(Path(register), loaded.instance, key, list(allow_columns), tolerance)
    earliest, notes = (read_postponements(Path(postpone), reg, key, loaded.instance.calendar)
                       if postpone is not None else (None, []))
    if rule not in ("fifo", "risk"):
        raise InputError("--rule", [(rule, "expected fifo or risk")])
    result = run_residents(loaded, reg, cast(Rule, rule), earliest, samples, seed,
                           workers or os.cpu_count() or 1, None, solver,
                           Path(previous) if previous is not None else None,
                           progress=(lambda k: progress(k, samples)) if progress else None)
    if result is not None:
        if result.check["later_than_without"]:
            raise RuntimeError("a postponement made another address later; nothing written")
        result.notes[:0] = notes
    return ResidentsResult(loaded, reg, result, rule, samples, seed, (solver, None))


def template(from_: str | Path | Loaded | None = None, lang: str = "en") -> bytes:
    """An Excel instance template (.xlsx bytes): a sheet per part, headers, units and
    validation; filled from an instance when given; its units, notes, meanings and
    validation messages in `lang` (en or nl; sheets, headers and keys are the same)."""
    from capplan.inputs.workbook import template as make_template

    return make_template(load(from_).instance if from_ is not None else None, lang)


def synthetic_register(instance: str | Path | Loaded, *, seed: int = 1,
                       scenario: str | None = None, overrides: Sequence[str] = ()) -> Any:
    """A synthetic, pseudonymous address register consistent with the instance (a
    DataFrame), for demonstrations and tests."""
    from capplan.residents.register import synthetic

    return synthetic(load(instance, scenario, overrides).instance, seed)


def record(result: Result, ledger: str | Path | None = None,
           command: Sequence[str] | None = None) -> int:
    """Append a result to the run ledger (SQLite; default `$CAPPLAN_LEDGER` or
    ./capplan-runs.sqlite) with its input file, and return the run id."""
    from capplan.cycle.ledger import RunInput, ledger_path
    from capplan.cycle.ledger import record as append
    from capplan.version import __version__

    doc = result.to_dict()
    loaded = result.loaded
    name, version = result.solver
    return append(ledger_path(Path(ledger) if ledger is not None else None), RunInput(
        command=list(command) if command is not None else ["capplan", *sys.argv[1:]],
        version=__version__, solver=name, solver_version=version,
        instance_path=loaded.path, instance_sha256=loaded.sha256, scenario=loaded.scenario,
        overrides=list(loaded.overrides), status=str(doc.get("status", "done")),
        objective=dict(doc.get("objective") or {}),
        milestones=dict(doc.get("milestones") or doc.get("optimal_milestones") or {}),
        trajectory=list(doc.get("trajectory") or []),
        capacity=list(doc.get("capacity") or []),
        document=dict(doc), instance_content=loaded.content or None))


def runs(ledger: str | Path | None = None) -> pd.DataFrame:
    """Every recorded run, oldest first: id, time, command, instance, scenario, status, p95
    and finish."""
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.runs import runs_table

    return runs_table(ledger_path(Path(ledger) if ledger is not None else None))


def show_run(run_id: int, ledger: str | Path | None = None) -> dict[str, Any]:
    """One recorded run: inputs, solver, status and its whole document."""
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.runs import get_run, shown

    return shown(get_run(ledger_path(Path(ledger) if ledger is not None else None), run_id))


def diff_runs(first: int, second: int,
              ledger: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two recorded runs side by side: their inputs and results, and their yearly
    production."""
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.runs import diff_tables, get_run

    path = ledger_path(Path(ledger) if ledger is not None else None)
    return diff_tables(get_run(path, first), get_run(path, second))


def verify(ledger: str | Path | None = None) -> tuple[Path, int, int | None, str]:
    """Recompute the ledger's hash chain: (the ledger, records checked, the first broken
    record or None, what is wrong)."""
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.ledger import verify as check
    from capplan.cycle.runs import existing

    path = existing(ledger_path(Path(ledger) if ledger is not None else None))
    checked, broken, why = check(path)
    return path, checked, broken, why


def reproduce(run_id: int, ledger: str | Path | None = None) -> Reproduction:
    """Solve a recorded plan or re-plan again from its recorded input (the instance bytes,
    and the actuals and baseline of a re-plan) and say whether the trajectory and milestones
    are identical."""
    import json
    import tempfile

    from capplan.cycle.actuals import AsOf
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.replan import Baseline
    from capplan.cycle.replan import replan as run_replan
    from capplan.cycle.runs import get_run
    from capplan.report.documents import Reproduction, plan_document

    where = ledger_path(Path(ledger) if ledger is not None else None)
    found = get_run(where, run_id)
    command = json.loads(str(found["command"]))
    if command[1:2] not in (["plan"], ["replan"]):
        raise InputError(f"run {run_id}", [("", "reproduce re-solves `plan` and `replan` runs "
                                                 "only")])
    document = json.loads(str(found["document"]))
    suffix = Path(str(found["instance_path"])).suffix
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / f"instance{suffix}"
        copy.write_bytes(bytes(found["instance_content"]))
        loaded = load(copy, found["scenario"], json.loads(str(found["overrides"])))
        method = document["solver"]["method"]
        if command[1] == "plan":
            again = plan(loaded, solver=str(found["solver"]), method=method).to_dict()
        else:
            actuals = Path(folder) / "actuals.csv"
            actuals.write_text(document["actuals"]["content"], encoding="utf-8")
            baseline = Baseline.recorded(document["baseline"]["source"], document["baseline"])
            r = run_replan(loaded, actuals, AsOf.parse(document["as_of"]), baseline,
                           solver=str(found["solver"]), method=method)
            again = plan_document(r.loaded, r.solution, r.plan)
    differences = []
    if loaded.sha256 != found["instance_sha256"]:
        differences.append("the recorded input does not match its hash")
    if again["trajectory"] != json.loads(str(found["trajectory"])):
        differences.append("trajectory")
    if again["milestones"] != json.loads(str(found["milestones"])):
        differences.append("milestones")
    return Reproduction(run_id, command[1], not differences, differences)


def _resolve(name_or_path: str | Path, kind: str) -> Path:
    """A file path, or the shipped example of that kind it names."""
    from capplan.inputs.examples import resolve

    return resolve(name_or_path, kind)


def reporting(progress: Callable[[int, int], None] | None) -> Any:
    """A context manager: inside it, `compare`, `whatif(marginal=True)`, `explain` and
    `tradeoff` call `progress(k, total)` as they solve (k more solves of `total`)."""
    from capplan.questions.compare import reporting as within

    return within(progress)


def report(instance: str | Path | Loaded, *, scenarios: Sequence[str] = (),
           claims: Any = None, samples: int = 200, tornado_samples: int = 50, seed: int = 7,
           workers: int | None = None, overrides: Sequence[str] = (),
           solver: str = "highs") -> Any:
    """The advice letter's annex (`AnnexResult`; `.document(lang, "docx" | "html")` renders
    it): the yearly targets of the instance and each of `scenarios` (all of the instance's
    when none are named), the cumulative chart, milestones, the tail, the price of each
    measure in every scenario, with a risk register its fan and heatmap over `samples`
    samples, `claims` (a claims check) when given, every assumption and source. Rendering
    needs the `report` extra."""
    from capplan.report.annex import build_annex

    base = load(instance, None, overrides)
    chosen = list(scenarios) or list(base.instance.scenarios)
    unknown = [s for s in chosen if s not in base.instance.scenarios]
    if unknown:
        raise InputError("--scenario", [(s, "no such scenario in the instance")
                                        for s in unknown])
    risks = (sweep(base, samples=samples, seed=seed, workers=workers,
                   tornado_samples=tornado_samples, solver=solver)
             if base.instance.risk and samples > 0 else None)
    return build_annex(base, chosen, solver, risks, claims)


def sweep_shard(instance: str | Path | Loaded, shard: str, *, out: str | Path | None = None,
                samples: int = 1000, seed: int = 7, workers: int | None = None,
                tornado_samples: int | None = None, dask: str | None = None,
                scenario: str | None = None, overrides: Sequence[str] = (),
                solver: str = "highs", progress: Progress | None = None) -> Path:
    """Solve shard `K/N` of a sweep (every N-th of its tasks) and write its results to `out`
    (default `sweep-shard-K-of-N.json`); `sweep_merge` of all N files gives exactly the
    result of `sweep` with the same arguments. Returns the file written."""
    from capplan.inputs.load import check_risk_paths
    from capplan.uncertainty.shards import parse_shard, run_shard, shard_name, write_shard
    from capplan.uncertainty.sweep import check_workers

    number = parse_shard(shard)
    loaded = load(instance, scenario, overrides)
    check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
    if not loaded.instance.risk:
        raise InputError(str(loaded.path), [("risk", "the instance has no [[risk]] blocks to "
                                                      "sample")])
    count = check_workers(workers, dask)
    result = run_shard(loaded, samples, seed, number, count, dask, tornado_samples, solver,
                       progress=progress)
    path = Path(out) if out is not None else Path(shard_name(number))
    write_shard(result, path)
    return path


def sweep_merge(shards: Sequence[str | Path]) -> SweepResult:
    """The sweep that shard files (`sweep_shard`, all N of one sweep) make together: the same
    result as one run of `sweep`."""
    from capplan.report.documents import SweepResult
    from capplan.uncertainty.shards import merge

    def loaded_of(header: Mapping[str, Any]) -> Loaded:
        return load(str(header["instance"]), header["scenario"], list(header["overrides"]))

    loaded, result, header = merge(loaded_of, [Path(p) for p in shards])
    return SweepResult(loaded, result, int(header["samples"]), int(header["seed"]), 1, None,
                       (str(header["solver"]), None))


def verification(ledger: str | Path | None = None,
                 heads: Sequence[tuple[int, str]] = ()) -> tuple[Path, Any]:
    """Check the ledger's hash chain against its anchor and the published `heads` ((id,
    hash) pairs, from `runs anchor`): (the ledger, a `capplan.cycle.ledger.Verification`
    with the head and how far the anchor covers)."""
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.ledger import verification as check
    from capplan.cycle.runs import existing

    path = existing(ledger_path(Path(ledger) if ledger is not None else None))
    return path, check(path, tuple(heads))


def recorded_input(run_id: int, ledger: str | Path | None = None) -> dict[str, Any]:
    """What a recorded run was given: its command line, the instance's file name, bytes and
    sha256, and its recorded JSON document (for replaying any command)."""
    import json

    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.runs import get_run

    found = get_run(ledger_path(Path(ledger) if ledger is not None else None), run_id)
    return {"command": json.loads(str(found["command"])),
            "instance_path": str(found["instance_path"]),
            "instance_content": bytes(found["instance_content"]),
            "instance_sha256": str(found["instance_sha256"]),
            "document": json.loads(str(found["document"]))}


def claims(instance: str | Path | Loaded, claims_file: str | Path, *,
           write: str | Path | None = None, scenario: str | None = None,
           overrides: Sequence[str] = (), solver: str = "highs") -> ClaimsResult:
    """Check published claims (a claims file of `[[claim]]` blocks, or a shipped one's name)
    on the instance, and find the least change to its `[[assumption]]` values under which they
    hold together, or the smallest set of claims that cannot; `write`: save the instance with
    the calibrated values, each changed line marked `# calibrated: <claim ids>`."""
    from capplan.questions.claims import check_all, read_claims
    from capplan.questions.claims_calibration import Calibrator
    from capplan.report.claims import ClaimsResult

    loaded = load(instance, scenario, overrides)
    path = _claims_path(claims_file)
    claimed = read_claims(path, loaded)
    calibrator = Calibrator(loaded, claimed, solver)
    checked = check_all(loaded, claimed, solver)
    calibrator.failing = [i for i, k in enumerate(checked) if not k.holds]
    calibration = calibrator.run()
    written = None
    if write is not None:
        written = str(_write_calibrated(loaded, calibration, claimed, Path(write)))
    return ClaimsResult(loaded, str(path), checked, calibration, written, (solver, None))


def _claims_path(name_or_path: str | Path) -> Path:
    """A claims file: a path, or the name of a shipped one (`groningen-2024-claims`)."""
    return _resolve(name_or_path, "claims")


def _write_calibrated(loaded: Loaded, calibration: Any, claimed: Sequence[Any],
                      target: Path) -> Path:
    """The instance file with the calibrated values, written whole or not at all."""
    from capplan.questions.claims_write import Change, rewrite

    if loaded.path.suffix.lower() != ".toml":
        raise InputError("--write", [("", f"{loaded.path} is not a TOML instance; the "
                                          "calibrated values are written into its text")])
    changes = [Change(lever.path, value,
                      tuple(claimed[i].id for i in calibration.needs.get(lever.path, [])))
               for lever, value in calibration.changes()]
    text = rewrite(loaded.path.read_text(encoding="utf-8"), changes)
    if target.is_dir():
        raise InputError("--write", [(str(target), "is a directory, not a file")])
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError("--write", [(str(target), f"cannot write: {exc.strerror}")]) from None
    return target
