"""Per-address expected quarters: the plan's per-segment stage flows handed out to addresses.

The plan says, per segment and period, how many items enter engineering, leave it, enter
execution and are completed. Rounded down on the cumulative curve (so the whole items add up),
those counts are *slots*; each stage transition hands its slots to addresses in priority order:

1. engineering start: the released addresses, by the rule (`fifo`: the earliest `since`
   first; `risk`: the highest risk class first, then `since`);
2. engineering done: first in, first out: addresses already in engineering (earliest `since`
   first), then in the order they started; an address may leave no sooner than its segment's
   shortest engineering lead time after it entered;
3. execution start: the ready addresses, by the rule (`fifo`: the period they became ready,
   then `since`; `risk`: the risk class first);
4. completion: first in, first out from execution, as in 2.

A transition gives a slot only to an address that may take it then; a slot nobody may take
stays unused, and an address without a slot by the horizon's end is "beyond the horizon".

Postponement: a resident may ask that the strengthening works (execution) start no sooner than
a chosen quarter; engineering goes on as planned. Execution slots are then given period by
period: everyone else is served earliest-deadline-first with the period they had without
postponements as deadline, so their places move up; an address that postponed takes a slot
from its quarter on only when a check (the same earliest-deadline-first schedule run to the
end) shows that everyone else still keeps their date. Completion follows the execution order.
So no one who did not ask gets a later quarter than without the postponements; `check` says
so in every result, and slots that stay unused because of postponements are listed.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from capplan.core.routing import Lags
from capplan.inputs.calendar import Calendar

Rule = Literal["fifo", "risk"]
FLOWS = ("eng_start", "eng_done", "exec_start", "exec_done")
"""Rows of a segment's flow array: items per period entering engineering, leaving it,
entering execution and completed."""

STAGE_CODE = {"released": 0, "engineering": 1, "ready": 2, "execution": 3}
NONE = -1
"""Period index meaning: no slot (not applicable, or beyond the horizon)."""

SLOT_TOLERANCE = 0.01
"""Items: a cumulative flow within this of a whole number counts as reaching it (solver
tolerances leave 999.9998 where 1,000 items are meant)."""


@dataclass
class Schedule:
    """Per address (register order), the period index of each transition: engineering start,
    engineering done, execution start, completion; NONE when it happened before the plan or
    lies beyond the horizon (see `stage`). `unused` lists planned execution starts left unused
    because of postponements, `extra` postponed starts on top of the plan: (segment, period,
    items); `later_than_without` counts addresses that did not ask and still got a later
    completion than without postponements (the guarantee: always 0)."""

    eng_start: np.ndarray
    eng_done: np.ndarray
    exec_start: np.ndarray
    completion: np.ndarray
    postponed: np.ndarray
    unused: list[tuple[str, int, int]] = field(default_factory=list)
    extra: list[tuple[str, int, int]] = field(default_factory=list)
    later_than_without: int = 0


def slots(flow: np.ndarray) -> np.ndarray:
    """Whole items per period from a fractional flow: differences of the cumulative flow
    rounded down (within SLOT_TOLERANCE), so that they add up to it."""
    whole = np.floor(np.cumsum(flow) + SLOT_TOLERANCE).astype(np.int64)
    return np.diff(np.concatenate([[0], np.maximum(whole, 0)]))


# --- one transition ---------------------------------------------------------------------------


def dispatch(eligible: np.ndarray, priority: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Hand out `counts[t]` slots per period t to addresses eligible from `eligible[a]` (NONE:
    not taking part), lowest `priority` first among those eligible. Returns each address's
    period, NONE without a slot."""
    out = np.full(len(eligible), NONE, dtype=np.int64)
    taking = np.flatnonzero(eligible >= 0)
    taking = taking[np.argsort(eligible[taking], kind="stable")]
    heap: list[tuple[int, int]] = []
    k = 0
    for t, count in enumerate(counts):
        while k < len(taking) and eligible[taking[k]] <= t:
            heapq.heappush(heap, (int(priority[taking[k]]), int(taking[k])))
            k += 1
        for _ in range(min(int(count), len(heap))):
            out[heapq.heappop(heap)[1]] = t
    return out


def dispatch_postponed(eligible: np.ndarray, priority: np.ndarray, counts: np.ndarray,
                       deadline: np.ndarray, earliest: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like `dispatch`, with postponements: an address with `earliest[a] >= 0` starts in the
    first period it is eligible from `earliest[a]` on, in a planned slot when everyone else
    still gets one by their `deadline` (their period without postponements; NONE: none),
    else on top of the plan. Everyone else is served earliest deadline first.
    Returns each address's period, the planned slots left unused per period, and the starts
    on top of the plan per period."""
    n = len(counts)
    far = n + 1
    out = np.full(len(eligible), NONE, dtype=np.int64)
    waiting = earliest >= 0
    start = np.where(waiting, np.maximum(eligible, earliest), eligible)
    start = np.where(eligible >= 0, start, NONE)
    others = [int(a) for a in np.flatnonzero((start >= 0) & ~waiting)]
    others.sort(key=lambda a: start[a])
    asking = [int(a) for a in np.flatnonzero((start >= 0) & waiting)]
    asking.sort(key=lambda a: (start[a], priority[a]))
    due = np.where(deadline >= 0, deadline, far)
    heap: list[tuple[int, int, int]] = []
    k = j = 0
    unused = np.zeros(n, dtype=np.int64)
    extra = np.zeros(n, dtype=np.int64)
    for t in range(n):
        while k < len(others) and start[others[k]] <= t:
            a = others[k]
            heapq.heappush(heap, (int(due[a]), int(priority[a]), a))
            k += 1
        now = []
        while j < len(asking) and start[asking[j]] <= t:
            now.append(asking[j])
            j += 1
        free = int(counts[t])
        while free and now and _keeps_dates(heap, others[k:], start, due, priority, counts,
                                            t, free - 1):
            out[now.pop(0)] = t
            free -= 1
        for _ in range(min(free, len(heap))):
            out[heapq.heappop(heap)[2]] = t
            free -= 1
        while free and now:  # slots nobody else could take now
            out[now.pop(0)] = t
            free -= 1
        for a in now:
            out[a] = t
        extra[t] = len(now)
        unused[t] = free
    return out, unused, extra


def _keeps_dates(heap: list[tuple[int, int, int]], arriving: list[int], start: np.ndarray,
                 due: np.ndarray, priority: np.ndarray, counts: np.ndarray, t: int,
                 free: int) -> bool:
    """Whether, with `free` slots left in period t, earliest-deadline-first still serves every
    waiting and arriving address by its deadline."""
    pending = list(heap)
    n = len(counts)
    k = 0
    for u in range(t, n):
        while k < len(arriving) and start[arriving[k]] <= u:
            a = arriving[k]
            heapq.heappush(pending, (int(due[a]), int(priority[a]), a))
            k += 1
        for _ in range(min(free if u == t else int(counts[u]), len(pending))):
            if heapq.heappop(pending)[0] < u:
                return False
        if not pending and k == len(arriving):
            return True
    return all(d > n for d, _, _ in pending) and all(due[a] > n for a in arriving[k:])


# --- a segment --------------------------------------------------------------------------------


def _ranks(*keys: np.ndarray) -> np.ndarray:
    """Rank of each address under the lexicographic order of `keys` (first key first)."""
    order = np.lexsort(tuple(reversed(keys)))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def schedule_segment(stage: np.ndarray, age: np.ndarray, risk: np.ndarray,
                     flows: np.ndarray, lags: Lags, rule: Rule,
                     earliest: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """One segment's addresses through the four transitions (see the module docstring).

    `stage`: register stage codes; `age`: rank by `since` (then pseudonym), oldest first;
    `risk`: risk class; `flows`: the (4, periods) flow array; `lags`: its lead times in whole
    periods; `earliest`: per address the first period its execution may
    start (NONE: no postponement). Returns period arrays for each transition, and with
    postponements also the arrays without them (`*_base`) and unused slots.
    """
    counts = [slots(f) for f in flows]
    urgent = -risk if rule == "risk" else np.zeros_like(risk)
    none = np.full(len(stage), NONE, dtype=np.int64)
    # 1. engineering start: the released queue by the rule
    eng_start = dispatch(np.where(stage == 0, 0, NONE), _ranks(urgent, age), counts[0])
    # 2. engineering done: first in, first out
    in_eng = (stage == 1) | (eng_start >= 0)
    leaves = np.where(eng_start >= 0, eng_start + lags.engineering, NONE)
    eng_done = dispatch(np.where(stage == 1, 0, leaves),
                        _ranks(_entry(stage == 1, eng_start), age), counts[1])
    eng_done = np.where(in_eng, eng_done, none)
    # 3. execution start: the ready queue by the rule
    ready = np.where(stage == 2, 0, eng_done)
    exec_priority = _ranks(urgent, _entry(stage == 2, eng_done), age)
    exec_base = dispatch(ready, exec_priority, counts[2])
    # 4. completion: first in, first out
    done_rank = _ranks(_entry(stage == 3, exec_base), age)
    done_base = _complete(stage, exec_base, done_rank, counts[3], lags.execution)
    out = {"eng_start": eng_start, "eng_done": eng_done, "exec_start": exec_base,
           "completion": done_base}
    if earliest is None or not (earliest >= 0).any():
        return out
    # postponement: only where the works would otherwise start before the chosen period
    asks = (earliest >= 0) & (stage < 3) & (exec_base >= 0) & (exec_base < earliest)
    exec_new, unused, extra = dispatch_postponed(ready, exec_priority, counts[2], exec_base,
                                                 np.where(asks, earliest, NONE))
    # completion: everyone else first in, first out in the planned slots; a postponed
    # address its own execution lead time (rounded up) after its start, on top of the plan
    done_new = _complete(stage, np.where(asks, NONE, exec_new),
                         _ranks(_entry(stage == 3, exec_new), done_rank), counts[3],
                         lags.execution)
    own = exec_new + lags.execution_longest
    own = np.where(own < len(counts[3]), own, NONE)
    done_new = np.where(asks & (exec_new >= 0), own, done_new)
    used_base = np.bincount(exec_base[exec_base >= 0], minlength=len(counts[2]))
    out.update(exec_start=exec_new, completion=done_new, exec_start_base=exec_base,
               completion_base=done_base, postponed=asks,
               unused=np.maximum(unused - (counts[2] - used_base), 0), extra=extra)
    return out


def _entry(before: np.ndarray, period: np.ndarray) -> np.ndarray:
    """The period an address entered a stage, for first-in-first-out order: NONE for those in
    it at the start (`before`), a period, or past every period for those that never do."""
    never = np.iinfo(np.int64).max // 4
    return np.where(before, NONE, np.where(period >= 0, period, never))


def _complete(stage: np.ndarray, exec_start: np.ndarray, priority: np.ndarray,
              counts: np.ndarray, lag: int) -> np.ndarray:
    """Completion periods: the addresses in execution at the start, then those that start it,
    in `priority` order, each no sooner than `lag` periods after its start."""
    eligible = np.where(stage == 3, 0, np.where(exec_start >= 0, exec_start + lag, NONE))
    done = dispatch(eligible, priority, counts)
    return np.where((stage == 3) | (exec_start >= 0), done, NONE)


# --- the register -----------------------------------------------------------------------------


def schedule(register: pd.DataFrame, flows: dict[str, np.ndarray],
             lags: dict[str, Lags], periods: int, rule: Rule = "fifo",
             earliest: np.ndarray | None = None) -> Schedule:
    """Every address of `register` (columns segment, stage, since, risk_class, pseudonym)
    through a plan's `flows` (per segment, the (4, periods) array) with its shortest lead
    times `lags` (a built model's `routing.lags`); `earliest`: per address the first period
    its execution may start, NONE for no postponement."""
    size = len(register)
    result = {name: np.full(size, NONE, dtype=np.int64)
              for name in ("eng_start", "eng_done", "exec_start", "completion",
                           "completion_base")}
    postponed = np.zeros(size, dtype=bool)
    unused: list[tuple[str, int, int]] = []
    extra: list[tuple[str, int, int]] = []
    stage_all = register["stage"].map(STAGE_CODE).to_numpy(dtype=np.int64)
    age_all = _ranks(pd.to_datetime(register["since"]).to_numpy().astype(np.int64),
                     register["pseudonym"].rank(method="first").to_numpy(dtype=np.int64))
    risk_all = register["risk_class"].to_numpy(dtype=np.int64)
    for segment, index in register.groupby("segment", sort=False).indices.items():
        flow = flows.get(str(segment), np.zeros((4, periods)))
        wanted = None if earliest is None else earliest[index]
        got = schedule_segment(stage_all[index], age_all[index], risk_all[index], flow,
                               lags[str(segment)], rule, wanted)
        for name in ("eng_start", "eng_done", "exec_start", "completion"):
            result[name][index] = got[name]
        result["completion_base"][index] = got.get("completion_base", got["completion"])
        if "postponed" in got:
            postponed[index] = got["postponed"]
            unused += [(str(segment), int(t), int(c))
                       for t, c in enumerate(got["unused"]) if c > 0]
            extra += [(str(segment), int(t), int(c))
                      for t, c in enumerate(got["extra"]) if c > 0]
    new = np.where(result["completion"] >= 0, result["completion"], periods)
    old = np.where(result["completion_base"] >= 0, result["completion_base"], periods)
    later = int(((new > old) & ~postponed).sum())
    return Schedule(result["eng_start"], result["eng_done"], result["exec_start"],
                    result["completion"], postponed, unused, extra, later)


def windows(completions: np.ndarray, periods: int, low: float = 0.1,
            high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Per address, the `low` and `high` quantile of its completion period over samples
    (rows); a sample beyond the horizon counts as later than all (NONE in the result)."""
    values = np.where(completions >= 0, completions, periods)
    lo = np.quantile(values, low, axis=0, method="inverted_cdf").astype(np.int64)
    hi = np.quantile(values, high, axis=0, method="inverted_cdf").astype(np.int64)
    return np.where(lo >= periods, NONE, lo), np.where(hi >= periods, NONE, hi)


def period_label(calendar: Calendar, t: int, horizon_end: int) -> str:
    """A period index as a quarter (`2027Q2`; a year at yearly granularity); `after 2036`
    beyond the horizon."""
    if t < 0:
        return f"after {horizon_end}"
    label = calendar.milestone_label(t)
    assert label is not None
    return label
