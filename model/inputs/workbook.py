"""Excel: an instance template, reading a filled workbook as an instance, and writing result
tables as a workbook.

Input sheets (row 1 headers, row 2 units, data from row 3): programme and objective as
key/value pairs; history, segments, capacity, measures, regions, scenarios, risks and
assumptions as one row per item (a risk's effects one row each; an assumption's range as its
low and high). Profiles (`released`, capacity `extra`) are written `2025=800; 2026=400`, lists
(`segments`, `terms`) comma-separated. Reading gives the same raw mapping as TOML, so the same
schema validates it; each key remembers its cell, so a message names sheet, row and column.
The template's help (units, notes, meanings, validation messages) is written in English or
Dutch (`templates/workbook.nl.toml`); sheet names, headers and keys are the same in both.
"""

from __future__ import annotations

import io
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capplan.errors import InputError
from capplan.inputs.schema import Instance

if TYPE_CHECKING:
    from openpyxl.worksheet.datavalidation import DataValidation

# sheet -> [(column, unit, description)]
SHEETS: dict[str, list[tuple[str, str, str]]] = {
    "programme": [("key", "", "programme key (every key is listed below)"),
                  ("value", "", "its value; leave blank for the default"),
                  ("unit", "", "the value's unit"), ("meaning", "", "what the key means")],
    "history": [("year", "year", "a year before start, or 'before' for the total before "
                                 "the first year"), ("completed", "items", "realised")],
    "segments": [
        ("name", "", "letters, digits, - and _"), ("region", "", "region name"),
        ("count", "items", "remaining, including those in progress"),
        ("engineering_days", "days", "engineering lead time"),
        ("execution_days", "days", "execution lead time"),
        ("workload_engineering", "weight", "default 1"),
        ("workload_execution", "weight", "default 1"),
        ("released", "year=items; ...", "release profile; empty = all at start"),
        ("in_progress_engineering", "items", "in engineering at the start"),
        ("in_progress_ready", "items", "engineered, waiting for execution"),
        ("in_progress_execution", "items", "in execution at the start"),
    ],
    "capacity": [
        ("stage", "", "engineering or execution"), ("kind", "", "throughput or concurrent"),
        ("initial", "per year / at once", "level in the year before start"),
        ("max", "per year / at once", "ceiling"), ("min", "per year / at once", "floor"),
        ("ramp_up", "per year", "most growth a year; empty = unlimited"),
        ("ramp_down", "per year", "most decline a year; empty = unlimited"),
        ("ramp_up_rel", "share per year", "optional"), ("ramp_down_rel", "share per year",
                                                        "optional"),
        ("cost", "per unit-year", "capacity cost"),
        ("extra", "year=amount; ...", "capacity given from that year on"),
    ],
    "measures": [
        ("id", "", "e.g. M29"), ("name", "", ""), ("segments", "globs, comma-separated", ""),
        ("share", "0..1", "share of the named segments' items"),
        ("extra_days_engineering", "days", ""), ("extra_days_execution", "days", ""),
        ("extra_workload_engineering", "weight", ""), ("extra_workload_execution", "weight", ""),
        ("mode", "", "in, out or choose"), ("value", "per item", "for the scope term"),
    ],
    "regions": [("name", "", "a segment region"), ("execution_max", "per year",
                                                   "regional execution ceiling")],
    "objective": [("key", "", "terms or tolerance"), ("value", "", "finish, waiting / "
                                                                   "finish=1"),
                  ("unit", "", "the value's unit"), ("meaning", "", "what the key means")],
    "scenarios": [("scenario", "", "scenario name"), ("path", "", "e.g. capacity.execution.max"),
                  ("value", "", "TOML value")],
    "risks": [("id", "", "risk id; one row per effect, rows of one risk share the id"),
              ("description", "", ""), ("likelihood", "0..1", "probability it occurs"),
              ("path", "", "what it changes, e.g. segment.*.engineering_days"),
              ("distribution", "", "fixed, uniform, triangular or choice"),
              ("values", "comma-separated", "fixed: V; uniform: low, high; triangular: low, "
                                            "mode, high; choice: V1, V2, ..."),
              ("weights", "comma-separated", "choice only, optional")],
    "assumptions": [("id", "", "assumption id (capplan claims calibrates it)"),
                    ("paths", "comma-separated", "--set paths, globs allowed, e.g. "
                                                 "segment.*-light.in_progress.ready"),
                    ("low", "same as the paths", "lowest credible value"),
                    ("high", "same as the paths", "highest credible value"),
                    ("source", "", "why this range (a source, or why it is assumed)")],
}
KEYS: dict[str, list[tuple[str, str, str]]] = {
    "programme": [
        ("name", "text", "the programme's name, printed on every output"),
        ("start", "year", "first planned year"),
        ("start_quarter", "quarter 1-4", "first planned quarter of the start year (default 1)"),
        ("horizon_end", "year", "last planned year"),
        ("granularity", "year, quarter or month", "length of a period (default quarter)"),
        ("deadline", "year", "policy target: everything done by the end of this year "
                             "(optional)"),
        ("hard_deadline", "true or false", "true: a plan must meet the deadline "
                                           "(default false: reported only)"),
    ],
    "objective": [
        ("terms", "comma-separated", "lexicographic terms: finish, pNN (p95), tail, smooth, "
                                     "waiting, cost, scope (default finish, p95, smooth, "
                                     "waiting)"),
        ("tolerance", "term=amount; ...", "how far each term may give: periods for finish "
                                          "and pNN, a share (0.01 = 1%) for the others"),
    ],
}
"""Every key of the key/value sheets, with its unit and meaning (listed in the template)."""
WHOLE = {("history", "completed"), ("segments", "count"),
         ("segments", "in_progress_engineering"), ("segments", "in_progress_ready"),
         ("segments", "in_progress_execution")}
"""Columns that hold whole numbers (counts of items)."""
ENUMS = {("capacity", "stage"): ["engineering", "execution"],
         ("capacity", "kind"): ["throughput", "concurrent"],
         ("measures", "mode"): ["in", "out", "choose"],
         ("risks", "distribution"): ["fixed", "uniform", "triangular", "choice"]}
FIRST_DATA_ROW = 3
LANGS = ("en", "nl")
VALIDATION = {"choose": "Choose one of: {choices}.", "whole": "A whole number, 0 or more.",
              "number": "A number, 0 or more.", "share": "A share between 0 and 1."}
"""The sentence ending a validation message, by the kind of rule ({choices}: the values)."""
WORDING = {"nl": Path(__file__).parent / "templates" / "workbook.nl.toml"}
"""The translations of the template's help, by language (English is SHEETS, KEYS and
VALIDATION themselves)."""


@cache
def wording(lang: str = "en") -> dict[str, dict[str, Any]]:
    """The template's help in `lang`: `units` (English unit -> text), `notes` (sheet ->
    column -> note), `meanings` (sheet -> key -> meaning) and `validation` (kind ->
    sentence); ValueError for a language other than en or nl."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: choose nl or en")
    if lang in WORDING:
        return tomllib.loads(WORDING[lang].read_text(encoding="utf-8"))
    columns = [c for table in (SHEETS, KEYS) for rows in table.values() for c in rows]
    return {"units": {unit: unit for _, unit, _ in columns if unit},
            "notes": {sheet: {name: note for name, _, note in rows if note}
                      for sheet, rows in SHEETS.items()},
            "meanings": {sheet: {key: meaning for key, _, meaning in rows}
                         for sheet, rows in KEYS.items()},
            "validation": dict(VALIDATION)}


def _say(words: dict[str, dict[str, Any]], part: str, english: str, sheet: str = "",
         key: str = "") -> str:
    """The text of `part` for an English text (a unit by itself, a note or meaning by sheet
    and key) in the chosen wording; the English text where the wording lacks it."""
    if not english:
        return ""
    table = words.get(part, {})
    found = table.get(sheet, {}).get(key) if sheet else table.get(english)
    return str(found) if found is not None else english


def _profile(values: dict[str, Any] | None) -> str:
    return "; ".join(f"{k}={v}" for k, v in (values or {}).items())


def instance_rows(instance: Instance | None) -> dict[str, list[list[Any]]]:
    """The rows of each sheet for an instance (empty sheets without one)."""
    if instance is None:
        return {name: [] for name in SHEETS}
    p, h = instance.programme, instance.history
    rows: dict[str, list[list[Any]]] = {
        "programme": [["name", p.name], ["start", p.start], ["start_quarter", p.start_quarter],
                      ["horizon_end", p.horizon_end],
                      ["granularity", p.granularity], ["deadline", p.deadline],
                      ["hard_deadline", p.hard_deadline]],
        "history": [["before", h.completed_before]] + [[int(y), c] for y, c in
                                                       h.completed.items()],
        "segments": [[s.name, s.region, s.count, s.engineering_days, s.execution_days,
                      s.workload.engineering, s.workload.execution, _profile(s.released),
                      s.in_progress.engineering, s.in_progress.ready, s.in_progress.execution]
                     for s in instance.segment],
        "capacity": [[stage, c.kind, c.initial, c.max, c.min, c.ramp_up, c.ramp_down,
                      c.ramp_up_rel, c.ramp_down_rel, c.cost, _profile(c.extra)]
                     for stage in ("engineering", "execution")
                     if (c := getattr(instance.capacity, stage)) is not None],
        "measures": [[m.id, m.name, ", ".join(m.segments), m.share, m.extra_days.engineering,
                      m.extra_days.execution, m.extra_workload.engineering,
                      m.extra_workload.execution, m.mode, m.value] for m in instance.measure],
        "regions": [[r.name, r.execution_max] for r in instance.region],
        "objective": [["terms", ", ".join(instance.objective.terms)],
                      ["tolerance", _profile(instance.objective.tolerance)]],
        "scenarios": [[name, path, _toml(value)] for name, block in instance.scenarios.items()
                      for path, value in block.items()],
        "risks": [[risk.id, risk.description, risk.likelihood, e.path, e.kind,
                   ", ".join(_toml(v) for v in _as_list(getattr(e, e.kind))),
                   ", ".join(map(str, e.weights or []))]
                  for risk in instance.risk for e in risk.effect],
        "assumptions": [[a.id, ", ".join(a.paths), a.range[0], a.range[1], a.source]
                        for a in instance.assumption],
    }
    return rows


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _toml(value: Any) -> str:
    import json

    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def template(instance: Instance | None = None, lang: str = "en") -> bytes:
    """An .xlsx workbook with a sheet per part of the instance format: headers, units, data
    validation (lists for enums, ranges for numbers), filled from `instance` if given; its
    help (units, notes, meanings, validation messages) in `lang` (en or nl), its sheet
    names, headers and keys the same in every language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = wording(lang)
    book = Workbook()
    for sheet in list(book.worksheets):
        book.remove(sheet)
    filled = instance_rows(instance)
    for sheet, columns in SHEETS.items():
        ws = book.create_sheet(sheet)
        for col, (name, unit, note) in enumerate(columns, start=1):
            ws.cell(1, col, name).font = Font(bold=True)
            ws.cell(2, col, _say(words, "units", unit)).font = Font(italic=True,
                                                                    color="808080")
            if note:
                from openpyxl.comments import Comment

                ws.cell(1, col).comment = Comment(_say(words, "notes", note, sheet, name),
                                                  "capplan")
            ws.column_dimensions[ws.cell(1, col).column_letter].width = max(12, len(name) + 2)
            letter = ws.cell(1, col).column_letter
            cells = f"{letter}{FIRST_DATA_ROW}:{letter}500"
            rule = _validation(sheet, name, unit, note, words)
            if rule is None:
                continue
            ws.add_data_validation(rule)
            rule.add(cells)
        rows = _with_keys(sheet, filled[sheet], words)
        for r, row in enumerate(rows, start=FIRST_DATA_ROW):
            for c, value in enumerate(row, start=1):
                ws.cell(r, c, value)
        ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
        if sheet in KEYS:
            for letter, width in zip("ABCD", (16, 28, 24, 70), strict=True):
                ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _validation(sheet: str, name: str, unit: str, note: str,
                words: dict[str, dict[str, Any]] | None = None) -> DataValidation | None:
    """The data validation of a column, enforced (a wrong value is refused with a message
    naming the column, what it holds and its unit, in the wording `words`, default English):
    a list for enums, whole numbers >= 0 for counts, numbers >= 0 for days, weights,
    capacities and costs, 0..1 for shares. The kind of rule follows the English unit."""
    from openpyxl.worksheet.datavalidation import DataValidation

    words = words if words is not None else wording("en")
    said_unit, said_note = _say(words, "units", unit), _say(words, "notes", note, sheet, name)
    what = f"{name}: {said_note or said_unit}" + (f" ({said_unit})" if unit and note else "")
    if (sheet, name) in ENUMS:
        rule = DataValidation(type="list", formula1='"' + ",".join(ENUMS[sheet, name]) + '"',
                              allow_blank=True)
        kind = "choose"
    elif (sheet, name) in WHOLE:
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True)
        kind = "whole"
    elif unit in ("items", "days", "weight", "per year", "per unit-year") or \
            unit.startswith("per year /"):
        rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True)
        kind = "number"
    elif unit.startswith("0..1") or unit == "share per year":
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                              allow_blank=True)
        kind = "share"
    else:
        return None
    sentence = str(words.get("validation", {}).get(kind, VALIDATION[kind]))
    message = f"{what}. " + sentence.format(choices=", ".join(ENUMS.get((sheet, name), [])))
    rule.showErrorMessage = True
    rule.errorStyle = "stop"
    rule.errorTitle = f"{sheet}: {name}"[:32]
    rule.error = message[:255]
    rule.showInputMessage = True
    rule.promptTitle = name[:32]
    rule.prompt = message[:255]
    return rule


def _with_keys(sheet: str, rows: list[list[Any]],
               words: dict[str, dict[str, Any]] | None = None) -> list[list[Any]]:
    """A key/value sheet's rows with every key listed, each with its unit and meaning in the
    wording `words` (default English; keys without a value left blank: the default applies);
    other sheets' rows as they are."""
    if sheet not in KEYS:
        return rows
    words = words if words is not None else wording("en")
    values = {str(row[0]): row[1] for row in rows}
    return [[key, values.get(key), _say(words, "units", unit),
             _say(words, "meanings", meaning, sheet, key)] for key, unit, meaning in KEYS[sheet]]


def _cells(path: Path) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Each sheet's data rows as (row number, {column: value}), blank rows skipped."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a bad file
        raise InputError(str(path), [("", f"not a readable .xlsx workbook ({exc})")]) from None
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        data = []
        for number, values in enumerate(rows[FIRST_DATA_ROW - 1:], start=FIRST_DATA_ROW):
            record = {h: v for h, v in zip(header, values, strict=False) if h and v is not None
                      and str(v).strip() != ""}
            if record:
                data.append((number, record))
        out[ws.title] = data
    return out


class _Reader:
    """Builds the raw instance mapping and remembers the cell of every key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw: dict[str, Any] = {}
        self.where: dict[str, str] = {}
        self.problems: list[tuple[str, str]] = []

    def cell(self, sheet: str, row: int, column: str) -> str:
        letters = [c for c, _, _ in SHEETS.get(sheet, [])]
        letter = chr(ord("A") + letters.index(column)) if column in letters else "?"
        return f"sheet {sheet}, row {row}, column {column} ({letter}{row})"

    def put(self, key: str, value: Any, sheet: str, row: int, column: str) -> Any:
        self.where[key] = self.cell(sheet, row, column)
        return value

    def profile(self, text: Any, sheet: str, row: int, column: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for part in str(text).split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = None
            if not sep or number is None:
                self.problems.append((self.cell(sheet, row, column),
                                      f"'{part.strip()}' is not YEAR=AMOUNT"))
                continue
            out[key.strip()] = int(number) if number.is_integer() else number
        return out


def read_workbook(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """A filled workbook as the raw instance mapping, and where each key came from."""
    from capplan.inputs.overrides import parse_value

    sheets = _cells(path)
    r = _Reader(path)
    missing = [s for s in ("programme", "segments") if s not in sheets]
    if missing:
        raise InputError(str(path), [(f"sheet {m}", "is missing") for m in missing])
    programme = {}
    for row, rec in sheets.get("programme", []):
        key = str(rec.get("key", "")).strip()
        if key and rec.get("value") is not None:
            programme[key] = r.put(f"programme.{key}", rec.get("value"), "programme", row,
                                   "value")
    r.raw["programme"] = programme
    history: dict[str, Any] = {"completed": {}}
    for row, rec in sheets.get("history", []):
        year = str(rec.get("year", "")).strip()
        if year == "before":
            history["completed_before"] = r.put("history.completed_before",
                                                rec.get("completed"), "history", row,
                                                "completed")
        else:
            year = year.removesuffix(".0")
            history["completed"][year] = r.put(f"history.completed.{year}",
                                               rec.get("completed"), "history", row,
                                               "completed")
    r.raw["history"] = history
    r.raw["segment"] = [_row_block(r, "segments", row, rec)
                        for row, rec in sheets.get("segments", [])]
    capacity = {}
    for row, rec in sheets.get("capacity", []):
        stage = str(rec.pop("stage", "")).strip()
        block: dict[str, Any] = {}
        for column, value in rec.items():
            key = f"capacity.{stage}.{column}"
            block[column] = r.put(key, r.profile(value, "capacity", row, column)
                                  if column == "extra" else value, "capacity", row, column)
        capacity[stage] = block
    if capacity:
        r.raw["capacity"] = capacity
    measures = [_row_block(r, "measures", row, rec) for row, rec in sheets.get("measures", [])]
    if measures:
        r.raw["measure"] = measures
    regions = []
    for row, rec in sheets.get("regions", []):
        name = str(rec.get("name", ""))
        for column in rec:
            r.put(f"region.{name}.{column}", None, "regions", row, column)
        regions.append(rec)
    if regions:
        r.raw["region"] = regions
    objective: dict[str, Any] = {}
    for row, rec in sheets.get("objective", []):
        key = str(rec.get("key", "")).strip()
        value = rec.get("value", "")
        if "value" not in rec:
            continue
        if key == "terms":
            objective["terms"] = r.put("objective.terms", [t.strip() for t in str(value)
                                                           .split(",") if t.strip()],
                                       "objective", row, "value")
        elif key == "tolerance":
            objective["tolerance"] = r.put("objective.tolerance", r.profile(
                value, "objective", row, "value"), "objective", row, "value")
        else:
            objective[key] = r.put(f"objective.{key}", value, "objective", row, "value")
    if objective:
        r.raw["objective"] = objective
    scenarios: dict[str, dict[str, Any]] = {}
    for row, rec in sheets.get("scenarios", []):
        name, key = str(rec.get("scenario", "")), str(rec.get("path", ""))
        raw_value = rec.get("value")
        scenarios.setdefault(name, {})[key] = parse_value(str(raw_value)) if isinstance(
            raw_value, str) else raw_value
        r.put(f"scenarios.{name}.{key}", None, "scenarios", row, "value")
    if scenarios:
        r.raw["scenarios"] = scenarios
    risks = _risks(r, sheets.get("risks", []))
    if risks:
        r.raw["risk"] = risks
    assumptions = [_assumption(r, index, row, rec)
                   for index, (row, rec) in enumerate(sheets.get("assumptions", []))]
    if assumptions:
        r.raw["assumption"] = assumptions
    if r.problems:
        raise InputError(str(path), r.problems)
    return r.raw, r.where


def _risks(r: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of the risks sheet as [[risk]] blocks: rows sharing an id are one risk's effects."""
    from capplan.inputs.overrides import parse_value

    out: dict[str, dict[str, Any]] = {}
    for row, rec in rows:
        risk_id = str(rec.get("id", f"row{row}"))
        block = out.setdefault(risk_id, {"id": risk_id, "effect": []})
        for column in ("description", "likelihood"):
            if column in rec:
                block[column] = r.put(f"risk.{risk_id}.{column}", rec[column], "risks", row,
                                      column)
        kind = str(rec.get("distribution", "")).strip()
        values = [parse_value(v.strip()) for v in str(rec.get("values", "")).split(",")
                  if v.strip()]
        effect: dict[str, Any] = {"path": rec.get("path")}
        effect[kind or "distribution"] = values[0] if kind == "fixed" and values else values
        if "weights" in rec:
            effect["weights"] = [parse_value(w.strip()) for w in str(rec["weights"]).split(",")
                                 if w.strip()]
        r.put(f"risk.{risk_id}.effect", None, "risks", row, "values")
        block["effect"].append(effect)
    return list(out.values())


def _assumption(r: _Reader, index: int, row: int, rec: dict[str, Any]) -> dict[str, Any]:
    """A row of the assumptions sheet as an [[assumption]] block: the paths split at commas,
    low and high as its range (a blank end left out, for the schema to name). Each key
    remembers its cell by the assumption's id and by its place (the schema names a block of
    [[assumption]] by its place: `assumption.[0].range`)."""
    name = str(rec.get("id", f"row{row}"))
    ends = [rec[column] for column in ("low", "high") if column in rec]
    values = {"id": rec.get("id"), "source": rec.get("source"),
              "paths": [p.strip() for p in str(rec.get("paths", "")).split(",") if p.strip()],
              "range": ends}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key != "range" and key not in rec:
            continue
        column = key if key != "range" else ("low" if "low" in rec else "high")
        r.put(f"assumption.[{index}].{key}", None, "assumptions", row, column)
        out[key] = r.put(f"assumption.{name}.{key}", value, "assumptions", row, column)
    return out


# sheet -> (instance block, its key column, column prefixes of per-stage tables,
#           columns holding a profile, columns holding a comma-separated list)
ROW_BLOCKS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "segments": ("segment", "name", ("workload_", "in_progress_"), ("released",), ()),
    "measures": ("measure", "id", ("extra_days_", "extra_workload_"), (), ("segments",)),
}


def _row_block(r: _Reader, sheet: str, row: int, rec: dict[str, Any]) -> dict[str, Any]:
    """One row of the segments or measures sheet as its instance block: per-stage columns
    (`workload_execution`) become tables, profiles and lists are parsed, and every key
    remembers its cell."""
    block, key_column, staged, profiles, lists = ROW_BLOCKS[sheet]
    name = str(rec.get(key_column, f"row{row}"))
    out: dict[str, Any] = {}
    for column, value in rec.items():
        if column.startswith(staged):
            group, _, stage = column.rpartition("_")
            out.setdefault(group, {})[stage] = r.put(f"{block}.{name}.{group}.{stage}", value,
                                                     sheet, row, column)
            continue
        if column in profiles:
            value = r.profile(value, sheet, row, column)
        elif column in lists:
            value = [item.strip() for item in str(value).split(",") if item.strip()]
        out[column] = r.put(f"{block}.{name}.{column}", value, sheet, row, column)
    return out


def locate(problems: list[tuple[str, str]], where: dict[str, str]) -> list[tuple[str, str]]:
    """Problems with their keys pointed at cells: the longest known prefix of each key."""
    out = []
    for key, problem in problems:
        parts = key.split(".")
        cell = next((where[".".join(parts[:i])] for i in range(len(parts), 0, -1)
                     if ".".join(parts[:i]) in where), None)
        out.append((f"{key} ({cell})" if cell else key, problem))
    return out


def cell_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)
