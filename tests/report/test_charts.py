"""Each chart read through matplotlib's objects (axes, ticks, lines, texts), not pixels.

The toy (README): 500 done in 2024, then 500 (2025), 1,000 (2026), 500 (2027): cumulative
500, 1,000, 2,000, 2,500 at the end of 2024-2027; scope 2,500, 95% = 2,375; deadline 2026.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import capplan
from builders import INSTANCES
from capplan.report import charts

TOY = INSTANCES / "toy.toml"


@pytest.fixture(scope="module")
def toy() -> Any:
    return capplan.plan(TOY)


def _line(ax: Any, label: str) -> Any:
    return next(line for line in ax.get_lines() if line.get_label() == label)


def _value_at(line: Any, x: float) -> float:
    return float(np.interp(x, line.get_xdata(), line.get_ydata()))


def test_cumulative_years_read_as_end_of_year(toy: Any) -> None:
    """The tick "2024" sits at 2025.0, where the curve holds the end-2024 cumulative (500);
    "2026" holds 2,000; the y-axis starts at 0; the deadline line is at the end of 2026 and
    labelled."""
    fig = charts.cumulative_figure([("plan", toy.plan, toy.loaded.instance)])
    ax = fig.axes[0]
    ticks = {t.get_text(): x for t, x in zip(ax.get_xticklabels(), ax.get_xticks(),
                                             strict=True)}
    assert ticks["2024"] == 2025.0 and ticks["2026"] == 2027.0
    assert _value_at(_line(ax, "realised"), ticks["2024"]) == pytest.approx(500)
    assert _value_at(_line(ax, "plan"), ticks["2026"]) == pytest.approx(2000)
    assert _value_at(_line(ax, "plan"), ticks["2027"]) == pytest.approx(2500)
    assert ax.get_ylim()[0] == 0
    deadline = _line(ax, "deadline: end of 2026")
    assert list(deadline.get_xdata()) == [2027.0, 2027.0]
    assert ax.get_xlabel() == "year (as at the end of the year)"


def test_cumulative_scope_labels_inside_and_apart(toy: Any) -> None:
    """The scope's label sits above its line, the 95% label below its own, both inside the
    axes at the left."""
    fig = charts.cumulative_figure([("plan", toy.plan, toy.loaded.instance)])
    ax = fig.axes[0]
    texts: dict[str, Any] = {t.get_text(): t for t in ax.texts}
    scope, p95 = texts["scope 2,500"], texts["95% of the scope: 2,375"]
    assert scope.get_va() == "bottom" and p95.get_va() == "top"
    assert scope.xy == (0.01, 2500) and p95.xy == (0.01, 2375)
    fig.canvas.draw()
    box = ax.get_window_extent()
    for text in (scope, p95):
        extent = text.get_window_extent()
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1
    assert scope.get_window_extent().y0 >= p95.get_window_extent().y1


def test_identical_variants_stay_visible_and_legend_off_the_plot(toy: Any) -> None:
    """Two equal plans: the second is drawn in another line style and says which it equals;
    the legend lies right of the axes, so it covers neither the deadline nor a curve."""
    inst = toy.loaded.instance
    fig = charts.cumulative_figure([("a", toy.plan, inst), ("b", toy.plan, inst)])
    ax = fig.axes[0]
    first, second = _line(ax, "a"), _line(ax, "b (same as a)")
    assert first.get_linestyle() != second.get_linestyle()
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    assert legend.get_window_extent().x0 > ax.get_window_extent().x1


def test_replan_chart_draws_the_baseline(toy: Any) -> None:
    baseline = charts.trajectory_series("baseline", [
        {"year": 2024, "cumulative": 500}, {"year": 2025, "cumulative": 900}])
    fig = charts.cumulative_figure([("plan", toy.plan, toy.loaded.instance)],
                                   baseline=baseline)
    line = _line(fig.axes[0], "baseline")
    assert list(line.get_xdata()) == [2025.0, 2026.0]
    assert list(line.get_ydata()) == [500.0, 900.0]


def test_targets_realised_and_planned_apart(toy: Any) -> None:
    """2024 is realised: one grey bar; 2025-2027 planned in the series colour."""
    table = toy.plan.trajectory[["year", "completed"]].rename(columns={"completed": "plan"})
    fig = charts.targets_figure("t", table, realised=[2024])
    ax = fig.axes[0]
    containers = {c.get_label(): c for c in ax.containers}
    realised, planned = containers["realised"], containers["plan (planned)"]
    assert [p.get_height() for p in realised] == [500]
    assert [p.get_height() for p in planned] == [500, 1000, 500]
    assert realised[0].get_facecolor() != planned[0].get_facecolor()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025", "2026", "2027"]


def test_tradeoff_ticks_written_out_and_constant_series_flat() -> None:
    """One tick per period label (not 2029.0, 2029.5, ...), and a constant series with a
    y-axis from 0 (not stretched into a cliff)."""
    table = pd.DataFrame({"milestone": ["finish"] * 3, "by": ["2029Q1", "2029Q2", "2029Q3"],
                          "periods_later": [0, 1, 2],
                          "least_peak_execution": [3000.0, 2500.0, 2400.0],
                          "least_capacity_years": [9786.0, 9786.0, 9786.0]})
    fig = charts.tradeoff_figure("t", table, "least_peak_execution")
    left, right = fig.axes
    assert [t.get_text() for t in left.get_xticklabels()] == ["2029Q1", "2029Q2", "2029Q3"]
    assert right.get_ylim()[0] == 0 and right.get_ylim()[1] == pytest.approx(9786 * 1.1)
    assert np.asarray(right.get_lines()[0].get_ydata()).tolist() == [9786.0] * 3


def test_fan_one_scope_with_its_95_line(toy: Any) -> None:
    """Samples that draw a larger scope rise above the instance's scope: one scope line and
    its 95% line are drawn, and the legend says why the band passes them."""
    fan = pd.DataFrame({"period": ["2025", "2026", "2027"], "P10": [900.0, 1900, 2500],
                        "P50": [1000.0, 2000, 2500], "P90": [1000.0, 2100, 2700],
                        "plan": [1000.0, 2000, 2500]})
    fig = charts.fan_figure("f", fan, toy.loaded.instance)
    ax = fig.axes[0]
    flat = sorted(float(ys[0]) for line in ax.get_lines()
                  if len(set(ys := np.asarray(line.get_ydata()).tolist())) == 1
                  and np.asarray(line.get_xdata()).tolist() == [0, 1])
    assert flat == [2375.0, 2500.0]
    labels = ax.get_legend_handles_labels()[1]
    assert "(samples that draw a larger scope rise above it)" in labels
    assert "deadline: end of 2026" in labels


def test_evaluate_targets_against_plan() -> None:
    """A hand table on the toy: targets 2025 600, 2026 1,400 after 500 by 2024 -> 1,100
    and 2,500; the plan's cumulative 1,000 and 2,000."""
    inst = capplan.load(TOY).instance
    table = pd.DataFrame({"year": [2025, 2026], "target": [600, 1400],
                          "cumulative": [1100, 2500]})
    optimal = pd.DataFrame({"year": [2025, 2026], "completed": [500, 1000],
                            "cumulative": [1000, 2000]})
    fig = charts.targets_vs_plan_figure("e", table, optimal, inst)
    ax = fig.axes[0]
    given, plan = _line(ax, "given targets"), _line(ax, "optimal plan")
    assert list(given.get_ydata()) == [500.0, 1100.0, 2500.0]
    assert list(plan.get_ydata()) == [500.0, 1000.0, 2000.0]
    assert list(given.get_xdata()) == [2025.0, 2026.0, 2027.0]


def test_dutch_labels_and_numbers(toy: Any) -> None:
    fig = charts.cumulative_figure([("plan", toy.plan, toy.loaded.instance)], "nl")
    ax = fig.axes[0]
    assert {t.get_text() for t in ax.texts} >= {"opgave 2.500", "95% van de opgave: 2.375"}
    fig.canvas.draw()
    assert "2.000" in [t.get_text() for t in ax.get_yticklabels()]
