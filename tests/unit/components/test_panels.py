"""Panel cards and their status lines: causes named in plain words, last data with its age."""

from __future__ import annotations

from i3plat.components.panels import PANELS, PanelState, panel_card, panel_status, status_text
from i3plat.i18n import Translator
from i3plat.pages.site._routing import owner_of, template_regex

NOW = 10_000.0


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
    assert panel_status(PanelState(None, NOW, False, True), en, NOW) is None
    zh = status_text(down, Translator("zh_CN"), NOW)
    assert "站点无法连接" in zh


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
