"""Options shared by the commands, declared once (typer annotations; nothing heavy imported)."""


from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"
    glop = "glop"
    scip = "scip"


class Method(StrEnum):
    auto = "auto"
    search = "search"
    milp = "milp"


class Rule(StrEnum):
    fifo = "fifo"
    risk = "risk"


InstanceArg = Annotated[
    str,
    typer.Argument(
        metavar="INSTANCE",
        help="Instance: a TOML file (format v1), a filled .xlsx template, or "
        "the name of a shipped example (see `capplan examples`)."
    ),
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", "-s", metavar="NAME", help="A [scenarios.NAME] block to apply."),
]
ScenariosOpt = Annotated[
    list[str] | None,
    typer.Option("--scenario", "-s", metavar="NAME", help="A scenario (repeatable)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override PATH=VALUE, e.g. measure.M29.mode=in "
        "(repeatable; segment names may be globs).",
    ),
]
ObjectiveOpt = Annotated[
    str | None,
    typer.Option(metavar="TERMS", help="Lexicographic terms, e.g. finish,waiting or tail,cost."),
]
SolverOpt = Annotated[Solver, typer.Option(help="Solver backend.")]
MethodOpt = Annotated[
    Method,
    typer.Option(
        help="search: LP search over milestones and enumerated scope "
        "choices; milp: one MILP; auto: search unless many choices."
    ),
]
TimeLimitOpt = Annotated[
    float, typer.Option(metavar="SECONDS", min=0.1, help="Seconds each solve may take.")
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        metavar="DIR",
        help="Folder for the tables (CSV and one .xlsx workbook), the "
        "JSON document and the charts (PNG).",
    ),
]
LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        metavar="PATH",
        help="Run ledger (SQLite); default $CAPPLAN_LEDGER, else capplan-runs.sqlite "
        "in the current folder.",
    ),
]
NoLedgerOpt = Annotated[bool, typer.Option("--no-ledger", help="Do not record this run.")]
RunIdArg = Annotated[int, typer.Argument(metavar="RUN", help="Run id.")]


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class Lang(StrEnum):
    nl = "nl"
    en = "en"


LogLevelOpt = Annotated[
    LogLevel,
    typer.Option(
        "--log-level",
        help="Log lines on standard error when it is not a terminal: info (default) gives "
        "progress, warning only problems.",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display and no log lines.")
]
LangOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        help="Language of tables, workbooks, charts and documents (default: the locale's).",
    ),
]
AllowLargeOpt = Annotated[
    bool,
    typer.Option(
        "--allow-large",
        help="Build a model larger than the size budget (about 1 million columns, 10 million "
        "nonzeros, 10 measures in mode choose; see docs/input-limits.md).",
    ),
]
