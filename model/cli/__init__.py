"""The command line: parse options, call one API function, emit, record (one module per wing:
plan, questions, cycle, uncertainty, residents)."""

from __future__ import annotations


def main() -> None:
    """The `capplan` console script."""
    from capplan.cli.app import main as run

    run()
