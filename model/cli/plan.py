"""Commands of the core: plan, validate, template, examples."""


import sys
from pathlib import Path
from typing import Annotated

import typer

from capplan.cli.options import (
    AllowLargeOpt,
    Format,
    FormatOpt,
    InstanceArg,
    LangOpt,
    LedgerOpt,
    LogLevel,
    LogLevelOpt,
    Method,
    MethodOpt,
    NoLedgerOpt,
    ObjectiveOpt,
    QuietOpt,
    ScenarioOpt,
    SetOpt,
    Solver,
    SolverOpt,
    TimeLimitOpt,
)


def plan(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    objective: ObjectiveOpt = None,
    solver: SolverOpt = Solver.highs,
    method: MethodOpt = Method.auto,
    format: FormatOpt = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder for trajectory.csv, capacity.csv, period_targets.csv, "
            "regional_targets.csv, plan.json, plan.xlsx and the charts.",
        ),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 3 when the plan is infeasible.")] = False,
    time_limit: TimeLimitOpt = 600.0,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Solve an instance and print the optimal target trajectory, with its quarterly (or
    monthly) and regional integer targets."""
    import capplan
    from capplan.cli.output import err_console, out_console, print_json, record, say, write
    from capplan.cli.progress import working
    from capplan.report.files import trajectory_csv
    from capplan.report.terminal import render
    from capplan.report.words import speaking

    with working("plan", quiet=quiet, log_level=log_level.value):
        result = capplan.plan(
            instance,
            scenario=scenario,
            overrides=set_ or (),
            objective=objective,
            solver=solver.value,
            method=method.value,
            time_limit=time_limit,
            allow_large=allow_large,
        )
    if out is not None:
        with speaking(lang and lang.value):
            write(result, out)
    record(result, ledger, no_ledger)  # recorded before anything is published
    optimal = result.status == "optimal"
    if format == Format.json:
        print_json(result)
    elif format == Format.csv:
        if optimal:
            sys.stdout.write(trajectory_csv(result.plan))
        elif result.infeasibility is not None:  # what cannot be met and what would help
            sys.stdout.write(result.infeasibility.table().to_csv(index=False))
    else:
        render(
            out_console,
            result.loaded,
            result.solution,
            result.plan,
            result.infeasibility,
            lang and lang.value,
        )
        say([f"Note: {note}" for note in result.notes], lang and lang.value)
    if result.status == "infeasible" and strict:
        raise typer.Exit(3)
    if result.status not in ("optimal", "infeasible"):
        err_console.print(f"error: the solver ended with {result.status}")
        raise typer.Exit(1)


def validate(instance: InstanceArg, scenario: ScenarioOpt = None, set_: SetOpt = None,
             allow_large: AllowLargeOpt = False, lang: LangOpt = None) -> None:
    """Check an instance (schema, totals, references, risk paths) and build its model, without
    solving."""
    import capplan
    from capplan.cli.output import out_console, say
    from capplan.report.terminal import summary

    result = capplan.validate(instance, scenario=scenario, overrides=set_ or (),
                              allow_large=allow_large)
    summary(out_console, result.loaded, result.columns, result.rows, lang and lang.value)
    say([f"  note: {note}" for note in result.notes], lang and lang.value)


def template(
    workbook: Annotated[Path, typer.Argument(metavar="WORKBOOK", help="The .xlsx file to write.")],
    from_: Annotated[
        str | None, typer.Option("--from", metavar="INSTANCE", help="Fill it from this instance.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the file if it exists.")
    ] = False,
    lang: LangOpt = None,
) -> None:
    """Write an Excel instance template: a sheet per part, headers, units, validation (its
    help in --lang; sheet names, headers and keys are the same in every language)."""
    import capplan
    from capplan.cli.output import out_console
    from capplan.errors import InputError
    from capplan.report.files import write_files
    from capplan.report.words import checked

    if workbook.suffix.lower() != ".xlsx":
        raise InputError(str(workbook), [("", "the template must be an .xlsx file")])
    if workbook.exists() and not force:
        raise InputError(
            str(workbook),
            [("", "exists; a filled workbook is not overwritten (give --force to replace it)")],
        )
    content = capplan.template(from_, lang=checked(lang and lang.value))
    write_files(workbook.parent if str(workbook.parent) else Path("."), {workbook.name: content})
    out_console.print(
        f"wrote {workbook}" + (f" (filled from {from_})" if from_ else ""), markup=False
    )


def examples() -> None:
    """The shipped examples: instances, targets and actuals, usable by name."""
    import pandas as pd

    import capplan
    from capplan.cli.output import out_console
    from capplan.report.terminal import frame_table

    rows = [
        {"name": e.name, "kind": e.kind, "description": e.description} for e in capplan.examples()
    ]
    out_console.print(frame_table("shipped examples", pd.DataFrame(rows)))
