"""Residents: per-address quarters, FIFO and risk order, postponement that delays no one else,
pseudonyms and register checks, windows over samples, letters. The commands on the toy:
test_residents_cli.py."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import INSTANCES, PSEUDONYM_KEY, toy_register
from capplan.core.results import read_plan, segment_flow_arrays
from capplan.core.routing import Lags, lags_of
from capplan.core.solve import plan as solve_plan
from capplan.errors import InputError
from capplan.inputs.load import load
from capplan.residents.letters import sentences
from capplan.residents.register import pseudonym, read_register, synthetic
from capplan.residents.schedule import (
    NONE,
    schedule,
    schedule_segment,
    slots,
    windows,
)

pytestmark = pytest.mark.usefixtures("pseudonym_key")

TOY = INSTANCES / "toy.toml"
GRONINGEN = INSTANCES / "groningen-2024.toml"


# --- the hand-checked segment -----------------------------------------------------------------

# Six addresses: x in execution, y ready, e in engineering, r1 r2 r3 released (oldest first);
# lead times 1 period each; four periods.
STAGE = np.array([3, 2, 1, 0, 0, 0])
AGE = np.array([0, 1, 2, 3, 4, 5])
FLOWS = np.array([
    [2, 1, 0, 0],   # engineering starts
    [1, 2, 1, 0],   # engineering done: e; then starts of t0 after 1 period; of t1
    [1, 1, 2, 1],   # execution starts
    [1, 1, 1, 2],   # completed: x (in execution); then starts one period later
], dtype=float)
LAGS = Lags(1, 1, 1)


def test_six_addresses_by_hand() -> None:
    """FIFO. Engineering starts [2, 1, 0, 0]: r1, r2 in t0, r3 in t1. Done [1, 2, 1, 0]: e (in
    engineering) in t0, r1 r2 in t1, r3 in t2. Execution starts [1, 1, 2, 1]: y (ready at the
    start, first in line) in t0, e in t1, r1 r2 in t2, r3 in t3. Completed [1, 1, 1, 2]: x in
    t0, y t1, e t2, r1 r2 t3; r3 (started t3, one period of execution) lies beyond t3."""
    got = schedule_segment(STAGE, AGE, np.zeros(6, dtype=np.int64), FLOWS, LAGS, "fifo")
    assert got["eng_start"].tolist() == [NONE, NONE, NONE, 0, 0, 1]
    assert got["eng_done"].tolist() == [NONE, NONE, 0, 1, 1, 2]
    assert got["exec_start"].tolist() == [NONE, 0, 1, 2, 2, 3]
    assert got["completion"].tolist() == [0, 1, 2, 3, 3, NONE]


def test_risk_order_puts_high_classes_first() -> None:
    """Risk classes r1 = 1, r2 = 2, r3 = 3, the others 0. Engineering starts in t0 go to r3 and
    r2, r1 waits to t1; done: e t0, r2 r3 t1, r1 t2 (first in, first out). Execution: t0 y
    (ready at the start); t1 r3 overtakes e (class 3 before 0); t2 r2 and r1 (classes 2, 1
    before e); t3 e. Completion, first in first out one period later: x t0, y t1, r3 t2, r2 r1
    t3, and e beyond the horizon (FIFO had r3 there)."""
    risk = np.array([0, 0, 0, 1, 2, 3])
    got = schedule_segment(STAGE, AGE, risk, FLOWS, LAGS, "risk")
    assert got["eng_start"].tolist()[3:] == [1, 0, 0]
    assert got["exec_start"].tolist() == [NONE, 0, 3, 2, 2, 1]
    assert got["completion"].tolist() == [0, 1, NONE, 3, 3, 2]


def test_postponement_gives_the_place_to_the_next_in_line() -> None:
    """r1 asks for t3 (it would start execution in t2). In t2 its place goes to r3 (ready in
    t2): r2 and r3 start in t2 and complete in t3, so r3 moves from beyond the horizon to t3.
    r1 starts in t3 (a planned slot: nobody else needs it) and completes one period later,
    beyond the horizon. Nobody else is later."""
    earliest = np.array([NONE, NONE, NONE, 3, NONE, NONE])
    got = schedule_segment(STAGE, AGE, np.zeros(6, dtype=np.int64), FLOWS, LAGS, "fifo",
                           earliest)
    assert got["exec_start"].tolist() == [NONE, 0, 1, 3, 2, 2]
    assert got["completion"].tolist() == [0, 1, 2, NONE, 3, 3]
    assert got["postponed"].tolist() == [False, False, False, True, False, False]
    assert got["unused"].sum() == 0 and got["extra"].sum() == 0


def test_postponement_with_nobody_ready_leaves_the_slot_unused() -> None:
    """Engineering done [0, 3, 1, 0]: e, r1, r2 leave it in t1, r3 in t2. Without
    postponements execution starts y t0, e t1, r1 r2 t2, r3 t3. y asks for t2: in t0 nobody
    else is ready, so its slot stays unused (said); in t2 r1 and r2 need both planned slots
    to keep their period, so y starts on top of the plan (said) and completes on its own one
    period later, t3. Everyone else completes as before: x t0, e t2, r1 r2 t3, r3 beyond."""
    flows = FLOWS.copy()
    flows[1] = [0, 3, 1, 0]
    earliest = np.array([NONE, 2, NONE, NONE, NONE, NONE])
    base = schedule_segment(STAGE, AGE, np.zeros(6, dtype=np.int64), flows, LAGS, "fifo")
    got = schedule_segment(STAGE, AGE, np.zeros(6, dtype=np.int64), flows, LAGS, "fifo",
                           earliest)
    assert base["exec_start"].tolist() == [NONE, 0, 1, 2, 2, 3]
    assert base["completion"].tolist() == [0, 1, 2, 3, 3, NONE]
    assert got["exec_start"].tolist() == [NONE, 2, 1, 2, 2, 3]
    assert got["unused"].tolist() == [1, 0, 0, 0] and got["extra"].tolist() == [0, 0, 1, 0]
    assert got["completion"].tolist() == [0, 3, 2, 3, 3, NONE]


def test_slots_add_up_to_whole_items() -> None:
    """Flows 0.4, 0.4, 0.4, 1.8 (cumulative 0.4, 0.8, 1.2, 3.0): whole items 0, 0, 1, 2."""
    assert slots(np.array([0.4, 0.4, 0.4, 1.8])).tolist() == [0, 0, 1, 2]


def test_windows_are_quantiles_over_samples() -> None:
    """Ten samples of one address completing in periods 0..8 and once beyond (10 periods):
    P10 is the 1st smallest = 0, P90 the 9th smallest = 8; an address beyond the horizon in
    more than 10% of the samples has no end to its window."""
    one = np.array([[t] for t in range(9)] + [[NONE]])
    low, high = windows(one, 10)
    assert (low[0], high[0]) == (0, 8)
    two = np.array([[t] for t in range(8)] + [[NONE], [NONE]])
    assert windows(two, 10)[1][0] == NONE


# --- the guarantee, as a property -------------------------------------------------------------


@st.composite
def segment_cases(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """A segment with random stages, ages, risk classes, lead times, flows that conserve items
    (whole numbers), and random postponement requests."""
    periods = draw(st.integers(2, 8))
    sizes = [draw(st.integers(0, 6)) for _ in range(4)]
    stage = np.repeat(np.arange(4), sizes)
    n = len(stage)
    eng_lag, exec_lag = draw(st.integers(0, 2)), draw(st.integers(0, 2))

    def spread(total: int) -> np.ndarray:
        out = np.zeros(periods)
        for t in range(periods - 1):
            out[t] = draw(st.integers(0, total))
            total -= int(out[t])
        out[-1] = total
        return out

    def lagged(starts: np.ndarray, lag: int) -> np.ndarray:
        out = np.zeros(periods)
        out[lag:] = starts[: periods - lag]
        return out

    eng_start = spread(sizes[0])
    eng_done = lagged(eng_start, eng_lag) + spread(sizes[1])
    exec_start = np.zeros(periods)
    ready = float(sizes[2])
    for t in range(periods):
        ready += eng_done[t]
        exec_start[t] = draw(st.integers(0, int(ready)))
        ready -= exec_start[t]
    exec_done = lagged(exec_start, exec_lag) + spread(sizes[3])
    age = np.array(draw(st.permutations(list(range(n)))), dtype=np.int64)
    risk = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    earliest = np.array(draw(st.lists(st.one_of(st.just(NONE), st.integers(0, periods)),
                                      min_size=n, max_size=n)), dtype=np.int64)
    flows = np.vstack([eng_start, eng_done, exec_start, exec_done])
    return stage, age, risk, flows, np.array([eng_lag, exec_lag]), earliest


@settings(max_examples=400, deadline=None)
@given(segment_cases(), st.sampled_from(["fifo", "risk"]))
def test_postponement_delays_no_one_else(case: tuple[np.ndarray, ...], rule: str) -> None:
    """Over random segments and postponement lists: no address that did not ask starts or
    completes later than without the postponements; those that asked never start before their
    quarter; each address passes its stages in order."""
    stage, age, risk, flows, lag, earliest = case
    lags = Lags(int(lag[0]), int(lag[1]), int(lag[1]))
    got = schedule_segment(stage, age, risk, flows, lags, rule, earliest)  # type: ignore[arg-type]
    periods = flows.shape[1]
    if "postponed" not in got:
        return
    asked = got["postponed"]

    def late(name: str) -> np.ndarray:
        return np.where(got[name] >= 0, got[name], periods)

    for name in ("exec_start", "completion"):
        now = late(name)
        before = np.where(got[f"{name}_base"] >= 0, got[f"{name}_base"], periods)
        assert (now[~asked] <= before[~asked]).all()
    started = got["exec_start"]
    assert not (asked & (started >= 0) & (started < earliest)).any()
    for first, second in (("eng_start", "eng_done"), ("eng_done", "exec_start"),
                          ("exec_start", "completion")):
        a, b = got[first], got[second]
        both = (a >= 0) & (b >= 0)
        assert (b[both] >= a[both]).all()


@cache
def toy_plan() -> tuple[dict[str, np.ndarray], dict[str, Lags], int]:
    instance = load(TOY).instance
    built, solution = solve_plan(instance)
    plan = read_plan(built, solution)
    return segment_flow_arrays(plan.flows, built.calendar.n), lags_of(instance), built.calendar.n


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1999), st.integers(0, 6)), max_size=60),
       st.sampled_from(["fifo", "risk"]), st.integers(0, 2**32 - 1))
def test_postponement_guarantee_on_a_solved_plan(requests: list[tuple[int, int]], rule: str,
                                                 seed: int) -> None:
    """The toy plan's flows, its 2,000 houses in a random order of `since`, random requests:
    `schedule` counts no address made later (`later_than_without` is 0)."""
    flows, lags, periods = toy_plan()
    order = np.random.default_rng(seed).permutation(2000).tolist()
    register = pd.DataFrame({
        "pseudonym": [f"p{k:04d}" for k in range(2000)], "segment": "houses",
        "stage": ["ready"] * 500 + ["released"] * 1500,
        "since": [dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in order],
        "risk_class": [k % 3 for k in order]})
    earliest = np.full(2000, NONE, dtype=np.int64)
    for who, when in requests:
        earliest[who] = when
    base = schedule(register, flows, lags, periods, rule)  # type: ignore[arg-type]
    got = schedule(register, flows, lags, periods, rule, earliest)  # type: ignore[arg-type]
    assert got.later_than_without == 0
    others = ~got.postponed
    now = np.where(got.completion >= 0, got.completion, periods)
    before = np.where(base.completion >= 0, base.completion, periods)
    assert (now[others] <= before[others]).all()


# --- privacy and the register -----------------------------------------------------------------


def test_pseudonyms_are_keyed() -> None:
    """The same id and key give the same pseudonym; another key another one; 16 hex digits
    that do not contain the id."""
    a = pseudonym(b"k" * 16, "A-123")
    assert a == pseudonym(b"k" * 16, "A-123") and len(a) == 16 and int(a, 16) >= 0
    assert a != pseudonym(b"j" * 16, "A-123") and a != pseudonym(b"k" * 16, "A-124")


def _bad(rows: list[str]) -> list[str]:
    return ["id,segment,stage,since,risk_class", *rows]


@pytest.mark.parametrize(("rows", "message"), [
    (["a1,nowhere,released,2020-01-01,1"], "row 2, segment: unknown segment 'nowhere'"),
    (["a1,houses,released,2025-03-01,1"], "row 2, since: 2025-03-01 is not before"),
    (["a1,houses,released,2999-03-01,1"], "row 2, since: 2999-03-01 is in the future"),
    (["a1,houses,released,2020-01-01,1", "a1,houses,released,2020-01-02,1"],
     "row 3, id: duplicate id (first on row 2)"),
    (["a1,houses,designing,2020-01-01,1"], "row 2, stage"),
    (["a1,houses,released,yesterday,1"], "row 2, since"),
    (["9711 AB,houses,released,2020-01-01,1"], "row 2, id: looks like a postcode"),
    (["a1,houses,released,2020-01-01,-1"], "row 2, risk_class"),
])
def test_bad_registers(tmp_path: Path, rows: list[str], message: str) -> None:
    """Each fault: one message naming the file, the row and the column."""
    path = tmp_path / "reg.csv"
    path.write_text("\n".join(_bad(rows)) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_register(path, load(TOY).instance, PSEUDONYM_KEY.encode())
    assert message in info.value.message() and str(path) in info.value.message()


def test_excel_register_reads_like_csv(tmp_path: Path) -> None:
    """The same register as the first sheet of an .xlsx workbook (dates as Excel dates) gives
    the same pseudonymised table as the CSV."""
    csv = toy_register(tmp_path / "reg.csv")
    frame = pd.read_csv(csv)
    frame["since"] = pd.to_datetime(frame["since"])
    xlsx = tmp_path / "reg.xlsx"
    frame.to_excel(xlsx, index=False)
    instance = load(TOY).instance
    from_csv = read_register(csv, instance, PSEUDONYM_KEY.encode()).table
    from_xlsx = read_register(xlsx, instance, PSEUDONYM_KEY.encode()).table
    pd.testing.assert_frame_equal(from_csv, from_xlsx)


def test_stage_counts_checked_against_the_instance(tmp_path: Path) -> None:
    """The toy has 500 ready and 1,500 released. 480 ready is 4% off: within the default 5%
    (25); 470 (6%) is not, and neither is one house in execution (the instance has none)."""
    instance = load(TOY).instance
    reg = toy_register(tmp_path / "reg.csv")
    lines = reg.read_text().splitlines()
    ok = tmp_path / "ok.csv"
    ok.write_text("\n".join(lines[:481] + lines[501:]) + "\n", encoding="utf-8")
    assert len(read_register(ok, instance, PSEUDONYM_KEY.encode())) == 1980
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:471] + lines[501:]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="segment houses, stage ready: 470 addresses, the "
                                         "instance has 500"):
        read_register(bad, instance, PSEUDONYM_KEY.encode())
    odd = tmp_path / "odd.csv"
    odd.write_text("\n".join([*lines, "z1,houses,execution,2020-01-01,1"]) + "\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match="stage execution: 1 addresses, the instance has 0"):
        read_register(odd, instance, PSEUDONYM_KEY.encode())


# --- synthetic registers, shipped instances ---------------------------------------------------


def test_completions_follow_the_plan_per_segment(tmp_path: Path) -> None:
    """Groningen with a synthetic register: in every segment and quarter, the addresses
    completing equal the plan's whole completions there (its cumulative rounded down), and
    nobody completes before starting execution."""
    instance = load(GRONINGEN).instance
    path = tmp_path / "reg.csv"
    synthetic(instance, 2).to_csv(path, index=False)
    register = read_register(path, instance, PSEUDONYM_KEY.encode(), tolerance=0.0)
    built, solution = solve_plan(instance)
    n = built.calendar.n
    flows = segment_flow_arrays(read_plan(built, solution).flows, n)
    got = schedule(register.table, flows, lags_of(instance), n)
    for segment, index in register.table.groupby("segment").indices.items():
        done = got.completion[index]
        assert np.bincount(done[done >= 0], minlength=n).tolist() == slots(
            flows[str(segment)][3]).tolist()
        started = got.exec_start[index]
        both = (started >= 0) & (done >= 0)
        assert (done[both] >= started[both]).all()


# --- letters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "last", "started", "postponed", "nl", "en"), [
    ("2027Q2", "2027Q4", False, False,
     "Naar verwachting wordt uw woning tussen het 2e kwartaal van 2027 en het 4e kwartaal van "
     "2027 versterkt.",
     "We expect your home to be strengthened between the 2nd quarter of 2027 and the 4th "
     "quarter of 2027."),
    ("2027Q1", "2027Q1", False, False,
     "Naar verwachting wordt uw woning in het 1e kwartaal van 2027 versterkt.",
     "We expect your home to be strengthened in the 1st quarter of 2027."),
    ("2026Q3", "2026Q3", True, False,
     "De versterking van uw woning is begonnen; naar verwachting is die klaar in het 3e "
     "kwartaal van 2026.",
     "The strengthening of your home has started; we expect it to be finished in the 3rd "
     "quarter of 2026."),
    (None, None, False, False,
     "Naar verwachting wordt uw woning niet vóór het einde van 2036 versterkt; wij laten u "
     "meer weten zodra de planning verder reikt.",
     "We do not expect your home to be strengthened before the end of 2036; we will tell you "
     "more as soon as the plan reaches further."),
    ("2036Q2", None, False, False,
     "Naar verwachting wordt uw woning niet eerder dan het 2e kwartaal van 2036 versterkt, "
     "mogelijk pas na 2036.",
     "We expect your home to be strengthened no sooner than the 2nd quarter of 2036, possibly "
     "only after 2036."),
    ("2028Q1", "2028Q2", False, True,
     "Op uw verzoek is de versterking uitgesteld. Naar verwachting wordt uw woning tussen het "
     "1e kwartaal van 2028 en het 2e kwartaal van 2028 versterkt.",
     "At your request the strengthening has been postponed. We expect your home to be "
     "strengthened between the 1st quarter of 2028 and the 2nd quarter of 2028."),
])
def test_letter_wording(first: str | None, last: str | None, started: bool, postponed: bool,
                        nl: str, en: str) -> None:
    """A window, one quarter, works already under way, beyond the horizon (wholly and in
    part), after a postponement."""
    assert sentences(first, last, 2036, started, postponed) == (nl, en)
