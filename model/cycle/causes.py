"""Which deviation from the plan moved a milestone.

A re-plan's milestone moves because some stage of some segments finished fewer items (or more)
than the baseline planned. Each deviation is tried on its own: the actuals of that stage, in
one segment or in all the segments that deviate the same way, are set to the baseline's plan
(whole items, period by period), the stocks at as-of adjusted so that they still add up, and
the rest is re-planned as the re-plan itself is. The months of the move that go away are what
that deviation accounts for; the one that accounts for most is named, a single segment before
the stage as a whole when it accounts for as much.

Stocks follow the items that finished a stage, with each stage keeping the work it had in
hand at as-of: more designs finished come from the backlog (engineering started as many more;
beyond the backlog, from the items in engineering) and wait ready; more items executed come
from the ready stock (then from the items in execution); fewer, the other way round. The
items in hand are what the re-plan's capacity ramps from for a concurrent stage, so taking
the extra designs from them would charge the shortfall's removal with a smaller design
capacity. A correction the stocks cannot carry is cut to what they can.

A later milestone is traced to shortfalls, an earlier one to excesses. More items finished
can only help a re-plan (they are done, or wait ready, and a higher realised level only lifts
the capacity it ramps from), so a segment alone takes no more of a move away than all the
segments short in that stage: segments are tried one by one only for a stage that takes some
of a move away as a whole.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from capplan.cycle.actuals import Actuals, plan_period_key
from capplan.errors import InputError
from capplan.inputs.calendar import months_between

Milestones = dict[str, str | None]
Replanner = Callable[[Actuals], Milestones]
"""Re-plans from (changed) actuals and gives the milestones, as the re-plan itself does."""


@dataclass(frozen=True)
class Deviation:
    """One stage's items finished against the baseline's plan, over the compared periods, in
    some segments that deviate the same way (short of plan, or over it)."""

    stage: str
    segments: tuple[str, ...]
    planned: float
    actual: float
    where: str
    """`every segment`, `in total` (actuals given as totals), or the segments' names."""
    whole: bool = True
    """All the segments that deviate this way in this stage (False: one of several alone)."""

    @property
    def short(self) -> bool:
        return self.actual < self.planned

    def words(self) -> str:
        """`execution's shortfall in every segment (1,550 finished of 1,821 planned, 15%
        short)`."""
        kind = "shortfall" if self.short else "excess"
        where = self.where if self.where == "in total" else f"in {self.where}"
        share = (f", {abs(self.actual - self.planned) / self.planned:.0%} "
                 f"{'short' if self.short else 'more'}" if self.planned > 0.05 else "")
        return (f"{self.stage}'s {kind} {where} ({self.actual:,.0f} finished of "
                f"{self.planned:,.0f} planned{share})")


@dataclass(frozen=True)
class Cause:
    """The deviation that accounts for most of a milestone's move: the months it takes away
    and where the milestone would be without it."""

    deviation: Deviation | None
    months: int
    without: str | None
    all_planned: str | None = None
    """When no single deviation takes any of the move away: where the milestone would be with
    every stage's deviations that way set to plan at once."""


def compared_cells(planned: pd.DataFrame, actuals: Actuals, keys: list[str]) -> pd.DataFrame:
    """Per compared period key, segment and stage: items planned (the baseline's, summed over
    its periods in the key) and done (the actuals'), and whether the actuals came from a total
    row."""
    keyed = planned.assign(key=planned["period"].map(
        lambda label: plan_period_key(str(label), actuals.yearly)))
    sums = keyed[keyed["key"].isin(keys)].groupby(["key", "segment", "stage"])["items"].sum()
    plan: dict[tuple[str, str, str], float] = {}
    for index, value in zip(sums.index.tolist(), sums.tolist(), strict=True):
        key, segment, stage = (str(part) for part in index)
        plan[key, segment, stage] = float(value)
    done = actuals.done[actuals.done["period"].isin(keys)]
    rows = []
    for period, segment, stage, items, total in zip(
            done["period"], done["segment"], done["stage"], done["items"], done["from_total"],
            strict=True):
        rows.append({"key": str(period), "segment": str(segment), "stage": str(stage),
                     "planned": plan.get((str(period), str(segment), str(stage)), 0.0),
                     "done": int(items), "from_total": bool(total)})
    return pd.DataFrame(rows, columns=["key", "segment", "stage", "planned", "done",
                                       "from_total"])


def deviations(cells: pd.DataFrame) -> list[Deviation]:
    """Per stage and way (short or over): all its segments that deviate that way by half an
    item or more, then (unless the actuals were totals) each such segment alone."""
    out: list[Deviation] = []
    for stage in dict.fromkeys(cells["stage"]):
        part = cells[cells["stage"] == stage]
        per = part.groupby("segment", sort=False)[["planned", "done"]].sum()
        active = per[(per["planned"].abs() + per["done"].abs()) > 0.05]
        totals = bool(part["from_total"].any())
        for short in (True, False):
            gap = per["done"] - per["planned"]
            chosen = per[(gap <= -0.5) if short else (gap >= 0.5)]
            if chosen.empty:
                continue
            names = tuple(str(s) for s in chosen.index)
            where = ("in total" if totals else "every segment" if len(names) == len(active)
                     and len(names) > 1 else _names(names))
            out.append(Deviation(stage, names, float(chosen["planned"].sum()),
                                 float(chosen["done"].sum()), where))
            if totals or len(names) == 1:
                continue
            for name in names:
                out.append(Deviation(stage, (name,), float(per.loc[name, "planned"]),
                                     float(per.loc[name, "done"]), name, whole=False))
    return out


def _names(names: tuple[str, ...]) -> str:
    if len(names) > 3:
        return f"{len(names)} segments"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def as_planned(actuals: Actuals, cells: pd.DataFrame, deviation: Deviation,
               counts: dict[str, int]) -> Actuals:
    """The actuals with the deviation's stage, in its segments, set to the baseline's plan
    (rounded to whole items per period) and the stocks at as-of adjusted (see the module's
    docstring); `counts` are the segments' items."""
    done = actuals.done.copy()
    stocks = {s: dict(v) for s, v in actuals.stocks.items()}
    for segment in deviation.segments:
        mine = cells[(cells["segment"] == segment) & (cells["stage"] == deviation.stage)]
        old = {str(k): int(v) for k, v in zip(mine["key"], mine["done"], strict=True)}
        new = {str(k): max(0, round(float(v)))
               for k, v in zip(mine["key"], mine["planned"], strict=True)}
        change = sum(new.values()) - sum(old.values())
        backlog = counts[segment] - actuals.done_through(segment) - sum(
            stocks[segment].values())
        allowed = _room(deviation.stage, change, stocks[segment], backlog)
        if allowed != change and change:
            new = {k: old[k] + round((new[k] - old[k]) * allowed / change) for k in old}
            change = sum(new.values()) - sum(old.values())
        rows = (done["segment"] == segment) & (done["stage"] == deviation.stage)
        done.loc[rows, "items"] = done.loc[rows, "period"].map(
            lambda key, n=new: n.get(str(key))).fillna(done.loc[rows, "items"]).astype(int)
        stocks[segment] = _restocked(deviation.stage, change, stocks[segment], backlog)
    return dataclasses.replace(actuals, done=done, stocks=stocks)


def _room(stage: str, change: int, stock: dict[str, int], backlog: int) -> int:
    """The largest part of `change` (more or fewer items finishing `stage`) the stocks can
    carry: designs come from engineering and the backlog and go back to ready and execution;
    executions come from ready and execution."""
    after = stock["ready"] + stock["in_execution"]
    if stage == "engineering":
        return min(change, stock["in_engineering"] + backlog) if change > 0 else max(change,
                                                                                    -after)
    return min(change, after) if change > 0 else change


def _restocked(stage: str, change: int, stock: dict[str, int], backlog: int) -> dict[str, int]:
    """Stocks at as-of once `change` more items (fewer when negative) finished `stage`;
    `backlog`: the segment's items released or to be released, not yet in engineering."""
    s = dict(stock)
    if stage == "engineering":
        if change >= 0:
            s["in_engineering"] -= max(0, change - backlog)  # the backlog first
            s["ready"] += change
        else:  # back to the backlog
            back = -change
            from_ready = min(back, s["ready"])
            s["ready"] -= from_ready
            s["in_execution"] -= back - from_ready
    elif change >= 0:
        from_ready = min(change, s["ready"])
        s["ready"] -= from_ready
        s["in_execution"] -= change - from_ready
    else:
        s["ready"] -= change
    return s


def attribute(before: Milestones, now: Milestones, cells: pd.DataFrame, actuals: Actuals,
              counts: dict[str, int], replanned: Replanner) -> dict[str, Cause]:
    """For each milestone that moved: the deviation that takes most of the move away (see the
    module's docstring)."""
    moves = {name: months_between(before.get(name), at) for name, at in now.items()
             if name in before and before.get(name) != at}
    if not moves:
        return {}
    found: dict[Deviation, Milestones] = {}

    def tried(d: Deviation) -> Milestones | None:
        if d not in found:
            try:
                found[d] = replanned(as_planned(actuals, cells, d, counts))
            except InputError:  # the changed actuals make no valid re-plan: not a cause
                return None
        return found[d]

    out: dict[str, Cause] = {}
    every: dict[str, Milestones | None] = {}
    candidates = deviations(cells)
    for name, move in moves.items():
        later = move is None or move > 0
        wholes = [d for d in candidates if d.short == later and d.whole]
        taken = {d: _taken(name, d, tried, now, later) for d in wholes}
        useful = {d.stage for d, t in taken.items() if t is not None and t[0] > 0}
        for d in candidates:
            if d.short == later and not d.whole and d.stage in useful:
                taken[d] = _taken(name, d, tried, now, later)
        best: tuple[int, int, float] | None = None
        cause = Cause(None, 0, None)
        for d, t in taken.items():
            if t is None or t[0] <= 0:
                continue
            rank = (t[0], -len(d.segments), abs(d.actual - d.planned))
            if best is None or rank > best:
                best, cause = rank, Cause(d, t[0], t[1])
        if best is None and wholes:
            key = "short" if later else "over"
            if key not in every:
                every[key] = _all_planned(actuals, cells, wholes, counts, replanned)
            if every[key] is not None:
                cause = Cause(None, 0, None, (every[key] or {}).get(name))
        out[name] = cause
    return out


def _all_planned(actuals: Actuals, cells: pd.DataFrame, wholes: list[Deviation],
                 counts: dict[str, int], replanned: Replanner) -> Milestones | None:
    """The milestones with every given deviation set to plan at once; None when that makes
    no valid re-plan."""
    changed = actuals
    for d in wholes:
        changed = as_planned(changed, cells, d, counts)
    try:
        return replanned(changed)
    except InputError:
        return None


def _reached_by(label: str | None) -> str | None:
    """A milestone label as a quarter to measure from: `before 2026` (reached in the history,
    before the re-plan's first period) counts as reached by the end of 2025Q4, `before 2026Q3`
    by the end of 2026Q2: the latest it can have been reached."""
    if label is None or not label.startswith("before "):
        return label
    start = label.split()[1]
    year, quarter = int(start[:4]), int(start[5]) if "Q" in start else 1
    return f"{year}Q{quarter - 1}" if quarter > 1 else f"{year - 1}Q4"


def _taken(name: str, d: Deviation, tried: Callable[[Deviation], Milestones | None],
           now: Milestones, later: bool) -> tuple[int, str | None] | None:
    """Months of the move of milestone `name` that go away without deviation d, and where the
    milestone would be; None when it cannot be measured."""
    milestones = tried(d)
    if milestones is None:
        return None
    without = milestones.get(name)
    months = months_between(_reached_by(without), now.get(name))
    if months is None:  # beyond the horizon on one side: not measured in months
        return None
    return (months if later else -months), without
