"""Tiles, totals, sparkline Patches and the chrome-less rule: pure, no app needed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import Patch

from i3plat.collector.freshness import nodes_not_ready, nodes_reported_not_ready, problem_rank
from i3plat.collector.records import Failure, PanelRecord, SeriesRecord, SiteRecord
from i3plat.components.shell import chromeless_url, is_chromeless
from i3plat.components.sparkline import MAX_POINTS, TrendCursor, trend_patch, trends_figure
from i3plat.components.tiles import (
    NOW_TILE_METRICS,
    fleet_totals,
    format_rate,
    grid_shape,
    site_tile,
    site_view,
    tile_class,
    tile_texts,
    totals_note,
    value_class,
)
from i3plat.i18n import Translator
from tests.support.dash_tree import walk

NOW = 1_800_000_000.0
EN = Translator("en")
ZH = Translator("zh_CN")


def record(name: str, *, unreachable: bool = False, nodes: int = 4, gpus: float = 8.0) -> SiteRecord:
    failure = Failure(
        "unreachable", "connect", "dial tcp 10.0.0.1:6443: connect refused", None, 500, NOW - 60
    )
    return SiteRecord(
        site=name, ready_state="True", reason="ClusterReady", sync_mode="Pull", kubernetes_version="v1.31.4",
        nodes_total=nodes, nodes_ready=nodes, gpus_allocatable=gpus, gpus_allocated=gpus / 2,
        last_success_at=NOW - (120 if unreachable else 5),
        unreachable_since=NOW - 120 if unreachable else None,
        failure=failure if unreachable else None,
    )  # fmt: skip


def panels(site: str, values: dict[str, float], fetched_at: float) -> dict[str, PanelRecord | None]:
    out: dict[str, PanelRecord | None] = {}
    for metric in NOW_TILE_METRICS:
        if metric in values:
            series = [SeriesRecord({}, [fetched_at], [values[metric]])]
            out[metric] = PanelRecord(site, metric, "now", None, series, fetched_at)
        else:
            out[metric] = None
    return out


VALUES = {"cpu.util.cluster": 0.5, "mem.util.cluster": 0.8, "fs.used.ratio.cluster": 0.3,
          "gpu.util.cluster": 0.95, "net.rx.cluster": 5_210_000.0, "net.tx.cluster": 812_000.0,
          "gpu.count.cluster": 8.0}  # fmt: skip


def test_a_ready_site_reads_naturally_in_both_languages() -> None:
    view = site_view("fab-a", record("fab-a"), panels("fab-a", VALUES, NOW - 5), now=NOW, poll_interval=15)
    en, zh = tile_texts(view, EN), tile_texts(view, ZH)
    assert (en["state"], zh["state"]) == ("Ready", "就绪")
    assert en["cpu"] == "50%" and en["gpu"] == "95%" and en["nodes"] == "4 / 4" and en["gpus"] == "4 / 8"
    assert en["rx"] == "5.21 MB/s" and en["tx"] == "812 kB/s" and en["reason"] == ""
    assert view.fresh and "is-stale" not in tile_class(view)
    assert "level-high" in value_class(view, "gpu") and "level-warn" in value_class(view, "mem")


def test_an_unreachable_site_keeps_its_last_values_marked_stale() -> None:
    view = site_view(
        "fab-b",
        record("fab-b", unreachable=True),
        panels("fab-b", VALUES, NOW - 120),
        now=NOW,
        poll_interval=15,
    )
    texts = tile_texts(view, ZH)
    assert texts["state"] == "无法连接" and texts["cpu"] == "50%"
    assert texts["reason"].startswith("自 ") and texts["reason"].endswith(" · Karmada 无法连接该站点")
    assert tile_texts(view, EN)["reason"].endswith(" · Karmada cannot reach the site")
    assert "connect refused" not in texts["reason"]  # the upstream text is for the site list
    assert "is-stale" in value_class(view, "cpu") and "state-unreachable" in tile_class(view)
    assert "is-stale" in value_class(view, "nodes") and "is-stale" in value_class(view, "gpus")
    assert view.data_at == NOW - 120


def test_a_ready_site_with_a_node_down_warns_and_sorts_with_the_problems() -> None:
    degraded = replace(record("fab-c"), nodes_ready=3)
    view = site_view("fab-c", degraded, panels("fab-c", VALUES, NOW - 5), now=NOW, poll_interval=15)
    assert view.nodes_down == 1 and view.state == "ready"
    assert tile_texts(view, EN)["reason"] == "Nodes not ready: 1"
    assert tile_texts(view, ZH)["reason"] == "未就绪节点：1"
    assert "level-warn" in value_class(view, "nodes") and "has-nodes-down" in tile_class(view)
    assert problem_rank(degraded) < problem_rank(record("fab-a"))
    all_down = site_view("fab-c", replace(degraded, nodes_ready=0), {}, now=NOW, poll_interval=15)
    assert "level-high" in value_class(all_down, "nodes")
    healthy = site_view("fab-a", record("fab-a"), {}, now=NOW, poll_interval=15)
    assert healthy.nodes_down == 0 and "level" not in value_class(healthy, "nodes")


def test_an_unreachable_site_does_not_claim_nodes_down_from_old_counts() -> None:
    gone = replace(record("fab-b", unreachable=True), nodes_ready=2)
    view = site_view("fab-b", gone, {}, now=NOW, poll_interval=15)
    assert view.nodes_down == 0 and "has-nodes-down" not in tile_class(view)
    assert "Nodes not ready" not in tile_texts(view, EN)["reason"]


def test_node_counts_and_node_readiness() -> None:
    assert nodes_not_ready(3, 4) == 1 and nodes_not_ready(4, 4) == 0
    assert nodes_not_ready(None, 4) == 0 and nodes_not_ready(5, 4) == 0  # a racy count is no alarm
    ready = PanelRecord("s", "k8s.node.ready", "now", None, [
        SeriesRecord({"node": "n1"}, [NOW - 30, NOW], [1.0, 1.0]),
        SeriesRecord({"node": "n2"}, [NOW - 30, NOW], [1.0, 0.0]),
        SeriesRecord({"node": "n3"}, [NOW - 30, NOW], [0.0, 1.0]),
        SeriesRecord({"node": "n4"}, [], []),
    ], NOW)  # fmt: skip
    assert nodes_reported_not_ready(ready) == {"n2"} and nodes_reported_not_ready(None) == frozenset()


def test_a_site_never_polled_shows_dashes() -> None:
    view = site_view("new", None, panels("new", {}, NOW), now=NOW, poll_interval=15)
    texts = tile_texts(view, EN)
    assert texts["state"] == "Unknown" and texts["cpu"] == "–" and texts["nodes"] == "– / –"
    assert view.data_at is None and not view.fresh


def test_totals_weight_gpu_by_gpus_and_leave_out_stale_sites() -> None:
    a_values = {**VALUES, "gpu.count.cluster": 2.0, "gpu.util.cluster": 1.0}
    b_values = {**VALUES, "gpu.count.cluster": 6.0, "gpu.util.cluster": 0.0, "cpu.util.cluster": 0.1}
    a = site_view("a", record("a", nodes=2), panels("a", a_values, NOW), now=NOW, poll_interval=15)
    b = site_view("b", record("b", nodes=6), panels("b", b_values, NOW), now=NOW, poll_interval=15)
    c = site_view(
        "c", record("c", unreachable=True), panels("c", VALUES, NOW - 300), now=NOW, poll_interval=15
    )
    totals = fleet_totals([a, b, c], {"a": record("a"), "b": record("b"), "c": record("c", unreachable=True)})
    assert totals.util["gpu"] == 0.25  # 2 GPUs at 100 %, 6 at 0 %
    assert abs((totals.util["cpu"] or 0) - (0.5 * 2 + 0.1 * 6) / 8) < 1e-9
    assert totals.without_data == 1 and totals.sites_ready == 2 and totals.sites_total == 3
    assert totals.rx == 2 * VALUES["net.rx.cluster"]  # only current sites
    assert (totals.nodes_ready, totals.nodes_total) == (8, 8)  # c's last counts are left out too
    assert (totals.gpus_allocated, totals.gpus_allocatable) == (8, 16)
    assert totals.left_out == ("c",)
    assert totals_note(totals, EN) == "No current data, so left out of the totals (except Sites ready): c"
    assert totals_note(totals, ZH) == "没有最新数据，未计入合计（“就绪站点”除外）：c"


def test_totals_note_names_sites_without_plurals() -> None:
    views = [site_view(f"s{i}", None, {}, now=NOW, poll_interval=15) for i in range(6)]
    totals = fleet_totals(views, {})
    assert totals.nodes_total == 0 and totals.sites_ready == 0
    assert totals_note(totals, EN).endswith(": s0, s1, s2, s3, 2 more")
    assert totals_note(totals, ZH).endswith("：s0、s1、s2、s3、另外 2 个")
    fresh = site_view("a", record("a"), panels("a", VALUES, NOW), now=NOW, poll_interval=15)
    assert totals_note(fleet_totals([fresh], {"a": record("a")}), EN) == ""


def test_grid_fits_sixteen_sites_in_four_by_four() -> None:
    assert grid_shape(16) == (4, 4)
    for count in range(1, 17):
        cols, rows = grid_shape(count)
        assert cols * rows >= count and (cols - 1) * rows < count and rows <= 4


def test_tile_skeleton_has_every_addressable_part() -> None:
    tile: Any = site_tile("fab-a", "/sites/fab-a", EN).to_plotly_json()
    text = str(tile)
    for field in ("state", "reason", "nodes", "gpus", "cpu", "mem", "disk", "gpu", "rx", "tx"):
        assert f"'f': '{field}'" in text
    assert tile["props"]["href"] == "/sites/fab-a"


def test_tile_footer_puts_each_label_above_its_value() -> None:
    foot = next(n for n in walk(site_tile("fab-a", "/sites/fab-a", ZH)) if n.className == "tile-foot")
    assert [kv.children[0].children for kv in foot.children] == [
        "节点",
        "已分配 GPU",
        "↓ 网络流入",
        "↑ 网络流出",
    ]
    assert [kv.children[1].id["f"] for kv in foot.children] == ["nodes", "gpus", "rx", "tx"]


def test_trend_patch_extends_and_trims_to_a_bounded_length() -> None:
    ts = [float(i) for i in range(MAX_POINTS)]
    figure = trends_figure([("cpu", ts, [0.5] * MAX_POINTS), ("disk", [], [])])
    assert len(figure["data"][0]["x"]) == MAX_POINTS and figure["data"][1]["x"] == []
    assert figure["data"][1]["xaxis"] == "x2" and figure["layout"]["xaxis2"]["domain"][1] == 1.0
    cursor = TrendCursor(ts[-1], MAX_POINTS)
    newer = [*ts[3:], 240.0, 241.0, 242.0]
    patch = Patch()
    after = trend_patch(patch, 0, cursor, newer, [0.123456] * MAX_POINTS)
    assert after == TrendCursor(242.0, MAX_POINTS)
    ops = patch.to_plotly_json()["operations"]
    assert [op["operation"] for op in ops].count("Delete") == 6  # 3 from x, 3 from y
    assert ops[1]["params"]["value"] == [0.1235] * 3  # 4 significant digits
    untouched = Patch()
    assert trend_patch(untouched, 0, after, newer, [0.1] * MAX_POINTS) == after
    assert untouched.to_plotly_json()["operations"] == []
    assert TrendCursor.from_list(after.as_list()) == after and TrendCursor.from_list("junk") is None


def test_nan_becomes_a_gap() -> None:
    figure = trends_figure([("cpu", [1.0, 2.0], [float("nan"), None])])
    assert figure["data"][0]["y"] == [None, None]


def test_format_rate_units() -> None:
    assert format_rate(None, EN) == "–" and format_rate(999, EN) == "999 B/s"
    assert format_rate(12_345_678_901, EN) == "12.3 GB/s"


def test_kiosk_and_embed_are_chromeless() -> None:
    assert is_chromeless("/embed/cpu.util.cluster") and is_chromeless("embed/x")
    assert is_chromeless("/", "kiosk=1&rotate=30") and not is_chromeless("/", "kiosk=0")
    assert not is_chromeless("/sites/a", "node=x")
    assert chromeless_url("http://h:1/portal/embed/x?site=a", "/portal/")
    assert chromeless_url("http://h:1/sites/a?kiosk=true", "/")
    assert not chromeless_url(None) and not chromeless_url("http://h:1/?lang=en")
