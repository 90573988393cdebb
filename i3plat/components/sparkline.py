"""Tiny trend lines for the overview tiles: plain plotly figure dicts and their Patch updates.

A sparkline has no axes, grid or hover; it only shows the shape of the last hour. After the
first render it is only ever extended and trimmed (`trend_patch`), so the browser holds a
bounded number of points however long a kiosk runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dash import Patch

MAX_POINTS = 240
"""1 h at a 15 s step; the trace never grows beyond this (bounded memory on a TV)."""

SPARK_COLORS: dict[str, str] = {
    "cpu": "#3d8bfd",
    "mem": "#a370f7",
    "disk": "#20c997",
    "gpu": "#fd9843",
}

SPARK_CONFIG: Any = {"staticPlot": True, "displayModeBar": False, "responsive": True}
"""Static plots: no modebar, no hover layers, no event listeners per tile."""


def clean(values: Sequence[float | None]) -> list[float | None]:
    """NaN/±Inf and None all become null, which plotly draws as a gap."""
    return [v if v is not None and math.isfinite(v) else None for v in values]


def rounded(values: Sequence[float | None]) -> list[float | None]:
    """Four significant digits are plenty for a 100-pixel line and halve the bytes sent."""
    return [float(f"{v:.4g}") if v is not None else None for v in clean(values)]


def trace(
    key: str, index: int, timestamps: Sequence[float], values: Sequence[float | None]
) -> dict[str, Any]:
    color = SPARK_COLORS.get(key, "#6c757d")
    keep = max(0, len(timestamps) - MAX_POINTS)
    suffix = "" if index == 0 else str(index + 1)
    return {
        "type": "scatter", "mode": "lines", "name": key, "xaxis": "x" + suffix, "yaxis": "y" + suffix,
        "x": [int(ts) for ts in timestamps[keep:]], "y": rounded(values[keep:]),
        "line": {"color": color, "width": 2}, "fill": "tozeroy", "fillcolor": color + "33",
        "hoverinfo": "skip", "connectgaps": False,
    }  # fmt: skip


def trends_figure(
    series: Sequence[tuple[str, Sequence[float], Sequence[float | None]]], gap: float = 0.06
) -> dict[str, Any]:
    """One figure with a small trend per metric, side by side: one plotly graph per tile, not four.

    Each `(key, timestamps, values)` gets its own x/y axes in an equal-width column; ratios use a
    fixed 0..1 axis so tiles compare at a glance. Empty series leave their column blank.
    """
    count = max(1, len(series))
    width = (1 - gap * (count - 1)) / count
    layout: dict[str, Any] = {
        "margin": {"l": 0, "r": 0, "t": 2, "b": 0},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False, "autosize": True,
    }  # fmt: skip
    data = []
    for index, (key, timestamps, values) in enumerate(series):
        suffix = "" if index == 0 else str(index + 1)
        left = index * (width + gap)
        layout["xaxis" + suffix] = {"visible": False, "fixedrange": True, "domain": [left, left + width]}
        layout["yaxis" + suffix] = {
            "visible": False,
            "fixedrange": True,
            "range": [0, 1],
            "anchor": "x" + suffix,
        }
        data.append(trace(key, index, timestamps, values))
    return {"data": data, "layout": layout}


def empty_trends(keys: Sequence[str]) -> dict[str, Any]:
    return trends_figure([(key, [], []) for key in keys])


@dataclass(frozen=True)
class TrendCursor:
    """What the browser holds for one sparkline: the last timestamp sent and how many points."""

    last: float | None
    count: int

    def as_list(self) -> list[float | int | None]:
        return [self.last, self.count]

    @classmethod
    def from_list(cls, data: Any) -> TrendCursor | None:
        if not isinstance(data, list | tuple) or len(data) != 2:
            return None
        last, count = data
        if not isinstance(count, int) or not (last is None or isinstance(last, int | float)):
            return None
        return cls(None if last is None else float(last), count)


def trend_patch(
    patch: Patch, index: int, cursor: TrendCursor, timestamps: Sequence[float], values: Sequence[float | None]
) -> TrendCursor:
    """Add to `patch` the points of trace `index` newer than the cursor, dropping old ones in front.

    Returns the new cursor (the same one when nothing is new and nothing was added).
    """
    start = 0
    if cursor.last is not None:
        while start < len(timestamps) and timestamps[start] <= cursor.last:
            start += 1
    new_x = [int(ts) for ts in timestamps[start:]][-MAX_POINTS:]
    if not new_x:
        return cursor
    new_y = rounded(values[start:])[-MAX_POINTS:]
    drop = max(0, cursor.count + len(new_x) - MAX_POINTS)
    target = patch["data"][index]
    target["x"].extend(new_x)
    target["y"].extend(new_y)
    for _ in range(min(drop, cursor.count)):
        del target["x"][0]
        del target["y"][0]
    return TrendCursor(float(new_x[-1]), min(MAX_POINTS, cursor.count + len(new_x)))
