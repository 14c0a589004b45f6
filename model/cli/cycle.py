"""The yearly cycle: replan, and the run ledger (list, show, diff, reproduce, verify)."""


from pathlib import Path
from typing import Annotated, Any

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
    ObjectiveOpt,
    QuietOpt,
    RunIdArg,
    ScenarioOpt,
    SetOpt,
    Solver,
    SolverOpt,
    TimeLimitOpt,
)


def replan(
    instance: InstanceArg,
    actuals: Annotated[
        str,
        typer.Option(
            metavar="FILE",
            help="Actuals CSV: per period up to --as-of and per "
            "segment (or * in total), items that finished "
            "each stage and the work in progress.",
        ),
    ],
    as_of: Annotated[
        str, typer.Option("--as-of", metavar="PERIOD", help="Last realised period: 2025 or 2025Q2.")
    ],
    baseline: Annotated[
        int | None,
        typer.Option(
            metavar="RUN",
            help="Run id of the plan to compare with; default the last plan of this instance "
            "recorded before the end of --as-of, else the plan solved now.",
        ),
    ] = None,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    objective: ObjectiveOpt = None,
    solver: SolverOpt = Solver.highs,
    format: FormatOpt = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder for variance.csv, replan.xlsx, variance.png, the plan's CSV, JSON and "
            "charts.",
        ),
    ] = None,
    time_limit: TimeLimitOpt = 600.0,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    log_level: LogLevelOpt = LogLevel.info,
) -> None:
    """Re-plan the remaining work from actuals up to --as-of, and report the variance
    against the plan."""
    import sys

    import capplan
    from capplan.cli.output import err_console, out_console, print_json, record, say, write
    from capplan.cli.progress import working
    from capplan.report.terminal import frame_table, render, variance_view
    from capplan.report.words import speaking

    with working("replan", quiet=quiet, log_level=log_level.value):
        result = capplan.replan(
            instance,
            actuals,
            as_of,
            baseline=baseline,
            ledger=ledger,
            scenario=scenario,
            overrides=set_ or (),
            objective=objective,
            solver=solver.value,
            time_limit=time_limit,
        )
    r = result.replanned
    if out is not None:
        with speaking(lang and lang.value):
            write(result, out)
    record(result, ledger, no_ledger)  # recorded before anything is published
    if format == Format.json:
        print_json(result)
    elif format == Format.csv:
        sys.stdout.write(r.variance.to_csv(index=False))
    else:
        with speaking(lang and lang.value):
            say([f"Baseline: {r.baseline.source}"])
            out_console.print(frame_table(f"{result.title} (items finishing each stage)",
                                          variance_view(r.variance)))
            say([line[:1].upper() + line[1:] for line in [*r.moves, *r.resumed.notes]])
        render(out_console, r.loaded, r.solution, r.plan, result.infeasibility,
               lang and lang.value)
    if result.status not in ("optimal", "infeasible"):
        err_console.print(f"error: the solver ended with {result.status}")
        raise typer.Exit(1)


runs_app = typer.Typer(
    no_args_is_help=True,
    help="The run ledger: list, show, diff, reproduce, verify and anchor recorded runs.",
)


@runs_app.command("list")
def runs_list(ledger: LedgerOpt = None, lang: LangOpt = None) -> None:
    """Every recorded run, oldest first."""
    from capplan.api import runs
    from capplan.cli.output import out_console
    from capplan.report.terminal import frame_table

    out_console.print(frame_table("runs", runs(ledger), lang=lang and lang.value))


@runs_app.command("show")
def runs_show(run_id: RunIdArg, ledger: LedgerOpt = None) -> None:
    """One run: inputs, solver, status and its whole recorded document, as JSON."""
    import json
    import sys

    from capplan.api import show_run

    sys.stdout.write(json.dumps(show_run(run_id, ledger), indent=2) + "\n")


@runs_app.command("diff")
def runs_diff(first: RunIdArg, second: RunIdArg, ledger: LedgerOpt = None,
              lang: LangOpt = None) -> None:
    """Two runs side by side: inputs, milestones and yearly trajectory."""
    from capplan.api import diff_runs
    from capplan.cli.output import out_console
    from capplan.report.terminal import frame_table

    chosen = lang and lang.value
    inputs, trajectory = diff_runs(first, second, ledger)
    out_console.print(frame_table("inputs and results", inputs, lang=chosen))
    if len(trajectory):
        out_console.print(frame_table("yearly production", trajectory, lang=chosen))


@runs_app.command("reproduce")
def runs_reproduce(ctx: typer.Context, run_id: RunIdArg, ledger: LedgerOpt = None,
                   lang: LangOpt = None) -> None:
    """Run a recorded command again from its recorded input and say whether its results are
    identical: a plan or re-plan re-solved (instance, and actuals and baseline for a
    re-plan); any other command (compare, whatif, evaluate, sweep, residents) replayed with
    the recorded instance bytes, its other files read again from their paths; exit 1 unless
    identical."""
    import capplan
    from capplan.api import recorded_input
    from capplan.cli.output import say

    given = recorded_input(run_id, ledger)
    name = given["command"][1] if len(given["command"]) > 1 else ""
    if name in ("plan", "replan"):
        result = capplan.reproduce(run_id, ledger)
        same, differences = result.same, result.differences
    else:
        same, differences = _replay(given, ctx.find_root().command)
    say([f"run {run_id} ({name}): " + ("identical results" if same else
                                      "differs: " + ", ".join(differences))],
        lang and lang.value)
    if not same:
        raise typer.Exit(1)


VOLATILE = frozenset({"seconds", "build_seconds", "total_seconds", "instance", "run",
                      "written", "recorded_at"})
"""Keys of a document that differ between identical runs (times, the path of the copy)."""


def _stable(doc: object) -> object:
    """A document without its VOLATILE keys, at every depth."""
    if isinstance(doc, dict):
        return {k: _stable(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [_stable(v) for v in doc]
    return doc


def _replay(given: dict[str, Any], group: Any) -> tuple[bool, list[str]]:
    """Run the recorded command line again in this process, on a copy of the recorded
    instance bytes, as JSON and without recording it, through `group` (the command line's
    root); compare its document with the one recorded, key by key."""
    import contextlib
    import hashlib
    import io
    import json
    import tempfile

    from capplan.errors import InputError

    command = [str(a) for a in given["command"]][1:]
    content = bytes(given["instance_content"])
    if hashlib.sha256(content).hexdigest() != given["instance_sha256"]:
        return False, ["the recorded input does not match its hash"]
    sub = group.commands.get(command[0])
    if sub is None:
        raise InputError("runs reproduce", [(command[0], "not a command of this version")])
    with sub.make_context(command[0], command[1:], resilient_parsing=True) as ctx:
        instance = ctx.params.get("instance")
    if not isinstance(instance, str) or instance not in command[1:]:
        raise InputError("runs reproduce", [(command[0], "its instance cannot be told from "
                                                         "the recorded command line")])
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(str(given["instance_path"])).name
        copy.write_bytes(content)
        args = list(command)
        args[args.index(instance, 1)] = str(copy)
        args = [*_without_outputs(args), "--format", "json", "--no-ledger"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = group.main(args, prog_name="capplan", standalone_mode=False)
    if code not in (None, 0):
        return False, [f"the command now exits {code}"]
    again = _stable(json.loads(out.getvalue()))
    recorded = _stable(given["document"])
    if not isinstance(again, dict) or not isinstance(recorded, dict):
        return again == recorded, ["document"]
    differences = sorted(k for k in set(again) | set(recorded)
                         if again.get(k) != recorded.get(k))
    return not differences, differences


def _without_outputs(args: list[str]) -> list[str]:
    """The command line without --out, --format, --ledger and --no-ledger (the replay writes
    no files and records nothing)."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in ("--out", "--format", "-f", "--ledger"):
            skip = "=" not in arg
            continue
        if name == "--no-ledger":
            continue
        out.append(arg)
    return out


@runs_app.command("verify")
def runs_verify(
    ledger: LedgerOpt = None,
    head: Annotated[
        list[str] | None,
        typer.Option(metavar="ID:HASH", help="A head printed by `runs anchor` earlier (kept "
                     "or published apart from the ledger) that must still be in the chain; "
                     "repeatable."),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Recompute the hash chain and check it against its anchor (and --head); print the head;
    exit 1 and name the first broken record if any."""
    from capplan.api import verification
    from capplan.cli.output import say
    from capplan.errors import InputError

    heads = []
    for given in head or []:
        run_id, sep, digest = given.partition(":")
        if not sep or not run_id.strip().isdigit() or len(digest.strip()) != 64:
            raise InputError("--head", [(given, "expected ID:HASH (the 64 hex digits "
                                               "`runs anchor` prints)")])
        heads.append((int(run_id), digest.strip().lower()))
    path, found = verification(ledger, heads)
    if found.broken is None:
        anchored = (f"anchored up to record {found.anchored}"
                    + (" with an HMAC" if found.keyed else "")
                    if found.anchored else "nothing to anchor")
        unanchored = (f"; records {found.anchored + 1}..{found.head_id} are not anchored yet"
                      if found.head_id and found.anchored < found.head_id else "")
        say([f"{path}: {found.checked} records, chain intact; {anchored}{unanchored}",
             f"head: {found.head_id or 0}:{found.head_hash}"], lang and lang.value)
        return
    say([f"{path}: record {found.broken} is broken: {found.why}",
         f"head: {found.head_id or 0}:{found.head_hash}"], lang and lang.value)
    raise typer.Exit(1)


@runs_app.command("anchor")
def runs_anchor(ledger: LedgerOpt = None, lang: LangOpt = None) -> None:
    """Print the chain's head as ID:HASH: publish or sign it apart from the ledger, and check
    it later with `runs verify --head ID:HASH` (a rewritten ledger no longer holds it)."""
    from capplan.api import verification
    from capplan.cli.output import say

    path, found = verification(ledger)
    if found.broken is not None:
        say([f"{path}: record {found.broken} is broken: {found.why}"], lang and lang.value)
        raise typer.Exit(1)
    say([f"{found.head_id or 0}:{found.head_hash}"])
