"""Uncertainty: sweep the risk register."""


from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

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
    ScenarioOpt,
    SetOpt,
    Solver,
    SolverOpt,
)


def sweep(
    instance: InstanceArg,
    shards: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="SHARDS",
            help="With `merge` as INSTANCE: the shard files of one sweep (all N), merged into "
            "its result: `capplan sweep merge sweep-shard-*.json`.",
            show_default=False,
        ),
    ] = None,
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
            help="Processes (default: the machine's cores, also the most allowed); 1 solves "
            "in this process.",
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
        int | None,
        typer.Option(
            metavar="N",
            min=0,
            help="Samples re-solved with each risk forced off and on for the tornado "
            "(default: a tenth of the samples, at least 10, at most 100).",
            show_default=False,
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Run on a Dask cluster: a scheduler address (tcp://HOST:8786, or "
            "tls://HOST:8786 with the certificates in Dask's configuration) or `local`.",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            metavar="K/N",
            help="Solve only shard K of N (every N-th task) and write its results to --out "
            "(a file; default sweep-shard-K-of-N.json); `capplan sweep merge` joins the N.",
        ),
    ] = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder for the tables (CSV, Excel, Parquet), sweep.json and the fan, tornado "
            "and heatmap charts (with --shard: the shard's file).",
        ),
    ] = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Sample the risk register, plan every sample, and report the spread of the finish, the
    yearly production, each risk's weight, and (with --robust) targets to promise. With
    --shard K/N, solve one shard of the sweep into a file; `capplan sweep merge SHARDS...`
    gives the sweep's result from all N."""
    import capplan
    from capplan.cli.output import emit, progress_bar

    if instance == "merge":
        if not shards:
            _usage("merge: give the shard files (sweep-shard-K-of-N.json ...)")
        result = capplan.sweep_merge(shards or [])
    else:
        if shards:
            _usage(f"unexpected arguments {' '.join(map(str, shards))} (only `capplan sweep "
                   "merge` takes shard files)")
        with progress_bar("sampling", enabled=not quiet) as advance:
            tell = _progress(samples, advance, shard is not None,
                             quiet or log_level.value in ("warning", "error"))
            if shard is not None:
                if robust is not None:
                    _usage("--robust needs every sample: run it on the merged sweep's "
                           "instance without --shard")
                path = capplan.sweep_shard(
                    instance, shard, out=out, samples=samples, seed=seed, workers=workers,
                    tornado_samples=tornado_samples, dask=dask, scenario=scenario,
                    overrides=set_ or (), solver=solver.value, progress=tell)
                typer.echo(f"shard {shard}: written to {path}")
                return
            result = capplan.sweep(
                instance,
                samples=samples,
                seed=seed,
                workers=workers,
                robust=robust,
                tornado_samples=_tornado(samples, tornado_samples),
                dask=dask,
                scenario=scenario,
                overrides=set_ or (),
                solver=solver.value,
                progress=tell,
            )
    from capplan.report.words import speaking

    with speaking(lang and lang.value):
        emit(
            result,
            format,
            out,
            main_table="milestones",
            hide=("fan", "samples"),
            lines=result.verdict(),
            record_to=(ledger, no_ledger),
        )


def _tornado(samples: int, asked: int | None) -> int:
    """The tornado's samples: as asked, or the sweep's default for this many samples."""
    from capplan.uncertainty.sweep import default_tornado

    return default_tornado(samples) if asked is None else asked


def _usage(message: str) -> NoReturn:
    """A usage error: `error: MESSAGE` on standard error, exit code 2."""
    typer.echo(f"error: sweep: {message}", err=True)
    raise typer.Exit(2)


PLAIN_EVERY = 0.1
"""Plain progress lines (stderr not a terminal): one per tenth of the solves."""


def _progress(samples: int, advance: Callable[[int, int], None],
              shard: bool, silent: bool = False) -> Callable[[int, int], None]:
    """The sweep's progress: the number of solves said up front on standard error (samples,
    and the tornado's), then the bar on a terminal, or plain lines (`sweep: 300/1,400 solves,
    12 s`) when standard error is not one (a log, a batch job); none of these lines when
    `silent` (--quiet, or --log-level warning or error)."""
    import sys
    import time

    state = {"done": 0, "next": 0.0, "started": time.perf_counter(), "said": False}
    plain = not sys.stderr.isatty()

    def tell(k: int, total: int) -> None:
        if silent:
            advance(k, total)
            return
        if not state["said"]:
            state["said"] = True
            what = ("this shard's tasks" if shard else
                    f"{samples:,} samples and {max(total - samples, 0):,} for the tornado")
            typer.echo(f"sweep: {total:,} solves ({what})", err=True)
        state["done"] += k
        advance(k, total)
        if plain and k and state["done"] >= state["next"]:
            seconds = time.perf_counter() - state["started"]
            typer.echo(f"sweep: {state['done']:,}/{total:,} solves, {seconds:,.0f} s", err=True)
            state["next"] = state["done"] + max(1.0, PLAIN_EVERY * total)

    return tell
