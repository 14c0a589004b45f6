"""Charts (matplotlib, no screen needed): formatting only, in the look of `report.style`.

Each chart has a `*_figure` function returning the matplotlib Figure (what the tests read:
axes, labels, series) and a `*_chart` function returning its PNG bytes.

- `cumulative`: the cumulative curve of each variant, history included, with each scope and
  its 95% level, the deadline and milestone markers; optionally a baseline (a re-plan's plan in
  force) and the variants as a band (the annex's scenarios);
- `targets`: yearly targets as grouped bars, realised years in grey;
- `tradeoff`: least peak capacity and least cost against the date a milestone is reached;
- `targets_vs_plan`: given targets' cumulative against the optimal plan's (evaluate);
- `variance`: planned against realised items per year, one panel per stage;
- `fan`, `tornado`, `heatmap`: a sweep's cumulative band, each risk's swing of the P50
  finish, and the risks on a likelihood x impact grid.

Years on the x-axis are read as the end of the year (see `report.style`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from capplan.core.milestones import items_needed
from capplan.report import style
from capplan.report.words import column as column_name
from capplan.report.words import localise, number, word

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from capplan.core.results import Plan
    from capplan.inputs.schema import Instance

Series = tuple[str, list[float], list[float]]
"""A named curve: label, x (fractional years at the end of each period), y."""


# --- the cumulative curve ------------------------------------------------------------------


def _history(instance: Instance) -> Series | None:
    """The realised cumulative at the end of each history year, starting from the total
    done before the first."""
    history = instance.history
    years = sorted(history.completed, key=int)
    if not years:
        return None
    begin = instance.programme.start + (instance.programme.start_quarter - 1) / 4
    xs = [float(years[0]), *(min(int(y) + 1.0, begin) for y in years)]
    ys = list(pd.Series([history.completed[y] for y in years], dtype=float).cumsum()
              + history.completed_before)
    return "", xs, [float(history.completed_before), *ys]


def _curve(plan: Plan, instance: Instance) -> tuple[list[float], list[float]]:
    p = instance.programme
    xs = [p.start + (p.start_quarter - 1) / 4] + [style.period_x(t)
                                                  for t in plan.periods["period"]]
    ys = [float(instance.history.total), *map(float, plan.periods["cumulative"])]
    return xs, ys


def cumulative_axes(ax: Axes, top: float, title: str, lang: str) -> None:
    """The finish of every cumulative chart: y from 0 to 8% above `top` (the scope, or the
    highest curve), thousands separators in the language, the axis label, the title, the
    grid and the legend outside the plot."""
    ax.set_ylim(bottom=0, top=top * 1.08)
    style.thousands(ax, lang)
    ax.set_ylabel(word("cumulative_done", lang))
    ax.set_title(title, fontsize=10)
    style.grid(ax)
    style.legend_outside(ax)


def scope_lines(ax: Axes, instances: Sequence[Instance], lang: str) -> None:
    """Each distinct scope (dashed) and its 95% level (dotted), labelled inside the axes at
    the left: the scope's label above its line, the 95% label below its own, so neither is
    clipped nor crosses the other."""
    seen: dict[int, Instance] = {}
    for instance in instances:
        seen.setdefault(instance.scope, instance)
    for scope, instance in sorted(seen.items()):
        p95 = items_needed(instance, "p95")
        ax.axhline(scope, color=style.REFERENCE, ls="--", lw=1)
        ax.axhline(p95, color=style.REFERENCE, ls=":", lw=1)
        ax.annotate(f"{word('scope', lang)} {number(scope, lang)}", (0.01, scope),
                    xycoords=("axes fraction", "data"), fontsize=style.FONT,
                    color=style.REFERENCE, ha="left", va="bottom")
        ax.annotate(f"{word('p95_level', lang)}: {number(p95, lang)}", (0.01, p95),
                    xycoords=("axes fraction", "data"), fontsize=style.FONT,
                    color=style.REFERENCE, ha="left", va="top")


def deadline_line(ax: Axes, deadline: int | None, lang: str) -> None:
    """The deadline as a vertical line at the end of its year, labelled in the legend and
    at the top of the axes."""
    if deadline is None:
        return
    text = f"{word('deadline', lang)}: {word('end_of', lang)} {deadline}"
    ax.axvline(deadline + 1.0, color=style.DEADLINE, ls="--", lw=1, label=text)
    ax.annotate(f" {text}", (deadline + 1.0, 0.98), xycoords=("data", "axes fraction"),
                color=style.DEADLINE, fontsize=style.FONT, va="top", ha="left")


def _same(first: list[float], second: list[float]) -> bool:
    """Two curves that print the same (within half an item everywhere)."""
    return len(first) == len(second) and all(abs(a - b) < 0.5
                                              for a, b in zip(first, second, strict=True))


def cumulative_figure(plans: list[tuple[str, Plan, Instance]], lang: str = "en", *,
                      baseline: Series | None = None, band: bool = False,
                      title: str | None = None) -> Figure:
    """Cumulative completions per variant against the end of each period, history included;
    each variant's own scope and 95% level, milestones marked (circle 95%, square finish),
    the deadline labelled, the y-axis from 0 and the x-axis to a year after the last finish.
    Curves equal to an earlier one are drawn in another line style and say so in the legend.
    `baseline`: a curve drawn in black (a re-plan's plan in force); `band`: the variants'
    range shaded (the annex's scenarios)."""
    fig = style.figure()
    ax = fig.add_subplot()
    first = plans[0][2]
    history = _history(first)
    last_x = float(first.programme.start + 1)
    if history is not None:
        ax.plot(history[1], history[2], color=style.REALISED, lw=2.5, label=word("realised", lang))
    drawn: list[tuple[str, list[float]]] = []
    curves = []
    for i, (label, plan, instance) in enumerate(plans):
        if plan.periods.empty:
            continue
        xs, ys = _curve(plan, instance)
        curves.append((xs, ys))
        equal = [other for other, values in drawn if _same(values, ys)]
        label = localise(label, lang)
        shown = f"{label} ({word('same_as', lang)} {equal[0]})" if equal else label
        line = ax.plot(xs, ys, lw=2.2 - 0.5 * min(len(equal), 2), label=shown,
                       color=style.COLOURS[i % len(style.COLOURS)],
                       ls=style.LINESTYLES[len(equal) % len(style.LINESTYLES)])[0]
        drawn.append((label, ys))
        for name, marker in (("p95", "o"), ("finish", "s")):
            at = plan.milestones.get(name)
            if at and at[0].isdigit():
                ax.plot([style.period_x(at)], [items_needed(instance, name)], marker=marker,
                        color=line.get_color(), ms=6, ls="none")
                last_x = max(last_x, style.period_x(at) + 1.0)
    if band and len(curves) > 1 and all(c[0] == curves[0][0] for c in curves):
        lows = [min(c[1][k] for c in curves) for k in range(len(curves[0][0]))]
        highs = [max(c[1][k] for c in curves) for k in range(len(curves[0][0]))]
        ax.fill_between(curves[0][0], lows, highs, color=style.COLOURS[0], alpha=0.15,
                        label=word("band", lang))
    if baseline is not None:
        ax.plot(baseline[1], baseline[2], color=style.BASELINE, lw=1.4, ls="--",
                label=baseline[0])
    scope_lines(ax, [i for _, _, i in plans], lang)
    deadline_line(ax, first.programme.deadline, lang)
    start_year = int(history[1][0]) if history is not None else first.programme.start
    style.year_axis(ax, start_year - 1, math.ceil(last_x) - 1, word("year_end", lang))
    cumulative_axes(ax, max(i.scope for _, _, i in plans),
                    title or f"{first.programme.name}: {word('cumulative_title', lang)} "
                    f"({word('markers', lang)})", lang)
    return fig


def cumulative_chart(plans: list[tuple[str, Plan, Instance]], lang: str = "en", *,
                     baseline: Series | None = None, band: bool = False,
                     title: str | None = None) -> bytes:
    """`cumulative_figure` as PNG bytes."""
    return style.png(cumulative_figure(plans, lang, baseline=baseline, band=band, title=title))


def trajectory_series(label: str, trajectory: list[dict[str, object]]) -> Series:
    """A yearly trajectory (records with year and cumulative, as a plan document keeps them)
    as a cumulative curve at the end of each year."""
    rows = sorted(trajectory, key=lambda r: int(str(r["year"])))
    xs = [int(str(r["year"])) + 1.0 for r in rows]
    ys = [float(str(r["cumulative"])) for r in rows]
    return label, xs, ys


# --- yearly targets ------------------------------------------------------------------------


def targets_figure(title: str, targets: pd.DataFrame, realised: Sequence[int] = (),
                   lang: str = "en") -> Figure:
    """Yearly targets (rows: years, columns: variants) as grouped bars; years in `realised`
    (history, the same in every variant) as one grey bar each."""
    fig = style.figure()
    ax = fig.add_subplot()
    variants = [c for c in targets.columns if c != "year"]
    width = 0.8 / max(1, len(variants))
    years = [int(y) for y in targets["year"]]
    done = [y for y in years if y in set(realised)]
    if done and variants:
        values = targets.set_index("year").loc[done, variants[0]]
        ax.bar(done, list(values), width=0.8, color=style.REALISED, hatch="//",
               edgecolor="white", label=word("realised", lang))
    planned = targets[~targets["year"].isin(done)]
    for i, name in enumerate(variants):
        ax.bar([int(y) - 0.4 + width * (i + 0.5) for y in planned["year"]], planned[name],
               width=width, color=style.COLOURS[i % len(style.COLOURS)],
               label=f"{localise(str(name), lang)} ({word('planned', lang)})" if done
               else localise(str(name), lang))
    ax.set_xticks(years, [str(y) for y in years], fontsize=style.FONT)
    ax.set_xlabel(word("year", lang))
    ax.set_ylabel(word("done_in_year", lang))
    style.thousands(ax, lang)
    ax.set_title(title, fontsize=10)
    style.grid(ax, "y")
    style.legend_outside(ax)
    return fig


def targets_chart(title: str, targets: pd.DataFrame, realised: Sequence[int] = (),
                  lang: str = "en") -> bytes:
    return style.png(targets_figure(title, targets, realised, lang))


def targets_vs_plan_figure(title: str, table: pd.DataFrame, optimal: pd.DataFrame,
                           instance: Instance, lang: str = "en") -> Figure:
    """Evaluate: the given targets' cumulative (`table`: year, target, cumulative) and the
    optimal plan's (`optimal`: its trajectory, year and cumulative) at the end of each year,
    each starting from the cumulative before its first year, with the scope, its 95% level
    and the deadline."""
    fig = style.figure()
    ax = fig.add_subplot()
    years: list[int] = []
    for i, (label, frame, value) in enumerate(
            ((word("given_targets", lang), table, "target"),
             (word("optimal_plan", lang), optimal, "completed"))):
        rows = frame.dropna(subset=["cumulative"]).sort_values("year")
        if rows.empty:
            continue
        first = int(rows["year"].iloc[0])
        before = float(rows["cumulative"].iloc[0]) - float(rows[value].iloc[0])
        xs = [float(first), *(int(y) + 1.0 for y in rows["year"])]
        ys = [before, *map(float, rows["cumulative"])]
        ax.plot(xs, ys, marker="os"[i], ms=4, lw=2, ls=style.LINESTYLES[i],
                color=style.COLOURS[1 - i], label=label)
        years += [int(y) for y in rows["year"]]
    scope_lines(ax, [instance], lang)
    deadline_line(ax, instance.programme.deadline, lang)
    if years:
        style.year_axis(ax, min(years) - 1, max(years), word("year_end", lang))
    cumulative_axes(ax, instance.scope, title, lang)
    return fig


def targets_vs_plan_chart(title: str, table: pd.DataFrame, optimal: pd.DataFrame,
                          instance: Instance, lang: str = "en") -> bytes:
    return style.png(targets_vs_plan_figure(title, table, optimal, instance, lang))


# --- tradeoff ------------------------------------------------------------------------------


def tradeoff_figure(title: str, table: pd.DataFrame, column: str, lang: str = "en") -> Figure:
    """Against the date a milestone is reached (one tick per period, its label written out):
    the least peak capacity (left) and, with that peak held, the least capacity cost or
    capacity-years (right), one line per milestone; both y-axes from 0, so a series that
    does not change is drawn flat."""
    fig = style.figure((10.0, 5.0))
    second = "least_cost" if "least_cost" in table else "least_capacity_years"
    labels = sorted({str(b) for b in table["by"]}, key=style.period_x)
    where = {label: k for k, label in enumerate(labels)}
    for position, name in enumerate((column, second), start=1):
        ax = fig.add_subplot(1, 2, position)
        for i, (milestone, part) in enumerate(table.groupby("milestone", sort=False)):
            ax.plot([where[str(b)] for b in part["by"]],
                    pd.to_numeric(part[name], errors="coerce"), marker="o",
                    color=style.COLOURS[i], ls=style.LINESTYLES[i % len(style.LINESTYLES)],
                    label=column_name(str(milestone), lang) if lang == "nl"
                    else f"{milestone} {word('by', lang)}")
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=style.FONT)
        ax.set_xlabel(word("reached_by", lang))
        key = "least_peak" if name == column else name
        ax.set_ylabel(word(key, lang))
        values = pd.to_numeric(table[name], errors="coerce")
        top = float(values.max()) if values.notna().any() else 1.0
        ax.set_ylim(bottom=0, top=top * 1.1 if top > 0 else 1.0)
        style.thousands(ax, lang)
        style.grid(ax)
        ax.legend(fontsize=style.FONT, loc="lower left")
    fig.suptitle(title, fontsize=10)
    return fig


def tradeoff_chart(title: str, table: pd.DataFrame, column: str, lang: str = "en") -> bytes:
    return style.png(tradeoff_figure(title, table, column, lang))


# --- explain, replan -----------------------------------------------------------------------


def shares_figure(title: str, table: pd.DataFrame, label: str,
                  columns: dict[str, str]) -> Figure:
    """Horizontal bars: for each row's `label`, the values of `columns` (name -> legend)."""
    fig = style.figure()
    ax = fig.add_subplot()
    labels = list(table[label])[::-1]
    height = 0.8 / max(1, len(columns))
    for i, (column, legend) in enumerate(columns.items()):
        ax.barh([k - 0.4 + height * (i + 0.5) for k in range(len(labels))],
                list(table[column])[::-1], height=height, label=legend,
                color=style.COLOURS[i])
    ax.set_yticks(range(len(labels)), labels, fontsize=style.FONT)
    ax.set_xlim(left=0)
    ax.set_title(title, fontsize=10)
    style.grid(ax, "x")
    style.legend_outside(ax)
    return fig


def shares_chart(title: str, table: pd.DataFrame, label: str,
                 columns: dict[str, str]) -> bytes:
    return style.png(shares_figure(title, table, label, columns))


def variance_figure(title: str, table: pd.DataFrame, lang: str = "en") -> Figure:
    """Programme totals of the variance table: planned and realised items finishing each
    stage per year (up to as-of), one panel per stage, the difference in % over the bars."""
    from capplan.report.words import percent

    fig = style.figure()
    totals = table[table["segment"] == "all"]
    stages = list(dict.fromkeys(totals["stage"]))
    for position, stage in enumerate(stages, start=1):
        ax = fig.add_subplot(1, len(stages), position)
        part = totals[totals["stage"] == stage]
        years = [int(y) for y in part["year"]]
        ax.bar([y - 0.2 for y in years], part["planned"], width=0.4, color=style.COLOURS[0],
               label=word("planned", lang))
        ax.bar([y + 0.2 for y in years], part["actual"], width=0.4, color=style.REALISED,
               label=word("realised", lang))
        for y, top, pct in zip(years, part["actual"], part["difference_pct"], strict=True):
            if pd.notna(pct):
                ax.annotate(percent(pct, lang, 0, sign=True), (y + 0.2, top),
                            textcoords="offset points", xytext=(0, 4), ha="center",
                            fontsize=style.FONT)
        ax.set_xticks(years, [str(t) for t in part["through"]])
        if years:
            ax.set_xlim(min(years) - 0.8, max(years) + 0.8)
        ax.set_ylim(bottom=0)
        style.thousands(ax, lang)
        ax.set_title(f"{word(stage, lang)}: {word('finished', lang)}", fontsize=9)
        style.grid(ax, "y")
        ax.legend(fontsize=style.FONT, loc="lower left")
    fig.suptitle(title, fontsize=10)
    return fig


def variance_chart(title: str, table: pd.DataFrame, lang: str = "en") -> bytes:
    return style.png(variance_figure(title, table, lang))


# --- sweep ---------------------------------------------------------------------------------


def fan_figure(title: str, fan: pd.DataFrame, instance: Instance, lang: str = "en") -> Figure:
    """The cumulative curve over the samples: the P10-P90 band, the median and the plan
    without risks, against the instance's own scope and its 95% level (one scope: samples
    drawing a larger scope rise above it, and the legend says so), with the deadline."""
    fig = style.figure()
    ax = fig.add_subplot()
    xs = [style.period_x(str(p)) for p in fan["period"]]
    scope = float(instance.scope)
    ax.fill_between(xs, fan["P10"], fan["P90"], alpha=0.3, color=style.COLOURS[0],
                    label=word("fan_band", lang))
    ax.plot(xs, fan["P50"], lw=2, color=style.COLOURS[0], label=word("median", lang))
    ax.plot(xs, fan["plan"], lw=1.5, ls="--", color=style.BASELINE,
            label=word("plan_without_risks", lang))
    scope_lines(ax, [instance], lang)
    if float(fan["P90"].max()) > scope + 0.5:
        ax.plot([], [], ls="none", label=f"({word('larger_scope_note', lang)})")
    deadline_line(ax, instance.programme.deadline, lang)
    done = fan["P10"].to_numpy() >= scope - 0.5
    last = xs[int(done.argmax())] + 1.0 if done.any() else xs[-1]
    style.year_axis(ax, math.floor(xs[0]) - 1, math.ceil(last) - 1, word("year_end", lang))
    ax.set_xlim(left=xs[0] - 0.25)
    cumulative_axes(ax, max(scope, float(fan["P90"].max())), title, lang)
    return fig


def fan_chart(title: str, fan: pd.DataFrame, instance: Instance, lang: str = "en") -> bytes:
    return style.png(fan_figure(title, fan, instance, lang))


def tornado_figure(title: str, tornado: pd.DataFrame, lang: str = "en") -> Figure:
    """Each risk's swing of the P50 finish (months, off to on), largest at the top."""
    fig = style.figure()
    ax = fig.add_subplot()
    rows = tornado.iloc[::-1]
    labels = [f"{r} ({off} -> {on})" for r, off, on in
              zip(rows["risk"], rows["P50 finish off"], rows["P50 finish on"], strict=True)]
    colours = [style.DEADLINE if v > 0 else style.COLOURS[2] for v in rows["swing_months"]]
    ax.barh(range(len(rows)), rows["swing_months"], color=colours)
    ax.set_yticks(range(len(rows)), labels, fontsize=style.FONT)
    ax.axvline(0, color="black", lw=0.8)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole months
    style.thousands(ax, lang, "x")
    ax.set_xlabel(word("swing", lang))
    ax.set_title(title, fontsize=10)
    style.grid(ax, "x")
    return fig


def tornado_chart(title: str, tornado: pd.DataFrame, lang: str = "en") -> bytes:
    return style.png(tornado_figure(title, tornado, lang))


LIKELIHOOD_BANDS = [(0.0, 0.1, "rare"), (0.1, 0.3, "unlikely"), (0.3, 0.5, "possible"),
                    (0.5, 0.8, "likely"), (0.8, 1.01, "almost certain")]
IMPACT_BANDS = [(0.0, 1, "< 1 month"), (1, 3, "1-3 months"), (3, 6, "3-6 months"),
                (6, 12, "6-12 months"), (12, 1e9, "> 12 months")]
"""Bands of the months the P50 finish moves, either way (the absolute swing)."""
BAND_WORDS_NL = {"rare": "zeldzaam", "unlikely": "onwaarschijnlijk", "possible": "mogelijk",
                 "likely": "waarschijnlijk", "almost certain": "bijna zeker",
                 "< 1 month": "< 1 maand", "1-3 months": "1-3 maanden",
                 "3-6 months": "3-6 maanden", "6-12 months": "6-12 maanden",
                 "> 12 months": "> 12 maanden"}


def band(value: float, bands: list[tuple[float, float, str]]) -> int:
    """Index of the band [low, high) holding `value`."""
    return next(i for i, (low, high, _) in enumerate(bands) if low <= value < high)


def heatmap_cells(tornado: pd.DataFrame) -> dict[tuple[int, int], list[str]]:
    """The risks of a tornado table per (impact band, likelihood band) cell; impact is the
    absolute swing of the P50 finish in months."""
    cells: dict[tuple[int, int], list[str]] = {}
    for risk, likelihood, swing in zip(tornado["risk"], tornado["likelihood"],
                                       tornado["swing_months"], strict=True):
        key = (band(abs(float(swing)), IMPACT_BANDS), band(float(likelihood), LIKELIHOOD_BANDS))
        cells.setdefault(key, []).append(str(risk))
    return cells


def heatmap_figure(title: str, tornado: pd.DataFrame, lang: str = "en") -> Figure:
    """Likelihood x impact grid (5 x 5, green to red by the product of the bands), each risk
    written in its cell; impact is how many months the P50 finish moves when it occurs, either
    way (a risk that moves it 3 months earlier is as weighty as one that delays it 3 months;
    the tornado shows the direction)."""
    import numpy as np

    def named(text: str) -> str:
        return BAND_WORDS_NL.get(text, text) if lang == "nl" else text

    fig = style.figure()
    ax = fig.add_subplot()
    size = len(LIKELIHOOD_BANDS)
    score = np.add.outer(np.arange(size), np.arange(size)).astype(float)
    ax.imshow(score, origin="lower", cmap="RdYlGn_r", alpha=0.6, vmin=0, vmax=2 * size - 2)
    for (impact, likelihood), names in heatmap_cells(tornado).items():
        ax.text(likelihood, impact, "\n".join(names), ha="center", va="center",
                fontsize=style.FONT)
    ax.set_xticks(range(size), [named(b[2]) for b in LIKELIHOOD_BANDS], fontsize=style.FONT)
    ax.set_yticks(range(size), [named(b[2]) for b in IMPACT_BANDS], fontsize=style.FONT)
    ax.set_xlabel(word("likelihood", lang))
    ax.set_ylabel(word("impact", lang))
    ax.set_title(title, fontsize=10)
    return fig


def heatmap_chart(title: str, tornado: pd.DataFrame, lang: str = "en") -> bytes:
    return style.png(heatmap_figure(title, tornado, lang))
