"""capplan's command line: each command parses its options, calls one API function
(`capplan.api`), emits the result and records it in the run ledger.

Exit codes: 0 solved (also when the answer is "infeasible", which is reported), 2 bad input or
usage, 1 an internal error, 3 infeasible with --strict.
"""

from __future__ import annotations

import os
import sys

import typer

from capplan.cli import cycle, plan, questions, residents, uncertainty
from capplan.cli import web as web_command
from capplan.version import __version__


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"capplan {__version__}\n")
        raise typer.Exit()


# Help is plain text (click's formatter, not rich's): `capplan --help` then loads no rich.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Multi-year capacity planning: the optimal yearly production and capacity trajectory.",
)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Multi-year capacity planning: the optimal yearly production and capacity trajectory."""


# --- the core ---
app.command(short_help="Solve an instance: the optimal yearly targets.")(plan.plan)
app.command(short_help="Check an instance and build its model.")(plan.validate)
app.command(short_help="Write an Excel instance template.")(plan.template)
app.command(short_help="List the shipped examples.")(plan.examples)
# --- the planners' questions ---
app.command(short_help="Compare scenarios and scope choices.")(questions.compare)
app.command(short_help="What adding capacity gains.")(questions.whatif)
app.command(short_help="Why the tail: what the last 5% is made of.")(questions.explain)
app.command(short_help="Capacity needed for each finish date.")(questions.tradeoff)
app.command(short_help="Check given yearly targets.")(questions.evaluate)
# --- the yearly cycle ---
app.command(short_help="Re-plan the remaining work from actuals.")(cycle.replan)
app.add_typer(cycle.runs_app, name="runs", short_help="The run ledger: list, show, diff, verify.")
# --- uncertainty ---
app.command(short_help="Plan every sample of the risk register.")(uncertainty.sweep)
# --- residents ---
app.command(short_help="Expected quarters per address.")(residents.residents)
register_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Address registers.")
register_app.command("synth")(residents.register_synth)
app.add_typer(register_app, name="register")
# --- the web page ---
app.command(short_help="Start the web page for planners.")(web_command.serve)


# --- documents ---
from capplan.cli import report as report_cli  # noqa: E402

app.command(name="report", short_help="Write the advice letter's annex (Word or HTML).")(
    report_cli.report)

# --- claims and calibration ---
from capplan.cli import claims as _claims  # noqa: E402

app.command(short_help="Check published claims; calibrate the assumptions.")(_claims.claims)


def main() -> None:
    """Entry point: bad input or usage exits 2 with one message, internal errors exit 1; every
    message starts with `error:` (warnings with `warning:`), is capped and has its control
    characters escaped. Files a command staged in `--out` are published only when it succeeds
    (`capplan.cli.output.publish`), else removed."""
    from capplan.cli.output import discard, publish, show_warnings

    show_warnings()
    try:
        code = app(standalone_mode=False)  # an Exit raised inside a command comes back here
        code = code if isinstance(code, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except BaseException as exc:  # every failure ends in one message and a code
        discard()
        sys.exit(_failure(exc))
    if code == 0 or code == 3:
        publish()
    else:
        discard()
    sys.exit(code)


def _failure(exc: BaseException) -> int:
    """Say what went wrong on standard error and return the exit code: 2 for bad input and
    usage (and an output folder that cannot be written), 1 for anything else."""
    from capplan.cli.output import error
    from capplan.errors import InputError, OutputError, shorten

    if isinstance(exc, InputError):
        error(exc.message())
        return 2
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else 1
    if isinstance(exc, typer.Abort | KeyboardInterrupt):
        error("aborted")
        return 1
    message, code = getattr(exc, "format_message", None), getattr(exc, "exit_code", None)
    if callable(message) and isinstance(code, int):  # a usage error (click)
        usage = getattr(getattr(exc, "ctx", None), "command_path", "capplan")
        error(f"{message()} (see {usage} --help)")
        return code
    if isinstance(exc, OutputError):
        error(str(exc))
        return 1
    if isinstance(exc, UnicodeDecodeError):
        error(f"an input file is not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset "
              f"{exc.start}; save it as UTF-8")
        return 2
    if isinstance(exc, MemoryError):
        error("out of memory: the input asks for more than this machine holds (see "
              "--allow-large and docs/input-limits.md)")
        return 1
    if os.environ.get("CAPPLAN_DEBUG"):
        raise exc
    error(f"internal error: {type(exc).__name__}: {shorten(str(exc), 400)}")
    return 1


if __name__ == "__main__":
    main()
