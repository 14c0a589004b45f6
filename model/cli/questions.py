"""The planners' questions: compare, whatif, explain, tradeoff, evaluate."""


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
    OutOpt,
    QuietOpt,
    ScenarioOpt,
    ScenariosOpt,
    SetOpt,
    Solver,
    SolverOpt,
)


def compare(
    instance: InstanceArg,
    scenario: ScenariosOpt = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PATH=V1,V2",
            help="PATH=V1,V2,... (repeatable; the product of the values is solved).",
        ),
    ] = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Solve several variants and compare milestones, tail, peaks and yearly targets."""
    import capplan
    from capplan.cli.output import emit
    from capplan.cli.progress import working
    from capplan.report.words import speaking

    count = max(1, len(scenario or [])) * _product(vary or [])
    with working(f"compare: {count} variants", quiet=quiet, log_level=log_level.value):
        result = capplan.compare(
            instance,
            scenarios=scenario or (),
            vary=vary or (),
            overrides=set_ or (),
            solver=solver.value,
        )
    with speaking(lang and lang.value):
        emit(result, format, out, main_table="comparison", side_by_side="variant",
             record_to=(ledger, no_ledger))


def _product(vary: list[str]) -> int:
    """How many value combinations `--vary` options make (each PATH=V1,V2,...)."""
    count = 1
    for option in vary:
        count *= max(1, len([v for v in option.partition("=")[2].split(",") if v.strip()]))
    return count


def whatif(
    instance: InstanceArg,
    add: Annotated[
        list[str] | None,
        typer.Option(
            metavar="STAGE=+N@YEAR",
            help="STAGE=+AMOUNT@YEAR: capacity given from YEAR on (repeatable).",
        ),
    ] = None,
    raise_: Annotated[
        list[str] | None,
        typer.Option(
            "--raise",
            metavar="STAGE.LIMIT=N",
            help="STAGE.LIMIT=VALUE, e.g. execution.max=3500 (repeatable).",
        ),
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
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """What if we add capacity: the plan with and without, and the months gained."""
    import capplan
    from capplan.cli.output import emit
    from capplan.cli.progress import working
    from capplan.report.words import speaking

    with (
        working("whatif", quiet=quiet, log_level=log_level.value) as advance,
        capplan.api.reporting(advance),
    ):
        result = capplan.whatif(
            instance,
            add=add or (),
            raise_=raise_ or (),
            marginal=marginal,
            scenario=scenario,
            overrides=set_ or (),
            solver=solver.value,
        )
    with speaking(lang and lang.value):
        emit(
            result,
            format,
            out,
            main_table="comparison",
            side_by_side="variant",
            lines=result.sentences(),
            record_to=(ledger, no_ledger),
        )


def explain(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Why the tail: what the last 5% and 1% are made of, what binds there, and the single
    change that shortens it most."""
    import capplan
    from capplan.cli.output import emit, record, say
    from capplan.cli.progress import working
    from capplan.report.words import speaking

    with (
        working("explain", quiet=quiet, log_level=log_level.value) as advance,
        capplan.api.reporting(advance),
    ):
        result = capplan.explain(
            instance, scenario=scenario, overrides=set_ or (), solver=solver.value
        )
    if result.tail is None:
        record(result, ledger, no_ledger)
        say(result.sentences(), lang and lang.value)
        return
    with speaking(lang and lang.value):
        emit(
            result,
            format,
            out,
            main_table="segments",
            lines=result.sentences(),
            record_to=(ledger, no_ledger),
        )


def tradeoff(
    instance: InstanceArg,
    periods: Annotated[
        int,
        typer.Option(metavar="N", min=0, max=40, help="How many periods past the earliest date."),
    ] = 8,
    stage: Annotated[
        str, typer.Option(metavar="STAGE", help="The stage whose peak capacity is minimised.")
    ] = "execution",
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """How much capacity each finish date needs: for each date from the earliest to PERIODS
    later, the least peak capacity that reaches it and, with that peak held, the least capacity
    cost."""
    import capplan
    from capplan.cli.output import emit
    from capplan.cli.progress import working
    from capplan.report.words import speaking

    with (
        working("tradeoff", quiet=quiet, log_level=log_level.value) as advance,
        capplan.api.reporting(advance),
    ):
        result = capplan.tradeoff(
            instance,
            periods=periods,
            stage=stage,
            scenario=scenario,
            overrides=set_ or (),
            solver=solver.value,
        )
    with speaking(lang and lang.value):
        emit(result, format, out, main_table="tradeoff", record_to=(ledger, no_ledger))


def evaluate(
    instance: InstanceArg,
    targets: Annotated[
        str,
        typer.Option(
            metavar="FILE",
            help="CSV with columns year,completed, or a shipped targets file's name.",
        ),
    ],
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: OutOpt = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Check given yearly production targets: can they be delivered, what do they imply, and
    how far are they from the optimal plan."""
    import capplan
    from capplan.cli.output import emit
    from capplan.cli.progress import working
    from capplan.report.words import speaking

    with working("evaluate", quiet=quiet, log_level=log_level.value):
        result = capplan.evaluate(
            instance, targets, scenario=scenario, overrides=set_ or (), solver=solver.value
        )
    with speaking(lang and lang.value):
        emit(
            result,
            format,
            out,
            main_table="targets",
            lines=result.sentences(),
            record_to=(ledger, no_ledger),
        )

