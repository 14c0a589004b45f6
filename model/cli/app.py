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
from capplan.version import __version__


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"capplan {__version__}\n")
        raise typer.Exit()


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
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
app.command()(plan.plan)
app.command()(plan.validate)
app.command()(plan.template)
app.command()(plan.examples)
# --- the planners' questions ---
app.command()(questions.compare)
app.command()(questions.whatif)
app.command()(questions.explain)
app.command()(questions.tradeoff)
app.command()(questions.evaluate)
# --- the yearly cycle ---
app.command()(cycle.replan)
app.add_typer(cycle.runs_app, name="runs")
# --- uncertainty ---
app.command()(uncertainty.sweep)
# --- residents ---
app.command()(residents.residents)
register_app = typer.Typer(no_args_is_help=True, help="Address registers.")
register_app.command("synth")(residents.register_synth)
app.add_typer(register_app, name="register")
# --- claims and calibration ---
from capplan.cli import claims as _claims  # noqa: E402

app.command()(_claims.claims)


def main() -> None:
    """Entry point: bad input exits 2 with one message, internal errors exit 1."""
    from capplan.cli.output import console
    from capplan.errors import InputError

    try:
        code = app(standalone_mode=False)  # an Exit raised inside a command comes back here
        sys.exit(code if isinstance(code, int) else 0)
    except InputError as exc:
        console(stderr=True).print(f"error: {exc.message()}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console(stderr=True).print("aborted")
        sys.exit(1)
    except Exception as exc:
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):  # a usage error: it prints itself
            show()
            sys.exit(code)
        if os.environ.get("CAPPLAN_DEBUG"):
            raise
        console(stderr=True).print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
