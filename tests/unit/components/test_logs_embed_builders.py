"""Pure builders of the logs page and embeddable panels."""

from __future__ import annotations

from i3plat.collector.logs import LogLine, PodList, PodLog, PodSummary
from i3plat.collector.records import Failure, PanelRecord, SeriesRecord
from i3plat.components.embed_panel import (
    Freshness,
    format_value,
    latest_value,
    panel_figure,
    parse_theme,
    plan_patch,
    root_class,
    shown_state,
    stale_marker,
    status_text,
)
from i3plat.components.log_view import (
    cause_text,
    container_options,
    fetched_text,
    log_failure_alert,
    log_notes,
    logs_search,
    options,
    render_lines,
)
from i3plat.i18n import Translator

EN = Translator("en")
ZH = Translator("zh_CN")


def panel(points: list[tuple[float, float | None]], node: str = "n1") -> PanelRecord:
    series = SeriesRecord({"node": node}, [p[0] for p in points], [p[1] for p in points])  # type: ignore[misc]
    return PanelRecord("s", "cpu.util.node", "1h", 15, [series], 100.0)


def test_patch_plan_appends_new_points_and_drops_as_many_old_ones() -> None:
    first = panel([(0, 0.1), (15, 0.2), (30, 0.3)])
    later = panel([(15, 0.2), (30, 0.3), (45, None)])
    plan = plan_patch(later, shown_state(first))
    assert plan is not None
    assert plan.appends == [([45_000], [None])] and plan.drops == [1]
    assert plan_patch(panel([(0, 1.0)], node="other"), shown_state(first)) is None  # redraw


def test_figure_is_a_plain_autosized_dict_and_transparent_on_request() -> None:
    figure = panel_figure(panel([(0, 0.5)]), "ratio", parse_theme("transparent"))
    assert figure["layout"]["autosize"] is True
    assert figure["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    assert figure["layout"]["yaxis"]["tickformat"] == ".0%"
    assert figure["data"][0]["x"] == [0] and figure["data"][0]["name"] == "n1"
    assert parse_theme("<script>") == "light"


def test_values_are_formatted_for_the_locale() -> None:
    assert format_value(0.4234, "ratio", EN) == "42.3%"
    assert format_value(1_260_000, "bytes_per_second", EN) == "1.3 MB/s"
    assert format_value(None, "ratio", EN) == "—"
    assert latest_value(panel([(0, 0.1), (15, None)])) == 0.1


def test_logs_search_keeps_only_set_values() -> None:
    query = {"ns": "adc", "pod": "p-1", "container": None, "previous": True, "follow": False, "tail": None}
    assert logs_search(query) == "?ns=adc&pod=p-1&previous=1"
    assert logs_search({"ns": None}) == ""


def test_pickers_keep_a_vanished_value_and_label_init_containers() -> None:
    assert options(["a"], "gone")[0] == {"label": "gone", "value": "gone"}
    pods = PodList("s", "adc", [PodSummary("p", "Running", "n", ["main"], ["init"], 0, True)], 1.0)
    assert [o["label"] for o in container_options(pods, "p", EN)] == ["main", "init (init)"]


def test_notes_and_failures_are_named_in_both_languages() -> None:
    record = PodLog("s", "adc", "p", None, False, [LogLine(1, "x")], 1.0, more_before=True, long_lines=2)
    notes = log_notes(record, EN)
    assert "newest 1 lines" in notes[0] and "2 very long lines" in notes[1]
    forbidden = Failure("forbidden", "member_forbidden", "m", None, 403, 1.0)
    assert cause_text(forbidden, EN) == "access is forbidden"
    assert cause_text(forbidden, ZH) == "没有访问权限"
    assert render_lines([LogLine(None, "a"), LogLine(None, "b")], False, EN) == "a\nb\n"


def test_a_missing_previous_container_is_not_called_a_refusal() -> None:
    bad_request = Failure(
        "query_error", "bad_request", "m", 'previous terminated container "c" not found', 400, 1.0
    )
    previous = PodLog("s", "adc", "p", "c", True, [], None, bad_request)
    alert = str(log_failure_alert(previous, ZH))
    assert "没有重启前的日志" in alert and "alert-info" in alert
    current = PodLog("s", "adc", "p", "c", False, [], None, bad_request)
    alert = str(log_failure_alert(current, EN))
    assert "the site could not answer this request" in alert and "alert-danger" in alert


MOMENT = 1_796_006_460.0  # 2026-11-30 02:41:00 UTC = 10:41 in Shanghai


def test_log_times_are_in_the_viewers_zone() -> None:
    lines = [LogLine(int(MOMENT * 1e9) + 7_000_000, "a"), LogLine(None, "b")]
    shanghai, utc = Translator("en", "Asia/Shanghai"), Translator("en", "UTC")
    assert render_lines(lines, True, shanghai) == "2026-11-30 10:41:00.007 a\n" + " " * 23 + " b\n"
    assert render_lines(lines, True, utc).startswith("2026-11-30 02:41:00.007 a\n")
    assert fetched_text(MOMENT, utc) == "Read at Nov 30, 2026, 2:41:00\u202fAM"
    assert fetched_text(MOMENT, Translator("zh_CN", "Asia/Shanghai")).endswith("2026年11月30日 10:41:00")
    assert fetched_text(None, utc) == ""


def test_a_fresh_panel_has_no_marker_and_says_when_it_was_updated() -> None:
    record = panel([(MOMENT - 15, 0.5), (MOMENT, 0.6)])
    record = PanelRecord("s", "cpu.util.node", "1h", 15, record.series, MOMENT)
    fresh = Freshness(stale=False)
    assert stale_marker(fresh, EN) == [] and stale_marker(None, EN) == []
    assert root_class("dark", fresh) == "embed-root theme-dark"
    assert status_text(record, fresh, MOMENT + 5, Translator("en", "UTC")) == "Updated 11/30/26, 2:41\u202fAM"
    assert status_text(None, None, MOMENT, EN) == "Waiting for the first poll…"


def test_a_stale_panel_is_marked_and_dimmed_in_both_languages() -> None:
    failure = Failure("unreachable", "connect", "dial tcp: refused", None, 500, MOMENT)
    record = PanelRecord("s", "cpu.util.node", "1h", 15, [], MOMENT - 38, failure)
    down = Freshness(stale=True, unreachable_since=MOMENT - 60)
    assert root_class("light", down) == "embed-root theme-light is-stale"
    utc = Translator("en", "UTC")
    badge, since = stale_marker(down, utc)
    assert badge.children == "Stale data" and badge.className == "embed-stale-badge"
    assert since.children == "Unreachable since 11/30/26, 2:40\u202fAM"
    zh_badge, zh_since = stale_marker(down, Translator("zh_CN", "Asia/Shanghai"))
    assert zh_badge.children == "数据已过期" and zh_since.children == "自 2026/11/30 10:40 起无法连接"
    old_only = stale_marker(Freshness(stale=True), utc)  # old data, site still answering
    assert [m.children for m in old_only] == ["Stale data"]
    status = status_text(record, down, MOMENT, utc)
    assert status.startswith("Last update failed: the site is unreachable · Updated 11/30/26, 2:40")
    assert status.endswith("data 38 seconds old")
