"""Actuals: what was realised up to an as-of period, read from CSV and checked against an
instance.

One row per period and segment (or `*` for the programme in total):

    period,segment,engineering_done,execution_done,in_engineering,ready,in_execution
    2025,houses,0,400,1500,100,0

- `period`: a year (`2025`) or a quarter (`2025Q2`); one kind per file. Every period from the
  instance's start to `--as-of` has rows; none lies after it.
- `engineering_done`, `execution_done`: items that finished the stage in the period.
- `in_engineering`, `ready`, `in_execution`: items in the stage at the end of the period. Needed
  on the as-of period's rows (the replan starts from them); blank elsewhere is fine.
- A period has either one `*` row or rows per segment (a segment without a row did nothing).
  `*` figures are split over the segments: finished items by the baseline plan's shares of that
  period and stage, work in progress by the segments' items not yet finished.

Checked (exit 2, naming file, row and column): numbers that are negative or not whole, an
unknown segment, a period after as-of or before the start, a missing period, a duplicate row,
more items finished or in progress than a segment has, and the stock after engineering not
adding up (ready and in execution at as-of must equal those at the start plus engineering
finished minus execution finished).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capplan.errors import InputError, read_text, row_problems
from capplan.inputs.schema import Count, Instance

DONE = ("engineering_done", "execution_done")
STOCKS = ("in_engineering", "ready", "in_execution")
COLUMNS = ("period", "segment", *DONE, *STOCKS)
TOTAL = "*"

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:Q(?P<q>[1-4]))?$")



class ActualsRow(BaseModel):
    """One line of an actuals file."""

    model_config = ConfigDict(extra="forbid")

    period: Annotated[str, Field(pattern=r"^\d{4}(Q[1-4])?$")]
    segment: Annotated[str, Field(min_length=1)]
    engineering_done: Count
    execution_done: Count
    in_engineering: Count | None = None
    ready: Count | None = None
    in_execution: Count | None = None


@dataclass(frozen=True)
class AsOf:
    """The last realised period: a year or a quarter."""

    year: int
    quarter: int | None

    @staticmethod
    def parse(text: str) -> AsOf:
        """`2025` or `2025Q2`; InputError otherwise."""
        match = _PERIOD.match(text.strip())
        if match is None:
            raise InputError("--as-of", [("", f"'{text}' is not a year (2025) or a quarter "
                                              "(2025Q2)")])
        return AsOf(int(match["year"]), int(match["q"]) if match["q"] else None)

    @property
    def label(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}Q{self.quarter}"

    @property
    def last_quarter(self) -> int:
        """The as-of period's last quarter of its year (4 for a year)."""
        return self.quarter or 4

    def resume(self) -> tuple[int, int]:
        """(year, quarter) of the first period after as-of."""
        if self.last_quarter == 4:
            return self.year + 1, 1
        return self.year, self.last_quarter + 1


def period_order(key: str) -> tuple[int, int]:
    """A period key as (year, last quarter): `2025` -> (2025, 4), `2025Q2` -> (2025, 2)."""
    match = _PERIOD.match(key)
    assert match is not None
    return int(match["year"]), int(match["q"]) if match["q"] else 4


def plan_period_key(label: str, yearly: bool) -> str:
    """The actuals period a plan period label falls in: its year, or its quarter
    (`2025-05` -> `2025Q2`)."""
    year = label[:4]
    if yearly:
        return year
    if "Q" in label:
        return label
    if "-" in label:
        return f"{year}Q{(int(label[5:7]) - 1) // 3 + 1}"
    raise ValueError(f"plan period {label} is coarser than a quarter")


@dataclass(frozen=True)
class Actuals:
    """Checked actuals, resolved per segment.

    `done` has one row per period, segment and stage with `planned_split` telling whether the
    figure came from a `*` total; `stocks` holds each segment's work in progress at as-of.
    """

    source: str
    content: str
    sha256: str
    as_of: AsOf
    yearly: bool
    periods: list[str]
    done: pd.DataFrame
    stocks: dict[str, dict[str, int]]
    regions: dict[str, str]

    def done_through(self, segment: str, stage: str = "execution") -> int:
        """Items of a segment that finished `stage` from the start to as-of."""
        d = self.done
        return int(d.loc[(d["segment"] == segment) & (d["stage"] == stage), "items"].sum())

    def done_in(self, period: str, stage: str) -> dict[str, int]:
        """Items that finished `stage` in `period`, per segment."""
        d = self.done
        rows = d[(d["period"] == period) & (d["stage"] == stage)]
        return {str(s): int(v) for s, v in zip(rows["segment"], rows["items"], strict=True)}


def read_actuals(path: Path, as_of: AsOf, instance: Instance,
                 planned: pd.DataFrame | None = None) -> Actuals:
    """Read and check an actuals file. `planned` (columns segment, period, stage, items, as in
    the baseline plan) gives the shares that split `*` rows of finished items; without it, or
    where it plans nothing, they split by the segments' items.

    Raises InputError naming the file, the row and the column.
    """
    source = str(path)
    content, _ = read_text(path)
    rows = _parse(source, content)
    yearly = _check_periods(source, rows, as_of, instance)
    done, stocks = _resolve(source, rows, as_of, instance, yearly, planned)
    periods = sorted({r.period for _, r in rows}, key=period_order)
    actuals = Actuals(source, content, hashlib.sha256(content.encode()).hexdigest(), as_of,
                      yearly, periods, done, stocks, {s.name: s.region for s in instance.segment})
    problems = _check_amounts(actuals, instance, any(r.segment == TOTAL for _, r in rows))
    if problems:
        raise InputError(source, problems)
    return actuals


def _parse(source: str, content: str) -> list[tuple[int, ActualsRow]]:
    """Rows with their line numbers, each validated by the row schema."""
    try:
        frame = pd.read_csv(io.StringIO(content), comment="#", dtype=str,
                            skipinitialspace=True, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(source, [("", f"is empty: give a header ({','.join(COLUMNS)}) and "
                                       "one row per period and segment")]) from None
    except pd.errors.ParserError as exc:
        raise InputError(source, [("", f"CSV: {exc}")]) from None
    columns = [str(c).strip() for c in frame.columns]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in ("period", "segment", *DONE) if c not in columns]
    if unknown or missing:
        what = "; ".join(
            ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
            + ([f"missing column(s) {', '.join(missing)}"] if missing else []))
        raise InputError(source, [("header", f"{what} (columns: {', '.join(COLUMNS)})")])
    frame.columns = pd.Index(columns)
    problems: list[tuple[str, str]] = []
    out: list[tuple[int, ActualsRow]] = []
    for line, record in enumerate(frame.to_dict("records"), start=2):
        cleaned: dict[str, Any] = {str(k): (v.strip() if isinstance(v, str) else v)
                                   for k, v in record.items()}
        cleaned = {k: v for k, v in cleaned.items() if not (k in STOCKS and v == "")}
        try:
            out.append((line, ActualsRow.model_validate(cleaned)))
        except ValidationError as exc:
            problems += row_problems(line, exc, hints={
                "string_pattern_mismatch": "should be a year (2025) or a quarter (2025Q2)"})
    if problems:
        raise InputError(source, problems)
    if not out:
        raise InputError(source, [("", "has a header but no rows: give one row per period "
                                       "and segment (or `*`) from the start to --as-of")])
    return out


def _check_periods(source: str, rows: list[tuple[int, ActualsRow]], as_of: AsOf,
                   instance: Instance) -> bool:
    """Periods: one kind, none after as-of or before the start, every one from the start to
    as-of present, no duplicate period and segment, segments known. Returns True for years."""
    p = instance.programme
    names = {s.name for s in instance.segment}
    kinds = {"Q" in r.period for _, r in rows}
    problems: list[tuple[str, str]] = []
    if len(kinds) > 1:
        raise InputError(source, [("period", "mixes years and quarters; use one kind")])
    yearly = kinds == {False}
    if as_of.quarter is not None and p.granularity == "year":
        raise InputError("--as-of", [("", f"{as_of.label} is a quarter but the instance plans "
                                          "by year")])
    if yearly and as_of.quarter is not None:
        raise InputError("--as-of", [("", f"{as_of.label} is a quarter but {source} gives "
                                          "years")])
    if not yearly and p.granularity == "year":
        raise InputError(source, [("period", "gives quarters but the instance plans by year")])
    if yearly and p.start_quarter > 1:
        raise InputError(source, [("period", f"gives years but the instance starts in "
                                             f"{p.start_label}; give quarters")])
    first = (p.start, 4) if yearly else (p.start, p.start_quarter)
    end = (as_of.year, as_of.last_quarter)
    if end < first:
        raise InputError("--as-of", [("", f"{as_of.label} is before the instance's start "
                                          f"{p.start_label}")])
    if (as_of.resume()[0]) > p.horizon_end:
        raise InputError("--as-of", [("", f"{as_of.label} leaves nothing of the horizon "
                                          f"(ends {p.horizon_end}) to plan")])
    seen: dict[tuple[str, str], int] = {}
    kinds_of_period: dict[str, set[bool]] = {}
    for line, r in rows:
        order = period_order(r.period)
        if order > end:
            problems.append((f"row {line}, period", f"{r.period} is after --as-of {as_of.label}"))
        elif order < first:
            problems.append((f"row {line}, period", f"{r.period} is before the instance's start "
                             f"{p.start_label} (earlier years belong in [history])"))
        if r.segment != TOTAL and r.segment not in names:
            problems.append((f"row {line}, segment", f"unknown segment '{r.segment}' (known: "
                             f"{', '.join(sorted(names))}, or * for the total)"))
        if (r.period, r.segment) in seen:
            problems.append((f"row {line}", f"period {r.period}, segment {r.segment} appears "
                             f"twice (first on row {seen[(r.period, r.segment)]})"))
        seen.setdefault((r.period, r.segment), line)
        kinds_of_period.setdefault(r.period, set()).add(r.segment == TOTAL)
    for period, kinds_here in kinds_of_period.items():
        if len(kinds_here) > 1:
            problems.append((f"period {period}", "has both a * row and rows per segment; give "
                                                 "one or the other"))
    expected = _periods_between(first, end, yearly)
    absent = [k for k in expected if k not in kinds_of_period]
    if absent:
        problems.append(("period", f"no rows for {', '.join(absent)} (every period from "
                                   f"{expected[0]} to {as_of.label} is needed)"))
    if problems:
        raise InputError(source, problems)
    return yearly


def _periods_between(first: tuple[int, int], end: tuple[int, int], yearly: bool) -> list[str]:
    """Period keys from `first` to `end` inclusive, as years or quarters."""
    if yearly:
        return [str(y) for y in range(first[0], end[0] + 1)]
    out = []
    year, quarter = first
    while (year, quarter) <= end:
        out.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def split_integer(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` into whole numbers that add up to it (largest
    remainders first; equal weights when all are zero)."""
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = total * w / w.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: total - int(out.sum())]:
        out[i] += 1
    return [int(v) for v in out]


def _resolve(source: str, rows: list[tuple[int, ActualsRow]], as_of: AsOf,
             instance: Instance, yearly: bool, planned: pd.DataFrame | None,
             ) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Per period, segment and stage the finished items (with `*` rows split), and each
    segment's work in progress at as-of."""
    names = [s.name for s in instance.segment]
    counts = {s.name: float(s.count) for s in instance.segment}
    records: list[dict[str, Any]] = []
    for _, r in rows:
        for column in DONE:
            stage = column.removesuffix("_done")
            value = getattr(r, column)
            if r.segment != TOTAL:
                records.append({"period": r.period, "segment": r.segment, "stage": stage,
                                "items": value, "from_total": False})
                continue
            shares = _planned_shares(planned, r.period, stage, names, yearly)
            weights = shares if shares is not None else [counts[n] for n in names]
            for name, part in zip(names, split_integer(value, weights), strict=True):
                records.append({"period": r.period, "segment": name, "stage": stage,
                                "items": part, "from_total": True})
    done = pd.DataFrame(records, columns=["period", "segment", "stage", "items", "from_total"])
    as_of_rows = [(line, r) for line, r in rows if period_order(r.period) == (
        as_of.year, as_of.last_quarter)]
    problems: list[tuple[str, str]] = []
    for line, r in as_of_rows:
        blank = [c for c in STOCKS if getattr(r, c) is None]
        if blank:
            problems.append((f"row {line}, {blank[0]}", f"work in progress at as-of "
                             f"{as_of.label} is needed ({', '.join(blank)} blank)"))
    given = {r.segment for _, r in as_of_rows}
    if TOTAL not in given and set(names) - given:
        problems.append((f"period {as_of.label}", "work in progress at as-of is needed for "
                         f"every segment; no row for {', '.join(sorted(set(names) - given))}"))
    if problems:
        raise InputError(source, problems)
    stocks: dict[str, dict[str, int]] = {}
    for _, r in as_of_rows:
        if r.segment != TOTAL:
            stocks[r.segment] = {c: int(getattr(r, c)) for c in STOCKS}
            continue
        left = [max(counts[n] - float(done.loc[(done["segment"] == n)
                                               & (done["stage"] == "execution"),
                                               "items"].sum()), 0.0) for n in names]
        parts = {c: split_integer(int(getattr(r, c)), left) for c in STOCKS}
        for i, name in enumerate(names):
            stocks[name] = {c: parts[c][i] for c in STOCKS}
    return done, stocks


def _planned_shares(planned: pd.DataFrame | None, period: str, stage: str, names: list[str],
                    yearly: bool) -> list[float] | None:
    """Each segment's share of the items the baseline planned to finish `stage` in an actuals
    period; None when there is no baseline or it planned none."""
    if planned is None or planned.empty:
        return None
    keys = planned["period"].map(lambda label: plan_period_key(str(label), yearly))
    rows = planned[(keys == period) & (planned["stage"] == stage)]
    per = rows.groupby("segment")["items"].sum()
    shares = [float(per.get(n, 0.0)) for n in names]
    return shares if sum(shares) > 0 and not any(math.isnan(v) for v in shares) else None


def _check_amounts(actuals: Actuals, instance: Instance,
                   any_total: bool) -> list[tuple[str, str]]:
    """No segment finishes or holds more than it has; the stock after engineering adds up
    (per segment, and in total when some rows were totals)."""
    out: list[tuple[str, str]] = []
    as_of = actuals.as_of.label
    balance_total = [0, 0]
    for seg in instance.segment:
        finished = actuals.done_through(seg.name)
        stock = actuals.stocks[seg.name]
        held = finished + sum(stock.values())
        if held > seg.count:
            out.append((f"segment {seg.name}", f"{finished:,} finished and {sum(stock.values()):,}"
                        f" in progress by {as_of}: more than the {seg.count:,} items it has"))
        expected = (seg.in_progress.ready + seg.in_progress.execution
                    + actuals.done_through(seg.name, "engineering") - finished)
        reported = stock["ready"] + stock["in_execution"]
        balance_total[0] += expected
        balance_total[1] += reported
        if not any_total and expected != reported:
            out.append((f"segment {seg.name}", _balance_message(expected, reported, as_of)))
    if any_total and balance_total[0] != balance_total[1]:
        out.append(("total", _balance_message(balance_total[0], balance_total[1], as_of)))
    return out


def _balance_message(expected: int, reported: int, as_of: str) -> str:
    return (f"ready + in_execution at {as_of} is {reported:,}, but the start's ready and in "
            f"execution plus engineering finished minus execution finished make {expected:,}")
