"""What if we add capacity: the plan with and without additions, and marginal gains.

`--add execution=+500@2026` gives 500 execution capacity on top of the planned level from
2026 on (`capacity.execution.extra`; given, so not subject to ramps); the report says so in
those words ("500 more execution capacity from 2026") and counts the capacity given in the
peak capacity in use. `--raise
execution.max=3500` raises a limit (`capacity.execution.max`). The marginal table adds 100
units to one stage in one year only and re-solves, for every stage and planned year up to the
finish: the months gained on finish and p95, and the item-years of waiting saved.

Gains compare each milestone at its own optimum: finish from the plan `finish, waiting`, p95
from the plan `p95, waiting` (under `finish, waiting` alone, p95 is not optimised and could
even move later when capacity is added). Waiting is that of the finish-first plan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from capplan.core.routing import STAGES
from capplan.errors import InputError
from capplan.inputs.calendar import months_between
from capplan.inputs.load import Loaded
from capplan.inputs.schema import Instance
from capplan.questions.compare import Progress, progress_of
from capplan.questions.variants import Outcome, Variant, run, solver_zero

_ADD = re.compile(r"^(?P<stage>[a-z]+)=(?P<amount>[+-]?\d+(\.\d+)?)@(?P<year>\d{4})$")
_RAISE = re.compile(r"^(?P<stage>[a-z]+)\.(?P<key>[a-z_]+)=(?P<value>\d+(\.\d+)?)$")
RAISABLE = ("max", "ramp_up", "ramp_down", "initial", "min")
MARGINAL_UNITS = 100.0


LIMIT_WORDS = {"max": "maximum", "min": "minimum", "ramp_up": "ramp-up",
               "ramp_down": "ramp-down", "initial": "initial level"}


@dataclass(frozen=True)
class Addition:
    """One change asked for: the override that makes it, and the change in the user's words
    (`500 more execution capacity from 2026`)."""

    path: str
    words: str


def additions(adds: list[str], raises: list[str], instance: Instance) -> list[Addition]:
    """`--add` and `--raise` as override paths with their words; InputError for a malformed one
    or a stage without capacity. Additions to one stage and year are summed."""
    extra: dict[tuple[str, int], float] = defaultdict(float)
    out: list[Addition] = []
    for text in adds:
        match = _ADD.match(text.replace(" ", ""))
        if match is None:
            raise InputError("--add", [(text, "expected STAGE=+AMOUNT@YEAR, e.g. "
                                              "execution=+500@2026")])
        stage = _stage(match["stage"], instance, "--add", text)
        extra[stage, int(match["year"])] += float(match["amount"])
    for (stage, year), amount in sorted(extra.items()):
        current = getattr(instance.capacity, stage).extra.get(str(year), 0.0)
        out.append(Addition(f"capacity.{stage}.extra.{year}={current + amount}",
                            _added_words(stage, year, amount)))
    for text in raises:
        match = _RAISE.match(text.replace(" ", ""))
        if match is None or match["key"] not in RAISABLE:
            raise InputError("--raise", [(text, "expected STAGE.LIMIT=VALUE with LIMIT one of "
                                                f"{', '.join(RAISABLE)}")])
        stage = _stage(match["stage"], instance, "--raise", text)
        key, value = match["key"], float(match["value"])
        before = getattr(getattr(instance.capacity, stage), key)
        was = "unlimited" if before is None else _amount(float(before))
        out.append(Addition(f"capacity.{stage}.{key}={match['value']}",
                            f"the {stage} {LIMIT_WORDS[key]} at {_amount(value)} instead of "
                            f"{was}"))
    return out


def _added_words(stage: str, year: int, amount: float) -> str:
    """`500 more execution capacity from 2026` (or `less` for a negative amount)."""
    if amount == 0:
        return f"no change to the {stage} capacity from {year}"
    return f"{_amount(abs(amount))} {'more' if amount > 0 else 'less'} {stage} capacity from {year}"


def _amount(value: float) -> str:
    """A capacity figure as written: 500, 1,250.5."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def moved(months: int | None) -> str:
    """A milestone's gain in words: `does not move`, `moves 3 months earlier`, `moves 1 month
    later` (a negative gain); None (beyond the horizon in one of the plans) says so."""
    if months is None:
        return "cannot be compared (beyond the horizon in one of the plans)"
    if months == 0:
        return "does not move"
    unit = "month" if abs(months) == 1 else "months"
    return f"moves {abs(months)} {unit} {'earlier' if months > 0 else 'later'}"


def joined(parts: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _stage(name: str, instance: Instance, option: str, text: str) -> str:
    if name not in STAGES or getattr(instance.capacity, name) is None:
        have = [s for s in STAGES if getattr(instance.capacity, s) is not None]
        raise InputError(option, [(text, f"no capacity '{name}' (the instance has: "
                                         f"{', '.join(have) or 'none'})")])
    return name


Earliest = dict[str, str | float | None]


def earliest(source: Loaded, variant: Variant, solver: str) -> Earliest:
    """The earliest finish (with its least waiting) and the earliest p95 of a variant."""
    first = run(source, variant, solver, ["finish", "waiting"])
    bulk = run(source, variant, solver, ["p95", "waiting"])
    return {"finish": first.plan.milestones.get("finish"),
            "p95": bulk.plan.milestones.get("p95"),
            "waiting": first.solution.values.get("waiting")}


def gains(base: Earliest, other: Earliest) -> dict[str, float | int | None]:
    """Months gained (positive = earlier) on finish and p95, and waiting saved (item-years)."""
    finish = months_between(_label(other["finish"]), _label(base["finish"]))
    p95 = months_between(_label(other["p95"]), _label(base["p95"]))
    b, o = base["waiting"], other["waiting"]
    saved = (solver_zero(float(b) - float(o), float(b))
             if isinstance(b, float) and isinstance(o, float) else None)
    return {"finish_gain_months": finish, "p95_gain_months": p95, "waiting_saved": saved}


def _label(value: str | float | None) -> str | None:
    return value if isinstance(value, str) else None


def marginal(source: Loaded, base: Outcome, solver: str,
             progress: Progress | None = None) -> pd.DataFrame:
    """Per stage and planned year up to the base finish: the gains of 100 more units of
    capacity in that year only. `progress(k, total)` is called after each earliest plan."""
    report = progress_of(progress)
    inst = base.loaded.instance
    reference = earliest(source, base.variant, solver)
    finish = reference["finish"]
    last = int(finish[:4]) if isinstance(finish, str) and finish[:4].isdigit() \
        else inst.programme.horizon_end
    rows = []
    stages = [stage for stage in STAGES if getattr(inst.capacity, stage) is not None]
    total = 1 + len(stages) * max(0, last + 1 - inst.programme.start)
    report(1, total)
    for stage in STAGES:
        spec = getattr(inst.capacity, stage)
        if spec is None:
            continue
        for year in range(inst.programme.start, last + 1):
            changes = {year: MARGINAL_UNITS}
            if year < inst.programme.horizon_end:
                changes[year + 1] = -MARGINAL_UNITS
            overrides = tuple(
                f"capacity.{stage}.extra.{y}={spec.extra.get(str(y), 0.0) + amount}"
                for y, amount in changes.items())
            variant = Variant(f"{stage} +100 in {year}", base.variant.scenario, overrides)
            rows.append({"stage": stage, "year": year,
                         **gains(reference, earliest(source, variant, solver))})
            report(1, total)
    return pd.DataFrame(rows)
