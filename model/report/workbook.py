"""Result workbooks fit to share: a front sheet with the headline, then one sheet per table.

The front sheet says what was asked and what came out: the programme, the instance and its
input hash, scenario(s) and overrides, the milestones, the deadline's verdict, the capacity
added and what it gains (whatif), the variants (compare), the actuals and baseline (replan),
the verdict in sentences, the version and the time written. Every table sheet has its unit in
each header (`completed (items)`), whole numbers for items and counts, one decimal for rates,
percentages with a sign where they are differences, periods and quarters as text, widths that
fit, the header row frozen and filtered.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import TYPE_CHECKING, Any

from capplan.report.words import localise, number, percent, word
from capplan.version import __version__

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet


TEXT = re.compile(r"^(period|through|by|as_of|p\d\d|finish|p50|p95|quarter|.*_quarter|"
                  r"completion.*|engineering_start|execution_start|start|.*done_by|"
                  r"milestone|P10|P50|P90|P50 finish.*|.*from|.*to)$")
"""Columns of period labels (2028Q3): written as text, never as numbers or dates."""
PERCENT = re.compile(r"(^|_)(share|pct|percent)($|_)|%")
SIGNED = re.compile(r"(difference|delta|change|gain|saved|swing|vs_)")
UNITS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"_months$|^months"), "months"),
    (re.compile(r"_quarters$"), "quarters"),
    (re.compile(r"^waiting|waiting_saved"), "item-years"),
    (re.compile(r"capacity_years"), "capacity-years"),
    (re.compile(r"^least_peak_|^peak_(engineering|execution)$|^(engineering|execution)$"),
     "capacity"),
    (re.compile(r"^(eng|exec)_(start|done)$|^backlog$|^ready$"), "items"),
    (re.compile(r"^(completed|cumulative|remaining|planned|actual|target|optimal|difference|"
                r"peak_production|count|addresses|items|last_5|last_1|done|started|"
                r"postponed|in_tail)$"), "items"),
]
WHOLE = re.compile(r"^(year|completed|cumulative|remaining|planned|actual|target|optimal|"
                   r"difference|peak_production|count|addresses|items|last_5|last_1|"
                   r"started|postponed|sample|.*_months|.*_quarters)$")
"""Columns counted in whole items, months or quarters."""
FORMATS = {"whole": "#,##0", "decimal": "#,##0.0", "year": "0", "percent": '0.0"%"',
           "signed_percent": '+0.0"%";-0.0"%";0.0"%"', "signed": "+#,##0;-#,##0;0",
           "text": "@"}


def unit_of(column: str) -> str | None:
    """The unit of a result column, from its name (None when it has none to state)."""
    if PERCENT.search(column):
        return "%"
    return next((unit for pattern, unit in UNITS if pattern.search(column)), None)


def format_of(column: str, values: pd.Series) -> str:
    """The Excel number format of a column (a key of FORMATS)."""
    from pandas.api.types import (
        is_bool_dtype,
        is_float_dtype,
        is_integer_dtype,
        is_numeric_dtype,
    )

    if column == "year":
        return "year"
    if is_integer_dtype(values) and not is_bool_dtype(values) and not TEXT.match(column):
        return "signed" if SIGNED.search(column) else "whole"
    if (TEXT.match(column) and not is_float_dtype(values)) or is_bool_dtype(values):
        return "text"  # a float column named like P50 holds figures (the fan), not labels
    numeric = is_numeric_dtype(values) or all(
        v is None or isinstance(v, int | float) for v in values.dropna().head(50))
    if not numeric:
        return "text"
    if PERCENT.search(column):
        return "signed_percent" if SIGNED.search(column) else "percent"
    if WHOLE.match(column):
        return "signed" if SIGNED.search(column) else "whole"
    return "decimal"


UNITS_NL = {"items": "adressen", "months": "maanden", "quarters": "kwartalen",
            "item-years": "adresjaren", "capacity-years": "capaciteitsjaren",
            "capacity": "capaciteit", "%": "%"}


def header(column: str, lang: str = "en") -> str:
    """The column's name with its unit: `completed (items)` (Dutch: `gereed (adressen)`)."""
    from capplan.report.words import label as named

    unit = unit_of(column)
    name = named(column, lang)
    if lang == "nl" and unit:
        unit = UNITS_NL.get(unit, unit)
    return f"{name} ({unit})" if unit and unit not in column and "(" not in name else name


def headline(result: Any, lang: str = "en") -> list[tuple[str, Any]]:
    """The front sheet's rows: (label, value) for what was asked and what came out, in
    `lang` (labels and sentences made in English, then localised)."""
    rows = _headline(result)
    if lang != "nl":
        return rows
    return [(localise(label, lang), localise(value, lang) if isinstance(value, str) else value)
            for label, value in rows]


def _headline(result: Any) -> list[tuple[str, Any]]:
    """The front sheet's rows in English."""
    lang = "en"
    doc = result.to_dict()
    loaded = result.loaded
    rows: list[tuple[str, Any]] = [
        ("command", result.kind),
        ("programme", loaded.instance.programme.name),
        ("instance", str(loaded.path)),
        ("input sha256", loaded.sha256),
        ("scenario", loaded.scenario or "(none)"),
        ("overrides (--set)", "; ".join(loaded.overrides) or "(none)"),
    ]
    scope = doc.get("scope")
    if isinstance(scope, dict) and scope:
        rows.append(("measures", "; ".join(f"{m} {'in' if v else 'out'}"
                                           for m, v in scope.items())))
    milestones = doc.get("milestones") or doc.get("optimal_milestones") or {}
    for name, at in milestones.items():
        rows.append((f"{word('milestones', lang)}: {name}", at or word("beyond", lang)))
    deadline = doc.get("deadline")
    if isinstance(deadline, dict) and deadline:
        share = percent(deadline["share"], lang)
        verdict = word("met" if deadline["met"] else "not_met", lang)
        rows.append((f"{word('deadline', lang)} {deadline['year']}",
                     f"{number(deadline['done'], lang)} ({share}), {verdict}"))
    kind = result.kind
    if kind == "compare":
        rows.append(("scenarios", "; ".join(dict.fromkeys(
            o.variant.scenario or "(none)" for o in result.outcomes))))
        rows.append(("variants", "; ".join(o.variant.label for o in result.outcomes)))
        for o in result.outcomes:
            rows.append((f"{o.variant.label}", f"p95 {o.plan.milestones.get('p95')}, finish "
                                               f"{o.plan.milestones.get('finish')}"))
    if kind == "whatif":
        rows.append(("capacity added", "; ".join(result.described or result.additions)
                     or "(marginal only)"))
        for key, value in (result.gains or {}).items():  # item-years to one decimal
            rows.append((key.replace("_", " "), round(value, 1)
                         if isinstance(value, float) else value))
    if kind == "replan":
        r = result.replanned
        rows += [("actuals", r.actuals.source), ("actuals sha256", r.actuals.sha256),
                 ("as of", r.actuals.as_of.label), ("baseline", r.baseline.source)]
        rows += [("baseline " + k, v) for k, v in r.baseline.milestones.items()]
    if kind == "evaluate":
        rows.append(("targets file", result.targets_file or "(given in memory)"))
    if kind == "sweep":
        rows += [("samples", result.samples), ("seed", result.seed)]
    lines: list[str] = []
    if kind in ("evaluate", "explain", "whatif"):
        lines = result.sentences()
    elif kind == "sweep":
        lines = result.verdict()
    elif kind == "replan":
        lines = list(result.replanned.moves)
    elif kind == "claims":
        lines = result.sentences()
    for k, line in enumerate(lines, start=1):
        rows.append((f"{word('verdict', lang)} {k}", line))
    rows += [("capplan", __version__),
             ("written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))]
    return rows


def results_workbook(tables: dict[str, pd.DataFrame], front: list[tuple[str, Any]],
                     lang: str = "en") -> bytes:
    """The workbook: the front sheet (`front`'s rows), then one formatted sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "about" if lang == "en" else "overzicht"
    about.append([word("item", lang), word("value", lang)])
    for label, value in front:
        about.append([label, _cell(value)])
    for cell in about[1]:
        cell.font = Font(bold=True)
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 90
    for row in about.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
        if isinstance(row[1].value, str):
            row[1].number_format = "@"
    about.freeze_panes = "A2"
    for name, frame in tables.items():
        _sheet(book.create_sheet(sheet_name(name, lang)), frame, lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_name(table: str, lang: str = "en") -> str:
    """A table's sheet name: its name (`trajectory`), in Dutch its Dutch name (`verloop`),
    at most 31 characters as Excel allows."""
    from capplan.report.words import SHEETS_NL

    if lang != "nl":
        return table[:31]
    if table in SHEETS_NL:
        return SHEETS_NL[table]
    dutch = localise(table.replace("_", " "), lang)
    return (dutch if dutch != table.replace("_", " ") else table)[:31]


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k} {v}" for k, v in value.items())
    return "" if value is None else value


def _text(value: Any, lang: str = "en") -> str:
    """A label as text: 2028.0 (a year read as a float) as `2028`, True as yes (ja)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return ("ja" if value else "nee") if lang == "nl" else ("yes" if value else "no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return localise(str(value), lang) if isinstance(value, str) else str(value)


def _sheet(ws: Worksheet, frame: pd.DataFrame, lang: str) -> None:
    """One table: headers with units (bold, frozen, filtered), formats and widths."""
    import math

    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = [str(c) for c in frame.columns]
    kinds = [format_of(c, frame[c]) for c in frame.columns]
    ws.append([header(c, lang) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        values: list[Any] = []
        for value, kind in zip(row, kinds, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                values.append(None)
            elif kind == "text":
                values.append(_text(value, lang))
            elif kind in ("whole", "signed", "year"):
                values.append(round(float(value)))
            elif hasattr(value, "item"):
                values.append(value.item())
            else:
                values.append(value)
        ws.append(values)
    for k, (column, kind) in enumerate(zip(columns, kinds, strict=True), start=1):
        letter = get_column_letter(k)
        for (cell,) in ws.iter_rows(min_row=2, min_col=k, max_col=k):
            cell.number_format = FORMATS[kind]
        longest = max([len(header(column, lang))]
                      + [len(str(v)) for v in frame[column].head(500)])
        ws.column_dimensions[letter].width = min(60, max(8, longest + 2))
    ws.freeze_panes = "A2" if len(columns) < 2 else "B2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions
