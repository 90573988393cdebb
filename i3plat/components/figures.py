"""Plain-dict plotly figures for time series, and the `Patch` that moves them forward.

Every trace of a panel is laid on one regular time grid (start, end, step), gaps filled with
None, so a refresh only has to say "drop n points at the head, append these at the tail" for
each trace: the browser keeps the rest. Units are turned into readable axis labels here: ratios
as %, byte rates in binary units (B/s, KiB/s, MiB/s…), °C and W. No I/O, no Dash app needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dash import Patch

Theme = Literal["light", "dark"]
UIREVISION = "i3plat"
"""Constant, so a user's zoom, pan and hidden traces survive every update of a figure."""

COLORWAY = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
            "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#17becf")  # fmt: skip
THEMES: dict[Theme, dict[str, str]] = {
    "light": {"font": "#212529", "grid": "rgba(0,0,0,0.08)", "line": "rgba(0,0,0,0.25)"},
    "dark": {"font": "#e9ecef", "grid": "rgba(255,255,255,0.10)", "line": "rgba(255,255,255,0.30)"},
}
BINARY_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi")
FONT_FAMILY = "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"


@dataclass(frozen=True)
class Grid:
    """A regular time grid in unix seconds: start, start+step, …, end (both ends included)."""

    start: int
    end: int
    step: int

    @property
    def size(self) -> int:
        return (self.end - self.start) // self.step + 1

    def times(self, after: int | None = None) -> list[int]:
        first = self.start if after is None else max(self.start, after + self.step)
        return list(range(first, self.end + 1, self.step))


@dataclass(frozen=True)
class Scale:
    """How a unit is shown: values divided by `divisor`, then formatted with `suffix`."""

    divisor: float
    suffix: str
    tickformat: str
    hoverformat: str
    percent: bool = False


def choose_scale(unit: str, peak: float | None) -> Scale:
    """The display scale of a unit for a panel whose largest absolute value is `peak`."""
    if unit == "ratio":
        return Scale(1.0, "", ".0%", ".1%", percent=True)
    if unit in ("bytes_per_second", "bytes"):
        exponent = 0
        while peak and exponent < len(BINARY_PREFIXES) - 1 and abs(peak) >= 1024 ** (exponent + 1):
            exponent += 1
        suffix = BINARY_PREFIXES[exponent] + "B" + ("/s" if unit == "bytes_per_second" else "")
        return Scale(float(1024**exponent), " " + suffix, "~r", ".3~r")
    if unit == "celsius":
        return Scale(1.0, " °C", "~r", ".1f")
    if unit == "watts":
        return Scale(1.0, " W", "~r", ".0f")
    if unit == "ops_per_second":
        return Scale(1.0, " /s", "~s", ".3~s")
    return Scale(1.0, "", "~r", ",.0f")  # count, bool


def peak_of(rows: Sequence[Sequence[float | None]]) -> float | None:
    finite = [abs(v) for row in rows for v in row if v is not None and math.isfinite(v)]
    return max(finite) if finite else None


def on_grid(timestamps: Sequence[float], values: Sequence[float | None], grid: Grid) -> list[float | None]:
    """The series' values at each grid time (None where it has no point, or a non-finite one)."""
    row: list[float | None] = [None] * grid.size
    for moment, value in zip(timestamps, values, strict=False):
        offset = moment - grid.start
        if offset < 0 or offset % grid.step or value is None or not math.isfinite(value):
            continue
        index = int(offset // grid.step)
        if index < grid.size:
            row[index] = value
    return row


def scaled(row: Sequence[float | None], scale: Scale) -> list[float | None]:
    """Divide by the scale and keep 4 significant digits: enough for any axis, half the bytes."""
    return [None if v is None else float(f"{v / scale.divisor:.4g}") for v in row]


def to_ms(moments: Sequence[int], tz_offset_s: int) -> list[int]:
    """Plotly shows epoch numbers as wall-clock time without zone: shift them to the viewer's zone."""
    return [(m + tz_offset_s) * 1000 for m in moments]


LEGEND_MAX_TRACES = 8
"""More lines than this and the legend would crowd out the plot: names stay in the hover."""


def time_format(span_s: int) -> str:
    if span_s <= 86_400:
        return "%H:%M"
    return "%m-%d %H:%M" if span_s <= 3 * 86_400 else "%m-%d"


def base_layout(scale: Scale, theme: Theme, x_range: list[int], traces: int = 1) -> dict[str, Any]:
    colors = THEMES[theme]
    axis = {"gridcolor": colors["grid"], "linecolor": colors["line"], "zeroline": False,
            "automargin": True}  # fmt: skip
    yaxis: dict[str, Any] = {**axis, "tickformat": scale.tickformat, "ticksuffix": scale.suffix,
                             "rangemode": "tozero", "fixedrange": False}  # fmt: skip
    if scale.percent:
        yaxis["range"] = [0, 1.05]
        yaxis.pop("rangemode")
    return {
        "uirevision": UIREVISION,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT_FAMILY, "size": 12, "color": colors["font"]},
        "colorway": list(COLORWAY),
        "hovermode": "x unified",
        "showlegend": 1 < traces <= LEGEND_MAX_TRACES,
        "legend": {"orientation": "h", "y": -0.15, "x": 0, "font": {"size": 11}},
        "xaxis": {
            **axis,
            "type": "date",
            "autorange": True,
            "hoverformat": "%Y-%m-%d %H:%M:%S",
            "tickformat": time_format((x_range[1] - x_range[0]) // 1000),
        },
        "yaxis": yaxis,
    }


def timeseries_figure(
    names: Sequence[str],
    rows: Sequence[Sequence[float | None]],
    grid: Grid,
    scale: Scale,
    *,
    tz_offset_s: int = 0,
    theme: Theme = "light",
) -> dict[str, Any]:
    """One line per name; `rows[i]` holds its raw values on `grid` (see `on_grid`)."""
    x = to_ms(grid.times(), tz_offset_s)
    hover = f"%{{y:{scale.hoverformat}}}{scale.suffix}"
    data = [
        {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": scaled(row, scale),
         "line": {"width": 1.5}, "hovertemplate": hover, "connectgaps": False}
        for name, row in zip(names, rows, strict=True)
    ]  # fmt: skip
    return {"data": data, "layout": base_layout(scale, theme, [x[0], x[-1]], len(data))}


def empty_figure(theme: Theme = "light") -> dict[str, Any]:
    """A blank, axis-less figure for a panel before its first data (keeps the layout light)."""
    hidden = {"visible": False}
    return {
        "data": [],
        "layout": {"uirevision": UIREVISION, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                   "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                   "xaxis": hidden, "yaxis": hidden, "font": {"color": THEMES[theme]["font"]}},
    }  # fmt: skip


@dataclass(frozen=True)
class Step:
    """What a refresh must do to a figure the browser already holds on grid `old`."""

    action: Literal["full", "none", "patch"]
    drop: int = 0
    """Points to remove at the head of every trace."""
    append_after: int | None = None
    """Grid times after this one are new."""


def plan_step(old: Grid | None, new: Grid) -> Step:
    """Compare the browser's grid with the new one: nothing, a head/tail Patch, or a full figure."""
    if old is None or old.step != new.step:
        return Step("full")
    if (new.start - old.start) % new.step or new.start < old.start or new.end < old.end:
        return Step("full")
    drop = (new.start - old.start) // new.step
    if drop >= old.size:
        return Step("full")
    if drop == 0 and new.end == old.end:
        return Step("none")
    return Step("patch", drop=drop, append_after=old.end)


def advance_patch(
    rows: Sequence[Sequence[float | None]],
    grid: Grid,
    step: Step,
    scale: Scale,
    *,
    tz_offset_s: int = 0,
) -> Patch:
    """Drop `step.drop` points at the head of each trace and append the new tail of `rows`.

    The x-axis autoranges over the grid (every trace spans all of it, gaps as None), so the
    window slides with the data and no range has to be sent.
    """
    patch = Patch()
    new_times = grid.times(after=step.append_after)
    first_new = grid.size - len(new_times)
    x = to_ms(new_times, tz_offset_s)
    for index, row in enumerate(rows):
        for _ in range(step.drop):
            del patch["data"][index]["x"][0]
            del patch["data"][index]["y"][0]
        if x:
            patch["data"][index]["x"].extend(x)
            patch["data"][index]["y"].extend(scaled(row[first_new:], scale))
    return patch
