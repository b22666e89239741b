"""A radar chart as accessible, server-side SVG (no JavaScript).

The SVG has ``role="img"`` and is named by its own <title> and <desc> (the desc lists every
value in words), and the page shows the same numbers in a data table next to it. Series
differ by line style (dashed start, solid end) as well as colour, so colour is never the only
cue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SIZE = 420
CENTRE = SIZE / 2
RADIUS = 130
#: Room left and right of the square for the axis labels ("Kwaliteitenreflectie" is ~130 units
#: wide at the label size): without it the outer labels are cut off.
LABEL_ROOM = 100


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    #: CSS class: "series-start" (dashed) or "series-end" (solid).
    css_class: str


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return (
        round(CENTRE + RADIUS * fraction * math.cos(angle), 1),
        round(CENTRE + RADIUS * fraction * math.sin(angle), 1),
    )


def _fraction(value: float | None, low: int, high: int) -> float:
    if value is None:
        return 0.0
    return max(0.0, min(1.0, (value - low) / (high - low)))


def radar_svg(
    chart_id: str,
    axes: Sequence[str],
    series: Sequence[Series],
    low: int,
    high: int,
    title: str,
    description: str,
) -> Markup:
    """Return the SVG markup of a radar chart with one polygon per series."""
    count = len(axes)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" '
        f'viewBox="{-LABEL_ROOM} 0 {SIZE + 2 * LABEL_ROOM} {SIZE}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for level in range(low, high + 1):
        ring = " ".join(
            f"{x},{y}"
            for x, y in (_point(i, count, _fraction(level, low, high)) for i in range(count))
        )
        parts.append(f'<polygon class="grid" points="{ring}"/>')
    for i, label in enumerate(axes):
        x, y = _point(i, count, 1.0)
        parts.append(f'<line class="axis" x1="{CENTRE}" y1="{CENTRE}" x2="{x}" y2="{y}"/>')
        lx, ly = _point(i, count, 1.22)
        anchor = "middle" if abs(lx - CENTRE) < 10 else ("start" if lx > CENTRE else "end")
        parts.append(
            f'<text class="label" x="{lx}" y="{ly}" text-anchor="{anchor}" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
    for s in series:
        points = [_point(i, count, _fraction(v, low, high)) for i, v in enumerate(s.values)]
        joined = " ".join(f"{x},{y}" for x, y in points)
        parts.append(f'<polygon class="{escape(s.css_class)}" points="{joined}"/>')
        for x, y in points:
            parts.append(f'<circle class="{escape(s.css_class)}" cx="{x}" cy="{y}" r="4"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
