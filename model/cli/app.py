"""capplan's command line: load -> validate -> build -> solve -> report.

Exit codes: 0 solved (also when the answer is "infeasible", which is reported), 2 bad input or
usage, 1 an internal error, 3 infeasible with --strict.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from capplan.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from capplan.core.results import Plan
    from capplan.cycle.actuals import AsOf
    from capplan.cycle.replan import Baseline
    from capplan.inputs.load import Loaded
    from capplan.questions.compare import Outcome

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Multi-year capacity planning: the optimal yearly production and capacity trajectory.",
)
out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"
    glop = "glop"
    scip = "scip"


class Method(StrEnum):
    auto = "auto"
    search = "search"
    milp = "milp"


InstanceArg = Annotated[
    Path, typer.Argument(help="Instance file: TOML (format v1) or a filled .xlsx template.")
]
ScenarioOpt = Annotated[
    str | None, typer.Option("--scenario", "-s", help="A [scenarios.NAME] block to apply.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override PATH=VALUE, e.g. capacity.execution.max=3500 "
                               "(repeatable; segment names may be globs)."),
]

TimeLimitOpt = Annotated[float, typer.Option(min=0.1, help="Seconds each solve may take.")]
ObjectiveOpt = Annotated[
    str | None, typer.Option(help="Lexicographic terms, e.g. finish,waiting or tail,cost.")
]


def _load(instance: Path, scenario: str | None, overrides: list[str] | None,
          objective: str | None = None) -> Loaded:
    """Read an instance with its scenario, overrides and `--objective` (as an override)."""
    from capplan.inputs.load import load

    settings = list(overrides or [])
    if objective is not None:
        terms = [t.strip() for t in objective.split(",") if t.strip()]
        settings.append(f"objective.terms={json.dumps(terms)}")
    return load(instance, scenario, settings)


@app.command()
def plan(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    objective: ObjectiveOpt = None,
    solver: Annotated[Solver, typer.Option(help="Solver backend.")] = Solver.highs,
    method: Annotated[
        Method, typer.Option(help="search: LP search over milestones and enumerated scope "
                                  "choices; milp: one MILP; auto: search unless many choices.")
    ] = Method.auto,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[
        Path | None, typer.Option(help="Folder for trajectory.csv, capacity.csv, plan.json.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 3 when the plan is infeasible.")] = False,
    time_limit: TimeLimitOpt = 600.0,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Solve an instance and print the optimal target trajectory."""
    from capplan.core.backends import Status
    from capplan.core.results import read_plan
    from capplan.core.solve import SolverUnavailable
    from capplan.core.solve import plan as solve_plan
    from capplan.questions.infeasibility import explain
    from capplan.report.documents import plan_document
    from capplan.report.files import trajectory_csv, write_out
    from capplan.report.terminal import render

    loaded = _load(instance, scenario, set_, objective)
    try:
        built, solution = solve_plan(loaded.instance, solver=solver.value, method=method.value,
                                     time_limit=time_limit)
    except SolverUnavailable as exc:
        raise InputError("--solver", [("", str(exc))]) from None
    result = read_plan(built, solution)
    why = None
    if solution.status == Status.INFEASIBLE:
        why = explain(loaded.instance, solution.failed_term, solver.value)
    doc = plan_document(loaded, solution, result, why)
    if out is not None:
        from capplan.report.files import results_workbook

        extra: dict[str, bytes] = {"plan.xlsx": results_workbook(
            {"trajectory": result.trajectory, "periods": result.periods,
             "flows": result.flows}, _front(doc))} if solution.status == Status.OPTIMAL else {}
        write_out(out, doc, result, {**_plan_charts(loaded, result), **extra})
    if format == Format.json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif format == Format.csv and solution.status == Status.OPTIMAL:
        sys.stdout.write(trajectory_csv(result))
    else:
        render(out_console, loaded, solution, result, why)
    _record(ledger, no_ledger, loaded, doc, solution.solver, solution.solver_version)
    if solution.status == Status.INFEASIBLE and strict:
        raise typer.Exit(3)
    if solution.status not in (Status.OPTIMAL, Status.INFEASIBLE):
        err_console.print(f"error: the solver ended with {solution.status.value}")
        raise typer.Exit(1)


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
LedgerOpt = Annotated[
    Path | None,
    typer.Option("--ledger", help="Run ledger (SQLite); default $CAPPLAN_LEDGER or "
                                  "./capplan-runs.sqlite."),
]
NoLedgerOpt = Annotated[bool, typer.Option("--no-ledger", help="Do not record this run.")]
OutOpt = Annotated[Path | None, typer.Option(help="Folder for the tables (CSV) and JSON.")]
SolverOpt = Annotated[Solver, typer.Option(help="Solver backend.")]


def _emit(title: str, doc: Mapping[str, object], tables: dict[str, object], format: Format,
          out: Path | None, main_table: str, side_by_side: str | None = None,
          charts: Callable[[], dict[str, bytes]] | None = None,
          hide: tuple[str, ...] = ()) -> None:
    """Print a command's result (rich tables, JSON, or the main table as CSV) and write every
    table, the JSON document and the charts into `out`. `side_by_side` names a column whose
    values head the columns of the main table in the terminal; tables in `hide` go to files
    only."""
    import pandas as pd

    from capplan.report.files import results_workbook, write_files
    from capplan.report.terminal import frame_table, transposed

    frames = {name: t for name, t in tables.items() if isinstance(t, pd.DataFrame)}
    if out is not None:
        files: dict[str, str | bytes] = {f"{name}.csv": frame.to_csv(index=False)
                                         for name, frame in frames.items()}
        files[f"{title}.json"] = json.dumps(doc, indent=2) + "\n"
        files[f"{title}.xlsx"] = results_workbook(frames, _front(doc))
        files.update(charts() if charts else {})
        write_files(out, files)
    if format == Format.json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif format == Format.csv:
        sys.stdout.write(frames[main_table].to_csv(index=False))
    else:
        for name, frame in frames.items():
            if name in hide:
                continue
            if name == main_table and side_by_side:
                frame = transposed(frame, side_by_side)
            out_console.print(frame_table(f"{title}: {name.replace('_', ' ')}", frame))


def _record(ledger: Path | None, no_ledger: bool, loaded: Loaded, doc: Mapping[str, Any],
            solver: str | None = None, solver_version: str | None = None) -> None:
    """Append the run to the ledger (unless --no-ledger)."""
    if no_ledger:
        return
    import sqlite3

    from capplan import __version__
    from capplan.cycle.ledger import RunInput, ledger_path, record

    path = ledger_path(ledger)
    try:
        run_id = record(path, RunInput(
            command=["capplan", *sys.argv[1:]], version=__version__, solver=solver,
            solver_version=solver_version, instance_path=loaded.path,
            instance_sha256=loaded.sha256, scenario=loaded.scenario,
            overrides=list(loaded.overrides), status=str(doc.get("status", "done")),
            objective=dict(doc.get("objective") or {}),
            milestones=dict(doc.get("milestones") or doc.get("optimal_milestones") or {}),
            trajectory=list(doc.get("trajectory") or []),
            capacity=list(doc.get("capacity") or []),
            document=dict(doc)))
    except (OSError, sqlite3.Error) as exc:
        err_console.print(f"error: could not record the run in {path}: {exc} "
                          "(use --ledger PATH or --no-ledger)", markup=False)
        raise typer.Exit(1) from None
    err_console.print(f"recorded as run {run_id} in {path}", style="dim")


def _front(doc: Mapping[str, object]) -> dict[str, object]:
    """What the front sheet of a results workbook records about the run."""
    keys = ("instance", "scenario", "overrides", "targets_file", "stage", "input_sha256")
    return {k: doc[k] for k in keys if k in doc}


def _variant_charts(title: str, outcomes: list[Outcome],
                    targets: pd.DataFrame) -> dict[str, bytes]:
    """The cumulative curves and the yearly targets of variants, as PNG files."""
    from capplan.report.charts import cumulative_chart, targets_chart

    instance = outcomes[0].loaded.instance
    return {
        "cumulative.png": cumulative_chart([(o.variant.label, o.plan, o.loaded.instance)
                                            for o in outcomes]),
        "targets.png": targets_chart(f"{instance.programme.name}: yearly targets ({title})",
                                     targets),
    }


@app.command()
def compare(
    instance: InstanceArg,
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", "-s", help="A scenario (repeatable).")
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(help="PATH=V1,V2,... (repeatable; the product of the values is solved)."),
    ] = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Solve several variants and compare milestones, tail, peaks and yearly targets."""
    from capplan.questions.compare import run, summary_table, targets_table, variants
    from capplan.report.documents import records

    outcomes = [run(instance, v, list(set_ or []), solver.value)
                for v in variants(scenario, vary)]
    summary = summary_table(outcomes)
    targets = targets_table(outcomes)
    doc = {"instance": str(instance), "baseline": outcomes[0].variant.label,
           "variants": records(summary),
           "targets": records(targets.reset_index()),
           "input_sha256": outcomes[0].loaded.sha256}
    _emit("compare", doc, {"comparison": summary, "targets": targets.reset_index()}, format,
          out, "comparison", side_by_side="variant",
          charts=lambda: _variant_charts("compare", outcomes, targets.reset_index()))
    _record(ledger, no_ledger, outcomes[0].loaded, doc, solver.value)


@app.command()
def whatif(
    instance: InstanceArg,
    add: Annotated[
        list[str] | None,
        typer.Option(help="STAGE=+AMOUNT@YEAR: capacity given from YEAR on (repeatable)."),
    ] = None,
    raise_: Annotated[
        list[str] | None,
        typer.Option("--raise", help="STAGE.LIMIT=VALUE, e.g. execution.max=3500 (repeatable)."),
    ] = None,
    marginal: Annotated[
        bool, typer.Option(help="Gains of 100 more units per stage and year.")
    ] = False,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """What if we add capacity: the plan with and without, and the months gained."""
    from capplan.questions.compare import Variant, run, summary_table, targets_table
    from capplan.questions.whatif import additions, earliest, gains
    from capplan.questions.whatif import marginal as marginal_table
    from capplan.report.documents import records

    settings = list(set_ or [])
    base = run(instance, Variant("without", scenario, ()), settings, solver.value)
    overrides = additions(list(add or []), list(raise_ or []), base.loaded.instance)
    if not overrides and not marginal:
        raise InputError("whatif", [("", "give --add, --raise or --marginal")])
    outcomes = [base]
    tables: dict[str, object] = {}
    doc: dict[str, object] = {"instance": str(instance), "scenario": scenario,
                              "input_sha256": base.loaded.sha256}
    if overrides:
        with_variant = Variant("with", scenario, tuple(overrides))
        outcomes.append(run(instance, with_variant, settings, solver.value))
        doc["additions"] = overrides
        doc["gains"] = gains(earliest(instance, base.variant, settings, solver.value),
                             earliest(instance, with_variant, settings, solver.value))
    summary = summary_table(outcomes)
    tables["comparison"] = summary
    tables["targets"] = targets_table(outcomes).reset_index()
    doc["variants"] = records(summary)
    if marginal:
        table = marginal_table(instance, base, settings, solver.value)
        tables["marginal"] = table
        doc["marginal"] = records(table)
    _emit("whatif", doc, tables, format, out, "comparison", side_by_side="variant",
          charts=lambda: _variant_charts("whatif", outcomes,
                                         targets_table(outcomes).reset_index()))
    _record(ledger, no_ledger, base.loaded, doc, solver.value)
    gained = doc.get("gains")
    if format == Format.table and isinstance(gained, dict):
        out_console.print(
            f"With {', '.join(overrides)}: the earliest finish moves "
            f"{gained['finish_gain_months']} months earlier, the earliest p95 "
            f"{gained['p95_gain_months']} months earlier, and waiting falls by "
            f"{gained['waiting_saved'] or 0:,.0f} item-years.")


@app.command()
def explain(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Why the tail: what the last 5% and 1% are made of, what binds there, and the single
    change that shortens it most."""
    from capplan.core.backends import Status
    from capplan.questions.compare import Variant, run
    from capplan.questions.explain import explain_tail
    from capplan.report.charts import shares_chart
    from capplan.report.documents import records

    settings = list(set_ or [])
    base = run(instance, Variant("plan", scenario, ()), settings, solver.value)
    if base.solution.status != Status.OPTIMAL:
        out_console.print(f"The plan is {base.solution.status.value}: nothing to explain; "
                          "see `capplan plan`.")
        raise typer.Exit(0)
    result = explain_tail(instance, base, settings, solver.value)
    binding = result.binding.drop(columns=["years"])
    doc = {"instance": str(instance), "scenario": scenario, "tail_start": result.start,
           "milestones": base.plan.milestones, "segments": records(result.composition),
           "regions": records(result.regions), "binding": records(binding),
           "changes": records(result.changes), "explanation": result.sentences(),
           "input_sha256": base.loaded.sha256}
    _emit("explain", doc, {"segments": result.composition, "regions": result.regions,
                           "binding": binding, "changes": result.changes}, format, out,
          "segments", charts=lambda: {"tail.png": shares_chart(
              f"{base.loaded.instance.programme.name}: who makes up the tail (% by segment)",
              result.composition, "segment",
              {"last_5_share": "last 5%", "last_1_share": "last 1%"})})
    if format == Format.table:
        for line in result.sentences():
            out_console.print(line)


@app.command()
def tradeoff(
    instance: InstanceArg,
    periods: Annotated[
        int, typer.Option(min=0, max=40, help="How many periods past the earliest date.")
    ] = 8,
    stage: Annotated[str, typer.Option(help="The stage whose peak capacity is minimised.")]
    = "execution",
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """How much capacity each finish date needs: for each date from the earliest to PERIODS
    later, the least peak capacity and the least capacity cost that reach it."""
    from capplan.questions.tradeoff import tradeoff as run_tradeoff
    from capplan.report.charts import tradeoff_chart
    from capplan.report.documents import records

    loaded = _load(instance, scenario, set_)
    if stage not in ("engineering", "execution") or getattr(loaded.instance.capacity,
                                                            stage) is None:
        raise InputError("--stage", [(stage, "the instance has no such capacity")])
    table = run_tradeoff(loaded.instance, periods, stage, solver.value)
    doc = {"instance": str(instance), "scenario": scenario, "stage": stage,
           "tradeoff": records(table), "input_sha256": loaded.sha256}
    column = f"least_peak_{stage}"
    _emit("tradeoff", doc, {"tradeoff": table}, format, out, "tradeoff",
          charts=lambda: {"tradeoff.png": tradeoff_chart(
              f"{loaded.instance.programme.name}: {stage} capacity needed per date",
              table, column)})


@app.command()
def evaluate(
    instance: InstanceArg,
    targets: Annotated[Path, typer.Option(help="CSV with columns year,completed.")],
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Check given yearly production targets: can they be delivered, what do they imply, and
    how far are they from the optimal plan."""
    from capplan.questions.evaluate import evaluate as run_evaluation
    from capplan.questions.evaluate import read_targets
    from capplan.report.charts import targets_chart
    from capplan.report.documents import records

    loaded = _load(instance, scenario, set_)
    result = run_evaluation(loaded.instance, read_targets(targets, loaded.instance),
                            solver.value)
    doc = {
        "instance": str(instance), "scenario": scenario, "targets_file": str(targets),
        "feasible": result.feasible, "first_failing_year": result.first_failing_year,
        "shortfall": None if result.shortfall is None else round(result.shortfall, 1),
        "reaches_scope": result.reaches_scope, "implied": result.implied,
        "optimal_milestones": result.optimal.milestones,
        "with_targets_milestones": result.with_targets.milestones if result.with_targets
        else None,
        "targets": records(result.table), "verdict": result.sentences(),
        "input_sha256": loaded.sha256,
    }
    bars = result.table[["year", "target", "optimal"]].rename(
        columns={"target": "given targets", "optimal": "optimal plan"})
    _emit("evaluate", doc, {"targets": result.table}, format, out, "targets",
          charts=lambda: {"targets.png": targets_chart(
              f"{loaded.instance.programme.name}: given targets and the optimal plan", bars)})
    if format == Format.table:
        for line in result.sentences():
            out_console.print(line)
    _record(ledger, no_ledger, loaded, doc, solver.value)


@app.command()
def replan(
    instance: InstanceArg,
    actuals: Annotated[Path, typer.Option(help="Actuals CSV: per period up to --as-of and per "
                                               "segment (or * in total), items that finished "
                                               "each stage and the work in progress.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Last realised period: 2025 or "
                                                       "2025Q2.")],
    baseline: Annotated[int | None, typer.Option(
        help="Run id of the plan to compare with; default the last plan of this instance "
             "recorded before the end of --as-of, else the plan solved now.")] = None,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    objective: ObjectiveOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: Annotated[Path | None, typer.Option(
        help="Folder for variance.csv, replan.xlsx, variance.png, the plan's CSV, JSON and "
             "charts.")] = None,
    time_limit: TimeLimitOpt = 600.0,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Re-plan the remaining work from actuals up to --as-of, and report the variance
    against the plan."""
    from capplan.core.backends import Status
    from capplan.core.solve import SolverUnavailable
    from capplan.cycle.actuals import AsOf
    from capplan.cycle.replan import replan as run_replan
    from capplan.cycle.replan import replan_document
    from capplan.questions.infeasibility import explain
    from capplan.report.charts import variance_chart
    from capplan.report.documents import plan_document
    from capplan.report.files import results_workbook, write_out
    from capplan.report.terminal import frame_table, render, variance_view

    loaded = _load(instance, scenario, set_, objective)
    moment = AsOf.parse(as_of)
    base = _baseline(ledger, baseline, loaded, moment, solver.value)
    try:
        r = run_replan(loaded, actuals, moment, base, solver=solver.value,
                       time_limit=time_limit)
    except SolverUnavailable as exc:
        raise InputError("--solver", [("", str(exc))]) from None
    why = None
    if r.solution.status == Status.INFEASIBLE:
        why = explain(r.resumed.instance, r.solution.failed_term, solver.value)
    doc = replan_document(r, plan_document(r.loaded, r.solution, r.plan, why))
    title = f"{loaded.instance.programme.name}: plan against actuals to {moment.label}"
    if out is not None:
        files = {"variance.csv": r.variance.to_csv(index=False).encode(),
                 "variance.png": variance_chart(title, r.variance)}
        if r.solution.status == Status.OPTIMAL:
            files["replan.xlsx"] = results_workbook(
                {"variance": r.variance, "trajectory": r.plan.trajectory,
                 "periods": r.plan.periods, "flows": r.plan.flows}, _front(doc))
            files.update(_plan_charts(r.loaded, r.plan))
        write_out(out, doc, r.plan, files)
    if format == Format.json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif format == Format.csv:
        sys.stdout.write(r.variance.to_csv(index=False))
    else:
        out_console.print(f"Baseline: {base.source}", markup=False)
        out_console.print(frame_table(f"{title} (items finishing each stage)",
                                      variance_view(r.variance)))
        for line in [*r.moves, *r.resumed.notes]:
            out_console.print(line[:1].upper() + line[1:], markup=False)
        render(out_console, r.loaded, r.solution, r.plan, why)
    _record(ledger, no_ledger, loaded, doc, r.solution.solver, r.solution.solver_version)
    if r.solution.status not in (Status.OPTIMAL, Status.INFEASIBLE):
        err_console.print(f"error: the solver ended with {r.solution.status.value}")
        raise typer.Exit(1)


def _baseline(ledger: Path | None, run_id: int | None, loaded: Loaded, as_of: AsOf,
              solver: str) -> Baseline:
    """`--baseline RUN`, else the plan in force at as-of (model.replan.find_baseline)."""
    from capplan.cycle.ledger import ledger_path
    from capplan.cycle.replan import baseline_of_run, find_baseline

    if run_id is not None:
        return baseline_of_run(_get_run(ledger, run_id), loaded)
    return find_baseline(ledger_path(ledger), loaded, as_of, solver)


@app.command()
def sweep(
    instance: InstanceArg,
    samples: Annotated[int, typer.Option(min=1, help="Samples of the risk register.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same numbers "
                                           "whatever the number of workers.")] = 7,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Processes (default: the machine's cores); 1 solves in this process.")
    ] = None,
    robust: Annotated[float | None, typer.Option(
        min=0.01, max=0.99, help="Also give yearly targets reached in at least this share "
                                 "of the samples, e.g. 0.8.")] = None,
    tornado_samples: Annotated[int, typer.Option(
        min=0, help="Samples re-solved with each risk forced off and on for the tornado.")
    ] = 100,
    dask: Annotated[str | None, typer.Option(
        help="Run on a Dask cluster: a scheduler address (tcp://HOST:8786) or `local`.")
    ] = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the tables (CSV, Excel, Parquet), sweep.json and the fan, tornado "
             "and heatmap charts.")] = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Sample the risk register, plan every sample, and report the spread of the finish, the
    yearly production, each risk's weight, and (with --robust) targets to promise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from capplan.inputs.load import check_risk_paths
    from capplan.report.charts import fan_chart, heatmap_chart, tornado_chart
    from capplan.uncertainty.sweep import sweep as run_sweep

    loaded = _load(instance, scenario, set_)
    check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
    if not loaded.instance.risk:
        raise InputError(str(instance), [("risk", "the instance has no [[risk]] blocks to "
                                                   "sample")])
    if dask is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError("--dask", [("", "Dask is not installed: pip install "
                                              "'capplan[dask]'")]) from None
    count = workers or os.cpu_count() or 1
    risky = sum(1 for r in loaded.instance.risk if r.likelihood > 0)
    total = samples + 2 * risky * min(tornado_samples, samples)
    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task("sampling", total=total)
        result = run_sweep(loaded, samples, seed, count, dask, robust, tornado_samples,
                           solver.value, progress=lambda k: bar.advance(task, k))
    doc = _sweep_document(loaded, result, samples, seed, count, dask)
    name = loaded.instance.programme.name
    tables: dict[str, object] = {"milestones": result.summary, "yearly": result.yearly.round(1),
                                 "tornado": result.tornado.drop(columns="description")}
    if result.robust is not None:
        tables["robust_targets"] = result.robust.round(2)
    tables.update(fan=result.fan.round(1), samples=result.samples)

    def charts() -> dict[str, bytes]:
        files = {"fan.png": fan_chart(f"{name}: cumulative completions over {samples} samples",
                                      result.fan, float(loaded.instance.scope),
                                      loaded.instance.programme.deadline)}
        if len(result.tornado):
            files["tornado.png"] = tornado_chart(f"{name}: swing of the P50 finish per risk",
                                                 result.tornado)
            files["heatmap.png"] = heatmap_chart(f"{name}: risks by likelihood and impact",
                                                 result.tornado)
        files["samples.parquet"] = result.samples.to_parquet(index=False)
        return files

    _emit("sweep", doc, tables, format, out, "milestones", charts=charts,
          hide=("fan", "samples"))
    if format == Format.table:
        for line in doc["verdict"]:
            out_console.print(line, markup=False)
    _record(ledger, no_ledger, loaded, doc, solver.value)


def _sweep_document(loaded: Loaded, result: Any, samples: int, seed: int, workers: int,
                    dask: str | None) -> dict[str, Any]:
    """The JSON document of a sweep: settings, the summaries and the sentences."""
    from capplan.inputs.schema import expand_terms
    from capplan.report.documents import records

    summary = {r["milestone"]: r for r in records(result.summary)}
    verdict = [f"{name}: P10 {row['P10']}, P50 {row['P50']}, P90 {row['P90']}"
               for name, row in summary.items()]
    deadline = loaded.instance.programme.deadline
    if deadline is not None:
        share = summary["finish"][f"by {deadline}"]
        verdict.append(f"Probability of finishing by the end of {deadline}: {share:.0%}")
    if "p95" not in expand_terms(loaded.instance.objective.terms):
        verdict.append("p95 is not an objective term: each sample's p95 is that of one of its "
                       "plans with the same finish and least waiting, and such plans can differ "
                       "in it by quarters; add p95 to objective.terms to have it optimised")
    info = result.robust_info
    if info:
        finish = info["implied_finish"]
        verdict.append(
            f"Targets reached in at least {info['share']:.0%} of the samples (checked: "
            f"{info['reached_in']:.0%}, per-year level {info['quantile_share']:.0%}) finish "
            + (f"by the end of {finish}" if finish else "beyond the horizon"))
    timing = {k: round(v, 3) for k, v in result.timing.items()}
    return {
        "instance": str(loaded.path), "scenario": loaded.scenario,
        "overrides": loaded.overrides, "samples": samples, "seed": seed,
        "workers": workers, "dask": dask, "status": "done",
        "milestones": {name: row["P50"] for name, row in summary.items()},
        "summary": records(result.summary), "yearly": records(result.yearly.round(2)),
        "trajectory": [{"year": int(r["year"]), "completed": round(float(r["P50"]))}
                       for r in result.yearly.to_dict("records")],
        "tornado": records(result.tornado),
        "robust": records(result.robust) if result.robust is not None else None,
        "robust_info": info or None, "plan_milestones": result.deterministic_milestones,
        "verdict": verdict, "timing": timing, "input_sha256": loaded.sha256,
    }


def _plan_charts(loaded: Loaded, result: Plan) -> dict[str, bytes]:
    """The cumulative curve and the yearly targets of one plan, as PNG files."""
    from capplan.report.charts import cumulative_chart, targets_chart

    if result.trajectory.empty:
        return {}
    name = loaded.scenario or "plan"
    targets = result.trajectory[["year", "completed"]].rename(columns={"completed": name})
    return {"cumulative.png": cumulative_chart([(name, result, loaded.instance)]),
            "targets.png": targets_chart(f"{loaded.instance.programme.name}: yearly targets",
                                         targets)}


@app.command()
def template(
    workbook: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
    from_: Annotated[
        Path | None, typer.Option("--from", help="Fill it from this instance.")
    ] = None,
) -> None:
    """Write an Excel instance template: a sheet per part, headers, units, validation."""
    from capplan.inputs.workbook import template as make_template
    from capplan.report.files import write_files

    if workbook.suffix.lower() != ".xlsx":
        raise InputError(str(workbook), [("", "the template must be an .xlsx file")])
    filled = _load(from_, None, None).instance if from_ is not None else None
    write_files(workbook.parent if str(workbook.parent) else Path("."),
                {workbook.name: make_template(filled)})
    out_console.print(f"wrote {workbook}" + (f" (filled from {from_})" if from_ else ""))


@app.command()
def validate(instance: InstanceArg, scenario: ScenarioOpt = None, set_: SetOpt = None) -> None:
    """Check an instance (schema, totals, references, risk paths) and build its model, without
    solving."""
    from capplan.core.build import build
    from capplan.inputs.load import check_risk_paths
    from capplan.report.terminal import summary

    loaded = _load(instance, scenario, set_)
    check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
    built = build(loaded.instance)
    summary(out_console, loaded, built.lp.num_col, built.lp.num_row)


class Rule(StrEnum):
    fifo = "fifo"
    risk = "risk"


@app.command()
def residents(
    instance: InstanceArg,
    register: Annotated[Path, typer.Option(
        help="Address register: CSV or .xlsx with id,segment,stage,since[,risk_class].")],
    out: Annotated[Path, typer.Option(
        help="Folder for residents.csv, letters.csv, segments.csv, regions.csv and "
             "residents.json.")],
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    rule: Annotated[Rule, typer.Option(
        help="Queue order: fifo (longest waiting first) or risk (highest risk class first).")
    ] = Rule.fifo,
    postpone: Annotated[Path | None, typer.Option(
        help="CSV or .xlsx with id,earliest: residents who want their works to start no "
             "sooner than a quarter.")] = None,
    previous: Annotated[Path | None, typer.Option(
        help="An earlier residents.csv: report how each window moved and why.")] = None,
    samples: Annotated[int, typer.Option(
        min=0, help="Samples of the risk register for a P10-P90 completion window per "
                    "address (0: the plan's quarter only).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the samples.")] = 7,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Processes for the samples (default: the machine's cores).")] = None,
    key_file: Annotated[Path | None, typer.Option(
        help="File holding the pseudonym key (default: $CAPPLAN_PSEUDONYM_KEY).")] = None,
    allow_column: Annotated[list[str] | None, typer.Option(
        help="A register column that looks like personal data but is not (repeatable).")
    ] = None,
    tolerance: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Largest share the register's addresses per segment and stage "
                               "may differ from the instance's.")] = 0.05,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Expected quarters per address (engineering, execution, completion), a plain sentence
    per address in Dutch and English, postponements that delay no one else, and how each
    window moved since the last letter. Ids are pseudonymised; nothing identifying is printed
    or recorded."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from capplan.report.documents import records
    from capplan.report.files import write_files
    from capplan.report.terminal import frame_table
    from capplan.residents.notices import read_postponements
    from capplan.residents.notices import residents as run_residents
    from capplan.residents.register import pseudonym_key, read_register

    key = pseudonym_key(key_file)
    loaded = _load(instance, scenario, set_)
    if samples:
        from capplan.inputs.load import check_risk_paths

        check_risk_paths(loaded.raw, loaded.instance, str(loaded.path))
        if not loaded.instance.risk:
            raise InputError(str(instance), [("risk", "--samples needs [[risk]] blocks")])
    reg = read_register(register, loaded.instance, key, allow_column, tolerance)
    earliest, notes = (read_postponements(postpone, reg, key, loaded.instance.calendar)
                       if postpone is not None else (None, []))
    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True,
                  disable=not err_console.is_terminal or not samples) as bar:
        task = bar.add_task("sampling", total=samples)
        result = run_residents(loaded, reg, rule.value, earliest, samples, seed,
                               workers or os.cpu_count() or 1, None, solver.value, previous,
                               progress=lambda k: bar.advance(task, k))
    if result is None:
        out_console.print("The plan has no solution, so no quarter can be given to any "
                          "address; see `capplan plan`. Nothing written.")
        return
    if result.check["later_than_without"]:
        err_console.print("internal error: a postponement made another address later; "
                          "nothing written")
        raise typer.Exit(1)
    result.notes[:0] = notes
    doc = {
        "status": "done", "instance": str(loaded.path), "scenario": loaded.scenario,
        "overrides": loaded.overrides, "input_sha256": loaded.sha256,
        "register": {"sha256": reg.sha256, "addresses": len(reg),
                     "dropped_columns": list(reg.dropped)},
        "rule": rule.value, "samples": samples, "seed": seed if samples else None,
        "milestones": result.milestones, "postponement_check": result.check,
        "notes": result.notes, "segments": records(result.segments),
        "regions": records(result.regions),
        "timing": {k: round(v, 3) for k, v in result.timing.items()},
    }
    table = result.table.drop(columns=[c for c in ("reason_key",) if c in result.table])
    write_files(out, {"residents.csv": table.to_csv(index=False),
                      "letters.csv": result.letters.to_csv(index=False),
                      "segments.csv": result.segments.to_csv(index=False),
                      "regions.csv": result.regions.to_csv(index=False),
                      "residents.json": json.dumps(doc, indent=2) + "\n"})
    if format == Format.json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif format == Format.csv:
        sys.stdout.write(result.regions.to_csv(index=False))
    else:
        out_console.print(frame_table("residents: per segment", result.segments))
        out_console.print(frame_table("residents: per region", result.regions))
        check = result.check
        out_console.print(
            f"{len(reg):,} addresses; {check['applied']} postponement(s) applied; "
            f"addresses later than without postponements: {check['later_than_without']}",
            markup=False)
        for note in result.notes:
            out_console.print(f"note: {note}", markup=False)
        out_console.print(f"written to {out}", markup=False)
    _record(ledger, no_ledger, loaded, doc, solver.value)


register_app = typer.Typer(no_args_is_help=True, help="Address registers.")
app.add_typer(register_app, name="register")


@register_app.command("synth")
def register_synth(
    instance: InstanceArg,
    out: Annotated[Path, typer.Option(help="The register file to write (CSV).")],
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same register.")] = 1,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write a synthetic, pseudonymous address register consistent with the instance's
    segments and work in progress, for demonstrations and tests."""
    from capplan.report.files import write_files
    from capplan.residents.register import synthetic

    loaded = _load(instance, scenario, set_)
    table = synthetic(loaded.instance, seed)
    write_files(out.parent if str(out.parent) else Path("."),
                {out.name: table.to_csv(index=False)})
    out_console.print(f"{len(table):,} synthetic addresses written to {out}", markup=False)


runs_app = typer.Typer(no_args_is_help=True, help="The run ledger: list, show, diff, "
                                                  "reproduce and verify recorded runs.")
app.add_typer(runs_app, name="runs")


def _ledger_or_fail(ledger: Path | None) -> Path:
    from capplan.cycle.ledger import ledger_path

    path = ledger_path(ledger)
    if not path.exists():
        raise InputError(str(path), [("", "no run ledger here (record a run first)")])
    return path


def _get_run(ledger: Path | None, run_id: int) -> dict[str, Any]:
    from capplan.cycle.ledger import run

    path = _ledger_or_fail(ledger)
    found = run(path, run_id)
    if found is None:
        raise InputError(str(path), [(f"run {run_id}", "no such run")])
    return found


@runs_app.command("list")
def runs_list(ledger: LedgerOpt = None) -> None:
    """Every recorded run, oldest first."""
    import pandas as pd

    from capplan.cycle.ledger import runs
    from capplan.report.terminal import frame_table

    rows = []
    for r in runs(_ledger_or_fail(ledger)):
        milestones = json.loads(str(r["milestones"]))
        rows.append({"id": r["id"], "recorded": str(r["recorded_at"])[:19],
                     "command": " ".join(json.loads(str(r["command"]))[1:2]),
                     "instance": r["instance_path"], "scenario": r["scenario"] or "",
                     "status": r["status"], "p95": milestones.get("p95"),
                     "finish": milestones.get("finish")})
    out_console.print(frame_table("runs", pd.DataFrame(rows)))


@runs_app.command("show")
def runs_show(run_id: Annotated[int, typer.Argument(help="Run id.")],
              ledger: LedgerOpt = None) -> None:
    """One run: inputs, solver, status and its whole recorded document, as JSON."""
    found = _get_run(ledger, run_id)
    shown = {k: (json.loads(str(v)) if k in ("command", "overrides", "objective", "milestones",
                                             "trajectory", "capacity", "document") else v)
             for k, v in found.items() if k != "instance_content"}
    sys.stdout.write(json.dumps(shown, indent=2) + "\n")


@runs_app.command("diff")
def runs_diff(first: Annotated[int, typer.Argument(help="Run id.")],
              second: Annotated[int, typer.Argument(help="Run id.")],
              ledger: LedgerOpt = None) -> None:
    """Two runs side by side: inputs, milestones and yearly trajectory."""
    import pandas as pd

    from capplan.report.terminal import frame_table

    a, b = _get_run(ledger, first), _get_run(ledger, second)
    keys = ("command", "instance_path", "instance_sha256", "scenario", "overrides", "solver",
            "status", "objective", "milestones")
    inputs = pd.DataFrame([{"item": k, f"run {first}": str(a[k]), f"run {second}": str(b[k]),
                            "same": a[k] == b[k]} for k in keys])
    out_console.print(frame_table("inputs and results", inputs))
    ta = {r["year"]: r["completed"] for r in json.loads(str(a["trajectory"]))}
    tb = {r["year"]: r["completed"] for r in json.loads(str(b["trajectory"]))}
    years = sorted(set(ta) | set(tb))
    traj = pd.DataFrame([{"year": y, f"run {first}": ta.get(y), f"run {second}": tb.get(y),
                          "difference": (tb.get(y) or 0) - (ta.get(y) or 0)} for y in years])
    if len(traj):
        out_console.print(frame_table("yearly production", traj))


@runs_app.command("reproduce")
def runs_reproduce(run_id: Annotated[int, typer.Argument(help="Run id.")],
                   ledger: LedgerOpt = None) -> None:
    """Re-solve a recorded plan or re-plan from its recorded input (instance, and actuals and
    baseline for a re-plan); exit 1 unless the trajectory is identical."""
    import tempfile

    from capplan.core.results import read_plan
    from capplan.core.solve import plan as solve_plan
    from capplan.cycle.actuals import AsOf
    from capplan.cycle.replan import Baseline, replan
    from capplan.inputs.load import load
    from capplan.report.documents import plan_document

    found = _get_run(ledger, run_id)
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
        if command[1] == "plan":
            built, solution = solve_plan(loaded.instance, solver=str(found["solver"]),
                                         method=document["solver"]["method"])
            again = plan_document(loaded, solution, read_plan(built, solution))
        else:
            actuals = Path(folder) / "actuals.csv"
            actuals.write_text(document["actuals"]["content"], encoding="utf-8")
            baseline = Baseline(document["baseline"]["source"], document["baseline"])
            r = replan(loaded, actuals, AsOf.parse(document["as_of"]), baseline,
                       solver=str(found["solver"]), method=document["solver"]["method"])
            again = plan_document(r.loaded, r.solution, r.plan)
    recorded = json.loads(str(found["trajectory"]))
    same = again["trajectory"] == recorded and again["milestones"] == json.loads(
        str(found["milestones"]))
    if loaded.sha256 != found["instance_sha256"]:
        same = False
    out_console.print(f"run {run_id}: " + ("identical trajectory and milestones" if same
                                          else "the re-solved trajectory differs"))
    if not same:
        raise typer.Exit(1)


@runs_app.command("verify")
def runs_verify(ledger: LedgerOpt = None) -> None:
    """Recompute the hash chain; exit 1 and name the first broken record if any."""
    from capplan.cycle.ledger import verify

    path = _ledger_or_fail(ledger)
    checked, broken, why = verify(path)
    if broken is None:
        out_console.print(f"{path}: {checked} records, chain intact")
        return
    out_console.print(f"{path}: record {broken} is broken: {why}")
    raise typer.Exit(1)


def main() -> None:
    """Entry point: bad input exits 2 with one message, internal errors exit 1."""
    try:
        code = app(standalone_mode=False)  # an Exit raised inside a command comes back here
        sys.exit(code if isinstance(code, int) else 0)
    except InputError as exc:
        err_console.print(f"error: {exc.message()}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(1)
    except Exception as exc:
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):  # a usage error: it prints itself
            show()
            sys.exit(code)
        if os.environ.get("CAPPLAN_DEBUG"):
            raise
        err_console.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
