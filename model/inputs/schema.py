"""Instance format v1: the schema, loading TOML, scenarios and `--set` overrides.

Everything a user can write is validated here, by the pydantic schema below; unknown keys are
refused so a typo is caught. A failure becomes one `InputError` naming the file, the key (as a
dotted path, the same syntax `--set` takes) and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from capplan.errors import InputError, shown
from capplan.inputs.calendar import Calendar
from capplan.inputs.overrides import LIST_BLOCKS

# --- numbers: every one finite and within stated bounds ---------------------------------------

LIMIT = 1e9
"""The largest count, history figure, capacity or amount an instance may hold."""

MAX_HORIZON_YEARS = 61
"""The longest horizon (horizon_end - start + 1 years; Programme refuses a longer one)."""

MAX_DAYS = MAX_HORIZON_YEARS * 366
"""The longest lead time any instance may hold; an instance's own horizon bounds it further
(`Instance._lead_times`)."""

MAX_WEIGHT = 1e3
"""The largest workload weight of one item (a heavy case may count 2)."""

MAX_TOLERANCE = 1e3
"""The largest tolerance of an objective term (periods, or relative)."""

MAX_GROWTH = 100.0
"""The largest relative ramp-up per year (+10,000%)."""

_ABOVE = frozenset({"finite_number", "less_than", "less_than_equal"})
"""Pydantic errors of a value that is NaN, infinite or above its bound (rewritten to state the
bound); one below its lower bound keeps pydantic's own message."""


def _text(x: float) -> str:
    """1e9 -> '1e9', -1e9 -> '-1e9', 22326 -> '22326', 0.5 -> '0.5'."""
    if abs(x) >= 1e6 and abs(x) == 10 ** round(math.log10(abs(x))):
        return f"{'-' if x < 0 else ''}1e{round(math.log10(abs(x)))}"
    return f"{x:g}"


def _in_range(low: float, high: float, *, whole: bool = False, unit: str = "",
              rewrite: frozenset[str] = _ABOVE) -> WrapValidator:
    """A number NaN, infinite or above `high` reads `must be a finite number at most HIGH`
    (`from LOW to HIGH` when LOW is negative), whichever pydantic constraint caught it; the
    errors in `rewrite` are so replaced, others keep pydantic's message."""
    what = "whole number" if whole else "finite number"
    span = f"at most {_text(high)}" if low >= 0 else f"from {_text(low)} to {_text(high)}"
    message = f"must be a {what} {span}{f' {unit}' if unit else ''}"

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            if any(e["type"] in rewrite for e in exc.errors()):
                raise PydanticCustomError("number_range", message) from None
            raise

    return WrapValidator(check)


NonNeg = Annotated[float, Field(ge=0, le=LIMIT, allow_inf_nan=False), _in_range(0, LIMIT)]
"""A capacity, rate or cost: 0 to 1e9."""
Amount = Annotated[float, Field(ge=-LIMIT, le=LIMIT, allow_inf_nan=False),
                   _in_range(-LIMIT, LIMIT)]
"""A signed amount (extra capacity, a measure's value, a risk's value): -1e9 to 1e9."""
Count = Annotated[int, Field(ge=0, le=int(LIMIT)), _in_range(0, LIMIT, whole=True)]
"""A number of items (counts, history): 0 to 1e9."""
Days = Annotated[float, Field(ge=0, le=MAX_DAYS, allow_inf_nan=False),
                 _in_range(0, MAX_DAYS, unit="days")]
"""A lead time or extra days: 0 to 61 years of days; at most the instance's horizon
(`Instance._lead_times`)."""
Weight = Annotated[float, Field(gt=0, le=MAX_WEIGHT, allow_inf_nan=False),
                   _in_range(0, MAX_WEIGHT)]
"""A workload weight: above 0, at most 1000."""
ExtraWeight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False),
                        _in_range(0, MAX_WEIGHT)]
"""Extra workload: 0 to 1000."""
Tolerance = Annotated[float, Field(ge=0, le=MAX_TOLERANCE, allow_inf_nan=False),
                      _in_range(0, MAX_TOLERANCE)]
"""A term's tolerance: 0 to 1000 (periods, or relative)."""
Growth = Annotated[float, Field(ge=0, le=MAX_GROWTH, allow_inf_nan=False),
                   _in_range(0, MAX_GROWTH)]
"""A relative ramp-up per year: 0 to 100 (+10,000%)."""
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False),
                  _in_range(0, 1, rewrite=frozenset({"finite_number"}))]
"""A share or likelihood: 0 to 1."""
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]
Year = Annotated[int, Field(ge=1900, le=2200)]

TERM_PATTERN = re.compile(
    r"^(finish|tail|waiting|cost|scope|smooth|p(100|[1-9][0-9]?)(\.[0-9]+)?)$")


def expand_terms(terms: list[str]) -> list[str]:
    """Objective terms with `tail` written out as `p95, finish`."""
    out: list[str] = []
    for term in terms:
        out += ["p95", "finish"] if term == "tail" else [term]
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Programme(_Strict):
    """[programme]: the horizon and the policy target."""

    name: str
    start: Year
    start_quarter: Annotated[int, Field(ge=1, le=4)] = 1
    horizon_end: Year
    granularity: Literal["year", "quarter", "month"] = "quarter"
    deadline: Year | None = None
    hard_deadline: bool = False

    @model_validator(mode="after")
    def _years_in_order(self) -> Programme:
        if self.horizon_end < self.start:
            raise ValueError(f"horizon_end: {self.horizon_end} is before start {self.start}")
        if self.horizon_end - self.start > 60:
            raise ValueError("horizon_end: a horizon of more than 60 years is not supported")
        if self.deadline is not None and not self.start <= self.deadline <= self.horizon_end:
            raise ValueError(
                f"deadline: {self.deadline} is outside start..horizon_end "
                f"({self.start}..{self.horizon_end})"
            )
        if self.hard_deadline and self.deadline is None:
            raise ValueError("hard_deadline: is true but no deadline is given")
        if self.start_quarter > 1 and self.granularity == "year":
            raise ValueError("start_quarter: a yearly plan starts with the first quarter")
        return self

    @property
    def offset(self) -> int:
        """Periods of the start year before the first planned one (`start_quarter` - 1
        quarters)."""
        return (self.start_quarter - 1) * {"year": 0, "quarter": 1, "month": 3}[
            self.granularity]

    @property
    def start_label(self) -> str:
        """The first planned period: `2025`, or `2025Q3` when planning starts mid-year."""
        return str(self.start) if self.start_quarter == 1 else f"{self.start}Q{self.start_quarter}"


class History(_Strict):
    """[history]: realised completions per year before start (the start year too, for the
    part before `start_quarter`), and the total before those."""

    completed: dict[str, Count] = Field(default_factory=dict)
    completed_before: Count = 0

    @model_validator(mode="after")
    def _keys_are_years(self) -> History:
        for key in self.completed:
            if not re.fullmatch(r"\d{4}", key):
                raise ValueError(f"completed.{key}: is not a year")
        return self

    @property
    def total(self) -> int:
        """Items completed before the first planned period."""
        return self.completed_before + sum(self.completed.values())


class StageWeights(_Strict):
    """Workload of one item per stage (a heavy case may count 2)."""

    engineering: Weight = 1.0
    execution: Weight = 1.0


class StageAmounts(_Strict):
    """Extra workload per stage; 0 where absent."""

    engineering: ExtraWeight = 0.0
    execution: ExtraWeight = 0.0


class StageDays(_Strict):
    """Extra days per stage; 0 where absent."""

    engineering: Days = 0.0
    execution: Days = 0.0


class InProgress(_Strict):
    """Items of a segment in a stage at the start: in engineering, ready, in execution."""

    engineering: Count = 0
    ready: Count = 0
    execution: Count = 0

    @property
    def total(self) -> int:
        return self.engineering + self.ready + self.execution


class Segment(_Strict):
    """[[segment]]: remaining items alike in region and intervention class."""

    name: Name
    region: Name = "all"
    count: Count
    engineering_days: Days
    execution_days: Days
    workload: StageWeights = StageWeights()
    released: dict[str, Count] | None = None
    in_progress: InProgress = InProgress()

    @model_validator(mode="after")
    def _totals_agree(self) -> Segment:
        if self.in_progress.total > self.count:
            raise ValueError(
                f"in_progress: {self.in_progress.total} items in progress but count is {self.count}"
            )
        if self.released is not None and sum(self.released.values()) != self.count:
            raise ValueError(
                f"released: the profile adds up to {sum(self.released.values())} "
                f"but count is {self.count}"
            )
        return self


class Capacity(_Strict):
    """[capacity.STAGE]: a stage's capacity; rates per year (throughput) or items at once
    (concurrent). `extra` adds capacity on top of the planned level from the period a key names
    on (`{ "2026" = 500 }`: +500 from 2026); it is given, so ramps do not apply to it."""

    kind: Literal["throughput", "concurrent"] = "throughput"
    initial: NonNeg
    max: NonNeg
    min: NonNeg = 0.0
    ramp_up: NonNeg | None = None
    ramp_down: NonNeg | None = None
    ramp_up_rel: Growth | None = None
    ramp_down_rel: Share | None = None
    cost: NonNeg = 0.0
    extra: dict[str, Amount] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _levels_in_order(self) -> Capacity:
        if self.min > self.max:
            raise ValueError(f"min: {self.min:g} is above max {self.max:g}")
        if self.initial > self.max:
            raise ValueError(f"initial: {self.initial:g} is above max {self.max:g}")
        return self


class CapacitySection(_Strict):
    """[capacity]: engineering and execution; an absent stage has no capacity limit."""

    engineering: Capacity | None = None
    execution: Capacity | None = None


class Measure(_Strict):
    """[[measure]]: a scope option applying to a share of the items of some segments."""

    id: Name
    name: str = ""
    segments: list[str] = Field(min_length=1)
    share: Share = 1.0
    extra_days: StageDays = StageDays()
    extra_workload: StageAmounts = StageAmounts()
    mode: Literal["in", "out", "choose"] = "in"
    value: Amount = 1.0


class Region(_Strict):
    """[[region]]: a ceiling on a region's execution, per year (or items at once)."""

    name: Name
    execution_max: NonNeg


Scalar = Amount | str | bool


class Effect(_Strict):
    """What a risk does when it occurs: the value at `path` (a `--set` path, globs allowed)
    drawn from one distribution: `fixed = V`, `uniform = [low, high]`,
    `triangular = [low, mode, high]`, or `choice = [V1, V2, ...]` with optional `weights`."""

    path: str = Field(min_length=1)
    fixed: Scalar | None = None
    uniform: list[Amount] | None = None
    triangular: list[Amount] | None = None
    choice: list[Scalar] | None = None
    weights: list[NonNeg] | None = None

    @model_validator(mode="after")
    def _one_distribution(self) -> Effect:
        given = [k for k in ("fixed", "uniform", "triangular", "choice")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of fixed, uniform, triangular, choice "
                             f"(got {', '.join(given) or 'none'})")
        if self.path.split(".")[0] == "programme":
            raise ValueError(f"path: {self.path}: the programme's horizon cannot be a risk")
        if self.uniform is not None and (len(self.uniform) != 2
                                         or self.uniform[0] > self.uniform[1]):
            raise ValueError(f"uniform: expected [low, high] with low <= high, got "
                                 f"{self.uniform}")
        if self.triangular is not None:
            if len(self.triangular) != 3:
                raise ValueError(f"triangular: expected [low, mode, high], got {self.triangular}")
            low, mode, high = self.triangular
            if not low <= mode <= high:
                raise ValueError(f"triangular: mode {mode:g} is outside {low:g}..{high:g}")
        if self.weights is not None:
            if self.choice is None or len(self.weights) != len(self.choice):
                raise ValueError("weights: need a choice of the same length")
            if sum(self.weights) <= 0:
                raise ValueError("weights: add up to 0")
        if self.choice is not None and not self.choice:
            raise ValueError("choice: is empty")
        return self

    @property
    def kind(self) -> str:
        """fixed, uniform, triangular or choice."""
        return next(k for k in ("fixed", "uniform", "triangular", "choice")
                    if getattr(self, k) is not None)

    def representative(self) -> Scalar:
        """A value to check the path with: the fixed value, the low end, or the first choice."""
        if self.fixed is not None:
            return self.fixed
        if self.uniform is not None:
            return self.uniform[0]
        if self.triangular is not None:
            return self.triangular[0]
        assert self.choice is not None
        return self.choice[0]


class Risk(_Strict):
    """[[risk]]: an event with a likelihood (0..1) and the effects it has when it occurs."""

    id: Name
    description: str = ""
    likelihood: Share
    effect: list[Effect] = Field(min_length=1)


class Assumption(_Strict):
    """[[assumption]]: a figure of the instance that nobody published and that may move within
    the range a planner finds credible; `paths` are `--set` paths (globs allowed), each matched
    value moving within `range` on its own (`capplan claims` calibrates them)."""

    id: Name
    paths: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    range: list[Amount]
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range_not_empty(self) -> Assumption:
        if len(self.range) != 2:
            raise ValueError(f"range: expected [low, high], got {self.range}")
        if not self.range[0] < self.range[1]:
            raise ValueError(f"range: [{self.range[0]:g}, {self.range[1]:g}] is empty "
                             "(low must be below high)")
        return self


DEFAULT_TERMS = ("finish", "p95", "smooth", "waiting")
"""The default objective: the letter's two milestones, 100% and 95% done, as early as possible;
then production that changes as little as it can from period to period (no year below both
its neighbours unless the limits force it); then as much done as early as possible."""


class Objective(_Strict):
    """[objective]: lexicographic terms and the tolerance each is held within.

    Tolerance is in periods for `finish` and `pNN`, and relative (0.01 = 1%) for the others.
    """

    terms: list[str] = Field(default_factory=lambda: list(DEFAULT_TERMS), min_length=1)
    tolerance: dict[str, Tolerance] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_terms(self) -> Objective:
        for term in self.terms:
            if not TERM_PATTERN.match(term):
                raise ValueError(
                    f"terms: unknown term '{term}' (finish, pNN such as p95, tail, waiting, "
                    "cost, scope, smooth)"
                )
        expanded = expand_terms(self.terms)
        if len(set(expanded)) != len(expanded):
            raise ValueError(f"terms: a term appears twice in {expanded}")
        for key in self.tolerance:
            if key not in expanded:
                raise ValueError(f"tolerance.{key}: not one of the terms {expanded}")
        return self


class Instance(_Strict):
    """A whole instance, after scenario and overrides are applied."""

    programme: Programme
    history: History = History()
    segment: list[Segment] = Field(min_length=1)
    capacity: CapacitySection = CapacitySection()
    measure: list[Measure] = Field(default_factory=list)
    region: list[Region] = Field(default_factory=list)
    objective: Objective = Field(default_factory=Objective)
    risk: list[Risk] = Field(default_factory=list)
    assumption: list[Assumption] = Field(default_factory=list)
    scenarios: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Instance:
        problems = [*self._unique_names(), *self._profiles(), *self._references(),
                    *self._lead_times()]
        if self.scope == 0:
            problems.append("segment: the instance holds no items (every count is 0 and there "
                            "is no history): nothing to plan")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _unique_names(self) -> list[str]:
        out: list[str] = []
        for kind, names in (
            ("segment", [s.name for s in self.segment]),
            ("measure", [m.id for m in self.measure]),
            ("region", [r.name for r in self.region]),
            ("risk", [r.id for r in self.risk]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    out.append(f"{kind}.{name}: appears twice")
                seen.add(name)
        return out

    def _profiles(self) -> list[str]:
        out: list[str] = []
        calendar = self.calendar
        p = self.programme
        for year in self.history.completed:
            if int(year) > p.start or (int(year) == p.start and p.start_quarter == 1):
                out.append(f"history.completed.{year}: is not before start {p.start_label}")
        for stage in ("engineering", "execution"):
            spec = getattr(self.capacity, stage)
            for key in spec.extra if spec is not None else {}:
                try:
                    calendar.profile({key: 1.0})
                except ValueError as exc:
                    out.append(f"capacity.{stage}.extra.{key}: {exc}")
        for seg in self.segment:
            for key in seg.released or {}:
                try:
                    calendar.profile({key: 1.0})
                except ValueError as exc:
                    out.append(f"segment.{seg.name}.released.{key}: {exc}")
        return out

    def _references(self) -> list[str]:
        out: list[str] = []
        names = [s.name for s in self.segment]
        for m in self.measure:
            for pattern in m.segments:
                if not fnmatch.filter(names, pattern):
                    out.append(f"measure.{m.id}.segments: '{pattern}' matches no segment")
        regions = {s.region for s in self.segment}
        for r in self.region:
            if r.name not in regions:
                out.append(f"region.{r.name}: no segment lies in this region")
        if self.region and self.capacity.execution is None:
            out.append("region: regional ceilings need a [capacity.execution] block")
        return out

    def _lead_times(self) -> list[str]:
        """No lead time or measure's extra days longer than the horizon."""
        days = self.horizon_days
        span = f"the horizon ({self.programme.start}..{self.programme.horizon_end}, {days} days)"
        out: list[str] = []
        for seg in self.segment:
            for key in ("engineering_days", "execution_days"):
                if getattr(seg, key) > days:
                    out.append(f"segment.{seg.name}.{key}: {getattr(seg, key):g} days is longer "
                               f"than {span}")
        for m in self.measure:
            for stage in ("engineering", "execution"):
                if getattr(m.extra_days, stage) > days:
                    out.append(f"measure.{m.id}.extra_days.{stage}: "
                               f"{getattr(m.extra_days, stage):g} days is longer than {span}")
        return out

    @property
    def horizon_days(self) -> int:
        """Days from 1 January of the start year to the end of horizon_end."""
        p = self.programme
        return (dt.date(p.horizon_end + 1, 1, 1) - dt.date(p.start, 1, 1)).days

    @property
    def calendar(self) -> Calendar:
        """The planning periods of this instance."""
        p = self.programme
        return Calendar(p.start, p.horizon_end, p.granularity, p.offset)

    @property
    def remaining(self) -> int:
        """Items still to complete at the start (all segments)."""
        return sum(s.count for s in self.segment)

    @property
    def scope(self) -> int:
        """The whole scope: history plus remaining."""
        return self.history.total + self.remaining


def validate(raw: dict[str, Any], source: str) -> Instance:
    """Validate a raw mapping against the schema; InputError names every bad key."""
    try:
        return Instance.model_validate(raw)
    except ValidationError as exc:
        raise InputError(source, _problems(exc, raw)) from None


def _problems(exc: ValidationError, raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Pydantic errors as (dotted key, problem), lists of blocks named by their name or id."""
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        key = _dotted(err["loc"], raw)
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "missing":
            message = "is required"
        elif "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {shown(err['input'])})"
        for line in message.split("\n"):
            sub_key, sep, rest = line.partition(": ")
            if sep and re.fullmatch(r"[\w.\-*\[\]]+", sub_key):
                out.append((f"{key}.{sub_key}" if key else sub_key, rest))
            else:
                out.append((key, line))
    return out


def _dotted(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """('segment', 2, 'count') -> 'segment.eemsdelta-heavy.count' (the `--set` path)."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            entry = node[item] if item < len(node) else None
            field_name = LIST_BLOCKS.get(parts[-1] if parts else "", "name")
            name = entry.get(field_name) if isinstance(entry, dict) else None
            parts.append(str(name) if isinstance(name, str) else f"[{item}]")
            node = entry
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)
