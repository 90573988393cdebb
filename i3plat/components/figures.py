"""Plain-dict plotly figures for time series, and the small delta that moves them forward.

Every trace of a panel is laid on one regular time grid (start, end, step), gaps filled with
None, so a refresh only has to say "drop n points at the head, replace the tail from time t on
with these values" — once for all traces, not per point and trace as `dash.Patch` operations
would (a Patch can delete only one list item per operation). `assets/site.js` applies the delta
to the figure in the browser with a clientside `dash_clientside.Patch`. Units are turned into
readable axis labels here: ratios as %, byte rates in decimal units (B/s, kB/s, MB/s…, as the
overview tiles and embeds write them), sizes in binary ones (MiB, GiB…), °C and W. No I/O, no
Dash app needed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from i3plat.components.figure_style import (
    BOTTOM_LEGEND,
    hover_extra,
    legend_entries,
    legend_props,
    line_style,
    plan_legend,
    split_gpu_name,
)

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
DECIMAL_PREFIXES = ("", "k", "M", "G", "T", "P")
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
    dtick: int | None = None
    """A whole-number tick step for small counts (plotly would put ticks at 0.5, 1.5)."""


def choose_scale(unit: str, peak: float | None) -> Scale:
    """The display scale of a unit for a panel whose largest absolute value is `peak`."""
    if unit == "ratio":
        return Scale(1.0, "", ".0%", ".1%", percent=True)
    if unit in ("bytes_per_second", "bytes"):
        prefixes, base, per = (
            (DECIMAL_PREFIXES, 1000, "/s") if unit == "bytes_per_second" else (BINARY_PREFIXES, 1024, "")
        )
        exponent = 0
        while peak and exponent < len(prefixes) - 1 and abs(peak) >= base ** (exponent + 1):
            exponent += 1
        return Scale(float(base**exponent), f" {prefixes[exponent]}B{per}", "~r", ".3~r")
    if unit == "celsius":
        return Scale(1.0, " °C", "~r", ".1f")
    if unit == "watts":
        return Scale(1.0, " W", "~r", ".0f")
    if unit == "ops_per_second":
        return Scale(1.0, " /s", "~s", ".3~s")
    return Scale(1.0, "", "~r", ",.0f", dtick=count_tick(peak))  # count, bool


def count_tick(peak: float | None) -> int | None:
    """1 up to 5, 2 up to 10; above that plotly's own ticks are whole numbers already."""
    top = abs(peak) if peak is not None else 0.0
    return 1 if top <= 5 else 2 if top <= 10 else None


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


def to_ms(moments: Sequence[int]) -> list[int]:
    """Epoch milliseconds: plotly.js (4.x) shows them in the browser's own time zone.

    Never shift them by the viewer's UTC offset: plotly already does, and the site page's
    axes once showed local time plus the offset again (16:40 for 08:40 UTC in Shanghai).
    """
    return [m * 1000 for m in moments]


LEGEND_MAX_TRACES = 8
"""More legend entries than this would crowd out the plot: names stay in the hover."""


def time_format(span_s: int) -> str:
    if span_s <= 86_400:
        return "%H:%M"
    return "%m-%d %H:%M" if span_s <= 3 * 86_400 else "%m-%d"


def base_layout(scale: Scale, theme: Theme, x_range: list[int], entries: int = 1) -> dict[str, Any]:
    colors = THEMES[theme]
    axis = {"gridcolor": colors["grid"], "linecolor": colors["line"], "zeroline": False,
            "automargin": True}  # fmt: skip
    yaxis: dict[str, Any] = {**axis, "tickformat": scale.tickformat, "ticksuffix": scale.suffix,
                             "rangemode": "tozero", "fixedrange": False}  # fmt: skip
    if scale.percent:
        yaxis["range"] = [0, 1.05]
        yaxis.pop("rangemode")
    if scale.dtick is not None:
        yaxis["dtick"] = scale.dtick
    return {
        "uirevision": UIREVISION,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT_FAMILY, "size": 12, "color": colors["font"]},
        "colorway": list(COLORWAY),
        "hovermode": "x unified",
        "showlegend": 1 < entries <= LEGEND_MAX_TRACES,
        "legend": BOTTOM_LEGEND,
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
    theme: Theme = "light",
) -> dict[str, Any]:
    """One line per name; `rows[i]` holds its raw values on `grid` (see `on_grid`).

    Per-GPU traces (`gpu_trace_name`) of several nodes get one legend entry per node; traces
    keep their order and count whatever the legend does (`site.js` patches them by index).
    """
    x = to_ms(grid.times())
    hover = f"%{{y:{scale.hoverformat}}}{scale.suffix}"
    legend = plan_legend(names, [split_gpu_name(name) for name in names], COLORWAY)
    data = [
        {"type": "scatter", "mode": "lines", **legend_props(entry), "x": x, "y": scaled(row, scale),
         "line": line_style(entry), "hovertemplate": hover + hover_extra(entry), "connectgaps": False}
        for entry, row in zip(legend, rows, strict=True)
    ]  # fmt: skip
    return {"data": data, "layout": base_layout(scale, theme, [x[0], x[-1]], legend_entries(legend))}


def empty_figure(theme: Theme = "light") -> dict[str, Any]:
    """A blank, axis-less figure for a panel before its first data (keeps the layout light)."""
    hidden = {"visible": False}
    return {
        "data": [],
        "layout": {"uirevision": UIREVISION, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                   "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                   "xaxis": hidden, "yaxis": hidden, "font": {"color": THEMES[theme]["font"]}},
    }  # fmt: skip


# ---------------------------------------------------------------------------- refresh deltas


def grid_list(grid: Grid) -> list[int]:
    return [grid.start, grid.end, grid.step]


def names_signature(names: Sequence[str]) -> str:
    """Which traces a figure has, in order: another set (a node came or went) needs a full figure."""
    return hashlib.blake2b("\n".join(names).encode(), digest_size=4).hexdigest()


def tail_times(grid: Grid, points: int) -> list[int]:
    """The last `points` times of the grid: the ones a later poll may still revise."""
    first = max(grid.start, grid.end - (points - 1) * grid.step)
    return list(range(first, grid.end + 1, grid.step)) if points > 0 else []


def tail_digest(
    rows: Sequence[Sequence[float | None]], grid: Grid, scale: Scale, held: Grid, points: int
) -> str | None:
    """A short hash of grid `held` and of what every trace shows at its last `points` times.

    `rows` lie on `grid`; None if some of those times are not on it. Kept beside the figure in
    the browser, the digest names the figure a delta applies to, and tells a later refresh
    whether the points a poll may have revised still look the same, without keeping the values.
    """
    indexes = []
    for moment in tail_times(held, points):
        offset = moment - grid.start
        if offset < 0 or moment > grid.end or offset % grid.step:
            return None
        indexes.append(offset // grid.step)
    shown = [scaled([row[i] for i in indexes], scale) for row in rows]
    return hashlib.blake2b(repr((grid_list(held), shown)).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Step:
    """What a refresh must do to a figure the browser already holds on grid `old`."""

    action: Literal["full", "none", "delta"]
    drop: int = 0
    """Points to remove at the head of every trace."""
    resend_from: int | None = None
    """Grid times from this one on are (re)sent: the new points, and a revised tail if any."""


def plan_step(old: Grid | None, new: Grid, resend_tail: int = 0) -> Step:
    """Compare the browser's grid with the new one: nothing, a delta, or a full figure.

    `resend_tail` is how many of the browser's last points changed their values (0: none).
    """
    if old is None or old.step != new.step:
        return Step("full")
    if (new.start - old.start) % new.step or new.start < old.start or new.end < old.end:
        return Step("full")
    drop = (new.start - old.start) // new.step
    if drop >= old.size:
        return Step("full")
    resend_from = old.end + new.step
    if resend_tail > 0:
        resend_from = max(new.start, old.end - (resend_tail - 1) * new.step)
    if drop == 0 and resend_from > new.end:
        return Step("none")
    return Step("delta", drop=drop, resend_from=resend_from)


def build_delta(
    rows: Sequence[Sequence[float | None]],
    grid: Grid,
    step: Step,
    scale: Scale,
    *,
    held: str,
    tail: int = 1,
) -> dict[str, Any]:
    """The change from the browser's figure (digest `held`) to the one on `grid`, all traces at once.

    `site.js` applies it only to the figure whose `tail_digest` is `held` (a response overtaken
    by another is ignored; the next tick catches up): it keeps each trace's points from
    `drop` up to time `from`, appends `x` and that trace's `y`, and stores `grid` and the new
    digest `tail`. The x-axis autoranges over the grid (every trace spans all of it, gaps as
    None), so the window slides with the data and no range has to be sent.
    """
    if step.action != "delta" or step.resend_from is None:
        raise ValueError(f"build_delta needs a delta step, got action={step.action!r}")
    first = (step.resend_from - grid.start) // grid.step
    times = list(range(step.resend_from, grid.end + 1, grid.step))
    return {
        "held": held,
        "grid": grid_list(grid),
        "from": step.resend_from,
        "x": to_ms(times),
        "y": [scaled(row[first:], scale) for row in rows],
        "tail": tail_digest(rows, grid, scale, grid, tail),
    }


@dataclass(frozen=True)
class Refresh:
    """One refresh of a panel: a full figure, or a delta, or neither (the browser is right)."""

    figure: dict[str, Any] | None = None
    delta: dict[str, Any] | None = None
    held: dict[str, Any] | None = None
    """With a full figure: what the browser then holds (grid, sig, peak, tail) for its store."""


def plan_refresh(
    names: Sequence[str],
    rows: Sequence[Sequence[float | None]],
    grid: Grid,
    unit: str,
    held: dict[str, Any] | None,
    *,
    theme: Theme = "light",
    tail: int = 1,
) -> Refresh:
    """What to send so the browser shows exactly `timeseries_figure` of this data.

    `held` is the browser's record of its figure (None: it holds nothing usable). A delta is
    sent only if the browser's figure has the same traces and display scale; the last `tail`
    points are compared by digest and resent when a poll revised them.
    """
    sig = names_signature(names)
    peak = peak_of(rows)
    scale = choose_scale(unit, peak)
    usable = usable_held(held, sig, unit, scale)
    if usable is not None:
        old, digest = usable
        revised = tail_digest(rows, grid, scale, old, tail) != digest  # or partly dropped already
        step = plan_step(old, grid, tail if revised else 0)
        if step.action == "none":
            return Refresh()
        if step.action == "delta":
            return Refresh(delta=build_delta(rows, grid, step, scale, held=digest, tail=tail))
    figure = timeseries_figure(names, rows, grid, scale, theme=theme)
    state = {"grid": grid_list(grid), "sig": sig, "peak": peak,
             "tail": tail_digest(rows, grid, scale, grid, tail)}  # fmt: skip
    return Refresh(figure=figure, held=state)


def usable_held(held: dict[str, Any] | None, sig: str, unit: str, scale: Scale) -> tuple[Grid, str] | None:
    """The browser's grid and digest, if its figure has these traces and this display scale."""
    if not held or not held.get("grid") or held.get("sig") != sig:
        return None
    digest = held.get("tail")
    if not isinstance(digest, str) or choose_scale(unit, held.get("peak")) != scale:
        return None
    return Grid(*held["grid"]), digest
