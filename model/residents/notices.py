"""What residents are told: per-address expected quarters and windows, letters, summaries, and
how each window moved since the last communication.

`residents()` plans the instance, hands its per-segment flows to the register's addresses
(residents/schedule.py), optionally over a sweep of the risk register for a P10-P90 window of the
completion quarter per address, and applies postponements. Results are pandas tables keyed by
pseudonym; nothing here sees an external id. Summaries and notes name no address, so they may
go to the terminal, the JSON document and the run ledger.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capplan.core.backends import Status
from capplan.core.results import read_plan, segment_flow_arrays
from capplan.core.solve import plan as solve_plan
from capplan.errors import InputError
from capplan.inputs.calendar import Calendar
from capplan.inputs.load import Loaded
from capplan.residents.letters import change_sentences, sentences
from capplan.residents.register import Register, capped, pseudonym, read_table
from capplan.residents.schedule import (
    NONE,
    STAGE_CODE,
    Rule,
    Schedule,
    period_label,
    schedule,
)
from capplan.residents.schedule import windows as completion_windows

REASONS = {
    "postponement": ("uitstel op uw verzoek", "postponement at your request"),
    "behind": ("de voortgang in uw gebied blijft achter bij de planning",
               "progress in your area is behind plan"),
    "scope": ("er zijn woningen aan de opgave toegevoegd", "homes were added to the programme"),
    "plan": ("de planning is bijgesteld", "the plan was updated"),
    "samples": ("de bandbreedte is opnieuw berekend over risicoscenario's; de planning zelf "
                "is niet veranderd", "the range was worked out again over risk scenarios; the "
                "plan itself did not change"),
}
"""Why a window moved, in Dutch and English, by key."""


@dataclass
class Residents:
    """The per-address answer: `table` (one row per address), `letters`, summaries per
    segment and per region, `check` (the postponement guarantee), notes without any address,
    and seconds per phase."""

    table: pd.DataFrame
    letters: pd.DataFrame
    segments: pd.DataFrame
    regions: pd.DataFrame
    check: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    milestones: dict[str, str | None] = field(default_factory=dict)
    samples: int = 0
    timing: dict[str, float] = field(default_factory=dict)


class PostponeRow(BaseModel):
    """One line of a postponement file: an address (external id or pseudonym) and the first
    quarter its strengthening works may start."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1)]
    earliest: Annotated[str, Field(pattern=r"^\d{4}(Q[1-4])?$")]


def read_postponements(path: Path, register: Register, key: bytes,
                       calendar: Calendar) -> tuple[np.ndarray, list[str]]:
    """Per register address the first period its execution may start (NONE: no request),
    from a CSV or .xlsx with columns `id` (external id or pseudonym) and `earliest` (a quarter,
    `2027Q3`, or a year meaning its first quarter); and notes on requests that cannot apply.

    Raises InputError for a malformed row, an id not in the register, or a duplicate.
    """
    source = str(path)
    frame, _ = read_table(path)
    missing = [c for c in ("id", "earliest") if c not in frame.columns]
    if missing or len(frame.columns) != 2:
        raise InputError(source, [("header", "the columns are id,earliest (got "
                                             f"{', '.join(frame.columns)})")])
    table = register.table
    position = {p: k for k, p in enumerate(table["pseudonym"])}
    earliest = np.full(len(table), NONE, dtype=np.int64)
    seen: dict[int, int] = {}
    problems: list[tuple[str, str]] = []
    started = 0
    for line, record in enumerate(frame.to_dict("records"), start=2):
        try:
            row = PostponeRow.model_validate({k: str(v).strip() for k, v in record.items()})
        except ValidationError as exc:
            for err in exc.errors():
                column = err["loc"][0] if err["loc"] else ""
                hint = ("should be a quarter (2027Q3) or a year" if column == "earliest"
                        else str(err["msg"]))
                problems.append((f"row {line}, {column}", hint))
            continue
        k = position.get(row.id, position.get(pseudonym(key, row.id)))
        if k is None:
            problems.append((f"row {line}, id", "not in the register (neither an external id "
                             "nor a pseudonym of this key)"))
            continue
        if k in seen:
            problems.append((f"row {line}, id", f"asked twice (first on row {seen[k]})"))
            continue
        seen[k] = line
        if table["stage"].iat[k] == "execution":
            started += 1
            continue
        try:
            first = calendar.periods_of_key(row.earliest)[0]
        except ValueError as exc:
            problems.append((f"row {line}, earliest", str(exc)))
            continue
        earliest[k] = max(first, 0)
    if problems:
        raise InputError(source, capped(problems))
    notes = [f"{started} postponement request(s) not applied: the works had already started"
             ] if started else []
    return earliest, notes


def residents(loaded: Loaded, register: Register, rule: Rule = "fifo",
              earliest: np.ndarray | None = None, samples: int = 0, seed: int = 7,
              workers: int = 1, dask: str | None = None, solver: str = "highs",
              previous: Path | None = None,
              progress: Callable[[int], None] | None = None) -> Residents | None:
    """Expected quarters per address for the loaded instance (None when the plan has no
    solution); with `samples`, completion windows (P10-P90) over a sweep of the risks."""
    instance = loaded.instance
    started = time.perf_counter()
    built, solution = solve_plan(instance, solver=solver)
    if solution.status != Status.OPTIMAL:
        return None
    plan = read_plan(built, solution)
    solved = time.perf_counter()
    n = built.calendar.n
    flows = segment_flow_arrays(plan.flows, n)
    result = schedule(register.table, flows, built.routing.lags, n, rule, earliest)
    disaggregated = time.perf_counter()
    low = high = result.completion
    later, tried = result.later_than_without, 0
    if samples:
        from capplan.uncertainty.samples import expected_by

        low, high, later_samples, tried = _sample_windows(
            loaded, register, rule, earliest, samples, seed, workers, dask, solver,
            expected_by(solution, built.calendar), progress)
        later += later_samples
    table = address_table(register, result, low, high, built.calendar,
                          instance.programme.horizon_end, earliest)
    notes = _postponement_notes(result, built.calendar, earliest)
    if samples:
        notes.append(f"windows: P10-P90 of the completion quarter over {tried} solved samples "
                     f"of {samples} (seed {seed})")
    if previous is not None:
        table = moved_since(table, previous, register, instance.programme.start_label)
    check = {"asked": int((earliest >= 0).sum()) if earliest is not None else 0,
             "applied": int(result.postponed.sum()),
             "others": int((~result.postponed).sum()),
             "later_than_without": int(later)}
    out = Residents(table, letters_table(table, instance.programme.horizon_end),
                    summary(table, "segment", built.calendar),
                    summary(table, "region", built.calendar), check, notes,
                    plan.milestones, samples)
    out.timing = {"plan": solved - started, "disaggregate": disaggregated - solved,
                  "total": time.perf_counter() - started}
    return out


def _sample_windows(loaded: Loaded, register: Register, rule: Rule,
                    earliest: np.ndarray | None, samples: int, seed: int, workers: int,
                    dask: str | None, solver: str, within: int | None,
                    progress: Callable[[int], None] | None
                    ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """P10 and P90 completion period per address over solved samples, the count of
    (sample, address) pairs a postponement made later (must be 0), and the samples used."""
    from capplan.uncertainty.runner import batches, run_tasks
    from capplan.uncertainty.samples import context_of

    context = context_of(loaded, seed, solver, within, flows=True)
    n = loaded.instance.calendar.n
    rows, later = [], 0
    for r in run_tasks(context, batches(list(range(samples)), 10), workers, dask, progress):
        if r.status != "optimal" or r.segment_flows is None or r.lags is None:
            continue
        got = schedule(register.table, r.segment_flows, r.lags, n, rule, earliest)
        rows.append(got.completion)
        later += got.later_than_without
    if not rows:
        empty = np.full(len(register.table), NONE, dtype=np.int64)
        return empty, empty, later, 0
    low, high = completion_windows(np.vstack(rows), n)
    return low, high, later, len(rows)


def _postponement_notes(result: Schedule, calendar: Calendar,
                        earliest: np.ndarray | None) -> list[str]:
    """Requests without effect; per segment, planned execution starts left unused because of
    postponements and postponed starts that come on top of the plan."""
    if earliest is None:
        return []
    notes = []
    idle = int(((earliest >= 0) & ~result.postponed).sum())
    if idle:
        notes.append(f"{idle} postponement request(s) change nothing: the works were not "
                     "expected before the chosen quarter anyway")
    for rows, text in ((result.unused, "planned execution start(s) stay unused (postponed, "
                                       "and nobody else ready then; no one is moved to "
                                       "fill them)"),
                       (result.extra, "postponed execution start(s) come on top of the plan "
                                      "(capacity the postponements left unused earlier)")):
        per: dict[str, list[tuple[int, int]]] = {}
        for segment, t, count in rows:
            per.setdefault(segment, []).append((t, count))
        for segment, items in per.items():
            total = sum(c for _, c in items)
            span = calendar.label(items[0][0])
            if len(items) > 1:
                span += f"-{calendar.label(items[-1][0])}"
            notes.append(f"{segment}: {total} {text}, {span}")
    return notes


# --- tables -----------------------------------------------------------------------------------


def address_table(register: Register, result: Schedule, low: np.ndarray, high: np.ndarray,
                  calendar: Calendar, horizon_end: int,
                  earliest: np.ndarray | None) -> pd.DataFrame:
    """One row per address: pseudonym, segment, region, stage, expected quarter of
    engineering start, execution start and completion (blank when already past), the
    completion window, and the quarter a postponement holds the works to."""
    reg = register.table
    code = reg["stage"].map(STAGE_CODE).to_numpy()

    def labels(periods: np.ndarray, past: np.ndarray | None = None) -> list[str]:
        out = [period_label(calendar, int(t), horizon_end) for t in periods]
        return out if past is None else ["" if p else x for x, p in zip(out, past, strict=True)]

    asked = result.postponed
    held = earliest if earliest is not None else np.full(len(reg), NONE)
    return pd.DataFrame({
        "pseudonym": reg["pseudonym"], "segment": reg["segment"], "region": reg["region"],
        "stage": reg["stage"], "risk_class": reg["risk_class"],
        "engineering_start": labels(result.eng_start, code >= 1),
        "execution_start": labels(result.exec_start, code >= 3),
        "completion": labels(result.completion),
        "completion_from": labels(low), "completion_to": labels(high),
        "postponed_to": ["" if not a else period_label(calendar, int(q), horizon_end)
                         for a, q in zip(asked, held, strict=True)],
        "beyond_horizon": high < 0,
    })


def letters_table(table: pd.DataFrame, horizon_end: int) -> pd.DataFrame:
    """One Dutch and one English sentence per address (and, after a previous letter, one on
    how the window moved)."""
    nl, en = [], []
    for first, last, stage, held in zip(table["completion_from"], table["completion_to"],
                                        table["stage"], table["postponed_to"], strict=True):
        a, b = sentences(_label(first), _label(last), horizon_end, stage == "execution",
                         bool(held))
        nl.append(a)
        en.append(b)
    out = pd.DataFrame({"pseudonym": table["pseudonym"], "nl": nl, "en": en})
    if "moved_quarters" in table:
        pairs = [change_sentences(None if pd.isna(m) else int(m), *REASONS.get(r, ("", "")))
                 for m, r in zip(table["moved_quarters"], table["reason_key"], strict=True)]
        out["change_nl"] = [p[0] for p in pairs]
        out["change_en"] = [p[1] for p in pairs]
    return out


def _label(text: str) -> str | None:
    return None if text.startswith("after") else text


def summary(table: pd.DataFrame, by: str, calendar: Calendar) -> pd.DataFrame:
    """Per segment or region (and in total): addresses, of which started and postponed, and
    the quarter by which 10%, 50%, 90% and all of them are expected to be completed."""
    order = {calendar.milestone_label(t): t for t in range(calendar.n)}
    index = table["completion"].map(order).fillna(calendar.n).to_numpy(dtype=float)

    def row(name: str, part: pd.DataFrame, where: np.ndarray) -> dict[str, Any]:
        got: dict[str, Any] = {by: name}
        if by == "segment":
            got["region"] = part["region"].iat[0]
        got.update(addresses=len(part), started=int((part["stage"] == "execution").sum()),
                   postponed=int((part["postponed_to"] != "").sum()))
        for share, column in ((0.1, "10% by"), (0.5, "50% by"), (0.9, "90% by"),
                              (1.0, "all by")):
            t = int(np.quantile(where, share, method="inverted_cdf"))
            got[column] = calendar.milestone_label(t) if t < calendar.n else "beyond"
        return got

    rows = [row(str(name), part, index[part.index.to_numpy()])
            for name, part in table.groupby(by, sort=True)]
    if by == "region":
        rows.append(row("all", table, index))
    return pd.DataFrame(rows)


# --- consistency over time --------------------------------------------------------------------


_QUARTER = re.compile(r"^(after )?(\d{4})(?:Q([1-4]))?$")


def quarter_number(label: str) -> int | None:
    """A label as a count of quarters: `2027Q2` -> 2027 * 4 + 1; a year counts as its last
    quarter; `after 2036` as the quarter after 2036; blank: None."""
    match = _QUARTER.match(str(label).strip())
    if match is None:
        return None
    year = int(match[2])
    if match[1]:
        return (year + 1) * 4
    return year * 4 + (int(match[3]) - 1 if match[3] else 3)


PREVIOUS_COLUMNS = ("pseudonym", "segment", "engineering_start", "execution_start",
                    "completion_from", "completion_to")


def moved_since(table: pd.DataFrame, path: Path, register: Register,
                start_label: str) -> pd.DataFrame:
    """Add how each window's end moved since a previous residents.csv (quarters, + later)
    and why: the address postponed; its segment is behind the previous plan (fewer of its
    addresses started engineering or execution than that plan expected by now); homes were
    added to its segment; its expected quarter did not move, only the range around it (risk
    samples added or changed); else the plan was updated. Addresses new since then: `new`."""
    source = str(path)
    previous, _ = read_table(path)
    missing = [c for c in PREVIOUS_COLUMNS if c not in previous.columns]
    if missing:
        raise InputError(source, [("header", f"missing column(s) {', '.join(missing)}: give "
                                             "a residents.csv written by capplan residents")])
    previous = previous.drop_duplicates("pseudonym").set_index("pseudonym")
    was_from = {str(k): str(v) for k, v in previous["completion_from"].items()}
    was_to = {str(k): str(v) for k, v in previous["completion_to"].items()}
    was_expected = ({str(k): str(v) for k, v in previous["completion"].items()}
                    if "completion" in previous.columns else {})
    known = table["pseudonym"].isin(previous.index)
    if len(previous) and not known.any():
        raise InputError(source, [("pseudonym", "no address of this file is in the register: "
                                                "was it made with another pseudonym key?")])
    behind = _segments_behind(table, previous, start_label)
    added = set(table.loc[~known, "segment"])
    moved: list[int | None] = []
    movement: list[str] = []
    keys: list[str] = []
    for who, until, segment, held, expected in zip(
            table["pseudonym"], table["completion_to"], table["segment"],
            table["postponed_to"], table["completion"], strict=True):
        if who not in was_to:
            moved.append(None)
            movement.append("new")
            keys.append("")
            continue
        before = quarter_number(was_to[who])
        now = quarter_number(until)
        shift = None if before is None or now is None else now - before
        moved.append(shift)
        movement.append("?" if shift is None else "same" if shift == 0 else
                        f"{'later' if shift > 0 else 'earlier'} by {abs(shift)} quarter"
                        + ("s" if abs(shift) > 1 else ""))
        if not shift:
            keys.append("")
        elif shift > 0 and held:
            keys.append("postponement")
        elif shift > 0 and segment in behind:
            keys.append("behind")
        elif shift > 0 and segment in added:
            keys.append("scope")
        elif was_expected.get(who) == str(expected):
            keys.append("samples")
        else:
            keys.append("plan")
    out = table.copy()
    out["previous_from"] = [was_from.get(p, "") for p in table["pseudonym"]]
    out["previous_to"] = [was_to.get(p, "") for p in table["pseudonym"]]
    out["moved_quarters"] = pd.array(moved, dtype="Int64")
    out["movement"] = movement
    out["reason_key"] = keys
    out["reason"] = [REASONS[k][1] if k else "" for k in keys]
    return out


def _segments_behind(table: pd.DataFrame, previous: pd.DataFrame, start_label: str) -> set[str]:
    """Segments where fewer addresses started engineering, or execution, than the previous
    plan expected before `start_label` (addresses in both files)."""
    now = quarter_number(start_label if "Q" in start_label else f"{start_label}Q1")
    assert now is not None
    both = table[table["pseudonym"].isin(previous.index)]
    code = both["stage"].map(STAGE_CODE)
    out = set()
    for segment, part in both.groupby("segment"):
        prev = previous.loc[part["pseudonym"]]
        for column, stage in (("engineering_start", 1), ("execution_start", 3)):
            expected = sum(1 for label in prev[column]
                           if not str(label).strip()
                           or ((q := quarter_number(label)) is not None and q < now))
            if int((code[part.index] >= stage).sum()) < expected:
                out.add(str(segment))
    return out
