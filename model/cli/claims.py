"""`capplan claims`: published claims checked on an instance, and the calibration of its
assumptions under which they hold."""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

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
    SetOpt,
    Solver,
    SolverOpt,
)

if TYPE_CHECKING:
    from capplan.report.documents import Result


def claims(
    instance: InstanceArg,
    claims_file: Annotated[
        str,
        typer.Option(
            "--claims",
            metavar="FILE",
            help="Claims file (TOML, [[claim]] blocks), or a shipped one's name.",
        ),
    ],
    write: Annotated[
        Path | None,
        typer.Option(
            metavar="CALIBRATED.toml",
            help="Save the instance with the calibrated values, each changed line marked "
            "'# calibrated: <claim ids>'.",
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
    """Check published claims on the instance, and find the least change to its declared
    assumptions under which they all hold (or the claims that cannot hold together)."""
    import capplan
    from capplan.cli.output import emit
    from capplan.cli.output import write as stage
    from capplan.cli.progress import working

    with (
        working("claims", quiet=quiet, log_level=log_level.value,
                unit="claims checked") as advance,
        capplan.api.reporting(advance),
    ):
        result = capplan.claims(
            instance, claims_file, write=write, overrides=set_ or (), solver=solver.value
        )
    from capplan.report.words import speaking

    with speaking(lang and lang.value):
        if out is not None:  # staged: published once the run is recorded
            from capplan.report.claims import claims_files

            stage(cast("Result", result), out, claims_files(result))
        hide = () if result.calibration.changes() else ("changes",)
        emit(cast("Result", result), format, None, main_table="checked", hide=hide,
             lines=result.sentences(), record_to=(ledger, no_ledger))
