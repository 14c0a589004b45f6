"""Presentation: the plan as a rich table, the JSON document, CSV, and files in a folder.
Formatting only: every number comes from `results.Plan`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.table import Table

from capplan.core.backends import Status
from capplan.core.milestones import items_needed
from capplan.core.results import Plan, trajectory_rows
from capplan.core.routing import STAGES
from capplan.core.solve import Solution
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance
from capplan.questions.infeasibility import Infeasibility

if TYPE_CHECKING:
    import pandas as pd


PLAN_WORDS: dict[str, dict[str, Any]] = {
    "en": {"production": "yearly production", "scope": "scope", "capacity": "capacity",
           "per year": "per year", "at once": "items at once", "columns": (
               "year", "completed", "cumulative", "% scope", "eng. cap", "exec. cap"),
           "realised": "realised", "both": "realised + plan", "plan": "plan",
           "milestones": "Milestones", "beyond": "beyond horizon", "deadline": "Deadline",
           "hard": " (hard)", "done": "done by its end", "met": "met", "not met": "not met",
           "measures": "Scope", "in": "in", "out": "out", "objective": "Objective",
           "per period": "targets per {}", "per region": "targets per region",
           "quarter": "quarter", "month": "month", "engineering": "engineering",
           "execution": "execution",
           "p95 note": "  p95: the first period with {} whole items done (95% of the scope,\n"
                       "  rounded up); the yearly table rounds the cumulative"},
    "nl": {"production": "productie per jaar", "scope": "opgave", "capacity": "capaciteit",
           "per year": "per jaar", "at once": "adressen tegelijk", "columns": (
               "jaar", "gereed", "cumulatief", "% opgave", "cap. eng.", "cap. uitv."),
           "realised": "realisatie", "both": "realisatie + plan", "plan": "plan",
           "milestones": "Mijlpalen", "beyond": "na de horizon", "deadline": "Streefjaar",
           "hard": " (hard)", "done": "gereed aan het eind", "met": "gehaald",
           "not met": "niet gehaald", "measures": "Maatregelen", "in": "in", "out": "uit",
           "objective": "Doelfunctie", "per period": "doelen per {}",
           "per region": "doelen per regio", "quarter": "kwartaal", "month": "maand",
           "engineering": "engineering", "execution": "uitvoering",
           "p95 note": "  p95: de eerste periode met {} hele adressen gereed (95% van de\n"
                       "  opgave, naar boven afgerond); de jaartabel rondt het cumulatief af"},
}
"""The words of the plan's terminal view in each language."""


def render(console: Console, loaded: Loaded, solution: Solution, plan: Plan,
           infeasibility: Infeasibility | None = None, lang: str | None = None) -> None:
    """The plan in the terminal: the regulator-shaped table, the quarterly (or monthly) and
    regional integer targets, milestones, scope, objectives; in `lang` (default: the
    chosen or the locale's language), numbers written as that language does."""
    from capplan.report.words import checked, localise, number, percent

    lang = checked(lang)
    w = PLAN_WORDS[lang]
    inst = loaded.instance
    raw_title = clean(inst.programme.name + (f" [{loaded.scenario}]" if loaded.scenario else ""))
    title = escape(raw_title)
    if solution.status != Status.OPTIMAL:
        console.print(f"[bold]{title}[/bold]: [red]{localise(solution.status.value, lang)}[/red]")
        for line in infeasibility.describe() if infeasibility else []:
            console.print("  " + localise(line, lang), markup=False)
        _solver_line(console, solution, lang)
        return
    units = ", ".join(
        f"{w[stage]} {w['per year'] if spec.kind == 'throughput' else w['at once']}"
        for stage in STAGES if (spec := getattr(inst.capacity, stage)) is not None)
    table = Table(title=f"{title}: {w['production']} ({w['scope']} {number(inst.scope, lang)})",
                  title_justify="left", caption=f"{w['capacity']}: {units}" if units else None,
                  caption_justify="left")
    for name in w["columns"]:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("", justify="left")  # wraps ("realised + plan") rather than being cut
    for r in trajectory_rows(plan):
        caps = ["" if r["realised"] or math.isnan(r[s]) else number(r[s], lang) for s in STAGES]
        table.add_row(str(r["year"]), number(r["completed"], lang),
                      number(r["cumulative"], lang), percent(r["share"], lang), *caps,
                      w["realised"] if r["realised"] else (
                          w["both"] if r["year"] == inst.programme.start
                          and inst.programme.start_quarter > 1 else w["plan"]),
                      style="dim" if r["realised"] else None)
    console.print(table)
    for key, frame in integer_tables(loaded, plan).items():
        name = (w["per region"] if key == "region"
                else w["per period"].format(w[inst.programme.granularity]))
        console.print(frame_table(f"{raw_title}: {name}", frame, lang=lang))
    ms = ", ".join(f"{localise(k, lang)} {v or w['beyond']}" for k, v in plan.milestones.items())
    console.print(f"{w['milestones']}: {ms}", markup=False)
    if "p95" in plan.milestones:
        needed = items_needed(loaded.instance, "p95")
        console.print(w["p95 note"].format(number(needed, lang)), markup=False)
    if plan.deadline:
        d = plan.deadline
        console.print(f"{w['deadline']} {d['year']}{w['hard'] if d['hard'] else ''}: "
                      f"{number(d['done'], lang)} {w['done']} ({percent(d['share'], lang)}), "
                      f"{w['met'] if d['met'] else w['not met']}", markup=False)
    if plan.scope:
        console.print(f"{w['measures']}: " + ", ".join(
            f"{clean(m)} {w['in'] if v else w['out']}" for m, v in plan.scope.items()),
            markup=False)
    console.print(f"{w['objective']}: " + ", ".join(
        f"{localise(k, lang)} {number(v, lang, 1)}" if isinstance(v, float)
        else f"{localise(k, lang)} {v}" for k, v in plan.objective.items()), markup=False)
    _solver_line(console, solution, lang)


def integer_tables(loaded: Loaded, plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan's whole-number targets below the year, shaped for the terminal: per year
    and quarter (or month) (`period`), and per year and region (`region`), each row adding
    up to the year's target (`capplan.core.targets`). Empty when periods are years and
    there is one region."""
    out: dict[str, pd.DataFrame] = {}
    inst = loaded.instance
    regions = len({s.region for s in inst.segment})
    if inst.programme.granularity == "year" and regions == 1:
        return out  # nothing below the year (and pandas not loaded for it)
    from capplan.core.targets import period_targets, regional_targets

    if inst.programme.granularity != "year":
        periods = period_targets(plan)
        within = periods["period"].str.replace(r"^\d{4}-?", "", regex=True)
        wide = (periods.assign(within=within)
                .pivot(index="year", columns="within", values="completed"))
        wide = wide.astype("Int64").reset_index().rename_axis(columns=None)
        wide["year total"] = wide.drop(columns="year").sum(axis=1).astype(int)
        out["period"] = wide
    if regions > 1:
        regional = regional_targets(plan)
        wide = (regional.pivot(index="year", columns="region", values="completed")
                .reset_index().rename_axis(columns=None))
        wide["year total"] = wide.drop(columns="year").sum(axis=1).astype(int)
        out["region"] = wide
    return out


def _solver_line(console: Console, solution: Solution, lang: str = "en") -> None:
    import textwrap

    from capplan.report.words import localise

    how = f" ({solution.algorithm})" if solution.algorithm else ""
    line = localise(
        f"Solver: {solution.solver} ({solution.method}), {solution.solves} solves{how}, "
        f"{solution.solver_seconds:.3f} s in the solver, "
        f"{solution.build_seconds + solution.load_seconds:.3f} s building, "
        f"{solution.seconds:.3f} s in all", lang)
    # wrapped at spaces to the terminal's width, as the p95 note is (soft_wrap would cut words)
    console.print(textwrap.fill(line, width=max(console.width, 40), subsequent_indent="  ",
                                break_on_hyphens=False), style="dim", markup=False)


def variance_view(table: pd.DataFrame) -> pd.DataFrame:
    """The variance table for the terminal: one row per period (year, or up to the as-of
    quarter) and segment, planned and realised items and the difference in % per stage.
    Segments with nothing planned or realised are left out, and a lone segment's rows (they
    repeat the total)."""
    import pandas as pd

    shown = table[(table["planned"].abs() + table["actual"].abs()) > 0.05]
    if shown["segment"].nunique() <= 2 and (shown["segment"] != "all").any():
        shown = shown[shown["segment"] == "all"]
    rows: list[dict[str, Any]] = []
    for (through, segment), part in shown.groupby(["through", "segment"], sort=False):
        row: dict[str, Any] = {"period": through, "segment": segment}
        for stage, short in (("engineering", "eng."), ("execution", "exec.")):
            got = part[part["stage"] == stage]
            planned = float(got["planned"].sum())
            actual = float(got["actual"].sum())
            pct = got["difference_pct"].iloc[0] if len(got) else None
            row[f"{short} planned"] = round(planned)
            row[f"{short} realised"] = round(actual)
            row[f"{short} %"] = f"{pct:+.1f}%" if pct is not None and pd.notna(pct) else ""
        rows.append(row)
    return pd.DataFrame(rows)


def frame_table(title: str, frame: pd.DataFrame, index: bool = False, keys: int = 1,
                lang: str | None = None) -> FittedTable:
    """A DataFrame as a table that fits the terminal: integers with thousands separators,
    floats to one decimal, missing values blank, control characters escaped; the first
    `keys` columns are key columns (see `FittedTable`)."""
    from pandas.api.types import is_numeric_dtype

    from capplan.report.words import checked, label, localise

    lang = checked(lang)
    data = frame.reset_index() if index else frame
    headers = [clean(label(str(name), lang)) for name in data.columns]
    title = localise(title, lang)
    if keys == 1:  # the leading columns that say what a row is
        keys = max(1, next((k for k, name in enumerate(data.columns)
                            if str(name) not in KEY_COLUMNS), len(data.columns)))
        keys = min(keys, 2)
    right = [bool(is_numeric_dtype(data[name])) for name in data.columns]
    rows = [[clean(str(v) if str(name) == "year" else label(v, lang)
                   if str(name) == "" and isinstance(v, str) else _cell(v, lang))
             for name, v in zip(data.columns, row, strict=True)]
            for row in data.itertuples(index=False)]
    return FittedTable(clean(title), headers, rows, right, keys,
                       continued=localise("(continued)", lang))


KEY_COLUMNS = {"", "year", "period", "through", "segment", "region", "variant", "id", "stage",
               "milestone", "risk", "change", "name", "index"}
"""Column names that say what a row is: kept whole and repeated when a table is split."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters (ANSI escapes start with \\x1b): never sent to a terminal from text an
instance supplies."""


def clean(text: str) -> str:
    """`text` with control characters written out (`\\x1b[31m` instead of an escape that
    would colour the terminal)."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


class FittedTable:
    """A table that fits the width it is printed at, cutting no cell.

    Each column needs the width of its longest cell and of its header's longest word (headers
    wrap at spaces); the first `keys` columns (what a row is: year, period, segment, variant
    row label) are never wrapped. When the columns do not fit side by side, they are split
    into several tables, each repeating the key columns ("(continued)"). A cell longer than
    half the width (a path, a description) wraps onto several lines rather than being cut.
    """

    def __init__(self, title: str, headers: list[str], rows: list[list[str]],
                 right: list[bool], keys: int = 1, continued: str = "(continued)") -> None:
        self.title = title
        self.continued = continued
        self.headers = headers
        self.rows = rows
        self.right = right
        self.keys = min(keys, len(headers))

    def needs(self, width: int) -> list[int]:
        """The width each column needs to show every cell whole (capped at half of `width`,
        beyond which a cell wraps)."""
        out = []
        for k, name in enumerate(self.headers):
            longest = max([len(word) for word in name.split()] or [0])
            for row in self.rows:
                longest = max(longest, len(row[k]))
            out.append(min(max(longest, 1), max(8, width // 2)))
        return out

    def groups(self, width: int) -> list[list[int]]:
        """Column indices per table: the key columns, then as many others as fit."""
        need = self.needs(width)
        keys = list(range(self.keys))
        used = sum(need[k] + 3 for k in keys) + 1
        groups: list[list[int]] = []
        current: list[int] = []
        room = used
        for k in range(self.keys, len(self.headers)):
            if current and room + need[k] + 3 > width:
                groups.append(current)
                current, room = [], used
            current.append(k)
            room += need[k] + 3
        if current or not groups:
            groups.append(current)
        return [keys + group for group in groups]

    def widths(self, group: list[int], width: int) -> list[int]:
        """Each column's width in a table of `group`: what it needs, then widened towards
        its whole header on one line while the table still fits."""
        need = self.needs(width)
        sizes = [need[k] for k in group]
        room = width - (sum(sizes) + 3 * len(group) + 1)
        for i, k in enumerate(group):
            whole = min(max(len(self.headers[k]), need[k]), max(8, width // 2))
            grow = max(0, min(room, whole - sizes[i]))
            sizes[i] += grow
            room -= grow
        return sizes

    def tables(self, width: int) -> list[Table]:
        out = []
        for n, group in enumerate(self.groups(width)):
            title = self.title if n == 0 else f"{self.title} {self.continued}"
            table = Table(title=escape(title) if title else None, title_justify="left")
            for k, size in zip(group, self.widths(group, width), strict=True):
                table.add_column(escape(self.headers[k]), width=size, overflow="fold",
                                 justify="right" if self.right[k] else "left")
            for row in self.rows:
                table.add_row(*(escape(row[k]) for k in group))
            out.append(table)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.tables(options.max_width)


def transposed(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows become columns named by `key` (for a side-by-side view of variants)."""
    out = frame.set_index(key).T.astype(object)
    out.index.name = ""
    return out.reset_index()


def _cell(value: Any, lang: str = "en") -> str:
    from capplan.report.words import localise, number

    if isinstance(value, str):  # a label or sentence: in Dutch through the phrase book
        return localise(value, lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return ("ja" if value else "nee") if lang == "nl" else ("yes" if value else "no")
    if isinstance(value, int | np.integer):
        return number(int(value), lang)
    if isinstance(value, float | np.floating):
        return number(float(value), lang, 1)
    return str(value)


def summary(console: Console, loaded: Loaded, columns: int, rows: int,
            lang: str | None = None) -> None:
    """`capplan validate`: a short description of a valid instance (in `lang`)."""
    from capplan.report.words import checked, localise

    lang = checked(lang)
    inst: Instance = loaded.instance
    p = inst.programme
    console.print(f"[green]{localise('valid', lang)}[/green]: " + escape(
        str(loaded.path) + (f" [{loaded.scenario}]" if loaded.scenario else "")))
    lines = [f"{p.name}: {p.start}-{p.horizon_end} by {p.granularity}"
             + (f", deadline {p.deadline}{' (hard)' if p.hard_deadline else ''}"
                if p.deadline else ""),
             f"scope {inst.scope:,}: {inst.history.total:,} done before {p.start}, "
             f"{inst.remaining:,} remaining in {len(inst.segment)} segments"]
    regions: dict[str, int] = {}
    for seg in inst.segment:
        regions[seg.region] = regions.get(seg.region, 0) + seg.count
    lines.append("regions: " + ", ".join(f"{r} {c:,}" for r, c in regions.items()))
    if inst.measure:
        lines.append("measures: " + ", ".join(f"{m.id} ({m.mode})" for m in inst.measure))
    for stage in STAGES:
        spec = getattr(inst.capacity, stage)
        if spec is not None:
            lines.append(f"{stage} capacity ({spec.kind}): {spec.initial:,.0f} -> max "
                         f"{spec.max:,.0f}, ramp up {_limit(spec.ramp_up)}, "
                         f"down {_limit(spec.ramp_down)} per year")
    lines.append("objective: " + ", ".join(inst.objective.terms))
    if inst.scenarios:
        lines.append("scenarios: " + ", ".join(inst.scenarios))
    lines.append(f"model: {columns:,} columns, {rows:,} rows")
    for line in lines:
        console.print("  " + localise(line, lang), markup=False)


def _limit(value: float | None) -> str:
    return "unlimited" if value is None else f"{value:,.0f}"
