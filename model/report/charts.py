"""Charts as PNG bytes (matplotlib, no screen needed): formatting only.

- `cumulative_chart`: the cumulative curve of each variant, history included, with the scope
  line, the 95% line, the deadline and milestone markers, like the curves of the diepteanalyse;
- `targets_chart`: yearly targets as grouped bars, one colour per variant;
- `tradeoff_chart`: least peak capacity and least cost against the finish date (and p95);
- `variance_chart`: planned against realised items per year, one panel per stage;
- `fan_chart`, `tornado_chart`, `heatmap_chart`: a sweep's cumulative band, each risk's swing
  of the P50 finish, and the risks on a likelihood x impact grid.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from capplan.core.milestones import items_needed

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from capplan.core.results import Plan
    from capplan.inputs.schema import Instance


def _figure() -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(9, 5), dpi=110)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _x(label: str) -> float:
    """A period label as a fractional year at the end of the period."""
    if "Q" in label:
        year, quarter = label.split("Q")
        return int(year) + int(quarter) / 4
    if "-" in label:
        year, month = label.split("-")
        return int(year) + int(month) / 12
    return int(label) + 1.0


def cumulative_chart(plans: list[tuple[str, Plan, Instance]]) -> bytes:
    """Cumulative completions per variant against time, history included; each variant's own
    scope and 95% level, milestones marked, the x-axis ending a year after the last finish."""
    fig = _figure()
    ax = fig.add_subplot()
    first = plans[0][2]
    history = first.history
    years = sorted(history.completed, key=int)
    hy = list(pd.Series([history.completed[y] for y in years], dtype=float).cumsum()
              + history.completed_before)
    begin = first.programme.start + (first.programme.start_quarter - 1) / 4
    if years:
        ax.plot([int(years[0]), *(min(int(y) + 1.0, begin) for y in years)],
                [history.completed_before, *hy], color="black", lw=2, label="realised")
    end = float(first.programme.start + 1)
    for label, plan, instance in plans:
        if plan.periods.empty:
            continue
        p = instance.programme
        xs = [p.start + (p.start_quarter - 1) / 4] + [_x(t) for t in plan.periods["period"]]
        ys = [float(instance.history.total), *plan.periods["cumulative"]]
        line = ax.plot(xs, ys, lw=1.8, label=label)[0]
        for name, marker in (("p95", "o"), ("finish", "s")):
            at = plan.milestones.get(name)
            if at and at[0].isdigit():
                ax.plot([_x(at)], [items_needed(instance, name)], marker=marker,
                        color=line.get_color(), ms=6)
                end = max(end, _x(at) + 1.0)
    for scope in sorted({instance.scope for _, _, instance in plans}):
        instance = next(i for _, _, i in plans if i.scope == scope)
        p95 = items_needed(instance, "p95")
        ax.axhline(scope, color="grey", ls="--", lw=1)
        ax.axhline(p95, color="grey", ls=":", lw=1)
        ax.annotate(f"scope {scope:,}; 95% = {p95:,.0f}", (end, scope), fontsize=8,
                    color="grey", ha="right", va="bottom")
    deadline = first.programme.deadline
    if deadline is not None:
        ax.axvline(deadline + 1.0, color="firebrick", ls="--", lw=1)
        ax.annotate(f" deadline {deadline}", (deadline + 1.0, 0), color="firebrick",
                    fontsize=8, va="bottom", xycoords=("data", "axes fraction"))
    ax.set_xlim(right=end)
    ax.set_xlabel("year (end of period)")
    ax.set_ylabel("completed, cumulative")
    ax.set_title(f"{first.programme.name}: cumulative completions "
                 "(circle = 95%, square = finish)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def targets_chart(title: str, targets: pd.DataFrame) -> bytes:
    """Yearly targets (rows: years, columns: variants) as grouped bars."""
    fig = _figure()
    ax = fig.add_subplot()
    variants = [c for c in targets.columns if c != "year"]
    width = 0.8 / max(1, len(variants))
    years = list(targets["year"])
    for i, name in enumerate(variants):
        ax.bar([y - 0.4 + width * (i + 0.5) for y in years], targets[name], width=width,
               label=str(name))
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel("completed in the year")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def tradeoff_chart(title: str, table: pd.DataFrame, column: str) -> bytes:
    """Against the date a milestone is reached: the least peak capacity (left) and, with that
    peak held, the least capacity cost or capacity-years (right), one line per milestone."""
    fig = _figure()
    second = "least_cost" if "least_cost" in table else "least_capacity_years"
    for position, (name, ylabel) in enumerate(((column, column), (second, second)), start=1):
        ax = fig.add_subplot(1, 2, position)
        for milestone, part in table.groupby("milestone", sort=False):
            xs = [_x(str(b)) for b in part["by"]]
            ax.plot(xs, part[name], marker="o", label=f"{milestone} by")
            for by, x, value in zip(part["by"], xs, part[name], strict=True):
                ax.annotate(str(by), (x, value), fontsize=6, textcoords="offset points",
                            xytext=(0, 5), ha="center")
        ax.set_xlabel("reached by (end of period)")
        ax.set_ylabel(ylabel.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return _png(fig)


def shares_chart(title: str, table: pd.DataFrame, label: str,
                 columns: dict[str, str]) -> bytes:
    """Horizontal bars: for each row's `label`, the values of `columns` (name -> legend)."""
    fig = _figure()
    ax = fig.add_subplot()
    labels = list(table[label])[::-1]
    height = 0.8 / max(1, len(columns))
    for i, (column, legend) in enumerate(columns.items()):
        ax.barh([k - 0.4 + height * (i + 0.5) for k in range(len(labels))],
                list(table[column])[::-1], height=height, label=legend)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def variance_chart(title: str, table: pd.DataFrame) -> bytes:
    """Programme totals of the variance table: planned and realised items finishing each
    stage per year (up to as-of), one panel per stage, the difference in % over the bars."""
    fig = _figure()
    totals = table[table["segment"] == "all"]
    stages = list(dict.fromkeys(totals["stage"]))
    for position, stage in enumerate(stages, start=1):
        ax = fig.add_subplot(1, len(stages), position)
        part = totals[totals["stage"] == stage]
        years = [int(y) for y in part["year"]]
        ax.bar([y - 0.2 for y in years], part["planned"], width=0.4, label="planned")
        ax.bar([y + 0.2 for y in years], part["actual"], width=0.4, label="realised")
        for y, top, pct in zip(years, part["actual"], part["difference_pct"], strict=True):
            if pd.notna(pct):
                ax.annotate(f"{pct:+.0f}%", (y + 0.2, top), textcoords="offset points",
                            xytext=(0, 4), ha="center", fontsize=8)
        ax.set_xticks(years, [str(t) for t in part["through"]])
        if years:
            ax.set_xlim(min(years) - 0.8, max(years) + 0.8)
        ax.set_title(f"{stage} finished")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return _png(fig)


def fan_chart(title: str, fan: pd.DataFrame, scope: float, deadline: int | None) -> bytes:
    """The cumulative curve over the samples: the P10-P90 band, the median and the
    deterministic plan, with the scope line and the deadline."""
    fig = _figure()
    ax = fig.add_subplot()
    xs = [_x(str(p)) for p in fan["period"]]
    ax.fill_between(xs, fan["P10"], fan["P90"], alpha=0.3, label="P10-P90 of the samples")
    ax.plot(xs, fan["P50"], lw=2, label="median (P50)")
    ax.plot(xs, fan["plan"], lw=1.5, ls="--", color="black", label="plan without risks")
    ax.axhline(scope, color="grey", lw=0.8, ls=":", label=f"scope {scope:,.0f}")
    if deadline is not None:
        ax.axvline(deadline + 1.0, color="red", lw=0.8, ls=":", label=f"end of {deadline}")
    done = fan["P10"].to_numpy() >= scope - 0.5
    if done.any():
        ax.set_xlim(xs[0] - 0.25, xs[int(done.argmax())] + 1.0)
    ax.set_xlabel("year")
    ax.set_ylabel("cumulative completed")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def tornado_chart(title: str, tornado: pd.DataFrame) -> bytes:
    """Each risk's swing of the P50 finish (months, off to on), largest at the top."""
    fig = _figure()
    ax = fig.add_subplot()
    rows = tornado.iloc[::-1]
    labels = [f"{r} ({off} -> {on})" for r, off, on in
              zip(rows["risk"], rows["P50 finish off"], rows["P50 finish on"], strict=True)]
    colours = ["tab:red" if v > 0 else "tab:green" for v in rows["swing_months"]]
    ax.barh(range(len(rows)), rows["swing_months"], color=colours)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("months the P50 finish moves when the risk occurs")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.subplots_adjust(left=0.35)
    return _png(fig)


LIKELIHOOD_BANDS = [(0.0, 0.1, "rare"), (0.1, 0.3, "unlikely"), (0.3, 0.5, "possible"),
                    (0.5, 0.8, "likely"), (0.8, 1.01, "almost certain")]
IMPACT_BANDS = [(0.0, 1, "< 1 month"), (1, 3, "1-3 months"), (3, 6, "3-6 months"),
                (6, 12, "6-12 months"), (12, 1e9, "> 12 months")]
"""Bands of the months the P50 finish moves, either way (the absolute swing)."""


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


def heatmap_chart(title: str, tornado: pd.DataFrame) -> bytes:
    """Likelihood x impact grid (5 x 5, green to red by the product of the bands), each risk
    written in its cell; impact is how many months the P50 finish moves when it occurs, either
    way (a risk that moves it 3 months earlier is as weighty as one that delays it 3 months;
    the tornado shows the direction)."""
    import numpy as np

    fig = _figure()
    ax = fig.add_subplot()
    size = len(LIKELIHOOD_BANDS)
    score = np.add.outer(np.arange(size), np.arange(size)).astype(float)
    ax.imshow(score, origin="lower", cmap="RdYlGn_r", alpha=0.6, vmin=0, vmax=2 * size - 2)
    for (impact, likelihood), names in heatmap_cells(tornado).items():
        ax.text(likelihood, impact, "\n".join(names), ha="center", va="center", fontsize=7)
    ax.set_xticks(range(size), [b[2] for b in LIKELIHOOD_BANDS], fontsize=8)
    ax.set_yticks(range(size), [b[2] for b in IMPACT_BANDS], fontsize=8)
    ax.set_xlabel("likelihood")
    ax.set_ylabel("impact on the P50 finish")
    ax.set_title(title)
    return _png(fig)
