"""Pure builders for one embeddable panel: its figure (a plain dict), header value, freshness
marker, status line and Patch plan.

No I/O: the embed page reads a `PanelRecord` from the collector and hands it here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dash import html

from i3plat.collector.records import PanelRecord, SeriesRecord
from i3plat.components.figure_style import (
    BOTTOM_LEGEND,
    TraceLegend,
    gpu_trace_name,
    legend_entries,
    legend_props,
    plan_legend,
    split_gpu_name,
)
from i3plat.components.log_view import cause_text
from i3plat.i18n import Translator

Theme = Literal["light", "dark", "transparent"]
THEMES: tuple[Theme, ...] = ("light", "dark", "transparent")

_COLORS = ("#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16")
_TEXT = {"light": "#212529", "dark": "#dee2e6", "transparent": "#6c757d"}
_GRID = {"light": "rgba(0,0,0,.08)", "dark": "rgba(255,255,255,.12)", "transparent": "rgba(128,128,128,.25)"}
_PAPER = {"light": "#ffffff", "dark": "#1b1e23", "transparent": "rgba(0,0,0,0)"}


def parse_theme(text: str | None) -> Theme:
    return next((theme for theme in THEMES if theme == text), "light")


def series_name(series: SeriesRecord) -> str:
    """`node`, or `node/gpu` for per-GPU series; the site for cluster-wide ones."""
    labels = series.labels
    node = labels.get("node") or labels.get("site") or ""
    gpu = labels.get("gpu")
    return f"{node}/{gpu}" if node and gpu is not None else node


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def axis_format(unit: str) -> dict[str, Any]:
    """Plotly axis formatting by catalog unit (values stay raw numbers)."""
    if unit == "ratio":
        return {"tickformat": ".0%", "rangemode": "tozero"}
    if unit in ("bytes_per_second", "bytes"):
        return {"tickformat": "~s", "ticksuffix": "B/s" if unit == "bytes_per_second" else "B"}
    suffix = {"celsius": " °C", "watts": " W", "ops_per_second": "/s"}.get(unit, "")
    return {"ticksuffix": suffix, "rangemode": "tozero"}


def format_value(value: float | None, unit: str, t: Translator) -> str:
    """One value for the header, formatted for the viewer's locale."""
    value = _finite(value)
    if value is None:
        return "—"
    if unit == "ratio":
        return t.percent(value, 1)
    if unit in ("bytes_per_second", "bytes"):
        size, step = value, 0
        while abs(size) >= 1000 and step < 4:
            size, step = size / 1000, step + 1
        return f"{t.number(size, 1)} {' KMGT'[step].strip()}B" + ("/s" if unit == "bytes_per_second" else "")
    suffix = {"celsius": " °C", "watts": " W", "ops_per_second": "/s"}.get(unit, "")
    return t.number(value, 1 if abs(value) < 100 and not value.is_integer() else 0) + suffix


def latest_value(record: PanelRecord | None) -> float | None:
    """The newest finite value when the panel has exactly one series (else None)."""
    if record is None or len(record.series) != 1:
        return None
    values = [v for v in record.series[0].values if _finite(v) is not None]
    return values[-1] if values else None


def legend_of(series: Sequence[SeriesRecord]) -> list[TraceLegend]:
    """Per-GPU series of several nodes: one legend entry and one colour family per node."""
    names = [
        gpu_trace_name(s.labels["node"], s.labels["gpu"]) if s.labels.get("node") and "gpu" in s.labels
        else series_name(s)
        for s in series
    ]  # fmt: skip
    return plan_legend(names, [split_gpu_name(name) for name in names], _COLORS)


def trace(series: SeriesRecord, index: int, entry: TraceLegend | None = None) -> dict[str, Any]:
    entry = entry or TraceLegend(series_name(series))
    full = entry.hover_name or "%{fullData.name}"
    return {
        "type": "scatter",
        "mode": "lines",
        **legend_props(entry),
        "x": [ts * 1000 for ts in series.timestamps],  # ms since epoch: plotly's date axis
        "y": [_finite(v) for v in series.values],
        "line": {
            "width": 1.6 if entry.color is None else 1.3,
            "color": entry.color or _COLORS[index % len(_COLORS)],
        },
        "hovertemplate": f"%{{y}}<extra>{full}</extra>",
    }


def panel_figure(record: PanelRecord | None, unit: str, theme: Theme) -> dict[str, Any]:
    """The whole figure: autosized to its container, transparent-friendly, no mode bar."""
    series = record.series if record is not None else []
    legend = legend_of(series)
    return {
        "data": [trace(s, i, entry) for i, (s, entry) in enumerate(zip(series, legend, strict=True))],
        "layout": {
            "autosize": True,
            "margin": {"l": 48, "r": 12, "t": 8, "b": 28},
            "paper_bgcolor": _PAPER[theme],
            "plot_bgcolor": _PAPER[theme],
            "font": {"color": _TEXT[theme], "size": 12},
            "showlegend": legend_entries(legend) > 1,
            "legend": BOTTOM_LEGEND,
            "xaxis": {"type": "date", "gridcolor": _GRID[theme], "showline": False, "automargin": True},
            "yaxis": {"gridcolor": _GRID[theme], "zeroline": False, **axis_format(unit)},
            "hovermode": "x unified",
            "uirevision": "embed",
        },
    }


@dataclass(frozen=True)
class PatchPlan:
    """For each trace: the new points to append and how many old ones to drop from the front."""

    appends: list[tuple[list[float], list[float | None]]]
    drops: list[int]


def plan_patch(record: PanelRecord, shown: Sequence[dict[str, Any]]) -> PatchPlan | None:
    """How to bring the shown traces up to `record` with appends, or None if a redraw is needed.

    `shown` is what the browser has, per trace: {"name", "last" (ms), "n"}.
    """
    if [series_name(s) for s in record.series] != [s.get("name") for s in shown]:
        return None
    appends: list[tuple[list[float], list[float | None]]] = []
    drops: list[int] = []
    for series, state in zip(record.series, shown, strict=True):
        last = state.get("last")
        xs = [ts * 1000 for ts in series.timestamps]
        fresh = [i for i, x in enumerate(xs) if last is None or x > last]
        appends.append(([xs[i] for i in fresh], [_finite(series.values[i]) for i in fresh]))
        drops.append(max(0, int(state.get("n", 0)) + len(fresh) - len(xs)))
    return PatchPlan(appends, drops)


def shown_state(record: PanelRecord | None) -> list[dict[str, Any]]:
    """What the browser will hold after rendering `record` (the input of the next plan)."""
    if record is None:
        return []
    return [
        {
            "name": series_name(s),
            "last": s.timestamps[-1] * 1000 if s.timestamps else None,
            "n": len(s.timestamps),
        }
        for s in record.series
    ]


@dataclass(frozen=True)
class Freshness:
    """Whether the panel's data is current, by the rule the overview tiles use
    (`collector.freshness.panel_is_stale`), and since when its site cannot be reached."""

    stale: bool
    unreachable_since: float | None = None


def root_class(theme: Theme, freshness: Freshness | None) -> str:
    """The panel root's classes; `is-stale` dims the value and the plot (assets/embed.css)."""
    stale = " is-stale" if freshness is not None and freshness.stale else ""
    return f"embed-root theme-{theme}{stale}"


def stale_marker(freshness: Freshness | None, t: Translator) -> list[Any]:
    """A badge a portal viewer sees at a glance, and since when the site is unreachable; nothing
    while the data is current."""
    if freshness is None or not freshness.stale:
        return []
    marker: list[Any] = [html.Span(t("Stale data"), className="embed-stale-badge", id="embed-stale-badge")]
    if freshness.unreachable_since is not None:
        since = t("Unreachable since {time}", time=t.moment(freshness.unreachable_since, "short"))
        marker.append(html.Span(since, className="embed-stale-since"))
    return marker


def status_text(record: PanelRecord | None, freshness: Freshness | None, now: float, t: Translator) -> str:
    """The footer: why the last update failed, when the data was read (viewer's zone), its age."""
    if record is None:
        return t("Waiting for the first poll…")
    parts = []
    if record.failure is not None:
        parts.append(t("Last update failed: {cause}", cause=cause_text(record.failure, t)))
    if record.fetched_at is not None:
        updated = t("Updated {time}", time=t.moment(record.fetched_at, "short"))
        stale = freshness is not None and freshness.stale
        age = t("data {age} old", age=t.timedelta(now - record.fetched_at)) if stale else ""
        parts.append(" ".join(p for p in (updated, age) if p))
    elif not record.series:
        parts.append(t("No data"))
    return " · ".join(parts)
