"""Legends grouped by node, colour families, and plotly's locale in a graph's config."""

from __future__ import annotations

import colorsys
import importlib.util
import itertools
import re
from pathlib import Path

import orjson

from i3plat.collector.records import PanelRecord, SeriesRecord
from i3plat.components.embed_panel import panel_figure
from i3plat.components.figure_style import (
    gpu_trace_name,
    graph_config,
    plan_legend,
    shade,
    split_gpu_name,
)
from i3plat.components.figures import COLORWAY, Grid, choose_scale, plan_refresh, timeseries_figure
from i3plat.components.plotly_locales import PLOTLY_JS_VERSION, ZH_CN

NODES = ["gpu-01", "gpu-02", "gpu-03"]
GPU_NAMES = [gpu_trace_name(node, str(gpu)) for node in NODES for gpu in range(8)]


def hls(color: str) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)))


def test_gpu_names_round_trip_and_other_names_are_not_gpus() -> None:
    assert split_gpu_name(gpu_trace_name("fab-sz-gpu-01", "7")) == ("fab-sz-gpu-01", "GPU 7")
    assert split_gpu_name("fab-sz-gpu-01") is None
    assert split_gpu_name("GPU 3") is None  # no node: nothing to group by
    assert split_gpu_name("CPU · utilisation") is None


def test_shades_stay_in_the_family_and_apart() -> None:
    base = COLORWAY[0]
    shades = [shade(base, i, 8) for i in range(8)]
    assert shades[0] == base and len(set(shades)) == 8
    hue = hls(base)[0]
    for color in shades:
        assert re.fullmatch(r"#[0-9a-f]{6}", color)
        h, light, _ = hls(color)
        assert abs(h - hue) < 0.01 and 0.29 <= light <= 0.83
    assert shade(base, 0, 1) == base


def test_gpus_of_several_nodes_get_one_legend_entry_per_node() -> None:
    legend = plan_legend(GPU_NAMES, [split_gpu_name(n) for n in GPU_NAMES], COLORWAY)
    assert [e.label for e in legend if e.shown] == NODES
    assert [e.group for e in legend] == [node for node in NODES for _ in range(8)]
    assert [e.hover_name for e in legend] == GPU_NAMES  # the hover keeps "node · GPU n"
    hues = {node: [hls(e.color or "")[0] for e in legend if e.group == node] for node in NODES}
    assert all(max(family) - min(family) < 0.01 for family in hues.values()), "a node's GPUs share its hue"
    firsts = sorted(family[0] for family in hues.values())
    assert min(b - a for a, b in itertools.pairwise(firsts)) > 0.05, "each node has its own"


def test_one_nodes_gpus_are_listed_by_number_and_other_traces_by_name() -> None:
    names = GPU_NAMES[:8]
    legend = plan_legend(names, [split_gpu_name(n) for n in names], COLORWAY)
    assert [e.label for e in legend] == [f"GPU {i}" for i in range(8)]
    assert all(e.shown and e.group is None and e.color is None for e in legend)
    assert [e.hover_name for e in legend] == names
    plain = plan_legend(NODES, [None] * 3, COLORWAY)
    assert [(e.label, e.group, e.hover_name) for e in plain] == [(n, None, None) for n in NODES]


def test_gpu_figure_keeps_trace_order_and_count_and_groups_the_legend() -> None:
    grid = Grid(0, 30, 15)
    rows: list[list[float | None]] = [[i / 100, None, 0.5] for i in range(24)]
    figure = timeseries_figure(GPU_NAMES, rows, grid, choose_scale("ratio", 1))
    data = figure["data"]
    assert len(data) == 24 and [t["y"][0] for t in data] == [i / 100 for i in range(24)]
    assert figure["layout"]["showlegend"] is True  # 3 entries, not 24
    assert [t["name"] for t in data if t["showlegend"]] == NODES
    assert all(t["legendgroup"] == t["name"] for t in data)
    assert data[9]["hovertemplate"].endswith("<extra>gpu-02 · GPU 1</extra>")
    assert figure["layout"]["legend"]["groupclick"] == "togglegroup"
    colors = [t["line"]["color"] for t in data]
    assert len(set(colors)) == 24 and colors[0] == COLORWAY[0] and colors[8] == COLORWAY[1]
    node_traces = timeseries_figure(NODES, rows[:3], grid, choose_scale("ratio", 1))["data"]
    assert [t["name"] for t in node_traces] == NODES
    assert all("legendgroup" not in t and "<extra>" not in t["hovertemplate"] for t in node_traces)


def test_gpu_panel_refresh_is_a_delta_over_all_traces_in_order() -> None:
    """Grouping changes names and colours only: the site page's delta protocol is untouched."""
    old, new = Grid(0, 45, 15), Grid(15, 60, 15)

    def rows(grid: Grid) -> list[list[float | None]]:
        return [[(t / 15 + i) / 100 for t in grid.times()] for i in range(24)]

    first = plan_refresh(GPU_NAMES, rows(old), old, "ratio", None)
    assert first.figure is not None and first.held is not None
    step = plan_refresh(GPU_NAMES, rows(new), new, "ratio", first.held)
    assert step.delta is not None and len(step.delta["y"]) == 24
    assert [ys[-1] for ys in step.delta["y"]] == [(4 + i) / 100 for i in range(24)]


def test_embedded_gpu_panel_groups_its_legend_by_node() -> None:
    series = [
        SeriesRecord({"node": node, "gpu": str(g)}, [0, 15], [0.1, 0.2]) for node in NODES for g in range(8)
    ]
    figure = panel_figure(PanelRecord("s", "gpu.util.gpu", "1h", 15, series, 1.0), "ratio", "light")
    assert len(figure["data"]) == 24
    assert [t["name"] for t in figure["data"] if t["showlegend"]] == NODES
    assert figure["data"][0]["hovertemplate"] == "%{y}<extra>gpu-01 · GPU 0</extra>"
    assert figure["layout"]["showlegend"] is True
    one = panel_figure(PanelRecord("s", "cpu.util.node", "1h", 15, series[:1], 1.0), "ratio", "light")
    assert one["data"][0]["name"] == "GPU 0"  # the node is in the embed's header
    assert one["layout"]["showlegend"] is False


def test_zh_graphs_carry_plotlys_zh_cn_locale_and_en_graphs_nothing_extra() -> None:
    zh = graph_config("zh_CN", responsive=True, displayModeBar=False)
    assert zh["locale"] == "zh-CN" and zh.get("responsive") is True and zh.get("displayModeBar") is False
    data = zh["locales"]["zh-CN"]
    assert data["format"]["shortDays"][1] == "周一" and data["format"]["months"][10] == "十一月"
    assert data["format"]["dayMonth"] == "%-m月%-d日" and data["format"]["dayMonthYear"] == "%Y年%-m月%-d日"
    assert data["dictionary"]["Reset axes"] == "重置轴"
    assert "dayMonth" not in ZH_CN["format"], "upstream's data stays as published"
    assert orjson.loads(orjson.dumps(zh)) == zh
    assert graph_config("en", responsive=True) == {"responsive": True, "showSendToCloud": False}
    assert graph_config("fr") == {"showSendToCloud": False}
    assert zh.get("showSendToCloud") is False, "no button that posts site data to plotly's cloud"


def test_the_locale_matches_the_plotly_js_dash_serves() -> None:
    """When plotly is upgraded this fails: take zh-cn.js of the new plotly.js (see plotly_locales)."""
    spec = importlib.util.find_spec("plotly")
    assert spec is not None and spec.origin is not None
    bundle = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    with bundle.open(encoding="utf-8") as file:
        head = file.read(200)
    assert f"plotly.js v{PLOTLY_JS_VERSION}" in head
