"""The console's charts: SVG markup drawn on the server, with no script and no ``style`` attribute (the CSP).

Pure functions: figures and their labels in, escaped markup out. Each chart has a ``<title>`` and a
``<desc>`` (what a screen reader says) and the page shows the same figures in a table beside it. Colours are
SVG presentation attributes (``fill=``, ``stroke=``), so the markup reads the same inside or outside a page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

Figure = Decimal | int | float
PALETTE = ("#0b5cad", "#c0392b", "#1b6e3a", "#8a5a00", "#6a3d9a")
INK, MUTED, GRID = "#1d232b", "#5b6470", "#d5dbe2"
WIDTH, HEIGHT = 560, 320  # drawn at about this size in half of a 1,280 px page: the text stays legible
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 24, 78  # room for the value axis, the labels below and the legend


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value per label, None where there is none (the line breaks there)."""

    name: str
    values: Sequence[Figure | None]


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from ``low`` to ``high`` (at least both, about ``count`` steps of at least 1): 0, 250, 500…"""
    if high <= low:
        high = low + 1
    rough = (high - low) / count
    power = 10 ** math.floor(math.log10(rough))
    step = max(1, next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= rough))  # euros, days, percents
    first = math.floor(low / step) * step
    found = [first]
    while found[-1] < high - step * 1e-9:
        found.append(first + step * len(found))
    return [round(t, 10) for t in found]


def bar_chart(
    bars: Sequence[tuple[str, Figure]],
    *,
    ident: str,
    title: str,
    description: str,
    label: Callable[[Figure], str],
    axis: Callable[[float], str],
) -> Markup:
    """Vertical bars, one per (label, value), each with its value written above it.

    ``ident``: unique in the page (the ids of the title and description); ``label`` writes a bar's value,
    ``axis`` a value of the vertical axis (in French: ``1 234 €``).
    """
    values = [float(value) for _, value in bars]
    scale = _Scale(ticks(min([0.0, *values]), max([0.0, *values])))
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(bars))
    parts = _frame(ident, title, description) + scale.axis(axis)
    zero = scale.y(0)
    for index, ((name, value), number) in enumerate(zip(bars, values, strict=True)):
        x = LEFT + slot * index + slot * 0.15
        top, bottom = sorted((scale.y(number), zero))
        parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{slot * 0.7:.1f}" height="{bottom - top:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(name)} : {escape(label(value))}</title></rect>'
        )
        centre = x + slot * 0.35
        parts.append(_text(centre, top - 6, label(value), anchor="middle", size=12))
        parts.append(_text(centre, HEIGHT - BOTTOM + 20, name, anchor="middle", size=13))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    ident: str,
    title: str,
    description: str,
    label: Callable[[Figure], str],
    axis: Callable[[float], str],
    axis_title: str,
    span: tuple[float, float] = (0.0, 0.0),
) -> Markup:
    """Lines over labelled points (months; a newline in a label starts a second line), a dot on each value,
    a legend below, the vertical axis titled.

    ``label`` writes a point's value (its tooltip), ``axis`` a value of the vertical axis; the axis covers at
    least ``span`` (0 to 100 for percentages) and always zero. With many points only some labels are
    written, so they never overlap.
    """
    known = [float(v) for s in series for v in s.values if v is not None]
    scale = _Scale(ticks(min([0.0, span[0], *known]), max([0.0, span[1], *known])))
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    parts = _frame(ident, title, description) + scale.axis(axis)
    parts.append(_text(14, TOP + (HEIGHT - TOP - BOTTOM) / 2, axis_title, anchor="middle", size=13, turned=True))
    every = 1 if len(labels) <= 12 else math.ceil(len(labels) / 12)
    for index, name in enumerate(labels):
        if index % every == 0:
            parts.append(_text(LEFT + step * (index + 0.5), HEIGHT - BOTTOM + 18, name, anchor="middle", size=12))
    for number, line in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [
            None if v is None else (LEFT + step * (i + 0.5), scale.y(float(v))) for i, v in enumerate(line.values)
        ]
        for run in _runs(points):
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for point, value in zip(points, line.values, strict=True):
            if point is not None and value is not None:
                parts.append(
                    f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3.5" fill="{colour}">'
                    f"<title>{escape(line.name)} : {escape(label(value))}</title></circle>"
                )
        legend_x = LEFT + number * (WIDTH - LEFT - RIGHT) / max(1, len(series))
        parts.append(
            f'<rect x="{legend_x:.1f}" y="{HEIGHT - 18}" width="16" height="4" fill="{colour}"/>'
            + _text(legend_x + 22, HEIGHT - 12, line.name, size=13)
        )
    parts.append("</svg>")
    return Markup("".join(parts))


class _Scale:
    """The vertical axis: from the first tick to the last, drawn between TOP and the labels."""

    def __init__(self, marks: list[float]) -> None:
        self.marks = marks
        self.low, self.high = marks[0], marks[-1]

    def y(self, value: float) -> float:
        span = HEIGHT - TOP - BOTTOM
        return TOP + span * (self.high - value) / (self.high - self.low)

    def axis(self, write: Callable[[float], str]) -> list[str]:
        parts = []
        for mark in self.marks:
            y = self.y(mark)
            parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
            parts.append(_text(LEFT - 6, y + 4, write(mark), anchor="end", size=12, fill=MUTED))
        bottom = HEIGHT - BOTTOM
        parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="{MUTED}"/>')
        return parts


def _frame(ident: str, title: str, description: str) -> list[str]:
    name = escape(ident)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{name}-titre {name}-desc" font-family="DejaVu Sans, sans-serif">',
        f'<title id="{name}-titre">{escape(title)}</title><desc id="{name}-desc">{escape(description)}</desc>',
    ]


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, fill: str = INK, turned: bool = False
) -> str:
    """A label; each further line of ``text`` (after a newline) written below the first."""
    turn = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if turned else ""
    first, *others = text.split("\n")
    below = "".join(f'<tspan x="{x:.1f}" dy="{size + 2}">{escape(line)}</tspan>' for line in others)
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{turn}>'
        f"{escape(first)}{below}</text>"
    )


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """The unbroken stretches of a line (a month without a value breaks it)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]
