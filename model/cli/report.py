"""Documents: `capplan report`, the annex an advice letter attaches (Word or HTML)."""


from pathlib import Path
from typing import Annotated

import typer

from capplan.cli.options import (
    InstanceArg,
    LangOpt,
    LedgerOpt,
    LogLevel,
    LogLevelOpt,
    NoLedgerOpt,
    QuietOpt,
    ScenariosOpt,
    SetOpt,
    Solver,
    SolverOpt,
)

KINDS = {".docx": "docx", ".html": "html", ".htm": "html"}


def report(
    instance: InstanceArg,
    out: Annotated[
        Path,
        typer.Option(metavar="FILE", help="The annex to write: annex.docx (Word) or annex.html."),
    ],
    scenario: ScenariosOpt = None,
    claims: Annotated[
        str | None,
        typer.Option(metavar="FILE", help="Claims to check and include (see `capplan claims`)."),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(metavar="N", min=0, help="Samples of the risk register (0: no risks)."),
    ] = 200,
    tornado_samples: Annotated[
        int, typer.Option(metavar="N", min=0, help="Samples per risk for its weight.")
    ] = 50,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the samples.")] = 7,
    workers: Annotated[
        int | None, typer.Option(metavar="N", min=1, help="Processes for the samples.")
    ] = None,
    set_: SetOpt = None,
    solver: SolverOpt = Solver.highs,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Write the annex of an advice letter: yearly targets per scenario, the cumulative chart,
    milestones, the tail, the price of each measure in every scenario, the risks, every
    assumption with its source, and the run id and input hash that reproduce it."""
    import capplan
    from capplan.cli.output import err_console, say
    from capplan.cli.progress import working
    from capplan.errors import InputError
    from capplan.report.files import write_files
    from capplan.report.words import checked

    kind = KINDS.get(out.suffix.lower())
    if kind is None:
        raise InputError(str(out), [("--out", "write an annex.docx or an annex.html")])
    missing = extras_missing(kind)
    if missing:
        raise InputError(
            "--out",
            [(str(out), f"needs {', '.join(missing)}: pip install 'capplan[report]'")],
        )
    checks = None
    if claims is not None:
        check = getattr(capplan.api, "claims", None)
        if check is None:
            raise InputError("--claims", [(claims, "this version has no claims check")])
        checks = check(instance, claims, overrides=set_ or ())
    with (
        working("report", quiet=quiet, log_level=log_level.value) as advance,
        capplan.api.reporting(advance),
    ):
        result = capplan.report(
            instance,
            scenarios=scenario or (),
            claims=checks,
            samples=samples,
            tornado_samples=tornado_samples,
            seed=seed,
            workers=workers,
            overrides=set_ or (),
            solver=solver.value,
        )
    if not no_ledger:
        import sqlite3

        from capplan.cycle.ledger import ledger_path

        path = ledger_path(ledger)
        try:
            result.run_id = capplan.api.record(result, path)
        except (OSError, sqlite3.Error) as exc:
            err_console.print(
                f"error: could not record the run in {path}: {exc} "
                "(use --ledger PATH or --no-ledger)",
                markup=False,
            )
            raise typer.Exit(1) from None
        err_console.print(f"recorded as run {result.run_id} in {path}", style="dim")
    content = result.document(checked(lang and lang.value), kind)
    write_files(out.parent if str(out.parent) else Path("."), {out.name: content})
    say([f"wrote {out}"], lang and lang.value)


def extras_missing(kind: str) -> list[str]:
    """The libraries of the `report` extra an annex of `kind` needs and that are missing."""
    import importlib.util

    wanted = {"jinja2": "Jinja2", **({"docx": "python-docx"} if kind == "docx" else {})}
    return [name for module, name in wanted.items() if importlib.util.find_spec(module) is None]
