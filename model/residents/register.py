"""The address register: one row per remaining address, pseudonymised on reading.

A register is a CSV file (or the first sheet of an .xlsx workbook) with the columns

    id,segment,stage,since,risk_class
    A-000123,eemsdelta-heavy,engineering,2024-03-01,2

- `id`: an external id, unique; never an address, postcode or name (values that look like a
  postcode or an e-mail address are refused);
- `segment`: a segment of the instance;
- `stage`: `released` (assessed, waiting for engineering), `engineering`, `ready` (waiting for
  execution) or `execution`;
- `since`: the date the address entered that stage: not in the future, and before the plan's
  first day;
- `risk_class` (optional, default 0): a whole number, higher is more urgent (the `risk` rule).

Privacy by default: a column whose name looks like a name, initials, street address,
postcode (`pc6`), place, e-mail, phone (`tel`, `gsm`), birth date (`dob`, `geb_datum`),
resident or owner (`bewoner`, `eigenaar`), bank or citizen number is refused unless
`--allow-column` names it; other columns outside the schema are dropped. Allowed or dropped, no
such column is kept past reading. Messages about a register name the row and the column, never
a value: a register with shifted columns or without a header would otherwise print names,
e-mail addresses or streets. External ids are replaced on reading by keyed pseudonyms
(HMAC-SHA256 with the key of `CAPPLAN_PSEUDONYM_KEY` or a key file; no key, no run), so outputs
join back to addresses only for whoever holds the key. The key needs 16 characters of which at
least 6 differ; a key file every user may read gives a warning.

The register is checked against the instance: its addresses per segment and stage may differ
from the instance's work in progress (and from its items not yet in progress, for `released`)
by at most `tolerance` of the instance's figure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import math
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capplan.errors import InputError, check_unzipped_size, decode, read_input, row_problems
from capplan.inputs.schema import Instance

STAGES = ("released", "engineering", "ready", "execution")
"""Register stages in the order an address passes them."""

COLUMNS = ("id", "segment", "stage", "since", "risk_class")
KEY_ENV = "CAPPLAN_PSEUDONYM_KEY"
MIN_KEY_CHARS = 16
MIN_KEY_DISTINCT = 6
"""Different characters a key needs: `aaaaaaaaaaaaaaaa` is long enough but guessable."""
PSEUDONYM_HEX = 16
"""Hex digits kept of the HMAC (64 bits: no collision expected among millions of ids)."""

_IDENTIFYING = re.compile(
    r"name|naam|street|straat|address|adres|postcode|postal|zip|house|huis|city|plaats|town|"
    r"email|mail|phone|telefo|mobile|mobiel|birth|geboor|gebdatum|iban|bsn|social|passport|"
    r"initia|voorletter|tussenvoeg|bewoner|eigenaar|huurder|owner|tenant|occupant|geslacht|"
    r"gender|woonplaats|telnr")
"""Identifying stems, found anywhere in a column name's letters (`Voornaam` -> `voornaam`)."""
_IDENTIFYING_TOKENS = re.compile(r"tel\d*|gsm\d*|dob|geb|pc\d?|ssn|wpl|adr")
"""Identifying abbreviations, matched as a whole word of a column name (`geb_datum`, `pc6`,
`Tel`) so that `hotel` or `stage` is no phone."""
_POSTCODE = re.compile(r"\b[1-9][0-9]{3}\s?[A-Za-z]{2}\b")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")

_SLUG = re.compile(r"[a-z0-9][a-z0-9_\-]{0,60}")

Stage = Literal["released", "engineering", "ready", "execution"]


class RegisterRow(BaseModel):
    """One address of a register, as read (before pseudonymisation)."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=200)]
    segment: Annotated[str, Field(min_length=1)]
    stage: Stage
    since: dt.date
    risk_class: Annotated[int, Field(ge=0, le=1000)] = 0


@dataclass(frozen=True)
class Register:
    """A checked, pseudonymised register: one row per address with columns pseudonym,
    segment, region, stage, since and risk_class; `sha256` of the file read."""

    source: str
    sha256: str
    table: pd.DataFrame
    dropped: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.table)


def plan_start_date(instance: Instance) -> dt.date:
    """The first day of the plan's first period: registers describe the state before it."""
    p = instance.programme
    return dt.date(p.start, 3 * (p.start_quarter - 1) + 1, 1)


# --- pseudonyms -------------------------------------------------------------------------------


class KeyFileWarning(UserWarning):
    """A key file other users may read."""


def pseudonym_key(key_file: Path | None) -> bytes:
    """The pseudonym key: the key file's content, else `CAPPLAN_PSEUDONYM_KEY`. No key, one
    shorter than 16 characters or of fewer than MIN_KEY_DISTINCT different characters:
    InputError. A key file every user may read gives a KeyFileWarning (not a refusal: the run
    is the same, and a mode set by a shared mount is not always the user's to change)."""
    if key_file is not None:
        _warn_if_readable(key_file)
        text = decode(read_input(key_file), str(key_file)).strip()
        source = str(key_file)
    else:
        text = os.environ.get(KEY_ENV, "").strip()
        source = KEY_ENV
        if not text:
            raise InputError("pseudonym key", [("", f"no key: set {KEY_ENV} or pass "
                                                    "--key-file (without a key, ids cannot be "
                                                    "pseudonymised and nothing runs)")])
    if len(text) < MIN_KEY_CHARS:
        raise InputError(source, [("", f"the pseudonym key has {len(text)} characters; use at "
                                       f"least {MIN_KEY_CHARS}")])
    if len(set(text)) < MIN_KEY_DISTINCT:
        raise InputError(source, [("", f"the pseudonym key is weak: {len(set(text))} different "
                                       f"character(s); use at least {MIN_KEY_DISTINCT}, e.g. "
                                       "`openssl rand -hex 32`")])
    return text.encode("utf-8")


def _warn_if_readable(key_file: Path) -> None:
    """Warn when others than the owner's group may read the key file (POSIX modes only)."""
    try:
        mode = key_file.stat().st_mode
    except OSError:
        return  # reading it names the problem
    if os.name == "posix" and mode & stat.S_IROTH:
        warnings.warn(KeyFileWarning(
            f"{key_file}: every user of this machine may read the pseudonym key, and with it "
            f"join pseudonyms back to addresses; restrict it (chmod 600 {key_file})"),
            stacklevel=3)


def pseudonym(key: bytes, external_id: str) -> str:
    """The keyed pseudonym of an external id: HMAC-SHA256, first 16 hex digits."""
    return hmac.new(key, external_id.strip().encode("utf-8"), hashlib.sha256).hexdigest()[
        :PSEUDONYM_HEX]


# --- reading ----------------------------------------------------------------------------------


def read_table(path: Path) -> tuple[pd.DataFrame, bytes]:
    """A CSV file or the first sheet of an .xlsx workbook, every cell as text."""
    source = str(path)
    data = read_input(path)
    try:
        if path.suffix.lower() == ".xlsx":
            check_unzipped_size(path)
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(io.StringIO(decode(data, source)), comment="#", dtype=str,
                                skipinitialspace=True, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(source, [("", f"cannot read the table: {exc}")]) from None
    frame.columns = pd.Index([str(c).strip() for c in frame.columns])
    return frame, data


def read_register(path: Path, instance: Instance, key: bytes,
                  allow_columns: list[str] | None = None, tolerance: float = 0.05) -> Register:
    """Read, check and pseudonymise a register (see the module docstring).

    Raises InputError naming the file, the row or column and the problem.
    """
    source = str(path)
    frame, data = read_table(path)
    dropped = _check_columns(source, frame, allow_columns or [])
    rows = _parse_rows(source, frame[[c for c in COLUMNS if c in frame.columns]])
    _check_rows(source, rows, instance)
    table = pd.DataFrame({
        "pseudonym": [pseudonym(key, r.id) for _, r in rows],
        "segment": [r.segment for _, r in rows],
        "stage": [r.stage for _, r in rows],
        "since": [r.since for _, r in rows],
        "risk_class": [r.risk_class for _, r in rows],
    })
    region = {s.name: s.region for s in instance.segment}
    table.insert(2, "region", table["segment"].map(region))
    if table["pseudonym"].duplicated().any():  # only with a key shorter than its promise
        raise InputError(source, [("id", "two ids share a pseudonym; use another key")])
    _check_counts(source, table, instance, tolerance)
    return Register(source, hashlib.sha256(data).hexdigest(), table, tuple(dropped))


def identifying(column: str) -> bool:
    """Whether a column name looks like personal data (see the module docstring)."""
    letters = re.sub(r"[^a-z]", "", column.lower())
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", column).lower())
    return bool(_IDENTIFYING.search(letters)
                or any(_IDENTIFYING_TOKENS.fullmatch(w) for w in words))


def _check_columns(source: str, frame: pd.DataFrame, allowed: list[str]) -> list[str]:
    """Require the schema's columns, refuse identifying ones not allowed; return dropped
    columns. A header without the schema's columns is no header: its names are the first
    row's values and are not shown."""
    columns = [str(c) for c in frame.columns]
    missing = [c for c in COLUMNS if c not in columns and c != "risk_class"]
    if len(missing) == len(COLUMNS) - 1:
        raise InputError(source, [("header", f"no header row with the columns "
                                             f"{', '.join(COLUMNS)} (is the first line data?)")])
    extra = [c for c in columns if c not in COLUMNS]
    refused = [(k, c) for k, c in enumerate(columns, 1)
               if c in extra and identifying(c) and c not in allowed]
    if refused:
        raise InputError(source, [(f"column {k} ({_name(c)})",
                                   "looks like personal data (a name, address, postcode, "
                                   "place, birth date or contact detail) and is refused; "
                                   f"remove it, or pass --allow-column {_name(c)} if it is not")
                                  for k, c in refused])
    if missing:
        raise InputError(source, [("header", f"missing column(s) {', '.join(missing)} "
                                             f"(columns: {', '.join(COLUMNS)})")])
    return extra


def _name(column: str) -> str:
    """A column name as a message shows it: hidden when it looks like a value itself."""
    if (_POSTCODE.search(column) or _EMAIL.search(column) or re.search(r"\d{3}", column)
            or re.search(r"[A-Za-z]\s+\d", column)):
        return "its name looks like a value and is not shown"
    return column


def _parse_rows(source: str, frame: pd.DataFrame) -> list[tuple[int, RegisterRow]]:
    """Rows with their line numbers, each validated by the row schema; ids that look like a
    postcode or an e-mail address are refused."""
    problems: list[tuple[str, str]] = []
    out: list[tuple[int, RegisterRow]] = []
    for line, record in enumerate(frame.to_dict("records"), start=2):
        cleaned: dict[str, Any] = {str(k): (v.strip() if isinstance(v, str) else v)
                                   for k, v in record.items()}
        if cleaned.get("risk_class") == "":
            del cleaned["risk_class"]
        ident = str(cleaned.get("id", ""))
        if _POSTCODE.search(ident) or _EMAIL.search(ident):
            problems.append((f"row {line}, id", "looks like a postcode or an e-mail address; "
                             "use an external id that identifies no one by itself"))
            continue
        try:
            out.append((line, RegisterRow.model_validate(cleaned)))
        except ValidationError as exc:
            problems += row_problems(line, exc, hidden=COLUMNS)
    if problems:
        raise InputError(source, capped(problems))
    if not out:
        raise InputError(source, [("", "no rows")])
    return out


def _check_rows(source: str, rows: list[tuple[int, RegisterRow]], instance: Instance) -> None:
    """Known segments, unique ids, `since` not in the future and before the plan's first
    day."""
    names = {s.name for s in instance.segment}
    first_day = plan_start_date(instance)
    today = dt.date.today()
    seen: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    for line, r in rows:
        if r.segment not in names:
            # shown only when it reads like a segment name (a lowercase slug), not a person's
            shown = f"'{r.segment}'" if _SLUG.fullmatch(r.segment) else "(value not shown)"
            problems.append((f"row {line}, segment", f"unknown segment {shown} (known: "
                             f"{', '.join(sorted(names))})"))
        # a date on or after the plan's first day is no one's birth date: shown
        if r.since > today:
            problems.append((f"row {line}, since", f"{r.since} is in the future"))
        elif r.since >= first_day:
            problems.append((f"row {line}, since", f"{r.since} is not before the plan's first "
                             f"day {first_day}: the register describes the state before it"))
        if r.id in seen:
            problems.append((f"row {line}, id", f"duplicate id (first on row {seen[r.id]})"))
        seen.setdefault(r.id, line)
    if problems:
        raise InputError(source, capped(problems))


def expected_counts(instance: Instance) -> dict[tuple[str, str], int]:
    """Addresses per (segment, stage) the instance implies: its work in progress, and the
    rest of its count as `released`."""
    out: dict[tuple[str, str], int] = {}
    for seg in instance.segment:
        wip = {stage: int(getattr(seg.in_progress, stage))
               for stage in ("engineering", "ready", "execution")}
        out[(seg.name, "released")] = int(seg.count) - sum(wip.values())
        for stage, value in wip.items():
            out[(seg.name, stage)] = value
    return out


def _check_counts(source: str, table: pd.DataFrame, instance: Instance,
                  tolerance: float) -> None:
    """Addresses per segment and stage within `tolerance` (a share) of the instance's."""
    have = table.groupby(["segment", "stage"]).size().to_dict()
    problems: list[tuple[str, str]] = []
    for (segment, stage), want in expected_counts(instance).items():
        got = int(have.get((segment, stage), 0))
        allowed = math.floor(tolerance * want + 1e-9)
        if abs(got - want) > allowed:
            what = "items not yet in progress" if stage == "released" else "in_progress"
            problems.append((f"segment {segment}, stage {stage}",
                             f"{got} addresses, the instance has {want} ({what}); more than "
                             f"the tolerance of {tolerance:.0%} ({allowed}) apart"))
    if problems:
        raise InputError(source, capped(problems))


def capped(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The problems for an InputError; its message lists at most MAX_PROBLEMS of them and
    counts the rest, so nothing is dropped here."""
    return problems


# --- a synthetic register ---------------------------------------------------------------------


def synthetic(instance: Instance, seed: int) -> pd.DataFrame:
    """A synthetic register consistent with the instance: per segment, its work in progress
    in each stage and the rest released; ids `syn-000001`...; `since` drawn uniformly over the
    stage's lead time before the plan's first day (released: up to a year; ready: up to 90
    days); risk classes 1-3 with shares 0.6 / 0.3 / 0.1; rows in random order.

    # assumption: the real register is not public; the shares of risk classes and the spread
    # of dates only make a demo plausible and carry no fact.
    """
    rng = np.random.default_rng(seed)
    first_day = plan_start_date(instance)
    rows: list[dict[str, Any]] = []
    for seg in instance.segment:
        lead = {"released": 365.0, "engineering": float(seg.engineering_days),
                "ready": 90.0, "execution": float(seg.execution_days)}
        for (name, stage), count in expected_counts(instance).items():
            if name != seg.name:
                continue
            days = np.sort(rng.uniform(1.0, max(lead[stage], 2.0), count))[::-1]
            classes = rng.choice([1, 2, 3], size=count, p=[0.6, 0.3, 0.1])
            for d, c in zip(days, classes, strict=True):
                rows.append({"segment": seg.name, "stage": stage,
                             "since": first_day - dt.timedelta(days=int(d)),
                             "risk_class": int(c)})
    order = rng.permutation(len(rows))
    table = pd.DataFrame([rows[k] for k in order])
    table.insert(0, "id", [f"syn-{k + 1:06d}" for k in range(len(table))])
    return table
