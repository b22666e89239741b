"""Horizontal bar charts as accessible, server-side SVG (no JavaScript).

Like the radar chart in ``learnpath.assignments.charts``: ``role="img"``, named by its own
<title> and <desc> (the desc lists every value in words) and shown next to a data table with
the same numbers. Every bar carries its value as text; a hidden (suppressed) value gets no
bar, only its text (e.g. "< 5"). A second series is hatched as well as coloured, so colour is
never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LABEL_WIDTH = 200
BAR_WIDTH = 300
VALUE_WIDTH = 90
BAR_HEIGHT = 18
GAP = 12


@dataclass(frozen=True)
class Series:
    name: str
    #: One value per label; None when the value is hidden.
    values: Sequence[float | None]
    #: The value as shown (e.g. "12", "41,7%", "< 5").
    texts: Sequence[str]


@dataclass(frozen=True)
class Plot:
    """What a chart draws, kept beside its SVG so another medium (the PDF) can draw it too."""

    labels: Sequence[str]
    series: Sequence[Series]
    maximum: float


def _description(labels: Sequence[str], series: Sequence[Series]) -> str:
    parts = []
    for i, label in enumerate(labels):
        values = ", ".join(
            f"{s.name}: {s.texts[i]}" if len(series) > 1 else s.texts[i] for s in series
        )
        parts.append(f"{label}: {values}")
    return "; ".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    maximum: float,
) -> Markup:
    """Return the SVG markup of a horizontal bar chart, one group of bars per label."""
    group_height = BAR_HEIGHT * len(series) + GAP
    legend_height = 24 if len(series) > 1 else 0
    height = legend_height + group_height * len(labels) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" viewBox="0 0 {width} '
        f'{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_description(labels, series))}</desc>',
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" class="hatch-bg"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>',
    ]
    parts += _legend(chart_id, series)
    for i, label in enumerate(labels):
        top = legend_height + i * group_height
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{top + group_height / 2}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(label)}</text>'
        )
        for j, s in enumerate(series):
            parts += _bar(chart_id, j, top + j * BAR_HEIGHT, s.values[i], s.texts[i], maximum)
    parts.append("</svg>")
    return Markup("".join(parts))


def _fill(chart_id: str, index: int) -> str:
    return 'class="bar"' if index == 0 else f'class="bar second" fill="url(#{chart_id}-hatch)"'


def _bar(
    chart_id: str, index: int, y: float, value: float | None, text: str, maximum: float
) -> list[str]:
    length = 0.0 if value is None or maximum <= 0 else BAR_WIDTH * max(0.0, value) / maximum
    parts = []
    if length > 0:
        parts.append(
            f'<rect {_fill(chart_id, index)} x="{LABEL_WIDTH}" y="{y + 2}" '
            f'width="{length:.1f}" height="{BAR_HEIGHT - 4}"/>'
        )
    parts.append(
        f'<text class="value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR_HEIGHT / 2}" '
        f'dominant-baseline="middle">{escape(text)}</text>'
    )
    return parts


def _legend(chart_id: str, series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    parts = []
    x = LABEL_WIDTH
    for j, s in enumerate(series):
        parts.append(f'<rect {_fill(chart_id, j)} x="{x}" y="4" width="14" height="14"/>')
        parts.append(
            f'<text class="legend" x="{x + 20}" y="11" dominant-baseline="middle">'
            f"{escape(s.name)}</text>"
        )
        x += 140
    return parts
