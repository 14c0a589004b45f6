"""Calibration: the least change to an instance's declared assumptions under which claims hold.

Each `[[assumption]]` path (globs expanded) is a lever theta_k with its value at the instance,
theta0_k, and its range [low_k, high_k]. The calibration is

    min sum_k |theta_k - theta0_k| / (high_k - low_k)
    s.t. for every variant g (a scenario and overrides; one copy of the model each, all copies
         sharing theta): row_lower_g(theta) <= A_g x_g <= row_upper_g(theta),
         col_lower_g(theta) <= x_g <= col_upper_g(theta), and the rows of g's claims;
         low_k <= theta_k <= high_k.

Levers that enter the model linearly (counts, work in progress, releases, capacity levels and
ramps, regional ceilings) leave A_g alone and move the bounds affinely: the model is built at
theta0 and at each lever's range ends, the derivative of every bound read off, and the
affinity checked at a third point. They are columns of one LP (theta = theta0 + up - down,
up, down >= 0; a bound that moves becomes a row). Levers that change A_g (lead times, shares)
are searched outside it: they move only when the linear levers within their ranges cannot make
the claims hold, each by the least it must (bisection to the day, or to 0.001 of a share,
between its value and the end of its range that helps), one after another in the order
declared; milestones and production are monotone in them.

When no values within the ranges make all claims hold, a deletion filter finds the smallest
set of claims that cannot hold together (each claim left out in turn, kept out when the rest
still conflict; the searched levers at the ends of their ranges that help), and an LP with the
ranges as soft limits names the assumptions whose ranges stop it and the values they would
need. The largest consistent set is then found by leaving out, one conflict at a time, the
claim whose absence needs the least change of the linear levers, and the calibration is made
for that set.
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from capplan.core.backends import Status, open_backend
from capplan.core.build import build
from capplan.core.context import Built
from capplan.core.lp import INF, LinearProgram
from capplan.errors import InputError
from capplan.inputs.load import Loaded, vary
from capplan.inputs.overrides import LIST_BLOCKS, apply_override, set_path
from capplan.questions.claims import HALF, Claim, claim_rows, planned_years, whole

TOLERANCE = 1e-7
"""Relative tolerance of the affinity check and of the LPs' feasibility (items)."""

PEAK_YEARS = 3
"""How many of a peak claim's preferred years the calibration compares (the years the
instance as it is can produce most in, in whole items, earliest first among equals); the
other years are tried, in that order, only when none of these can hold the claim, so that a
peak claim is said not to hold only when no year can."""

SOFT_WEIGHT = 1000.0
"""Weight of a step beyond a range against a step within it, in the soft-range LP."""


# --- levers: the assumptions' paths, expanded ---------------------------------------------------


@dataclass(frozen=True)
class Lever:
    """One value an assumption may move: its path, the instance's value, its range."""

    assumption: str
    path: str
    value: float
    low: float
    high: float
    whole: bool

    @property
    def width(self) -> float:
        return self.high - self.low


def levers(loaded: Loaded) -> list[Lever]:
    """Every path of every [[assumption]], globs expanded on the instance; InputError for a
    path that matches nothing or no number, a value outside its range, ids that repeat."""
    source, inst = str(loaded.path), loaded.instance
    data = inst.model_dump()
    problems: list[tuple[str, str]] = []
    out: list[Lever] = []
    seen_ids: set[str] = set()
    seen_paths: dict[str, str] = {}
    for a in inst.assumption:
        key = f"assumption.{a.id}"
        if a.id in seen_ids:
            problems.append((key, "appears twice"))
        seen_ids.add(a.id)
        low, high = a.range
        for pattern in a.paths:
            found = expand(data, pattern)
            if not found:
                problems.append((f"{key}.paths", f"'{pattern}' matches nothing"))
            for path, value in found:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    problems.append((f"{key}.paths", f"{path} is {value!r}, not a number"))
                elif not low <= value <= high:
                    problems.append((f"{key}.range", f"{path} is {value:g} at the instance, "
                                                     f"outside [{low:g}, {high:g}]"))
                elif path in seen_paths:
                    problems.append((f"{key}.paths", f"{path} is also in assumption "
                                                     f"{seen_paths[path]}"))
                else:
                    seen_paths[path] = a.id
                    whole = float(value).is_integer() and float(low).is_integer() and float(
                        high).is_integer()
                    out.append(Lever(a.id, path, float(value), float(low), float(high), whole))
    if problems:
        if loaded.where:  # a workbook: point at the cells
            from capplan.inputs.workbook import locate

            problems = locate(problems, loaded.where)
        raise InputError(source, problems)
    return out


def expand(data: dict[str, Any], pattern: str) -> list[tuple[str, Any]]:
    """(path, value) for every path of an instance's mapping a `--set` pattern names: blocks
    of [[segment]], [[measure]], [[region]] by name (a glob), table keys by glob."""
    parts = pattern.split(".")
    found: list[tuple[list[str], Any]] = [([], data)]
    for part in parts:
        following: list[tuple[list[str], Any]] = []
        for prefix, node in found:
            if isinstance(node, list) and len(prefix) == 1 and prefix[0] in LIST_BLOCKS:
                name_key = LIST_BLOCKS[prefix[0]]
                following += [([*prefix, str(b[name_key])], b) for b in node
                              if isinstance(b, dict)
                              and fnmatch.fnmatchcase(str(b.get(name_key, "")), part)]
            elif isinstance(node, dict):
                following += [([*prefix, str(k)], v) for k, v in node.items()
                              if fnmatch.fnmatchcase(str(k), part)]
        found = following
    return [(".".join(p), v) for p, v in found if not isinstance(v, dict | list)]


def folded(loaded: Loaded, paths: set[str]) -> Loaded:
    """The loaded instance with its `--set` overrides of assumptions' paths folded into the
    mapping its variants derive from: such an override gives the lever its value at the
    instance, and the lever still moves (applied after the levers' values, as the other
    overrides are, it would pin the lever). A claim's scenario still sets what it sets."""
    data = loaded.instance.model_dump()
    into: list[str] = []
    kept: list[str] = []
    for setting in loaded.overrides:
        pattern = setting.partition("=")[0].strip()
        (into if {p for p, _ in expand(data, pattern)} & paths else kept).append(setting)
    if not into:
        return loaded
    original = copy.deepcopy(loaded.original)
    for setting in into:
        original = apply_override(original, setting, str(loaded.path))
    return dataclasses.replace(loaded, original=original, overrides=kept)


def with_values(loaded: Loaded, chosen: dict[str, float], whole: dict[str, bool]) -> Loaded:
    """The loaded instance with lever values set in the mapping its variants derive from."""
    raw = loaded.original
    if chosen:
        raw = copy.deepcopy(loaded.original)
        for path, value in chosen.items():
            shown = round(value) if whole.get(path) and float(value).is_integer() else value
            set_path(raw, path, shown, str(loaded.path), f"assumption {path}", in_place=True)
    return dataclasses.replace(loaded, original=raw)


# --- one copy of the model, as arrays -----------------------------------------------------------

Variant = tuple[str | None, tuple[str, ...], str | None]
Owner = tuple[int, int | None]
"""A claim row's claim (index into the claims) and, for a peak, its year."""


@dataclass
class Snapshot:
    """A variant's model and its claims' rows at given lever values, as flat arrays."""

    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    owners: list[Owner]
    model_rows: int

    def bounds(self) -> dict[str, np.ndarray]:
        return {"cl": self.col_lower, "cu": self.col_upper, "rl": self.row_lower,
                "ru": self.row_upper}


def model_at(loaded: Loaded, scenario: str | None, sets: tuple[str, ...],
             values: dict[str, float], whole: dict[str, bool]) -> Built:
    """The model of a scenario and overrides with lever values set."""
    base = with_values(loaded, values, whole)
    return build(vary(base, scenario, [*loaded.overrides, *sets]).instance)


class Models:
    """The models last built, by scenario, overrides and lever values: copies of different
    plans of one scenario (NCG's plan and SodM's table, say) are the same model with other
    claims' rows, built once. Keeps the last KEPT."""

    KEPT = 8

    def __init__(self, loaded: Loaded, whole: dict[str, bool]) -> None:
        self.loaded, self.whole = loaded, whole
        self._kept: dict[tuple[Any, ...], Built] = {}

    def get(self, scenario: str | None, sets: tuple[str, ...],
            values: dict[str, float]) -> Built:
        key = (scenario, sets, tuple(sorted(values.items())))
        built = self._kept.pop(key, None)
        if built is None:
            built = model_at(self.loaded, scenario, sets, values, self.whole)
        self._kept[key] = built
        while len(self._kept) > self.KEPT:
            self._kept.pop(next(iter(self._kept)))
        return built


def snapshot(loaded: Loaded, variant: Variant, claims: Sequence[tuple[int, Claim]],
             values: dict[str, float], whole: dict[str, bool],
             models: Models | None = None) -> Snapshot:
    """Build a variant at lever values (or take it from `models`): the model's arrays and
    one row per claim (a peak claim: one per planned year)."""
    scenario, sets, _ = variant
    built = (models.get(scenario, sets, values) if models is not None
             else model_at(loaded, scenario, sets, values, whole))
    lp = built.lp
    cols = np.repeat(np.arange(lp.num_col), np.diff(lp.col_start))
    rows, vals = lp.row_index.astype(int), lp.values
    extra_rows, extra_cols, extra_vals = [rows], [cols], [vals]
    lower, upper = [lp.row_lower], [lp.row_upper]
    owners: list[Owner] = []
    r = lp.num_row
    for index, claim in claims:
        req = claim.requirement
        years: list[int | None] = list(planned_years(built)) if req.kind == "peak" else [None]
        for year in years:
            for c, v, lo, hi in claim_rows(built, req, year):
                extra_rows.append(np.full(len(c), r))
                extra_cols.append(np.asarray(c, int))
                extra_vals.append(np.asarray(v, float))
                lower.append(np.array([lo]))
                upper.append(np.array([hi]))
                owners.append((index, year))
                r += 1
    return Snapshot(lp.col_lower.copy(), lp.col_upper.copy(), np.concatenate(lower),
                    np.concatenate(upper), np.concatenate(extra_rows),
                    np.concatenate(extra_cols), np.concatenate(extra_vals), owners, lp.num_row)


@dataclass
class Linearised:
    """A copy of the model at theta0 and how its bounds move with each linear lever:
    `slopes[k][name] = (indices, d bound / d theta_k)` for name in cl, cu, rl, ru."""

    variant: Variant
    base: Snapshot
    slopes: list[dict[str, tuple[np.ndarray, np.ndarray]]]


def _same_matrix(a: Snapshot, b: Snapshot) -> bool:
    return (len(a.vals) == len(b.vals) and len(a.col_lower) == len(b.col_lower)
            and len(a.row_lower) == len(b.row_lower) and bool(np.array_equal(a.rows, b.rows))
            and bool(np.array_equal(a.cols, b.cols))
            and bool(np.allclose(a.vals, b.vals, rtol=1e-12, atol=1e-12)))


def _slope(base: Snapshot, lo: Snapshot, hi: Snapshot, check: Snapshot | None,
           at: tuple[float, float, float]) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """The bounds' derivatives from the range ends; None when the matrix or the set of
    infinite bounds changes, or the bounds are not affine (checked at `check`)."""
    low, high, mid = at
    if not (_same_matrix(base, lo) and _same_matrix(base, hi)):
        return None
    out = {}
    for name, b in base.bounds().items():
        a, z = lo.bounds()[name], hi.bounds()[name]
        finite = np.isfinite(b)
        if not (np.array_equal(finite, np.isfinite(a)) and np.array_equal(finite, np.isfinite(z))):
            return None
        d = np.zeros(len(b))
        d[finite] = (z[finite] - a[finite]) / (high - low)
        if check is not None:
            m = check.bounds()[name]
            if not np.array_equal(finite, np.isfinite(m)):
                return None
            guess = a[finite] + d[finite] * (mid - low)
            if not np.allclose(m[finite], guess, rtol=TOLERANCE, atol=1e-6):
                return None
        nz = np.flatnonzero(np.abs(d) > 1e-12)
        out[name] = (nz, d[nz])
    return out


def classify(loaded: Loaded, variants: dict[Variant, list[tuple[int, Claim]]],
             all_levers: list[Lever], models: Models | None = None
             ) -> tuple[list[Lever], list[Lever], list[Linearised]]:
    """Split the levers into those every copy sees linearly (the same matrix at both range
    ends, the bounds affine: checked at a third point) and those to search; with the copies
    linearised at the instance's values."""
    whole = {lv.path: lv.whole for lv in all_levers}
    bases = {variant: snapshot(loaded, variant, claims, {}, whole, models)
             for variant, claims in variants.items()}
    linear: list[Lever] = []
    searched: list[Lever] = []
    slopes: dict[Variant, list[dict[str, tuple[np.ndarray, np.ndarray]]]] = {}
    for lever in all_levers:
        ok = True
        for variant, claims in variants.items():
            lo = _at(loaded, variant, claims, lever, lever.low, whole, models=models)
            hi = _at(loaded, variant, claims, lever, lever.high, whole, models=models)
            if not (_same_matrix(bases[variant], lo) and _same_matrix(bases[variant], hi)):
                ok = False
                break
            mid = lever.value if lever.low < lever.value < lever.high else (
                round((lever.low + lever.high) / 2) if lever.whole
                else (lever.low + lever.high) / 2)
            check = (bases[variant] if mid == lever.value
                     else _at(loaded, variant, claims, lever, mid, whole, models=models))
            slope = _slope(bases[variant], lo, hi, check, (lever.low, lever.high, mid))
            if slope is None:
                ok = False
                break
            slopes.setdefault(variant, []).append(slope)
        if ok:
            linear.append(lever)
        else:
            searched.append(lever)
            for variant in variants:
                if len(slopes.get(variant, [])) > len(linear):
                    slopes[variant].pop()
    at_instance = [Linearised(v, bases[v], slopes.get(v, [])) for v in variants]
    return linear, searched, at_instance


def _at(loaded: Loaded, variant: Variant, claims: Sequence[tuple[int, Claim]], lever: Lever,
        value: float, whole: dict[str, bool], others: dict[str, float] | None = None,
        models: Models | None = None) -> Snapshot:
    """A snapshot with one lever at `value` (and `others` set); InputError naming the
    assumption when that value makes the instance invalid."""
    try:
        return snapshot(loaded, variant, claims, {**(others or {}), lever.path: value}, whole,
                        models)
    except InputError as exc:
        problems = [(f"assumption.{lever.assumption}",
                     f"{lever.path} = {value:g} (its range's end) makes the instance invalid: "
                     f"{k + ': ' if k else ''}{p}") for k, p in exc.problems]
        raise InputError(str(loaded.path), problems) from None


def linearise(loaded: Loaded, variants: dict[Variant, list[tuple[int, Claim]]],
              linear: list[Lever], fixed: dict[str, float], whole: dict[str, bool],
              models: Models | None = None) -> list[Linearised]:
    """Each copy at theta0 (searched levers at `fixed`) and its bounds' derivatives in each
    linear lever, from theta0 and the range end farther from it (exact: the levers were
    checked to be affine). Lever by lever, so that copies of one scenario share its models."""
    bases = {variant: snapshot(loaded, variant, claims, fixed, whole, models)
             for variant, claims in variants.items()}
    slopes: dict[Variant, list[dict[str, tuple[np.ndarray, np.ndarray]]]] = {
        variant: [] for variant in variants}
    for lever in linear:
        end = lever.high if lever.high - lever.value >= lever.value - lever.low else lever.low
        ends = (lever.value, end, lever.value) if end > lever.value else (
            end, lever.value, lever.value)
        for variant, claims in variants.items():
            base = bases[variant]
            moved = _at(loaded, variant, claims, lever, end, whole, fixed, models)
            pair = (base, moved) if end > lever.value else (moved, base)
            slope = _slope(base, pair[0], pair[1], None, ends)
            if slope is None:
                raise RuntimeError(f"assumption {lever.assumption}: {lever.path} no longer "
                                   "enters the model linearly")
            slopes[variant].append(slope)
    return [Linearised(variant, bases[variant], slopes[variant]) for variant in variants]


# --- the calibration LP -------------------------------------------------------------------------


@dataclass
class Answer:
    """One calibration LP solved: feasible or not, the lever values, the per-claim
    shortfall (items) when asked for, the total normalised change, and values beyond range."""

    feasible: bool
    values: dict[str, float] = field(default_factory=dict)
    change: float = 0.0
    shortfall: dict[int, float] = field(default_factory=dict)


def solve_lp(copies: list[Linearised], linear: list[Lever], active: set[Owner],
             solver: str = "highs", mode: str = "least", whole: bool = False,
             within: dict[int, float] | None = None) -> Answer:
    """The calibration LP over the active claim rows (`whole`: a MILP in which levers of
    whole numbers move by whole steps).

    mode `least`: the least normalised change (infeasible when none within the ranges);
    `shortfall`: levers fixed, each active claim row given a slack, the least total shortfall
    (its per claim shortfall reported); `soft`: ranges widened to any value >= 0, each unit
    beyond a range weighing SOFT_WEIGHT / width, within it 1 / width."""
    if not any(o in active for c in copies for o in c.base.owners):
        return Answer(True, {lv.path: lv.value for lv in linear})
    lp = LinearProgram()
    k = len(linear) if mode != "shortfall" else 0
    theta0 = np.array([lv.value for lv in linear[:k]])
    width = np.array([lv.width for lv in linear[:k]])
    room_up = np.array([lv.high - lv.value for lv in linear[:k]])
    room_down = np.array([lv.value - lv.low for lv in linear[:k]])
    if mode == "soft":
        up = lp.add_cols(k, 0.0, INF)
        down = lp.add_cols(k, 0.0, np.maximum(theta0, room_down))
        beyond_up = lp.add_cols(k, 0.0, INF)
        beyond_down = lp.add_cols(k, 0.0, INF)
        rows = lp.add_rows("soft_range", k, upper=room_up)
        lp.add_terms(rows, up, 1.0)
        lp.add_terms(rows, beyond_up, -1.0)
        rows = lp.add_rows("soft_range", k, upper=room_down)
        lp.add_terms(rows, down, 1.0)
        lp.add_terms(rows, beyond_down, -1.0)
    else:
        steps = np.array([whole and lv.whole for lv in linear[:k]], bool)
        up = np.array([lp.add_cols(1, 0.0, room_up[i], integer=bool(steps[i]))[0]
                       for i in range(k)], int)
        down = np.array([lp.add_cols(1, 0.0, room_down[i], integer=bool(steps[i]))[0]
                         for i in range(k)], int)
    cost_parts: list[tuple[np.ndarray, np.ndarray]] = [(up, 1.0 / width), (down, 1.0 / width)]
    if mode == "soft":
        cost_parts += [(beyond_up, SOFT_WEIGHT / width), (beyond_down, SOFT_WEIGHT / width)]
    slacks: list[tuple[int, int]] = []
    for part in (c for c in copies if any(o in active for o in c.base.owners)):
        _add_copy(lp, part, k, up, down, active, slacks if mode == "shortfall" else None)
    compiled = lp.finish()
    cost = np.zeros(compiled.num_col)
    for cols, c in cost_parts:
        cost[cols] = c
    for col, _ in slacks:
        cost[col] = 1.0
    backend = open_backend(solver, compiled)
    backend.set_cost(cost)
    outcome = backend.solve(fresh=True)
    if outcome.status == Status.INFEASIBLE:
        return Answer(False)
    if outcome.status != Status.OPTIMAL or outcome.x is None:
        raise RuntimeError(f"the solver ended {outcome.status.value} on the calibration LP")
    x = outcome.x
    values = {lv.path: float(lv.value + x[up[i]] - x[down[i]]) for i, lv in enumerate(linear[:k])}
    change = float(sum(abs(values[lv.path] - lv.value) / lv.width for lv in linear[:k]))
    shortfall: dict[int, float] = {}
    for col, claim in slacks:
        if x[col] > 1e-6:
            shortfall[claim] = shortfall.get(claim, 0.0) + float(x[col])
    # a shortfall within a claim's tolerance (`within`, items) is none, as the check judges it
    shortfall = {c: v for c, v in shortfall.items() if v > (within or {}).get(c, 1e-6)}
    return Answer(not shortfall, values, change, shortfall)


def solve_shortfall(copies: list[Linearised], active: set[Owner], solver: str = "highs",
                    within: dict[int, float] | None = None,
                    memo: dict[tuple[int, frozenset[Owner]], Answer] | None = None) -> Answer:
    """The least total shortfall of the active claim rows with the levers fixed (`solve_lp`
    in mode `shortfall`), copy by copy: with the levers fixed the copies share no column, so
    the least total is the sum of each copy's least, and a copy whose active rows did not
    change is not solved again (`memo`, by the copy and its active rows). Infeasible, without
    shortfall, when some copy has no plan at all."""
    memo = {} if memo is None else memo
    merged: dict[int, float] = {}
    for part in copies:
        mine = frozenset(o for o in part.base.owners if o in active)
        key = (id(part), mine)
        if key not in memo:
            memo[key] = solve_lp([part], [], set(mine), solver, "shortfall", within=within)
        answer = memo[key]
        if not answer.feasible and not answer.shortfall:
            return Answer(False)
        merged.update(answer.shortfall)  # a claim's rows lie in one copy: no key twice
    return Answer(not merged, {}, 0.0, merged)


def _add_copy(lp: LinearProgram, copy: Linearised, k: int, up: np.ndarray, down: np.ndarray,
              active: set[Owner], slacks: list[tuple[int, int]] | None) -> None:
    """One copy of the model: x_g with its rows, each bound that moves with theta written
    with the levers' columns (theta - theta0 = up - down); claim rows kept when active."""
    s = copy.base
    rl, ru = s.row_lower.copy(), s.row_upper.copy()
    for r, owner in enumerate(s.owners):
        if owner not in active:
            rl[s.model_rows + r], ru[s.model_rows + r] = -INF, INF
    cl, cu = s.col_lower.copy(), s.col_upper.copy()
    moving_cl = np.unique(np.concatenate([sl["cl"][0] for sl in copy.slopes[:k]] or
                                         [np.zeros(0, int)]))
    moving_cu = np.unique(np.concatenate([sl["cu"][0] for sl in copy.slopes[:k]] or
                                         [np.zeros(0, int)]))
    cl[moving_cl], cu[moving_cu] = -INF, INF
    x = lp.add_cols(len(cl), cl, cu)
    # rows whose two finite sides move differently are split: the lower side here, the upper
    # side as a row of its own
    split = np.zeros(len(rl), bool)
    both = np.isfinite(rl) & np.isfinite(ru)
    for sl in copy.slopes[:k]:
        d_low, d_up = np.zeros(len(rl)), np.zeros(len(rl))
        d_low[sl["rl"][0]], d_up[sl["ru"][0]] = sl["rl"][1], sl["ru"][1]
        split |= both & ~np.isclose(d_low, d_up, rtol=0, atol=1e-12)
    main_upper = np.where(split, INF, ru)
    rows = lp.add_rows("copy", len(rl), rl, main_upper)
    lp.add_terms(rows[s.rows], x[s.cols], s.vals)
    for i, sl in enumerate(copy.slopes[:k]):
        d = np.zeros(len(rl))
        d[sl["ru"][0]] = sl["ru"][1]
        d[split] = 0.0  # a split row's lower side moves with the lower bound only
        d[sl["rl"][0]] = sl["rl"][1]  # where both sides are finite and not split, they agree
        d[~np.isfinite(rl) & ~np.isfinite(ru)] = 0.0
        nz = np.flatnonzero(d)
        lp.add_terms(rows[nz], np.full(len(nz), up[i]), -d[nz])
        lp.add_terms(rows[nz], np.full(len(nz), down[i]), d[nz])
    if split.any():
        where = np.flatnonzero(split)
        upper_rows = lp.add_rows("copy_upper", len(where), -INF, ru[where])
        position = np.full(len(rl), -1)
        position[where] = np.arange(len(where))
        keep = split[s.rows]
        lp.add_terms(upper_rows[position[s.rows[keep]]], x[s.cols[keep]], s.vals[keep])
        for i, sl in enumerate(copy.slopes[:k]):
            d = np.zeros(len(rl))
            d[sl["ru"][0]] = sl["ru"][1]
            nz = np.flatnonzero(d[where])
            lp.add_terms(upper_rows[nz], np.full(len(nz), up[i]), -d[where][nz])
            lp.add_terms(upper_rows[nz], np.full(len(nz), down[i]), d[where][nz])
    for name, sign in (("cl", 1.0), ("cu", -1.0)):
        moving = moving_cl if name == "cl" else moving_cu
        if not len(moving):
            continue
        bound = (s.col_lower if name == "cl" else s.col_upper)[moving]
        # sign * (x_j - d_j (up - down)) >= sign * bound0_j
        rows_b = lp.add_rows(f"moving_{name}", len(moving), *((bound, INF) if sign > 0
                                                              else (-INF, bound)))
        lp.add_terms(rows_b, x[moving], 1.0)
        place = {int(c): j for j, c in enumerate(moving)}
        for i, sl in enumerate(copy.slopes[:k]):
            idx, d = sl[name]
            if len(idx):
                at = np.array([place[int(c)] for c in idx])
                lp.add_terms(rows_b[at], np.full(len(at), up[i]), -d)
                lp.add_terms(rows_b[at], np.full(len(at), down[i]), d)
    if slacks is not None:
        for r, owner in enumerate(s.owners):
            if owner not in active:
                continue
            row = rows[s.model_rows + r]
            col = lp.add_cols(1)[0]
            lp.add_terms(np.array([row]), np.array([col]),
                         1.0 if np.isfinite(rl[s.model_rows + r]) else -1.0)
            slacks.append((int(col), owner[0]))


# --- the calibration ----------------------------------------------------------------------------


@dataclass
class Beyond:
    """An assumption whose range stops a conflict, and the value the claims would need."""

    assumption: str
    path: str
    low: float
    high: float
    needed: float


@dataclass
class Calibration:
    """The least change making the claims hold, or the conflict and the calibration to the
    largest consistent set. `needs[path]` lists the claims each change serves."""

    status: str
    values: dict[str, float]
    levers: list[Lever]
    held: list[int]
    conflict: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    beyond: list[Beyond] = field(default_factory=list)
    needs: dict[str, list[int]] = field(default_factory=dict)
    searched: list[str] = field(default_factory=list)
    verified: bool = False
    """Whether the claims held were checked to hold together on the model built with the
    calibrated values (not its linearisation)."""

    def changes(self) -> list[tuple[Lever, float]]:
        """(lever, calibrated value) for every lever that moved."""
        return [(lv, self.values[lv.path]) for lv in self.levers
                if abs(self.values[lv.path] - lv.value) > 1e-9]


class Calibrator:
    """Calibrates the levers of one instance for a set of claims."""

    def __init__(self, loaded: Loaded, claims: list[Claim], solver: str = "highs") -> None:
        self.all = levers(loaded)
        self.given = loaded
        """The instance as given (its overrides as given: the key of the check's figures)."""
        loaded = folded(loaded, {lv.path for lv in self.all})
        self.loaded, self.claims, self.solver = loaded, claims, solver
        self.whole = {lv.path: lv.whole for lv in self.all}
        self.variants: dict[Variant, list[tuple[int, Claim]]] = {}
        for i, c in enumerate(claims):
            self.variants.setdefault(c.variant, []).append((i, c))
        self.models = Models(loaded, self.whole)
        self.linear, self.searched, at_instance = classify(loaded, self.variants, self.all,
                                                           self.models)
        self._cache: dict[tuple[str | float, ...], list[Linearised]] = {
            ("exact", *(lv.value for lv in self.searched)): at_instance}
        self.hold_years = False
        self.failing: list[int] = []
        """The claims that do not hold on the instance as it is (what the changes serve when
        going back on one change leaves no plan at all)."""
        self._ends: dict[str, float] | None = None
        self._preferred: dict[int, list[int]] = {}
        self._feasible: dict[tuple[Any, ...], bool] = {}
        self._solved: dict[tuple[int, frozenset[Owner], str], Answer] = {}
        self._by_copy: dict[tuple[int, frozenset[Owner]], Answer] = {}
        self._holds: dict[tuple[Any, ...], dict[int, float] | None] = {}
        self._alone: dict[tuple[int, frozenset[Owner]], bool] = {}
        self.peak_year: dict[int, int] = {}

    # -- the pieces --

    def copies(self, fixed: dict[str, float], slopes: bool = True,
               exact: bool = False) -> list[Linearised]:
        """The copies with the searched levers at `fixed`: built there, with the linear
        levers' derivatives computed there (`exact`) or taken from the instance's values (a
        probe of the search; its answer is then solved again exactly); without derivatives
        (`slopes` False) for an LP that keeps the linear levers fixed."""
        values = tuple(fixed.get(lv.path, lv.value) for lv in self.searched)
        at_instance = values == tuple(lv.value for lv in self.searched)
        kind = "exact" if slopes and (exact or at_instance) else "probe" if slopes else "fixed"
        key: tuple[str | float, ...] = (kind, *values)
        if key in self._cache:
            return self._cache[key]
        if kind == "probe":
            bases = self.copies(fixed, slopes=False)
            reference = self.copies({}, exact=True)
            self._cache[key] = [Linearised(b.variant, b.base, r.slopes)
                                for b, r in zip(bases, reference, strict=True)]
        else:
            self._cache[key] = linearise(self.loaded, self.variants,
                                         self.linear if slopes else [], fixed, self.whole,
                                         self.models)
        return self._cache[key]

    def active(self, subset: Sequence[int]) -> set[Owner]:
        out: set[Owner] = set()
        for i in subset:
            if self.claims[i].requirement.kind == "peak":
                out.add((i, self.peak_year.get(i)))
            else:
                out.add((i, None))
        return out

    def least(self, subset: Sequence[int], fixed: dict[str, float], mode: str = "least",
              exact: bool = False) -> Answer:
        """The calibration LP of a subset of claims, searched levers at `fixed`. A peak
        claim is met in one of the PEAK_YEARS years the instance as it is can produce most
        in: the first that can hold it, or (`exact`) the one that needs the least change;
        when none can, the first of the other years that can (mode `shortfall`: the first
        of the preferred years without shortfall, else the first of them)."""
        copies = self.copies(fixed, slopes=mode != "shortfall", exact=exact)

        def solve(without: Sequence[int] = ()) -> Answer:
            active = frozenset(o for o in self.active(subset) if o[0] not in without)
            key = (id(copies), active, mode)  # the copies are kept: their ids stay theirs
            if key not in self._solved:
                if mode == "shortfall":
                    answer = solve_shortfall(copies, set(active), self.solver,
                                             memo=self._by_copy)
                elif mode == "least" and not self._alone_feasible(copies, active):
                    answer = Answer(False)
                else:
                    answer = solve_lp(copies, self.linear, set(active), self.solver, mode)
                self._solved[key] = answer
            return self._solved[key]

        peaks = [j for j in subset if self.claims[j].requirement.kind == "peak"
                 and not (self.hold_years and j in self.peak_year and not exact)]
        relaxed = mode == "shortfall"  # whether the claims without the peaks were tried
        for i in peaks:
            years = self.preferred_years(i)
            best: tuple[float, int] | None = None
            for n, year in enumerate(years):
                if n >= PEAK_YEARS and (best is not None or mode == "shortfall"):
                    break  # beyond the preferred years only when none of them can hold it
                self.peak_year[i] = year
                answer = solve()
                if answer.feasible and (best is None or answer.change < best[0] - 1e-12):
                    best = (answer.change, year)
                    if not exact or answer.change <= 1e-12:
                        break  # the first that holds it, or no change at all: the least
                elif mode == "shortfall" and any(
                        self.claims[j].variant != self.claims[i].variant
                        for j in answer.shortfall):
                    break  # short in another copy, which the year of this claim leaves alone
                elif not answer.feasible and not relaxed:
                    relaxed = True
                    if not solve(without=peaks).feasible:
                        # the other claims cannot hold even without the peaks: no year can
                        for j in peaks:
                            self.peak_year[j] = self.preferred_years(j)[0]
                        return Answer(False)
            self.peak_year[i] = best[1] if best is not None else years[0]
        return solve()

    def _alone_feasible(self, copies: list[Linearised], active: frozenset[Owner]) -> bool:
        """Whether each copy holding a claim that failed on the instance as it is can hold
        its claims on its own, the levers free within their ranges (a copy that cannot makes
        the copies together infeasible: a necessary condition, a third of the LP's size
        with three copies). Only when more than one copy is active."""
        held = [c for c in copies if any(o in active for o in c.base.owners)]
        if len(held) < 2:
            return True
        failing = set(self.failing)
        for part in held:
            mine = frozenset(o for o in part.base.owners if o in active)
            if not any(o[0] in failing for o in mine):
                continue
            key = (id(part), mine)
            if key not in self._alone:
                self._alone[key] = solve_lp([part], self.linear, set(mine), self.solver,
                                            "least").feasible
            if not self._alone[key]:
                return False
        return True

    def preferred_years(self, claim: int) -> list[int]:
        """The years a peak claim may be met in, the one the instance as it is can produce
        most in first."""
        if claim not in self._preferred:
            from capplan.questions.claims import Probe, known_yearly, yearly_key, yearly_most

            c = self.claims[claim]
            most = known_yearly(yearly_key(self.given, c, self.solver))  # the check's
            if most is None:
                variant = vary(self.loaded, c.scenario, [*self.loaded.overrides, *c.set])
                most = yearly_most(Probe(build(variant.instance), self.solver))
            # in whole items, as the check reports them: years that tie up to the solver's
            # tolerance are ranked earliest first, as the check names the year of a peak
            self._preferred[claim] = sorted(
                most, key=lambda y: (-whole(v) if (v := most[y]) is not None else INF, y))
        return self._preferred[claim]

    def feasible(self, subset: Sequence[int], fixed: dict[str, float]) -> bool:
        """Whether the claims of `subset` can hold together, searched levers at `fixed`
        (remembered: the conflict searches ask the same again)."""
        key = (tuple(sorted(subset)), tuple(sorted(fixed.items())), self.hold_years)
        if key not in self._feasible:
            self._feasible[key] = self.least(subset, fixed).feasible
        return self._feasible[key]

    # -- the searched levers --

    def ends(self) -> dict[str, float]:
        """Per searched lever, the end of its range that helps all the claims most: the
        low end of a lead time or a measure's share when every claim asks for more done or
        done sooner (they only delay), else the end with the smaller total shortfall there
        (none where the model has no plan at all)."""
        if self._ends is None:
            everyone = list(range(len(self.claims)))
            self._ends = {}
            sooner = all(c.requirement.sense == ">=" or c.requirement.kind == "milestone"
                         for c in self.claims)
            for lever in self.searched:
                if sooner and _delays(lever.path):
                    # every claim asks for more done, or done sooner: a shorter lead time or a
                    # smaller share of a measure that adds lead time helps (monotone)
                    self._ends[lever.path] = lever.low
                    continue
                shortfall = {}
                for end in (lever.low, lever.high):
                    trial = self.least(everyone, {lever.path: end}, mode="shortfall")
                    shortfall[end] = (math.inf if not trial.feasible and not trial.shortfall
                                      else sum(trial.shortfall.values()))
                self._ends[lever.path] = min((lever.low, lever.high), key=lambda e: shortfall[e])
        return self._ends

    def search(self, subset: Sequence[int]) -> tuple[dict[str, float], Answer] | None:
        """Searched levers moved by the least each must, in the order declared, when the
        linear levers alone cannot make `subset` hold; None when nothing within the ranges
        can."""
        answer = self.least(subset, {})
        if answer.feasible or not self.searched:
            return ({}, answer) if answer.feasible else None
        options = [self.ends(), {p: v for p, v in self.ends().items() if _delays(p)}]
        ends = next((e for e in options if e and self.least(subset, e, exact=True).feasible),
                    None)
        if ends is None:
            return None
        self.hold_years = True  # each peak claim in the year that holds with all at the ends
        try:
            fixed = self._probe(subset, ends)
        finally:
            self.hold_years = False
        answer = self.least(subset, fixed, exact=True)
        if not answer.feasible:  # the probes' derivatives were the instance's: once more
            fixed = self._probe(subset, ends, exact=True)
            answer = self.least(subset, fixed, exact=True)
        return fixed, answer

    def _probe(self, subset: Sequence[int], ends: dict[str, float],
               exact: bool = False) -> dict[str, float]:
        """Searched levers moved: the first in the order declared that suffices alone, by
        the least it must; else all at their ends, each brought back as far as it can."""
        moving = [lv for lv in self.searched if lv.path in ends]
        for lever in moving:
            end = ends[lever.path]
            if self.least(subset, {lever.path: end}, exact=exact).feasible:
                return {lever.path: self._bisect(subset, lever, end, {}, exact)}
        everything = dict(ends)
        for lever in moving:
            others = {p: v for p, v in everything.items() if p != lever.path}
            everything[lever.path] = self._bisect(subset, lever, ends[lever.path], others,
                                                  exact)
        return everything

    def _bisect(self, subset: Sequence[int], lever: Lever, end: float,
                others: dict[str, float], exact: bool = False) -> float:
        """The value nearest the lever's own (in whole steps) at which the claims hold."""
        step = 1.0 if lever.whole else 0.001
        good, bad = end, lever.value
        while abs(good - bad) > step * 1.0000001:
            mid = (good + bad) / 2
            mid = (math.floor(mid / step + 0.5)) * step
            if mid in (good, bad):
                break
            if self.least(subset, {**others, lever.path: mid}, exact=exact).feasible:
                good = mid
            else:
                bad = mid
        return good

    # -- the conflict --

    def permissive(self, subset: Sequence[int]) -> bool:
        """Whether `subset` can hold: with the searched levers as they are, all at the ends
        that help, or the lead times and shares alone at theirs."""
        if self.feasible(subset, {}):
            return True
        ends = self.ends() if self.searched else {}
        return any(e and self.feasible(subset, e)
                   for e in (ends, {p: v for p, v in ends.items() if _delays(p)}))

    def conflict(self, subset: list[int]) -> list[int]:
        """A smallest set of claims that cannot hold together: a claim that cannot hold on its
        own, else what a deletion filter leaves."""
        for i in subset:
            if not self.permissive([i]):
                return [i]
        kept = list(subset)
        for i in list(subset):
            trial = [j for j in kept if j != i]
            if trial and not self.permissive(trial):
                kept = trial
        return kept

    def beyond(self, conflict: list[int]) -> list[Beyond]:
        """The assumptions whose ranges stop a conflict, with the values it needs."""
        answer = self.least(conflict, self.ends() if self.searched else {}, mode="soft")
        if not answer.feasible:
            return []
        return [Beyond(lv.assumption, lv.path, lv.low, lv.high, answer.values[lv.path])
                for lv in self.linear
                if not lv.low - 1e-9 <= answer.values[lv.path] <= lv.high + 1e-9]

    def run(self) -> Calibration:
        everyone = list(range(len(self.claims)))
        found = self.search(everyone)
        if found is not None:
            return self._finish("found", everyone, *found)
        conflict = self.conflict(everyone)
        beyond = self.beyond(conflict)
        held, dropped = list(everyone), []
        fixed = {p: v for p, v in self.ends().items() if _delays(p)} if self.searched else {}
        while not self.permissive(held):
            clash = self.conflict(held)
            options = []
            for i in clash:  # leave out the claim whose absence needs the least change
                answer = self.least([j for j in held if j != i], fixed)
                if answer.feasible:
                    options.append((answer.change, -i, i))
            drop = min(options)[2] if options else clash[-1]
            held.remove(drop)
            dropped.append(drop)
        found = self.search(held)
        assert found is not None
        calibration = self._finish("impossible", held, *found)
        calibration.conflict, calibration.dropped = conflict, sorted(dropped)
        calibration.beyond = beyond
        return calibration

    def _finish(self, status: str, held: list[int], fixed: dict[str, float],
                answer: Answer) -> Calibration:
        if any(self.claims[i].requirement.kind == "peak" for i in held):
            answer = self.least(held, fixed, exact=True)
        values = {lv.path: lv.value for lv in self.all}
        values.update(answer.values)
        values.update(fixed)
        values = self._rounded(held, values, fixed)
        result = Calibration(status, values, self.all, held,
                             searched=[lv.path for lv in self.searched])
        result.verified = self.holds_at(held, values) == {}
        result.needs = self._needs(held, values)
        return result

    def _rounded(self, held: list[int], values: dict[str, float],
                 fixed: dict[str, float]) -> dict[str, float]:
        """Levers of whole numbers made whole, others to 4 decimals, so that the claims still
        hold on the model built with them: each changed lever rounded away from its value at
        the instance (a change of 812.4 becomes 813), else to the nearest, else towards it,
        else away with one lever one step further; else, from away, each lever in turn the
        other way while that lowers the shortfall."""
        changed = [lv for lv in self.linear
                   if abs(values[lv.path] - lv.value) > 1e-6 * max(1.0, abs(lv.value))]

        def rounded(how: str) -> dict[str, float]:
            out = dict(values)
            for lv in self.linear:
                if lv not in changed:
                    out[lv.path] = lv.value
                    continue
                v, up = values[lv.path], values[lv.path] > lv.value
                if not lv.whole:
                    out[lv.path] = round(v, 4)
                elif how == "nearest":
                    out[lv.path] = float(round(v))
                else:
                    away = math.ceil(v - 1e-6) if up else math.floor(v + 1e-6)
                    towards = math.floor(v + 1e-6) if up else math.ceil(v - 1e-6)
                    out[lv.path] = float(away if how == "away" else towards)
                out[lv.path] = min(max(out[lv.path], lv.low), lv.high)
            return out

        def shortfall(candidate: dict[str, float]) -> float:
            short = self.holds_at(held, candidate)
            return math.inf if short is None else sum(short.values())

        tried = [rounded(how) for how in ("away", "nearest", "towards")]
        for candidate in tried:
            if shortfall(candidate) == 0:
                return candidate
        for lv in (lv for lv in changed if lv.whole):  # one step further on one lever
            further = dict(tried[0])
            step = 1.0 if values[lv.path] > lv.value else -1.0
            further[lv.path] = min(max(further[lv.path] + step, lv.low), lv.high)
            if further[lv.path] != tried[0][lv.path] and shortfall(further) == 0:
                return further
        best = tried[0]
        worst = shortfall(best)
        for lv in (lv for lv in changed if lv.whole):
            other = dict(best)
            other[lv.path] = tried[2][lv.path]
            if other[lv.path] != best[lv.path] and (short := shortfall(other)) < worst:
                best, worst = other, short
                if worst == 0:
                    break
        return best

    def holds_at(self, subset: Sequence[int], values: dict[str, float]
                 ) -> dict[int, float] | None:
        """Per claim of `subset`, its shortfall (items) with every lever fixed at `values`:
        empty when they hold together, None when the model has no plan at all."""
        fixed = {lv.path: values[lv.path] for lv in self.all}
        key = (tuple(sorted(self.active(subset), key=str)), tuple(sorted(fixed.items())))
        if key in self._holds:  # the rounding tries and the check ask the same again
            known = self._holds[key]
            return None if known is None else dict(known)
        copies = linearise(self.loaded, self.variants, [], fixed, self.whole, self.models)
        within = {i: (HALF if self.claims[i].requirement.kind != "milestone" else
                      1e-6 * max(1.0, float(self.loaded.instance.remaining))) for i in subset}
        answer = solve_shortfall(copies, self.active(subset), self.solver, within=within)
        self._holds[key] = (None if not answer.feasible and not answer.shortfall
                            else answer.shortfall)
        known = self._holds[key]
        return None if known is None else dict(known)

    def _needs(self, held: list[int], values: dict[str, float]) -> dict[str, list[int]]:
        """Per changed lever, the claims that fall short when it alone goes back."""
        out = {}
        for lv in self.all:
            if abs(values[lv.path] - lv.value) <= 1e-9:
                continue
            short = self.holds_at(held, {**values, lv.path: lv.value})
            out[lv.path] = sorted(short or []) or [i for i in held if i in self.failing] or held
        return out


def _delays(path: str) -> bool:
    """Whether a larger value at `path` only delays: a lead time, a measure's extra days or
    the share of the items a measure (with its extra lead time) applies to."""
    parts = path.split(".")
    return (parts[-1].endswith("_days") or "extra_days" in parts
            or (parts[0] == "measure" and parts[-1] == "share"))
