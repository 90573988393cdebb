"""Panel cards and their status lines: causes named in plain words, last data with its age."""

from __future__ import annotations

from typing import Any

from i3plat.components.panels import (
    PANELS,
    PanelState,
    SiteOutage,
    late_start,
    panel_card,
    panel_status,
    site_notice,
    status_text,
)
from i3plat.i18n import Translator
from i3plat.pages.site._routing import owner_of, template_regex

NOW = 10_000.0


def text_of(node: Any) -> str:
    return " ".join(item for item in strings_in(node))


def strings_in(node: Any) -> list[str]:
    if node is None:
        return []
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        return [text for child in node for text in strings_in(child)]
    return strings_in(getattr(node, "children", None))


def test_every_panel_of_the_issue_is_there() -> None:
    metrics = {p.metric for p in PANELS}
    assert {"cpu.util.node", "mem.util.node", "fs.root.used.ratio", "disk.read.node", "disk.write.node",
            "net.rx.node", "net.tx.node", "gpu.util.gpu", "gpu.mem.ratio.gpu", "gpu.temp.gpu",
            "gpu.power.gpu", "k8s.nodes.ready", "k8s.pods.node"} == metrics  # fmt: skip
    card = panel_card(PANELS[0], "CPU", "ratio")
    assert card.id == "panel-cpu"


def test_causes_are_named_and_last_data_keeps_its_age() -> None:
    en = Translator("en")
    down = PanelState("unreachable", NOW - 300, True, True, "dial tcp: refused")
    assert status_text(down, en, NOW) == "Site unreachable — showing data from 5 minutes ago"
    for cause, words in [("forbidden", "forbidden"), ("no_endpoints", "no endpoints"),
                         ("query_error", "Query error"), ("timeout", "Timed out")]:  # fmt: skip
        assert words in status_text(PanelState(cause, None, True, False), en, NOW)
    assert status_text(PanelState(None, NOW - 1, False, True), en, NOW) == ""
    assert status_text(PanelState(None, NOW - 120, True, True), en, NOW) == "Data is 2 minutes old"
    assert status_text(PanelState(None, NOW, False, False), en, NOW) == "No data in this range"
    alert = panel_status(down, en, NOW)
    assert alert.title == "dial tcp: refused"
    assert alert.to_plotly_json()["props"]["data-cause"] == "unreachable"
    assert alert.to_plotly_json()["props"]["data-scope"] == "panel"
    assert "panel-alert-error" in alert.className
    assert panel_status(PanelState(None, NOW, False, True), en, NOW) is None
    zh = status_text(down, Translator("zh_CN"), NOW)
    assert "站点无法连接" in zh


def test_a_site_wide_failure_leaves_the_panel_a_chip_not_the_sentence() -> None:
    en = Translator("en")
    down = PanelState("unreachable", NOW - 300, True, True, "dial tcp: refused", site_wide=True)
    assert status_text(down, en, NOW) == "Not updating"  # no cause, no age: the page notice has them
    chip = panel_status(down, en, NOW).to_plotly_json()["props"]
    assert chip["className"] == "panel-alert panel-alert-site"
    assert chip["data-cause"] == "unreachable" and chip["data-scope"] == "site"
    assert chip["title"] == "Site unreachable: dial tcp: refused"
    empty = PanelState("unreachable", None, True, False, site_wide=True)
    assert status_text(empty, en, NOW) == "No data to show"
    assert status_text(down, Translator("zh_CN"), NOW) == "数据未更新"
    # the same cause, the panel's own: the panel says it in full
    own = PanelState("forbidden", NOW - 300, True, True, "pods is forbidden")
    assert status_text(own, en, NOW) == "Access forbidden — showing data from 5 minutes ago"


def test_site_notice_says_what_since_when_and_how_old_in_the_viewers_zone() -> None:
    outage = SiteOutage("unreachable", since=NOW - 600, data_at=NOW - 120, detail="dial tcp: connect refused")
    shanghai = Translator("en", "Asia/Shanghai")  # NOW = 1970-01-01 02:46:40 UTC
    text = text_of(site_notice(outage, shanghai, NOW))
    assert "Site unreachable since 1/1/70, 10:36\u202fAM (10 minutes ago)" in text
    assert "The panels show the last data received, at 1/1/70, 10:44\u202fAM (2 minutes ago)." in text
    assert "dial tcp: connect refused" in text
    assert "10:36" not in text_of(site_notice(outage, Translator("en", "UTC"), NOW))
    zh = text_of(site_notice(outage, Translator("zh_CN", "Asia/Shanghai"), NOW))
    assert "站点无法连接，自 1970/1/1 10:36 起（10分钟前）" in zh, zh
    never = SiteOutage("forbidden", since=None, data_at=None)
    assert "Access forbidden" in text_of(site_notice(never, Translator("en"), NOW))
    assert "No data has been received" in text_of(site_notice(never, Translator("en"), NOW))
    assert site_notice(None, Translator("en"), NOW) is None


def test_data_that_starts_late_in_the_range_says_from_when() -> None:
    en = Translator("en", "UTC")
    week = 7 * 86_400.0
    start, end, step = NOW - week, NOW, 1200.0
    late = PanelState(None, NOW, False, True, first_at=NOW - 86_400, start=start, end=end, step=step)
    assert late_start(late) == NOW - 86_400
    assert status_text(late, en, NOW) == "Data only from 12/31/69, 2:46\u202fAM"
    info = panel_status(late, en, NOW).to_plotly_json()["props"]
    assert info["className"] == "panel-alert panel-alert-info" and info["data-cause"] == "late_start"
    # a point or two late is the grid, not missing history; 5 % of the range is the least gap
    for first in (start + step, start + 2 * step, start + 0.05 * week):
        assert (
            late_start(PanelState(None, NOW, False, True, first_at=first, start=start, end=end, step=step))
            is None
        )
    hour = PanelState(None, NOW, False, True, first_at=NOW - 3000, start=NOW - 3600, end=NOW, step=15)
    assert late_start(hour) == NOW - 3000  # 10 min of 60 missing: > 5 % and > 2 steps
    assert late_start(PanelState(None, NOW, False, True, first_at=NOW - 3000)) is None  # range unknown
    # an error or old data says that first
    failing = PanelState(
        "query_error", NOW - 60, True, True, first_at=NOW - 86_400, start=start, end=end, step=step
    )
    assert status_text(failing, en, NOW).startswith("Query error")


def test_site_template_does_not_swallow_fixed_or_longer_paths() -> None:
    pages: list[dict[str, str | None]] = [
        {"module": "site", "path": "/sites/<site>", "path_template": "/sites/<site>"},
        {"module": "register", "path": "/sites/register", "path_template": None},
        {"module": "logs", "path": "/sites/<site>/logs", "path_template": "/sites/<site>/logs"},
    ]
    assert owner_of("sites/fab-a", pages, "site") is None
    register = owner_of("sites/register", pages, "site")
    assert register is not None and register[0]["module"] == "register"
    logs = owner_of("/sites/fab-a/logs", pages, "site")
    assert logs is not None and logs[0]["module"] == "logs" and logs[1] == {"site": "fab-a"}
    assert template_regex("/sites/<site>/logs").match("sites/a/b/logs") is None
