"""Feedback on long work: a progress display on a terminal, plain log lines elsewhere.

`working(description, ...)` wraps a command's work and yields `advance(k, total)`, the
callback the API's long functions call as they solve (`capplan.api.reporting`). On a terminal
(standard error is one) it shows a spinner, the solves done of the total when known, and the
time elapsed; anywhere else (a pipe, a log file, a scheduler) it writes plain lines to
standard error through the `capplan` logger:

    2026-11-23T22:40:03 capplan INFO tradeoff: 6/20 solves, 2.1 s
    2026-11-23T22:40:05 capplan INFO tradeoff: 11/20 solves, 4.1 s
    2026-11-23T22:40:09 capplan INFO tradeoff: done, 20 solves in 8.0 s

at most one progress line every `INTERVAL` seconds, and none for work done sooner (a quick
command, or one that stops at bad input, prints nothing more than before). `--log-level` sets
the level (`info` by default shows these lines; `warning` leaves only problems), `--quiet`
shows neither the display nor the lines.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LOGGER = "capplan"
INTERVAL = 2.0
"""Seconds between two progress lines in a log."""


def logger(level: str = "info") -> logging.Logger:
    """The `capplan` logger writing plain lines to the current standard error at `level`."""
    log = logging.getLogger(LOGGER)
    log.setLevel(getattr(logging, level.upper()))
    log.propagate = False
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s capplan %(levelname)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S"
        )
    )
    log.addHandler(handler)
    return log


@contextmanager
def working(
    description: str, *, quiet: bool = False, log_level: str = "info", total: int | None = None,
    unit: str = "solves",
) -> Iterator[Callable[[int, int], None]]:
    """Progress of the work inside the block: a display on a terminal, log lines elsewhere,
    nothing with `quiet`. Yields `advance(k, total)`: k more steps of `total`, counted in
    `unit` (solves, or claims checked)."""
    from capplan.cli.output import console

    err = console(stderr=True)
    if quiet:
        yield _ignore
        return
    if err.is_terminal:
        with _display(description, total) as show:
            yield show
        return
    log = logger(log_level)
    began = time.monotonic()
    state = {"done": 0, "total": total or 0, "said": began}

    def advance(k: int, of: int) -> None:
        state["done"] += k
        state["total"] = of
        now = time.monotonic()
        if now - state["said"] >= INTERVAL:
            state["said"] = now
            log.info("%s: %d/%d %s, %.1f s", description, state["done"], of, unit,
                     now - began)

    yield advance
    seconds = time.monotonic() - began
    if seconds >= INTERVAL:
        steps = f", {state['done']} {unit}" if state["done"] else ""
        log.info("%s: done%s in %.1f s", description, steps, seconds)


def _ignore(k: int, total: int) -> None:
    """No display."""


@contextmanager
def _display(description: str, total: int | None) -> Iterator[Callable[[int, int], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TimeElapsedColumn,
    )

    from capplan.cli.output import console

    with Progress(
        SpinnerColumn(),
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(k: int, of: int) -> None:
            bar.update(task, total=of, advance=k)

        yield advance
