"""A site-page panel's state from the store: whose failure it is, and where its data begins."""

from __future__ import annotations

import math
from dataclasses import replace

from i3plat.collector.records import Failure, PanelRecord, SeriesRecord, SiteRecord
from i3plat.components.panels import late_start
from i3plat.pages.site._data import first_point, site_outage, state_of

NOW = 1_800_000_000.0
POLL = 5.0


def failure(cause: str, at: float = NOW - 20) -> Failure:
    return Failure(cause, cause, f"{cause} upstream", None, 500, at)  # type: ignore[arg-type]


def site(fail: Failure | None = None) -> SiteRecord:
    return SiteRecord(
        site="fab-a", ready_state="True", reason="ClusterReady", sync_mode="Pull", kubernetes_version="v1",
        nodes_total=2, nodes_ready=2, gpus_allocatable=0, gpus_allocated=0, last_success_at=NOW - 90,
        unreachable_since=NOW - 85 if fail else None, failure=fail,
    )  # fmt: skip


def panel(
    fail: Failure | None = None, *, first: float = NOW - 3600, start: float = NOW - 3600
) -> PanelRecord:
    stamps = [first + 15 * i for i in range(int((NOW - 90 - first) // 15))]
    series = [
        SeriesRecord({"node": "a"}, stamps, [0.5] * len(stamps)),
        SeriesRecord({"node": "b"}, [first - 60, *stamps], [None, *([0.4] * len(stamps))]),  # type: ignore[list-item]
    ]
    return PanelRecord("fab-a", "cpu.util.node", "1h", 15, series, NOW - 90, fail, None, start, NOW - 90)


def test_a_site_that_cannot_be_reached_is_told_once_and_its_panels_only_marked() -> None:
    down = site(failure("unreachable"))
    state = state_of(panel(), down, POLL, NOW, live=True)  # the poll never asked this panel
    assert (state.cause, state.site_wide, state.has_data, state.stale) == ("unreachable", True, True, True)
    outage = site_outage(down)
    assert outage is not None
    assert (outage.cause, outage.since, outage.data_at) == ("unreachable", NOW - 85, NOW - 90)
    assert outage.detail == "unreachable upstream"
    # an on-demand query of that site timing out is the same outage, not a panel problem
    assert state_of(panel(failure("timeout")), down, POLL, NOW, live=False).site_wide
    # a broken query of its own still speaks for itself
    own = state_of(panel(failure("query_error")), down, POLL, NOW, live=True)
    assert own.cause == "query_error" and not own.site_wide


def test_a_reachable_site_leaves_each_panel_its_own_failure() -> None:
    up = site()
    assert site_outage(up) is None and site_outage(None) is None
    for cause in ("forbidden", "no_endpoints", "timeout", "query_error"):
        state = state_of(panel(failure(cause)), up, POLL, NOW, live=False)
        assert state.cause == cause and not state.site_wide
    # a site failure that is not the whole site's (profile detection hit a query error)
    assert site_outage(site(failure("query_error"))) is None
    assert state_of(panel(), site(failure("query_error")), POLL, NOW, live=True).cause is None
    # site-wide but not a network problem: forbidden everywhere is said once too
    forbidden = site(failure("forbidden"))
    assert site_outage(forbidden) is not None
    assert state_of(panel(failure("forbidden")), forbidden, POLL, NOW, live=True).site_wide


def test_the_site_coming_back_clears_the_outage() -> None:
    down = site(failure("unreachable"))
    back = replace(down, failure=None, unreachable_since=None, last_success_at=NOW)
    assert site_outage(down) is not None and site_outage(back) is None
    assert state_of(replace(panel(), fetched_at=NOW), back, POLL, NOW, live=True).cause is None


def test_where_the_data_begins_ignores_gaps_and_follows_the_shown_series() -> None:
    nan = math.nan
    series = [
        SeriesRecord({"node": "a"}, [10.0, 20.0, 30.0], [None, nan, 1.0]),  # type: ignore[list-item]
        SeriesRecord({"node": "b"}, [15.0, 25.0], [None, 2.0]),  # type: ignore[list-item]
        SeriesRecord({"node": "c"}, [5.0], [None]),  # type: ignore[list-item]
    ]
    assert first_point(series) == 25.0
    assert first_point(series[2:]) is None and first_point([]) is None
    week = panel(first=NOW - 86_400, start=NOW - 7 * 86_400)
    state = state_of(week, site(), POLL, NOW, live=False)
    assert state.first_at == NOW - 86_400 and (state.start, state.end, state.step) == (
        NOW - 7 * 86_400,
        NOW - 90,
        15,
    )
    assert late_start(state) == NOW - 86_400
    full = state_of(panel(), site(), POLL, NOW, live=True)
    assert full.first_at == NOW - 3600 and late_start(full) is None
    only_a = state_of(week, site(), POLL, NOW, live=False, series=week.series[:1])
    assert only_a.first_at == NOW - 86_400 and only_a.has_data
    none_shown = state_of(week, site(), POLL, NOW, live=False, series=[])
    assert not none_shown.has_data and none_shown.first_at is None
