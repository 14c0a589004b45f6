"""Claims: published statements about a plan, read from a claims file and checked on an instance.

A claims file (TOML) holds one `[[claim]]` block per statement:

    [[claim]]
    id = "ncg-mitigated"
    text = "95% done before Q4 2028 with mitigating measures"
    source = "docs/sources.md#completion"
    scenario = "pessimistic"        # optional: a [scenarios.NAME] of the instance
    set = ["PATH=VALUE"]            # optional: --set overrides on top of it
    plan = "ncg"                    # optional: the plan it speaks of (see below)
    require = "p95 <= 2028Q3"

`require` is one of
- `MILESTONE <= PERIOD` (p50, p95, pNN, finish; PERIOD a year, quarter or month label):
  undone_total[T] <= remaining_allowed(MILESTONE) with T the last period of PERIOD;
- `production YEAR >= N` (or `<=`): u[first(YEAR) - 1] - u[last(YEAR)] >= N, where u is
  undone_total and u[-1] the remaining work at the start (a year before the start is history);
- `cumulative YEAR >= N` (or `<=`): history.total + remaining - u[last(YEAR)] >= N;
- `peak production >= N`: production YEAR >= N for some planned YEAR.

A claim holds when some feasible plan of its scenario meets it; a count of items is judged in
whole items as a plan reports them (within half an item: HALF), a milestone as the plan's
milestones are. The model's own figure is the
optimum of one LP per question: the earliest period the milestone can be reached (a bisection
over "undone_total[T] is at most what the milestone leaves undone"), the most (or least) a
year can produce or have done by its end, the most any single year can produce. Claims of the
same scenario, overrides and `plan` name must hold in one plan together when they are
calibrated (see claims_calibration): a table of yearly targets is one plan, while statements
of different authors about the same scenario may name different plans. Checked one by one
here, each claim has its own plan.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from capplan.core.backends import Backend, Status, open_backend
from capplan.core.build import build
from capplan.core.context import Built
from capplan.core.milestones import items_needed, remaining_allowed
from capplan.errors import InputError, check_nesting, decode, read_input, shown
from capplan.inputs.load import Loaded, vary

Row = tuple[np.ndarray, np.ndarray, float, float]
"""A row (cols, coefficients, lower, upper) added to a built model."""

_NUMBER = r"(\d[\d,_]*(?:\.\d+)?)"
_MILESTONE = re.compile(r"^(finish|p\d+(?:\.\d+)?)\s*<=\s*(\S+)$")
_YEARLY = re.compile(r"^(production|cumulative)\s+(\d{4})\s*(>=|<=)\s*" + _NUMBER + r"$")
_PEAK = re.compile(r"^peak\s+production\s*>=\s*" + _NUMBER + r"$")
FORMS = ("MILESTONE <= PERIOD (p50, p95, pNN, finish), production YEAR >= N (or <=), "
         "cumulative YEAR >= N (or <=), peak production >= N")


@dataclass(frozen=True)
class Requirement:
    """What a claim requires, parsed from its `require` text.

    kind: `milestone`, `production`, `cumulative` or `peak`; term: the milestone (p95,
    finish); period: the period label given; year: the year of a production or cumulative
    requirement; sense: `<=` or `>=`; value: N items (0 for a milestone)."""

    kind: str
    sense: str
    value: float = 0.0
    term: str = ""
    period: str = ""
    year: int | None = None

    def words(self) -> str:
        """The requirement as a planner says it."""
        if self.kind == "milestone":
            share = "all" if self.term == "finish" else f"{self.term[1:]}%"
            return f"{share} done by the end of {self.period}"
        amount = f"{self.value:,.0f}"
        if self.kind == "peak":
            return f"some year producing at least {amount}"
        at = "at least" if self.sense == ">=" else "at most"
        what = "produced in" if self.kind == "production" else "done by the end of"
        return f"{at} {amount} {what} {self.year}"


def parse_requirement(text: str) -> Requirement:
    """`p95 <= 2028Q3`, `production 2025 >= 2000`, `cumulative 2028 >= 14,908`,
    `peak production >= 3,001` -> a Requirement; ValueError saying the accepted forms."""
    text = " ".join(text.split())
    if match := _MILESTONE.match(text):
        term = match[1]
        if term != "finish" and not 0 < float(term[1:]) <= 100:
            raise ValueError(f"'{term}': a share must lie above 0 and at most 100")
        return Requirement("milestone", "<=", term=term, period=match[2])
    if match := _YEARLY.match(text):
        return Requirement(match[1], match[3], _number(match[4]), year=int(match[2]))
    if match := _PEAK.match(text):
        return Requirement("peak", ">=", _number(match[1]))
    raise ValueError(f"cannot read {shown(text)}: expected {FORMS}")


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("_", ""))


def _readable(text: str) -> str:
    parse_requirement(text)
    return text


Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]


class Claim(BaseModel):
    """[[claim]]: a published statement, its source, its scenario and what it requires."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Name
    text: str = ""
    source: str = ""
    scenario: str | None = None
    set: list[str] = Field(default_factory=list)
    plan: Name | None = None
    require: Annotated[str, AfterValidator(_readable)]

    @property
    def requirement(self) -> Requirement:
        return parse_requirement(self.require)

    @property
    def variant(self) -> tuple[str | None, tuple[str, ...], str | None]:
        """The scenario and overrides whose plan the claim speaks of, and the name of that
        plan: claims with the same three share one plan when they are calibrated."""
        return self.scenario, tuple(self.set), self.plan


class ClaimsFile(BaseModel):
    """A claims file: one or more [[claim]] blocks with distinct ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    claim: list[Claim] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> ClaimsFile:
        seen: set[str] = set()
        for c in self.claim:
            if c.id in seen:
                raise ValueError(f"claim.{c.id}: appears twice")
            seen.add(c.id)
        return self


def read_claims(path: Path, loaded: Loaded) -> list[Claim]:
    """The claims of a file, validated by the schema and against the instance (its scenarios,
    the overrides' paths, the periods within the horizon); InputError naming the file, the
    claim and the problem."""
    source = str(path)
    text = decode(read_input(path), source)
    check_nesting(text, source)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, [("", f"TOML syntax: {exc}")]) from None
    try:
        claims = ClaimsFile.model_validate(raw).claim
    except ValidationError as exc:
        raise InputError(source, _problems(exc, raw)) from None
    problems = [p for c in claims for p in _against_instance(c, loaded)]
    if problems:
        raise InputError(source, problems)
    return claims


def _problems(exc: ValidationError, raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Pydantic errors as (claim.ID.key, problem)."""
    found = raw.get("claim")
    blocks: list[Any] = found if isinstance(found, list) else []
    out = []
    for err in exc.errors():
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "claim" and isinstance(loc[1], int):
            entry = blocks[loc[1]] if loc[1] < len(blocks) else None
            name = entry.get("id") if isinstance(entry, dict) else None
            loc[1] = name if isinstance(name, str) and name else f"[{loc[1]}]"
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "missing":
            message = "is required"
        key = ".".join(str(p) for p in loc)
        head, sep, rest = message.partition(": ")
        if sep and head.startswith("claim."):
            key, message = head, rest
        out.append((key, message))
    return out


def _against_instance(claim: Claim, loaded: Loaded) -> list[tuple[str, str]]:
    """What is wrong with a claim on this instance: an unknown scenario, an override that
    does not apply, a period or year outside the horizon."""
    key = f"claim.{claim.id}"
    try:
        variant = vary(loaded, claim.scenario, [*loaded.overrides, *claim.set])
    except InputError as exc:
        where = "scenario" if claim.scenario and any(
            k.startswith("scenarios.") for k, _ in exc.problems) else "set"
        return [(f"{key}.{where}", f"{k}: {p}" if k else p) for k, p in exc.problems]
    inst = variant.instance
    if any(m.mode == "choose" for m in inst.measure):
        return [(f"{key}.scenario", "a measure in mode `choose` leaves the plan's scope open; "
                                    "set each measure in or out for a claim")]
    req = claim.requirement
    calendar, p = inst.calendar, inst.programme
    if req.kind == "milestone":
        try:
            last = calendar.periods_of_key(req.period)[-1]
        except ValueError as exc:
            return [(f"{key}.require", str(exc))]
        if not 0 <= last < calendar.n:
            return [(f"{key}.require", f"{req.period} is outside the horizon "
                                       f"({p.start_label}..{p.horizon_end})")]
    if req.year is not None:
        known = {int(y) for y in inst.history.completed}
        if req.year > p.horizon_end or (req.year < p.start and req.year not in known):
            first = min(known | {p.start})
            return [(f"{key}.require", f"{req.year} is outside the horizon and the history "
                                       f"({first}..{p.horizon_end})")]
    return []


# --- the claim on a built model -----------------------------------------------------------------


def production_terms(built: Built, year: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Production of `year` as vals . x[cols] + constant (items): u[first - 1] - u[last],
    u[-1] being the remaining work at the start; a year before the start is its history."""
    inst, calendar = built.instance, built.calendar
    history = float(inst.history.completed.get(str(year), 0))
    periods = np.flatnonzero(calendar.years == year)
    if not len(periods):
        return np.zeros(0, int), np.zeros(0), history
    u = built.v.undone_total
    first, last = int(periods[0]), int(periods[-1])
    if first == 0:
        return np.array([u[last]]), np.array([-1.0]), history + float(inst.remaining)
    return np.array([u[first - 1], u[last]]), np.array([1.0, -1.0]), history


def cumulative_terms(built: Built, year: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Items done by the end of `year`, history included, as vals . x[cols] + constant."""
    inst = built.instance
    if year < inst.programme.start:
        done = inst.history.completed_before + sum(
            v for y, v in inst.history.completed.items() if int(y) <= year)
        return np.zeros(0, int), np.zeros(0), float(done)
    last = min(built.calendar.last_period_of_year(year), built.calendar.n - 1)
    return (np.array([built.v.undone_total[last]]), np.array([-1.0]),
            float(inst.history.total + inst.remaining))


def milestone_period(built: Built, req: Requirement) -> int:
    """The period index by whose end a milestone requirement must be reached."""
    return built.calendar.periods_of_key(req.period)[-1]


def planned_years(built: Built) -> list[int]:
    """The years of the horizon."""
    return sorted({int(y) for y in built.calendar.years})


def claim_rows(built: Built, req: Requirement, year: int | None = None) -> list[Row]:
    """The requirement as rows of the model (a peak as production of `year` >= N):
    milestone: undone_total[T] <= remaining_allowed; production and cumulative: vals . x
    >= N - constant (or <=)."""
    if req.kind == "milestone":
        col = built.v.undone_total[milestone_period(built, req)]
        allowed = remaining_allowed(built.instance, req.term)
        return [(np.array([col]), np.array([1.0]), -np.inf, allowed)]
    if req.kind == "peak":
        assert year is not None
        cols, vals, constant = production_terms(built, year)
    elif req.kind == "production":
        assert req.year is not None
        cols, vals, constant = production_terms(built, req.year)
    else:
        assert req.year is not None
        cols, vals, constant = cumulative_terms(built, req.year)
    if req.sense == ">=":
        return [(cols, vals, req.value - constant, np.inf)]
    return [(cols, vals, -np.inf, req.value - constant)]


# --- the check: the model's own figure ----------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A claim checked on one instance: whether it holds and the model's own figure.

    figure: the earliest period label (milestone), or the most (least, for `<=`) items;
    year: the year a peak figure is reached in; words: the figure as a sentence."""

    claim: Claim
    holds: bool
    figure: str | float | None
    year: int | None
    words: str


def slack(value: float) -> float:
    """The solver's tolerance on a count of items."""
    return 1e-6 * max(1.0, abs(value))


HALF = 0.5
"""A claim is judged on whole items, as a plan reports them (its cumulative curve rounded):
a figure within half an item of the claim meets it."""


def whole(value: float) -> int:
    """Items as a plan reports them: 1,999.97 -> 2,000 (half up)."""
    return math.floor(value + 0.5)


class Probe:
    """One model of a claim's variant held by a solver; each question changes only the
    objective (a warm start from the last basis)."""

    def __init__(self, built: Built, solver: str) -> None:
        self.built = built
        self.backend: Backend = open_backend(solver, built.lp)
        self.fresh = True
        self.yearly: dict[int, float | None] | None = None

    def optimum(self, cols: np.ndarray, vals: np.ndarray, sense: int) -> float | None:
        """min (sense = 1) or max (sense = -1) of vals . x[cols]; None when the model has no
        feasible plan."""
        cost = np.zeros(self.built.lp.num_col)
        np.add.at(cost, cols, sense * vals)
        self.backend.set_cost(cost)
        outcome = self.backend.solve(fresh=self.fresh)
        if outcome.status != Status.OPTIMAL or outcome.objective is None:
            outcome = self.backend.solve(fresh=True)
        self.fresh = False
        if outcome.status == Status.INFEASIBLE:
            return None
        if outcome.status != Status.OPTIMAL or outcome.objective is None:
            raise RuntimeError(f"the solver ended {outcome.status.value} on a claim's check")
        return sense * float(outcome.objective)

    def most(self, terms: tuple[np.ndarray, np.ndarray, float], sense: int = -1) -> float | None:
        """The most (sense -1) or least (sense 1) of an expression vals . x + constant."""
        cols, vals, constant = terms
        if not len(cols):
            return constant
        best = self.optimum(cols, vals, sense)
        return None if best is None else best + constant

    def earliest(self, term: str) -> int | None:
        """The first period by whose end `term` can be reached; None when not within the
        horizon. A bisection over T of "the least undone_total[T] is at most what the
        milestone leaves" (it holds from some T on: undone work never grows), bracketed by
        the plans it solves: a plan that has reached the milestone by period R shows R
        reachable, so each plan found lowers the upper end to its first such R. The first
        plan is the one with the least total undone work (done as early as it can), and the
        period just before its R is tried first: most often the answer is R itself."""
        built = self.built
        allowed = remaining_allowed(built.instance, term)
        tol = slack(float(built.instance.remaining))  # as the plan's milestones
        u = np.asarray(built.v.undone_total)

        def reached() -> int | None:
            """The first period the last plan solved has reached the milestone by."""
            x = self.backend.last_x
            if x is None:
                return None
            hits = np.flatnonzero(x[u] <= allowed + tol)
            return int(hits[0]) if len(hits) else None

        def reachable(t: int) -> tuple[bool, int | None]:
            least = self.optimum(np.array([u[t]]), np.array([1.0]), 1)
            ok = least is not None and least <= allowed + tol
            return ok, reached() if ok else None

        first = self.optimum(u, np.ones(len(u)), 1)
        high = reached() if first is not None else None
        if high is None:
            ok, high = reachable(built.calendar.n - 1)
            if not ok or high is None:
                return None
        low, guess = 0, high - 1
        while low < high:
            mid = guess if guess >= low else (low + high) // 2
            guess = -1
            ok, at = reachable(mid)
            if ok:
                high = min(mid, at if at is not None else mid)
            else:
                low = mid + 1
        return high


def yearly_most(probe: Probe) -> dict[int, float | None]:
    """The most each planned year can produce on the probe's model (None: no feasible plan);
    solved once per probe."""
    if probe.yearly is None:
        probe.yearly = {year: probe.most(production_terms(probe.built, year))
                        for year in planned_years(probe.built)}
    return dict(probe.yearly)


YearlyKey = tuple[str, tuple[str, ...], str | None, tuple[str, ...], str]
_FOUND_YEARLY: dict[YearlyKey, dict[int, float | None]] = {}
"""The yearly figures the last checks found for a peak claim's variant, by the input's mapping,
its overrides, the claim's scenario and overrides, and the solver: the calibration ranks a
peak claim's years by them (the check has just solved those LPs). Each check writes them
afresh; a few are kept."""
KEPT_FOUND_YEARLY = 16


def yearly_key(loaded: Loaded, claim: Claim, solver: str) -> YearlyKey:
    """The input's hash (of the mapping its variants derive from: a mapping changed in memory
    is another input), its overrides, the claim's scenario and overrides, the solver."""
    mapping = json.dumps(loaded.original, sort_keys=True, default=str).encode()
    return (hashlib.sha256(mapping).hexdigest(), tuple(loaded.overrides), claim.scenario,
            tuple(claim.set), solver)


def remember_yearly(key: YearlyKey, most: dict[int, float | None]) -> None:
    _FOUND_YEARLY.pop(key, None)
    _FOUND_YEARLY[key] = dict(most)
    while len(_FOUND_YEARLY) > KEPT_FOUND_YEARLY:
        _FOUND_YEARLY.pop(next(iter(_FOUND_YEARLY)))


def known_yearly(key: YearlyKey) -> dict[int, float | None] | None:
    """The yearly figures a check found for this key, if any."""
    found = _FOUND_YEARLY.get(key)
    return None if found is None else dict(found)


def check(probe: Probe, claim: Claim) -> Checked:
    """Whether a claim holds on the probe's model, and the model's own figure."""
    built, req = probe.built, claim.requirement
    inst = built.instance
    if req.kind == "milestone":
        if inst.history.total >= items_needed(inst, req.term):
            start = inst.programme.start_label
            return Checked(claim, True, f"before {start}", None,
                           f"{req.term} was reached before {start}")
        period = probe.earliest(req.term)
        label = built.calendar.milestone_label(period) if period is not None else None
        holds = period is not None and period <= milestone_period(built, req)
        words = (f"earliest {req.term} {label}" if label is not None
                 else f"{req.term} not reached by {inst.programme.horizon_end}")
        return Checked(claim, holds, label, None, words)
    if req.kind == "peak":
        best, when = -math.inf, None
        most = yearly_most(probe)
        for year in planned_years(built):
            value = most[year]
            if value is not None and value > best + slack(best if math.isfinite(best) else 0):
                best, when = value, year
        if when is None:
            return Checked(claim, False, None, None, "no feasible plan")
        shown_ = whole(best)
        return Checked(claim, best >= req.value - HALF, float(shown_), when,
                       f"at most {shown_:,} in a year ({when})")
    assert req.year is not None
    terms = (production_terms(built, req.year) if req.kind == "production"
             else cumulative_terms(built, req.year))
    sense = -1 if req.sense == ">=" else 1
    value = probe.most(terms, sense)
    if value is None:
        return Checked(claim, False, None, None, "no feasible plan")
    what = "in" if req.kind == "production" else "done by the end of"
    if sense == -1:
        figure = whole(value)
        holds = value >= req.value - HALF
        words = f"at most {figure:,} {what} {req.year}"
    else:
        figure = whole(value)
        holds = value <= req.value + HALF
        words = f"at least {figure:,} {what} {req.year}"
    return Checked(claim, holds, float(figure), None, words)


def check_all(loaded: Loaded, claims: list[Claim], solver: str = "highs") -> list[Checked]:
    """Every claim checked on the instance as it is, one model per scenario and overrides."""
    from capplan.questions.compare import progress_of

    progress = progress_of(None)  # the caller's display, if it set one (`reporting`)
    probes: dict[tuple[str | None, tuple[str, ...]], Probe] = {}
    out = []
    for claim in claims:
        progress(1, len(claims))
        key = (claim.scenario, tuple(claim.set))  # the plan's name changes not the model
        if key not in probes:
            variant = vary(loaded, claim.scenario, [*loaded.overrides, *claim.set])
            probes[key] = Probe(build(variant.instance), solver)
        out.append(check(probes[key], claim))
        if claim.requirement.kind == "peak":
            remember_yearly(yearly_key(loaded, claim, solver), yearly_most(probes[key]))
    return out
