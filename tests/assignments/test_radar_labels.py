"""The radar chart's axis labels fit inside the drawing (they were cut off: "letwerken")."""

from __future__ import annotations

import re

from learnpath.assignments.charts import Series, radar_svg

#: A generous width per character of the 12-unit label font.
CHAR_WIDTH = 7.0


def test_long_labels_stay_inside_the_view_box():
    labels = [
        "Kwaliteitenreflectie",
        "Motievenreflectie",
        "Werkexploratie",
        "Loopbaansturing",
        "Netwerken",
    ]
    svg = str(radar_svg("r", labels, [Series("s", [3] * 5, "series-end")], 1, 5, "t", "d"))
    left, _top, width, _height = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg)[1].split())
    for x, anchor, text in re.findall(
        r'<text class="label" x="([\d.-]+)" y="[\d.-]+" text-anchor="(\w+)"[^>]*>([^<]+)<', svg
    ):
        extent = len(text) * CHAR_WIDTH
        start = {"start": float(x), "end": float(x) - extent, "middle": float(x) - extent / 2}[
            anchor
        ]
        assert start >= left and start + extent <= left + width, text
