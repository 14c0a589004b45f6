"""Residents: per-address windows and letters, and synthetic registers."""


from pathlib import Path
from typing import Annotated

import typer

from capplan.cli.options import (
    Format,
    FormatOpt,
    InstanceArg,
    LangOpt,
    LedgerOpt,
    LogLevel,
    LogLevelOpt,
    NoLedgerOpt,
    QuietOpt,
    Rule,
    ScenarioOpt,
    SetOpt,
    Solver,
    SolverOpt,
)


def residents(
    instance: InstanceArg,
    register: Annotated[
        Path,
        typer.Option(
            metavar="FILE",
            help="Address register: CSV or .xlsx with columns id, segment, stage, since "
            "and optionally risk_class.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Folder for residents.csv, letters.csv, segments.csv, regions.csv and "
            "residents.json.",
        ),
    ],
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    rule: Annotated[
        Rule,
        typer.Option(
            help="Queue order: fifo (longest waiting first) or risk (highest risk class first)."
        ),
    ] = Rule.fifo,
    postpone: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="CSV or .xlsx with id,earliest: residents who want their works to start no "
            "sooner than a quarter.",
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="An earlier residents.csv: report how each window moved and why."
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=0,
            help="Samples of the risk register for a P10-P90 completion window per "
            "address (0: the plan's quarter only).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the samples.")] = 7,
    workers: Annotated[
        int | None,
        typer.Option(
            metavar="N", min=1, help="Processes for the samples (default: the machine's cores)."
        ),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="File holding the pseudonym key (default: $CAPPLAN_PSEUDONYM_KEY)."
        ),
    ] = None,
    allow_column: Annotated[
        list[str] | None,
        typer.Option(
            metavar="COLUMN",
            help="A register column that looks like personal data but is not (repeatable).",
        ),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option(
            metavar="SHARE",
            min=0.0,
            max=1.0,
            help="Largest share the register's addresses per segment and stage "
            "may differ from the instance's.",
        ),
    ] = 0.05,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Expected quarters per address (engineering, execution, completion), a plain sentence
    per address in Dutch and English, postponements that delay no one else, and how each
    window moved since the last letter. Ids are pseudonymised; nothing identifying is printed
    or recorded."""
    import sys

    import capplan
    from capplan.cli.output import out_console, print_json, record, say, write
    from capplan.cli.progress import working
    from capplan.report.terminal import frame_table
    from capplan.report.words import speaking

    description = f"residents: {samples} samples" if samples else "residents"
    with working(description, quiet=quiet, log_level=log_level.value) as advance:
        result = capplan.residents(
            instance,
            register,
            rule=rule.value,
            postpone=postpone,
            previous=previous,
            samples=samples,
            seed=seed,
            workers=workers,
            key_file=key_file,
            allow_columns=allow_column or (),
            tolerance=tolerance,
            scenario=scenario,
            overrides=set_ or (),
            solver=solver.value,
            progress=advance,
        )
    r = result.residents
    if r is None:
        say(
            [
                "The plan has no solution, so no quarter can be given to any address; see "
                "`capplan plan`. Nothing written."
            ]
        )
        return
    with speaking(lang and lang.value):
        write(result, out)
    record(result, ledger, no_ledger)  # recorded before anything is published
    if format == Format.json:
        print_json(result)
    elif format == Format.csv:
        sys.stdout.write(r.regions.to_csv(index=False))
    else:
        chosen = lang and lang.value
        out_console.print(frame_table("residents: per segment", r.segments, lang=chosen))
        out_console.print(frame_table("residents: per region", r.regions, lang=chosen))
        check = r.check
        say(
            [
                f"{len(result.register):,} addresses; {check['applied']} postponement(s) "
                f"applied; addresses later than without postponements: "
                f"{check['later_than_without']}",
                *(f"note: {note}" for note in r.notes),
                f"written to {out}",
            ],
            lang and lang.value,
        )


def register_synth(
    instance: InstanceArg,
    out: Annotated[Path, typer.Option(metavar="DIR", help="The register file to write (CSV).")],
    seed: Annotated[
        int, typer.Option(metavar="N", help="Seed: the same seed gives the same register.")
    ] = 1,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the file if it exists.")
    ] = False,
) -> None:
    """Write a synthetic, pseudonymous address register consistent with the instance's
    segments and work in progress, for demonstrations and tests."""
    from capplan.api import synthetic_register
    from capplan.cli.output import say
    from capplan.errors import InputError
    from capplan.report.files import write_files

    if out.exists() and not force:
        raise InputError(str(out), [("", "exists; nothing was written (use --force to replace "
                                         "it)")])
    table = synthetic_register(instance, seed=seed, scenario=scenario, overrides=set_ or ())
    write_files(out.parent if str(out.parent) else Path("."), {out.name: table.to_csv(index=False)})
    say([f"{len(table):,} synthetic addresses written to {out}"])
