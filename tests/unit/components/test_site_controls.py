"""The site page's URL state: parsing whatever a URL says, writing it back, switching sites."""

from __future__ import annotations

from urllib.parse import parse_qs

from i3plat.components.site_controls import (
    SiteView,
    for_site,
    format_local_time,
    node_options,
    parse_local_time,
    parse_refresh,
    parse_view,
    refresh_options,
    site_controls,
    site_links,
    view_search,
)
from i3plat.i18n import Translator


def test_defaults_and_round_trip() -> None:
    view = parse_view("fab-a", {}, default_refresh=15)
    assert view == SiteView("fab-a", None, "1h", None, None, 15, False)
    deep = parse_view("fab-a", {"node": "n1", "range": "6h", "refresh": "30s", "kiosk": "1"})
    assert deep == SiteView("fab-a", "n1", "6h", None, None, 30, True)
    assert parse_view("fab-a", parse_qs(view_search(deep)[1:])) == deep
    assert SiteView.from_store({**deep.to_store(), "theme": "dark"}) == deep


def test_bad_values_fall_back_and_refresh_has_a_floor() -> None:
    view = parse_view("fab-a", {"range": "3y", "refresh": "1s", "node": "*"})
    assert (view.range, view.refresh, view.node) == ("1h", 5, None)
    assert parse_refresh("off", 15) == 0 and parse_refresh("0", 15) == 0
    assert parse_refresh("1m", 15) == 60 and parse_refresh("2", 15) == 5
    assert parse_refresh("soon", 15) == 15 and parse_refresh(None, 15) == 15
    assert parse_view("fab-a", {}, default_refresh=1).refresh == 5


def test_custom_absolute_range() -> None:
    view = parse_view("fab-a", {"range": "custom", "start": "1700000000", "end": "1700003600"})
    assert (view.range, view.start, view.end) == ("custom", 1_700_000_000, 1_700_003_600)
    assert view.window(0) == (1_700_000_000.0, 1_700_003_600.0)
    iso = parse_view("fab-a", {"start": "2023-11-14T22:13:20Z", "end": "2023-11-14T23:13:20+00:00"})
    assert (iso.range, iso.start) == ("custom", 1_700_000_000)
    backwards = parse_view("fab-a", {"range": "custom", "start": "1700003600", "end": "1700000000"})
    assert (backwards.range, backwards.start) == ("1h", None)
    assert parse_qs(view_search(view)[1:])["start"] == ["1700000000"]


def test_local_time_inputs_use_the_viewers_zone() -> None:
    shanghai = 8 * 3600
    assert parse_local_time("2023-11-15 06:13", shanghai) == 1_699_999_980
    assert format_local_time(1_699_999_980, shanghai) == "2023-11-15 06:13"
    assert parse_local_time("2023-02-30 06:13", shanghai) is None
    assert parse_local_time("tomorrow", 0) is None


def test_switching_site_keeps_node_only_where_it_exists() -> None:
    view = SiteView("fab-a", "gpu-01", "6h", None, None, 30)
    assert for_site(view, "fab-b", ["gpu-01", "cpu-01"]) == SiteView("fab-b", "gpu-01", "6h", None, None, 30)
    assert for_site(view, "fab-c", ["cpu-01"]).node is None


def test_controls_render_with_the_view_selected() -> None:
    t = Translator("en")
    view = SiteView("fab-a", "n2", "custom", 1, 2, 10)
    controls = site_controls(view, [("fab-a", "fab-a")], ["n1"], t)
    assert controls.id == "site-controls"  # type: ignore[attr-defined]
    assert [o["value"] for o in node_options(["n1"], "n2", t)] == ["*", "n1", "n2"]
    assert 10 in [o["value"] for o in refresh_options(10, t)]
    assert refresh_options(0, t)[0]["label"] == "Off"


def test_site_links_lead_to_the_doctor_and_the_logs() -> None:
    nav = site_links("fab-a", Translator("zh_CN"), lambda path: "/portal" + path)
    links = {link.id: (link.children, link.href) for link in nav.children}
    assert links["site-doctor-link"] == ("诊断", "/portal/sites/fab-a/doctor")
    assert links["site-logs-link"] == ("日志", "/portal/sites/fab-a/logs")
    english = site_links("fab-a", Translator("en"))
    assert [(link.children, link.href) for link in english.children][1] == ("Logs", "/sites/fab-a/logs")


def test_nodes_not_ready_say_so_in_the_node_list() -> None:
    en, zh = Translator("en"), Translator("zh_CN")
    labels = {o["value"]: o["label"] for o in node_options(["n1", "n2"], None, en, {"n2"})}
    assert labels == {"*": "All nodes", "n1": "n1", "n2": "n2 (Not ready)"}
    assert node_options(["n2"], None, zh, {"n2"})[1] == {"label": "n2 (未就绪)", "value": "n2"}
