"""Emit a command's result (terminal tables, JSON or CSV, files in `--out`) and record it."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from capplan.cli.options import Format

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from capplan.report.documents import Result

CONSOLES = {"out_console": False, "err_console": True}
"""The names the commands import the consoles by (`from capplan.cli.output import
out_console`), and whether each writes to standard error."""


def console(stderr: bool = False) -> Console:
    """The console on standard output (or error), made when a command first prints and kept:
    importing this module (as `capplan` does on every run, `--help` too) loads no console."""
    return _console(bool(stderr))


@functools.cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def __getattr__(name: str) -> Console:
    """`out_console` and `err_console`: `console()` and `console(stderr=True)`."""
    if name not in CONSOLES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return console(stderr=CONSOLES[name])


def emit(
    result: Result,
    format: Format,
    out: Path | None,
    *,
    main_table: str | None = None,
    side_by_side: str | None = None,
    hide: Sequence[str] = (),
    lines: Sequence[str] = (),
) -> None:
    """Write the result's files into `out`, then print it: its JSON document, its main table
    as CSV, or its tables in the terminal (`side_by_side`: a column whose values head the
    main table's columns; tables in `hide` go to files only) followed by `lines`."""
    from capplan.report.terminal import frame_table, transposed

    out_console = console()
    if out is not None:
        write(result, out)
    if format == Format.json:
        print_json(result)
        return
    tables = result.tables()
    if format == Format.csv:
        frame = tables[main_table or next(iter(tables))]
        sys.stdout.write(frame.to_csv(index=False))
        return
    for name, table in tables.items():
        if name in hide:
            continue
        shown: pd.DataFrame = (
            transposed(table, side_by_side) if (name == main_table and side_by_side) else table
        )
        out_console.print(frame_table(f"{result.kind}: {name.replace('_', ' ')}", shown))
    say(lines)


def write(result: Result, out: Path) -> None:
    """Every file of the result into `out`, all or nothing."""
    from capplan.report.documents import output_files
    from capplan.report.files import write_files

    write_files(out, output_files(result))


def print_json(result: Result) -> None:
    """The result's JSON document on standard output."""
    sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")


def say(lines: Sequence[str]) -> None:
    """Plain sentences on standard output (no markup)."""
    out_console = console()
    for line in lines:
        out_console.print(line, markup=False)


def record(result: Result, ledger: Path | None, no_ledger: bool) -> None:
    """Append the run to the ledger (unless --no-ledger); exit 1 if it cannot be recorded."""
    if no_ledger:
        return
    import sqlite3

    import typer

    from capplan.api import record as append
    from capplan.cycle.ledger import ledger_path

    path = ledger_path(ledger)
    err_console = console(stderr=True)
    try:
        run_id = append(result, path)
    except (OSError, sqlite3.Error) as exc:
        err_console.print(
            f"error: could not record the run in {path}: {exc} (use --ledger PATH or --no-ledger)",
            markup=False,
        )
        raise typer.Exit(1) from None
    err_console.print(f"recorded as run {run_id} in {path}", style="dim")


@contextmanager
def progress_bar(description: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on standard error (on a terminal only); yields `advance(k, total)`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    err_console = console(stderr=True)
    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal or not enabled,
    ) as bar:
        task = bar.add_task(description, total=None)

        def advance(k: int, total: int) -> None:
            bar.update(task, total=total, advance=k)

        yield advance
