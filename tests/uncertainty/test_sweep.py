"""Uncertainty: the risk register, sampling, sweeps, tornado, robust targets, Dask, and
samples solved as a sweep solves them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builders import INSTANCES, VARIED_RISKS, make, segment, with_risks
from capplan.core.solve import plan
from capplan.inputs.load import load
from capplan.inputs.schema import Effect, Risk
from capplan.report.charts import IMPACT_BANDS, heatmap_cells
from capplan.uncertainty.risk import draw, draw_value, sample_instance
from capplan.uncertainty.samples import (
    SampleResult,
    _finished_inside,
    _horizon_free,
    _plan_sample,
    _solve_one,
    context_of,
    short_horizon,
)
from capplan.uncertainty.summary import milestone_summary, percent, percent_value
from capplan.uncertainty.sweep import sweep


def values(effect: Effect, n: int = 20000) -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.array([draw_value(effect, rng) for _ in range(n)], dtype=float)


def test_distributions_are_sampled_correctly() -> None:
    """Uniform(2, 6): mean 4, variance (6 - 2)^2 / 12 = 1.333. Triangular(230, 430, 480): mean
    (230 + 430 + 480) / 3 = 380, all within 230..480, P(x <= 430) = (430 - 230) / (480 - 230)
    = 0.8. Choice [1, 2, 3] weighted 1:1:2: frequencies 0.25, 0.25, 0.5. 20,000 draws: the
    standard error of a mean is below 0.01 of these ranges."""
    u = values(Effect(path="p", uniform=[2, 6]))
    assert u.mean() == pytest.approx(4, abs=0.03) and u.var() == pytest.approx(4 / 3, abs=0.03)
    assert u.min() >= 2 and u.max() <= 6
    t = values(Effect(path="p", triangular=[230, 430, 480]))
    assert t.mean() == pytest.approx(380, abs=1.5)
    assert t.min() >= 230 and t.max() <= 480
    assert (t <= 430).mean() == pytest.approx(0.8, abs=0.01)
    c = values(Effect(path="p", choice=[1, 2, 3], weights=[1, 1, 2]))
    assert [(c == k).mean() for k in (1, 2, 3)] == pytest.approx([0.25, 0.25, 0.5], abs=0.01)
    assert set(values(Effect(path="p", fixed=7), 10)) == {7.0}


def test_likelihood_and_reproducibility() -> None:
    """A risk of likelihood 0.3 occurs in about 30% of 5,000 samples; a sample's draws depend
    only on (seed, index)."""
    risk = Risk(id="r", likelihood=0.3, effect=[Effect(path="p", uniform=[0, 1])])
    occurs = [draw([risk], 7, i).occurs[0] for i in range(5000)]
    assert np.mean(occurs) == pytest.approx(0.3, abs=0.02)
    assert draw([risk], 7, 12) == draw([risk], 7, 12)
    assert draw([risk], 7, 12) != draw([risk], 8, 12)


FIXED = """
[[risk]]
id = "same-design"
likelihood = 1.0
effect = [ { path = "segment.houses.engineering_days", fixed = 365 } ]
"""


def test_fixed_risks_give_the_deterministic_plan(tmp_path: Path) -> None:
    """The only risk sets the lead time to the instance's own 365 days in every sample: every
    sample is the plan (finish 2027), P10 = P50 = P90, and the fan is the plan's curve."""
    loaded = load(with_risks(tmp_path, FIXED))
    result = sweep(loaded, 6, seed=3, tornado_samples=0)
    assert set(result.summary.loc[0, ["P10", "P50", "P90"]]) == {"2027"}
    for r in result.results:
        np.testing.assert_allclose(r.cumulative, result.deterministic, atol=1e-6)
    np.testing.assert_allclose(result.fan["P50"], result.fan["plan"], atol=1e-6)
    assert result.context.within == 2 + 1  # the plan's finish (2027 = period 2) plus a year


DOMINANT = """
[[risk]]
id = "small"
likelihood = 0.5
effect = [ { path = "segment.houses.count", fixed = 2010 } ]

[[risk]]
id = "slow-design"
likelihood = 0.5
effect = [ { path = "segment.houses.engineering_days", fixed = 730 } ]
"""


def test_tornado_puts_the_dominant_risk_first(tmp_path: Path) -> None:
    """Two-year engineering: the 1,500 engineered from 2025 finish only in 2027; execution
    does 500 (2025), 0, then at most 1,000 (2027) and 500 (2028): finish 2028, +12 months.
    Ten more houses fit in 2027 (500 + 10 <= 1,000): no move. So slow-design comes first with
    +12 months, small second with 0."""
    loaded = load(with_risks(tmp_path, DOMINANT))
    result = sweep(loaded, 8, seed=1, tornado_samples=8)
    assert list(result.tornado["risk"]) == ["slow-design", "small"]
    assert list(result.tornado["swing_months"]) == [12, 0]
    assert list(result.tornado["P50 finish on"]) == ["2028", "2027"]


def test_robust_targets_hold_in_the_stated_share(tmp_path: Path) -> None:
    """Targets for 80%: reached (checked by solving each sample with them as lower bounds)
    in at least 80% of the samples; yearly targets add up to the cumulative ones, history
    (500) included."""
    loaded = load(with_risks(tmp_path, VARIED_RISKS))
    result = sweep(loaded, 40, seed=5, robust=0.8, tornado_samples=0)
    assert result.robust is not None
    assert result.robust_info["reached_in"] >= 0.8
    table = result.robust
    assert list(500 + table["target"].cumsum()) == list(table["cumulative"])
    assert (table["target"] >= 0).all()


def test_workers_do_not_change_the_numbers(tmp_path: Path) -> None:
    """The same seed on one process, two processes and a Dask LocalCluster: the same samples,
    the same summaries."""
    loaded = load(with_risks(tmp_path, VARIED_RISKS))
    one = sweep(loaded, 12, seed=9, workers=1, tornado_samples=4)
    two = sweep(loaded, 12, seed=9, workers=2, tornado_samples=4, batch=3)
    pd.testing.assert_frame_equal(one.samples, two.samples)
    pd.testing.assert_frame_equal(one.fan, two.fan)
    pd.testing.assert_frame_equal(one.tornado, two.tornado)
    pytest.importorskip("distributed")
    on_dask = sweep(loaded, 12, seed=9, workers=2, dask="local", tornado_samples=4, batch=3)
    pd.testing.assert_frame_equal(one.samples, on_dask.samples)
    pd.testing.assert_frame_equal(one.yearly, on_dask.yearly)


def _waiting(cumulative: np.ndarray, scope: int, per_year: int) -> float:
    """Item-years not yet completed, from a sample's cumulative curve (history included)."""
    return float(np.sum(scope - cumulative)) / per_year


def _change(cumulative: np.ndarray, history: int, per_year: int) -> float:
    """The total change of the production rate from period to period (items per year), from
    a sample's cumulative curve (history included): what the `smooth` term counts,
    sum_{t>=1} |done[t] - done[t-1]| * periods per year, where done[0] is the first period's
    cumulative less the history."""
    done = np.diff(cumulative, prepend=float(history))
    return float(np.sum(np.abs(np.diff(done)))) * per_year


SLOWER = VARIED_RISKS.replace("[2000, 2600]", "[2000, 4000]")


@pytest.mark.parametrize(("instance", "risks", "samples"), [
    ("toy.toml", SLOWER, 30),
    ("groningen-2024.toml", "", 4),
])
def test_a_shorter_horizon_first_gives_the_same_samples(tmp_path: Path, instance: str,
                                                        risks: str, samples: int) -> None:
    """Samples planned first up to the deterministic finish plus a year (toy: finish 2027,
    so 2028; Groningen: 2029Q4, so 2030) and over the whole horizon when they do not finish
    by then, against every sample planned over the whole horizon: the same status, finish,
    p95, smooth (the total change of production, from the curve) and waiting (sum of the
    curve's remaining work), the terms of these instances; curves end at the scope. On the
    toy some samples (up to 4,000 houses at 1,000 a year at most) do not finish by 2028, so
    both ways are taken; Groningen's terms include smooth, and its samples are planned over
    the shorter horizon (none of these finishes in its last quarter)."""
    path = INSTANCES / instance
    if risks:
        path = tmp_path / instance
        path.write_text((INSTANCES / instance).read_text() + risks, encoding="utf-8")
    loaded = load(path)
    per_year = loaded.instance.calendar.per_year
    plain = context_of(loaded, 11, "highs")
    deterministic = sweep(loaded, 1, seed=11, tornado_samples=0)
    short = deterministic.context
    assert short.short_end == (2028 if instance == "toy.toml" else 2030)
    beyond = shorter = 0
    for index in range(samples):
        a, b = _solve_one(plain, index, ()), _solve_one(short, index, ())
        assert (a.status, a.finish, a.p95) == (b.status, b.finish, b.p95)
        assert len(a.cumulative) == len(b.cumulative) == loaded.instance.calendar.n
        assert _waiting(b.cumulative, b.scope, per_year) == pytest.approx(
            _waiting(a.cumulative, a.scope, per_year), rel=1e-7)
        history = loaded.instance.history.total
        assert _change(b.cumulative, history, per_year) == pytest.approx(
            _change(a.cumulative, history, per_year), rel=1e-6, abs=1e-6)
        shorter += not b.timing["whole_horizon"]
        assert b.cumulative[-1] == pytest.approx(b.scope)  # the whole scope, history included
        beyond += a.finish is not None and a.finish > 3
    if instance == "toy.toml":
        assert 0 < beyond < samples
    else:
        assert shorter == samples


def test_a_shorter_horizon_is_used_only_where_it_cannot_change_the_plan(
        tmp_path: Path) -> None:
    """short_horizon: the year of the hinted period, None at or past the horizon's end.
    _horizon_free: finish/p95/waiting/scope-after-a-milestone yes; capacity cost, scope first
    or a tolerance no. A release after the shorter horizon: the sample is not planned there."""
    calendar = load(INSTANCES / "groningen-2024.toml").instance.calendar
    assert short_horizon(24, calendar) == 2031
    assert short_horizon(None, calendar) is None
    assert short_horizon(44, calendar) is None  # 2036, the horizon's own end
    assert short_horizon(48, calendar) is None
    toy = load(INSTANCES / "toy.toml").instance
    assert _horizon_free(toy)
    cases: list[tuple[list[str], dict[str, float], bool]] = [
        (["tail", "scope", "waiting"], {}, True),
        (["finish", "cost"], {}, False),
        (["scope", "finish"], {}, False),
        (["finish", "waiting"], {"finish": 1}, False),
        (["finish", "p95", "smooth", "waiting"], {}, True),
        (["smooth", "finish"], {}, False),
        (["p95", "smooth", "waiting"], {}, False),
    ]
    built, solution = plan(toy)
    assert solution.x is not None
    last = built.calendar.n - 1
    smooth = toy.model_copy(update={"objective": type(toy.objective)(
        terms=["finish", "smooth", "waiting"])})
    assert not _finished_inside(toy, built, None)  # not finished within the shorter horizon
    assert _finished_inside(toy, built, last)  # finish, p95, waiting: in the last period too
    assert not _finished_inside(smooth, built, last)  # smooth: its fall after it is uncounted
    assert _finished_inside(smooth, built, last - 1)
    for terms, tolerance, free in cases:
        objective = type(toy.objective)(terms=terms, tolerance=tolerance)
        changed = toy.model_copy(update={"objective": objective})
        assert _horizon_free(changed) is free
    path = with_risks(tmp_path, FIXED)
    late = 'in_progress = { ready = 500 }\nreleased = { "2025" = 1500, "2029" = 500 }'
    text = path.read_text().replace("in_progress = { ready = 500 }", late)
    path.write_text(text, encoding="utf-8")
    loaded = load(path)
    context = context_of(loaded, 1, "highs", within=3)
    assert context.short_end == 2028
    seconds = {"model": 0.0, "solve": 0.0}
    assert _plan_sample(context, draw(context.risks, 1, 0), (), 2028, seconds) is None
    result = _solve_one(context, 0, ())
    assert result.finish == 5  # the last 500, released in 2029, take a year of design: 2030


def test_hinted_sweep_samples_equal_the_plain_search_and_the_milp() -> None:
    """Three samples of the Groningen risk register solved as a sweep solves them (no settling
    pass, looking first at a hint) and as `capplan plan` does, with hints too early, exact and
    late: the same finish and least waiting; the first sample also equals the single MILP."""
    loaded = load(INSTANCES / "groningen-2024.toml")
    risks = list(loaded.instance.risk)
    for index in range(3):
        inst = sample_instance(loaded.raw, risks, draw(risks, 7, index), "test")
        _, reference = plan(inst)
        finish = reference.values["finish"]
        assert isinstance(finish, int)
        for within in (finish - 3, finish, finish + 4):
            _, hinted = plan(inst, settle=False, within=within)
            assert hinted.values["finish"] == finish
            assert hinted.values["waiting"] == pytest.approx(reference.values["waiting"],
                                                             rel=1e-7)
        if index == 0:
            _, milp = plan(inst, method="milp")
            assert milp.values["finish"] == finish
            assert milp.values["waiting"] == pytest.approx(reference.values["waiting"],
                                                           rel=1e-5)


SCOPE_RISK = """
[[risk]]
id = "scope"
likelihood = 1.0
effect = [ { path = "segment.houses.count", fixed = 2100 } ]
"""


def test_a_risk_named_like_a_sample_column_keeps_both(tmp_path: Path) -> None:
    """A risk with id `scope` (as Groningen's) in every sample: 2,100 houses and 500 done in
    2024 make a scope of 2,600. The samples table keeps whether the risk occurred in
    `risk:scope` and the sample's scope in `scope`; the drawn value in
    `risk:scope:segment.houses.count`."""
    result = sweep(load(with_risks(tmp_path, SCOPE_RISK)), 3, seed=2, tornado_samples=0)
    table = result.samples
    assert list(table["risk:scope"]) == [True, True, True]
    assert list(table["scope"]) == [2600, 2600, 2600]
    assert list(table["risk:scope:segment.houses.count"]) == [2100, 2100, 2100]


def test_shares_are_percentages_that_keep_their_meaning() -> None:
    """12 of 25 samples finish by the end of 2026: 48% (printed 48.0, not a share of 0.48
    that one decimal shows as 0.5). Rounding goes towards 50, so near-certain is never
    printed as certain."""
    calendar = make([segment(count=10)]).calendar  # yearly from 2025: 2026 is period 1
    results = [SampleResult(k, (), (), (), "optimal", 1 if k < 12 else 3, 1, np.zeros(6), 10)
               for k in range(25)]
    table = milestone_summary(results, calendar, 2026)
    assert list(table["% by 2026"]) == [48.0, 100.0]  # finish, p95 (all in 2026)
    assert [percent_value(s) for s in (0.48, 0.485, 0.9996, 0.0004, 1.0, 0.0)] == [
        48.0, 48.5, 99.9, 0.1, 100.0, 0.0]
    assert [percent(s) for s in (0.48, 0.485)] == ["48%", "48.5%"]


def test_impact_bands_by_absolute_months() -> None:
    """Swings of -3, 0, 2 and -13 months (earlier is negative) fall in the bands 3-6, < 1,
    1-3 and > 12 months: a risk that moves the finish 3 months earlier is not "< 1 month"."""
    tornado = pd.DataFrame({"risk": ["early", "none", "late", "much-earlier"],
                            "likelihood": [0.5] * 4, "swing_months": [-3, 0, 2, -13]})
    cells = heatmap_cells(tornado)
    assert cells == {(2, 3): ["early"], (0, 3): ["none"], (1, 3): ["late"],
                     (4, 3): ["much-earlier"]}
    assert [IMPACT_BANDS[i][2] for i in (2, 0, 1, 4)] == [
        "3-6 months", "< 1 month", "1-3 months", "> 12 months"]
