"""Uncertainty: sweep the risk register."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capplan.cli.options import (
    Format,
    FormatOpt,
    InstanceArg,
    LedgerOpt,
    NoLedgerOpt,
    ScenarioOpt,
    SetOpt,
    Solver,
    SolverOpt,
)


def sweep(
    instance: InstanceArg,
    samples: Annotated[
        int, typer.Option(metavar="N", min=1, help="Samples of the risk register.")
    ] = 1000,
    seed: Annotated[
        int,
        typer.Option(
            metavar="N",
            help="Seed: the same seed gives the same numbers whatever the number of workers.",
        ),
    ] = 7,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            min=1,
            help="Processes (default: the machine's cores); 1 solves in this process.",
        ),
    ] = None,
    robust: Annotated[
        float | None,
        typer.Option(
            metavar="SHARE",
            min=0.01,
            max=0.99,
            help="Also give yearly targets reached in at least this share "
            "of the samples, e.g. 0.8.",
        ),
    ] = None,
    tornado_samples: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=0,
            help="Samples re-solved with each risk forced off and on for the tornado.",
        ),
    ] = 100,
    dask: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Run on a Dask cluster: a scheduler address (tcp://HOST:8786) or `local`.",
        ),
    ] = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder for the tables (CSV, Excel, Parquet), sweep.json and the fan, tornado "
            "and heatmap charts.",
        ),
    ] = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
) -> None:
    """Sample the risk register, plan every sample, and report the spread of the finish, the
    yearly production, each risk's weight, and (with --robust) targets to promise."""
    import capplan
    from capplan.cli.output import emit, progress_bar, record

    with progress_bar("sampling") as advance:
        result = capplan.sweep(
            instance,
            samples=samples,
            seed=seed,
            workers=workers,
            robust=robust,
            tornado_samples=tornado_samples,
            dask=dask,
            scenario=scenario,
            overrides=set_ or (),
            solver=solver.value,
            progress=advance,
        )
    emit(
        result,
        format,
        out,
        main_table="milestones",
        hide=("fan", "samples"),
        lines=result.verdict(),
    )
    record(result, ledger, no_ledger)
