"""How a figure's traces show beside their data: legend entries, colours, plotly's locale.

A site's GPU panels draw one line per GPU — 3 nodes × 8 GPUs is 24 lines — so per-GPU traces
are grouped by node: one legend entry per node that shows or hides all of its GPUs, and one
colour family per node. Only names, colours and legend properties change: trace order and
count stay as the data has them, as the site page's deltas (`assets/site.js`) need. Pure.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from i3plat.components.plotly_locales import PLOTLY_LOCALES

if TYPE_CHECKING:
    from dash import dcc

BOTTOM_LEGEND: dict[str, Any] = {
    "orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
    "font": {"size": 11}, "traceorder": "normal", "groupclick": "togglegroup",
}  # fmt: skip
"""Below the plot at the frame's bottom whatever its height; a click on a node's entry toggles
its whole group of GPUs."""

GPU_NAME = re.compile(r"^(?P<node>.+) · (?P<gpu>GPU \S+)$")
SHADE_SPREAD = 0.14
"""How far (HLS lightness) a node's lightest and darkest GPU lines stray from its colour."""


def gpu_trace_name(node: str, gpu: str) -> str:
    """The name of a per-GPU trace; `split_gpu_name` reads the node back from it."""
    return f"{node} · GPU {gpu}"


def split_gpu_name(name: str) -> tuple[str, str] | None:
    """(node, "GPU n") of a per-GPU trace name, None for any other trace."""
    match = GPU_NAME.match(name)
    return (match["node"], match["gpu"]) if match else None


@dataclass(frozen=True)
class TraceLegend:
    """How one trace shows in the legend, its colour, and the full name its hover keeps."""

    label: str
    group: str | None = None
    shown: bool = True
    """Has its own legend entry (in a group, only the first trace has one)."""
    color: str | None = None
    """None: the layout's colorway."""
    hover_name: str | None = None
    """The full name, in the hover, when the label is shorter."""


def shade(color: str, index: int, size: int) -> str:
    """The `index`-th of `size` shades of `#rrggbb`: the colour itself first, then in turn
    lighter and darker, so neighbouring GPUs of one node stay apart and still read as a family."""
    if index == 0 or size < 2:
        return color
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, light, sat = colorsys.rgb_to_hls(red, green, blue)
    rank, direction = (index + 1) // 2, 1 if index % 2 else -1
    light = min(0.82, max(0.3, light + direction * rank * SHADE_SPREAD / (size // 2)))
    return "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hls_to_rgb(hue, light, sat))


def plan_legend(
    names: Sequence[str], members: Sequence[tuple[str, str] | None], palette: Sequence[str]
) -> list[TraceLegend]:
    """Legend entries for traces that may be per-GPU (`members[i]`: its (node, "GPU n")).

    Several nodes' GPUs: one legend entry per node, which shows or hides all its GPUs (plotly's
    `legendgroup`), and a colour family per node. One node's GPUs: an entry per GPU, by its
    number only (the node is in the view). Anything else: one entry per trace, as named.
    """
    nodes = list(dict.fromkeys(member[0] for member in members if member is not None))
    if len(nodes) == 1:
        return [TraceLegend(m[1], hover_name=name) if m else TraceLegend(name)
                for name, m in zip(names, members, strict=True)]  # fmt: skip
    if not nodes:
        return [TraceLegend(name) for name in names]
    sizes = {node: sum(1 for m in members if m is not None and m[0] == node) for node in nodes}
    seen: dict[str, int] = {}
    out = []
    for name, member in zip(names, members, strict=True):
        if member is None:
            out.append(TraceLegend(name))
            continue
        node = member[0]
        index = seen[node] = seen.get(node, -1) + 1
        family = palette[nodes.index(node) % len(palette)]
        out.append(TraceLegend(node, node, index == 0, shade(family, index, sizes[node]), name))
    return out


def legend_entries(legend: Sequence[TraceLegend]) -> int:
    return sum(1 for entry in legend if entry.shown)


def legend_props(entry: TraceLegend) -> dict[str, Any]:
    """The trace properties of its legend entry (`name` and, in a group, the group's)."""
    props: dict[str, Any] = {"name": entry.label}
    if entry.group is not None:
        props.update(legendgroup=entry.group, showlegend=entry.shown)
    return props


def hover_extra(entry: TraceLegend) -> str:
    """The hovertemplate's tail naming the trace in full, where its label is shorter."""
    return f"<extra>{entry.hover_name}</extra>" if entry.hover_name else ""


def line_style(entry: TraceLegend) -> dict[str, Any]:
    """Thinner lines in a node's family of GPUs: two dozen of them share a small panel."""
    if entry.color is None:
        return {"width": 1.5}
    return {"width": 1.3, "color": entry.color}


def graph_config(locale: str, **extra: Any) -> dcc.Graph.Config:
    """A dcc.Graph `config`: `extra` plus plotly's own locale for the UI language.

    zh_CN gets plotly's zh-CN data inline (`locales`), so date ticks, hover headers, the modebar
    and the zoom hint read in Chinese; en (plotly's default) adds no locale. Every graph loses
    plotly.js 4's "Share chart..." button, which would post the chart's data to
    cloud.plotly.com (`showSendToCloud` defaults to true there): site metrics stay on-site.
    """
    config = {"showSendToCloud": False, **extra}
    known = PLOTLY_LOCALES.get(locale)
    if known is not None:
        name, data = known
        config.update(locale=name, locales={name: data})
    return cast("dcc.Graph.Config", config)
