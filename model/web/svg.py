"""Charts as inline SVG: drawn on the server from a view's chart data, interactive without
any script (each point carries a `<title>` that the browser shows on hover), readable by a
screen reader (a title and a description naming what the chart shows; the same figures are
in the table beside it).

Chart data (see views.py): `x` labels, `series` of values per label, optional `band` (low and
high per label), horizontal `lines` (the 95% and 100% of the scope), and a `marker` label (the
deadline); or `bars` for a tornado.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 760, 380
LEFT, RIGHT, TOP, BOTTOM = 72, 150, 20, 44
COLOURS = ["#0b5394", "#b45309", "#15803d", "#7e22ce", "#be123c", "#374151"]
"""Series colours, each at least 4.5:1 against white; series also differ in dash and mark."""
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "4 4"]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def line_chart(chart: dict[str, Any], title: str, describe: str,
               number: Callable[[float], str]) -> str:
    """A line chart (cumulative curves, a fan, a trade-off curve) as an SVG element."""
    xs: list[str] = chart["x"]
    values = [v for s in chart["series"] for v in s["values"] if v is not None]
    band = chart.get("band")
    if band:
        values += [v for v in band["high"] if v is not None]
    values += [line["value"] for line in chart.get("lines", [])]
    top = nice_ceiling(max(values) * 1.04 if values else 1.0)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(xs) - 1)

    def x_of(i: int) -> float:
        return LEFT + i * step

    def y_of(v: float) -> float:
        return TOP + inner_h * (1 - v / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'class="chart" role="img" data-kind={quoteattr(chart["kind"])} '
             f'aria-labelledby="{chart["id"]}-t {chart["id"]}-d">',
             f'<title id="{chart["id"]}-t">{escape(title)}</title>',
             f'<desc id="{chart["id"]}-d">{escape(describe)}</desc>']
    for k in range(6):  # the value axis: gridlines and labels
        v = top * k / 5
        y = y_of(v)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + inner_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="tick">{escape(number(v))}</text>')
    every = max(1, math.ceil(len(xs) / 14))
    for i, label in enumerate(xs):
        if i % every == 0 or i == len(xs) - 1:
            parts.append(f'<text x="{x_of(i):.1f}" y="{TOP + inner_h + 18}" '
                         f'text-anchor="middle" class="tick">{escape(label)}</text>')
    if band:
        upper = [(x_of(i), y_of(v)) for i, v in enumerate(band["high"]) if v is not None]
        lower = [(x_of(i), y_of(v)) for i, v in enumerate(band["low"]) if v is not None]
        shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
        parts.append(f'<polygon points="{shape}" class="band"><title>'
                     f'{escape(band["label"])}</title></polygon>')
    for line in chart.get("lines", []):
        y = y_of(line["value"])
        parts.append(f'<g class="level"><line x1="{LEFT}" x2="{LEFT + inner_w}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/><text x="{LEFT + inner_w + 4}" '
                     f'y="{y + 4:.1f}">{escape(line["label"])} '
                     f'({escape(number(line["value"]))})</text></g>')
    marker = chart.get("marker")
    if marker is not None and marker in xs:
        x = x_of(xs.index(marker))
        parts.append(f'<g class="deadline"><line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" '
                     f'y2="{TOP + inner_h}"/><text x="{x + 4:.1f}" y="{TOP + 12}">'
                     f'{escape(chart.get("marker_label", "deadline"))} {escape(marker)}'
                     '</text></g>')
    for n, series in enumerate(chart["series"]):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        points = [(i, v) for i, v in enumerate(series["values"]) if v is not None]
        path = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="series" data-label={quoteattr(series["label"])}>'
                     f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2.5"{dashed}/>')
        for i, v in points:
            parts.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="4" '
                         f'fill="{colour}" data-x={quoteattr(xs[i])} data-value="{v}">'
                         f'<title>{escape(series["label"])}, {escape(xs[i])}: '
                         f'{escape(number(v))}</title></circle>')
        parts.append("</g>")
        legend_y = TOP + inner_h - 20 * (len(chart["series"]) - n)
        parts.append(f'<g class="legend"><line x1="{LEFT + inner_w + 6}" '
                     f'x2="{LEFT + inner_w + 30}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
                     f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
                     f'<text x="{LEFT + inner_w + 34}" y="{legend_y}">'
                     f'{escape(series["label"][:16])}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def tornado_chart(chart: dict[str, Any], title: str, describe: str, unit: str) -> str:
    """Horizontal bars: each risk's swing of the P50 finish in months, largest first."""
    bars = chart["bars"]
    longest = max([abs(float(b["value"] or 0)) for b in bars] + [1.0])
    height = TOP + BOTTOM + 30 * len(bars)
    inner_w = WIDTH - 220 - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'class="chart" role="img" data-kind="tornado" '
             f'aria-labelledby="{chart["id"]}-t {chart["id"]}-d">',
             f'<title id="{chart["id"]}-t">{escape(title)}</title>',
             f'<desc id="{chart["id"]}-d">{escape(describe)}</desc>']
    for i, bar in enumerate(bars):
        value = float(bar["value"] or 0)
        y = TOP + 30 * i
        w = inner_w * abs(value) / longest
        parts.append(f'<g class="bar" data-label={quoteattr(bar["label"])} '
                     f'data-value="{value}"><text x="212" y="{y + 17}" text-anchor="end">'
                     f'{escape(bar["label"])}</text><rect x="220" y="{y + 4}" width="{w:.1f}" '
                     f'height="20" fill="{COLOURS[0]}"><title>{escape(bar["title"])}: '
                     f'{value:g} {escape(unit)}</title></rect><text x="{226 + w:.1f}" '
                     f'y="{y + 17}">{value:g} {escape(unit)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
