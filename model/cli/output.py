"""Emit a command's result (terminal tables, JSON or CSV, files in `--out`) and record it."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capplan.cli.options import Format

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from capplan.report.documents import Result
    from capplan.report.files import Staged

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

    made = Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)
    made.push_render_hook(_escaping())
    return made


def _escaping() -> Any:
    """The render hook (rich is imported only when a console is made)."""
    from rich.console import RenderHook

    class Escaping(_Escaping, RenderHook):
        pass

    return Escaping()


class _Escaping:
    """A render hook that writes control characters in the text printed (an instance name
    holding ANSI escapes, a carriage return) as `\\xNN`, so that input never moves the cursor or
    recolours the terminal; rich's own styling is untouched."""

    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        return [_Escaped(r) for r in renderables]


class _Escaped:
    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        from rich.segment import Segment

        from capplan.errors import escape

        for segment in console.render(self.renderable, options):
            if segment.control or not segment.text:
                yield segment
            else:
                yield Segment(escape(segment.text), segment.style, segment.control)


def error(message: str) -> None:
    """`error: MESSAGE` on standard error, control characters escaped (no markup)."""
    from capplan.errors import escape

    console(stderr=True).print(f"error: {escape(message)}", markup=False)


def show_warnings() -> None:
    """Print Python warnings raised by capplan and its inputs (a key file others may read) as
    `warning: MESSAGE` on standard error, once each."""
    import warnings

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        from capplan.errors import escape, shorten

        console(stderr=True).print(f"warning: {escape(shorten(str(message), 400))}",
                                   markup=False)

    warnings.showwarning = show


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
    record_to: tuple[Path | None, bool] | None = None,
) -> None:
    """Write the result's files into `out`, record the run (`record_to`: the ledger and
    --no-ledger; see `record`), then print it: its JSON document, its main table as CSV, or
    its tables in the terminal (`side_by_side`: a column whose values head the main table's
    columns; tables in `hide` go to files only) followed by `lines`. Nothing is published
    before the run is recorded."""
    from capplan.report.terminal import frame_table, transposed

    out_console = console()
    if out is not None:
        write(result, out)
    if record_to is not None:
        record(result, *record_to)
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


_pending: list[Staged] = []
"""Files written into `--out` under temporary names, published once the run is recorded (or,
for a command that records nothing, once it succeeds) and removed if it fails."""


def write(result: Result, out: Path, files: dict[str, str | bytes] | None = None) -> None:
    """Every file of the result (or `files`, when its command makes its own) into `out`, all
    or nothing: staged now, published by `record` once the run is in the ledger (its JSON
    document then names the run), or when the command ends well; removed if it fails."""
    from capplan.report.documents import output_files
    from capplan.report.files import stage_files

    _pending.append(stage_files(out, output_files(result) if files is None else files))


def publish(run: dict[str, Any] | None = None) -> None:
    """Rename every staged output file into place; with `run` (id, ledger, hash) the JSON
    document written gets `"run"`, so a published output names the record it comes from."""
    while _pending:
        staged = _pending[0]
        if run is not None:
            staged.mark(run)
        staged.publish()
        _pending.pop(0)


def discard() -> None:
    """Remove every staged output file: nothing of a failed run is published."""
    while _pending:
        _pending.pop().discard()


def print_json(result: Result) -> None:
    """The result's JSON document on standard output."""
    sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")


def say(lines: Sequence[str], lang: str | None = None) -> None:
    """Plain sentences on standard output (no markup), in `lang` (default: the one chosen
    by --lang, else the locale's; capplan.report.words.localise)."""
    from capplan.report.words import checked, localise

    chosen = checked(lang)
    out_console = console()
    for line in lines:
        out_console.print(localise(line, chosen), markup=False)


def record(result: Result, ledger: Path | None, no_ledger: bool) -> None:
    """Append the run to the ledger (unless --no-ledger), then publish the files staged in
    `--out`, the JSON document naming the run; exit 1, publishing nothing, if it cannot be
    recorded."""
    if no_ledger:
        publish()
        return
    import sqlite3

    import typer

    from capplan.api import record as append
    from capplan.cycle.ledger import ledger_path, run_hash

    path = ledger_path(ledger)
    err_console = console(stderr=True)
    try:
        run_id = append(result, path)
    except (OSError, sqlite3.Error) as exc:
        discard()
        error(f"could not record the run in {path}: {exc} (nothing was written to --out; use "
              "--ledger PATH or --no-ledger)")
        raise typer.Exit(1) from None
    publish({"id": run_id, "ledger": str(path.resolve()), "hash": run_hash(path, run_id)})
    err_console.print(f"recorded as run {run_id} in {path}", style="dim", markup=False)


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
