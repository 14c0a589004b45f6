"""One look for every chart: figure size, colours, line styles, the year axis and the legend.

Years on an x-axis are read as "the situation at the end of the year": a period's point sits
at its end (2025 at 2026.0, 2025Q2 at 2025.5), and the tick labelled 2025 sits at 2026.0, so
the value above "2025" is the cumulative at the end of 2025, the way the regulator's table and
the diepteanalyse's curves read.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE = (9.0, 5.0)
DPI = 110
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22"]
"""Series colours in order (matplotlib's tab10 without red and grey, which mean something)."""
REALISED = "#555555"
"""Realised history: dark grey everywhere."""
DEADLINE = "#b22222"
"""The deadline: firebrick."""
REFERENCE = "#777777"
"""Scope and 95% lines."""
BASELINE = "black"
LINESTYLES = ["-", "--", "-.", ":"]
"""Line styles in turn, so curves that coincide stay visible one over another."""
FONT = 8


def figure(size: tuple[float, float] = SIZE) -> Figure:
    """A new figure drawn without a screen (the Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=DPI)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, legends outside the axes included."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def period_x(label: str) -> float:
    """A period label as a fractional year at the period's end: 2025 -> 2026.0, 2025Q2 ->
    2025.5, 2025-03 -> 2025.25."""
    if "Q" in label:
        year, quarter = label.split("Q")
        return int(year) + int(quarter) / 4
    if "-" in label:
        year, month = label.split("-")
        return int(year) + int(month) / 12
    return int(label) + 1.0


def year_axis(ax: Axes, first: int, last: int, label: str) -> None:
    """Ticks at the end of each year from `first` to `last`, each labelled with its year
    (the tick "2025" at 2026.0), and the axis label."""
    step = 1 if last - first <= 16 else 2
    years = list(range(first, last + 1, step))
    ax.set_xticks([y + 1.0 for y in years], [str(y) for y in years], fontsize=FONT)
    ax.set_xlim(first + 1.0 - 0.3, last + 1.0 + 0.3)
    ax.set_xlabel(label)


def legend_outside(ax: Axes) -> None:
    """The legend to the right of the axes, where it covers no curve or line."""
    import textwrap

    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, [textwrap.fill(label, 34) for label in labels], fontsize=FONT,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def grid(ax: Axes, axis: str = "both") -> None:
    ax.grid(axis=axis, alpha=0.3)  # type: ignore[arg-type]


def thousands(ax: Axes, lang: str, axis: str = "y") -> None:
    """Tick labels of `axis` as whole numbers with the language's thousands separator
    (16,000 / 16.000)."""
    from matplotlib.ticker import FuncFormatter

    from capplan.report.words import number

    formatter = FuncFormatter(lambda value, _: number(value, lang))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)
