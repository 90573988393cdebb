"""The site page (集群监控) in Chromium against `i3plat demo`: URL state, switching, back, errors.

One demo per module (poll interval 5 s). The offline test switches fab-chengdu off through the
simulator's control API and back on when done; the other tests use the other two sites.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, expect

from i3plat.federation_sim import demo_sites
from tests.support.procs import running_demo

expect.set_options(timeout=30_000)  # a loaded 2-core CI box redraws 13 plotly panels slowly
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PANEL_COUNT = 13


@dataclass(frozen=True)
class Demo:
    url: str
    control: httpx.Client


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("site-demo")) as running:
        yield Demo(running.url, running.control)


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def trace_names(page: Page, key: str) -> list[str]:
    return list(
        page.evaluate(f"document.querySelector('#panel-{key}-graph .js-plotly-plot').data.map(d => d.name)")
    )


def x_span_hours(page: Page, key: str) -> float:
    span = page.evaluate(
        f"(() => {{ const x = document.querySelector('#panel-{key}-graph .js-plotly-plot').data[0].x;"
        " return x[x.length - 1] - x[0]; })()"
    )
    return float(span) / 3_600_000


def wait_for_panels(page: Page, timeout: float = 120_000) -> None:
    """Every panel drawn with at least one trace (plotly loads async: wait for its SVG)."""
    page.wait_for_function(
        f"""() => {{
            const plots = document.querySelectorAll('.site-panel .js-plotly-plot');
            return plots.length === {PANEL_COUNT} &&
                Array.from(plots).every(p => p.data && p.data.length > 0 && p.querySelector('.main-svg'));
        }}""",
        timeout=timeout,
    )


def wait_for_traces(page: Page, key: str, count: int, timeout: float = 60_000) -> None:
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('#panel-{key}-graph .js-plotly-plot');
            return p && p.data && p.data.length === {count}; }}""",
        timeout=timeout,
    )


def wait_for_span(page: Page, key: str, low_h: float, high_h: float, timeout: float = 60_000) -> None:
    """Until the panel's x-axis covers between low_h and high_h hours."""
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('#panel-{key}-graph .js-plotly-plot');
            const x = p && p.data && p.data[0] && p.data[0].x;
            if (!x || x.length < 2) return false;
            const hours = (x[x.length - 1] - x[0]) / 3600000;
            return hours > {low_h} && hours <= {high_h}; }}""",
        timeout=timeout,
    )


def pick(page: Page, dropdown: str, option: str) -> None:
    page.locator(f"#{dropdown}").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_site_page_renders_every_panel_and_screenshot(page: Page, demo: Demo) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{demo.url}/sites/fab-shenzhen")
    expect(page.locator("#site-name")).to_have_text("fab-shenzhen", timeout=30_000)
    wait_for_panels(page)
    assert len(trace_names(page, "cpu")) == 6  # fab-shenzhen has 6 nodes
    assert len(trace_names(page, "gpu-util")) == 24  # 3 GPU nodes x 8 GPUs
    assert 0.9 < x_span_hours(page, "cpu") <= 1.01
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-page.png"), full_page=True, timeout=60_000)


LAST_TICK_MINUTES_BEFORE_LOCAL_NOW = """() => {
    const ticks = Array.from(document.querySelectorAll('#panel-cpu-graph .xtick text'))
        .map(t => t.textContent.match(/(\\d\\d):(\\d\\d)/)).filter(m => m);
    if (ticks.length < 2) return null;
    const [, h, m] = ticks[ticks.length - 1].map(Number);
    const now = new Date();
    return (now.getHours() * 60 + now.getMinutes() - (h * 60 + m) + 1440) % 1440;
}"""


def test_time_axis_shows_the_viewers_local_time(browser: Browser, demo: Demo) -> None:
    """Plotly shows epoch ms in the browser's zone itself; shifting them too showed UTC+16 h."""
    context = browser.new_context(timezone_id="Asia/Shanghai")  # the machine runs UTC
    try:
        page = context.new_page()
        page.goto(f"{demo.url}/sites/fab-suzhou?range=1h")
        minutes_js = LAST_TICK_MINUTES_BEFORE_LOCAL_NOW
        check = f"() => {{ const m = ({minutes_js})(); return m === null ? false : [m]; }}"
        handle = page.wait_for_function(check, timeout=120_000)
        [minutes] = handle.json_value()
        assert 0 <= minutes <= 30, f"the last tick is {minutes} min before local now (a zone shift?)"
    finally:
        context.close()


def test_node_and_range_change_the_panels_and_the_url(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/fab-shenzhen?range=1h")
    wait_for_panels(page)
    pick(page, "site-node", "fab-shenzhen-gpu-02")
    expect(page).to_have_url(re.compile(r"node=fab-shenzhen-gpu-02"))
    wait_for_traces(page, "cpu", 1)
    assert trace_names(page, "cpu") == ["fab-shenzhen-gpu-02"]
    wait_for_traces(page, "gpu-util", 8)
    page.locator("label", has_text="6 小时").click()
    expect(page).to_have_url(re.compile(r"range=6h"))
    wait_for_span(page, "cpu", 5.5, 6.01)
    assert 5.5 < x_span_hours(page, "cpu") <= 6.01
    assert trace_names(page, "cpu") == ["fab-shenzhen-gpu-02"]  # the node filter stays
    page.go_back()  # back to 1 h, same node
    expect(page).to_have_url(re.compile(r"range=1h"))
    wait_for_panels(page)
    wait_for_span(page, "cpu", 0.9, 1.01)
    assert trace_names(page, "cpu") == ["fab-shenzhen-gpu-02"]


def test_switching_site_keeps_range_and_back_returns(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/fab-shenzhen?node=fab-shenzhen-cpu-01&range=6h&refresh=30s")
    wait_for_traces(page, "cpu", 1)  # a CPU node: its GPU panels are rightly empty
    pick(page, "site-switch", "fab-suzhou")
    expect(page).to_have_url(re.compile(r"/sites/fab-suzhou\?"))
    expect(page.locator("#site-name")).to_have_text("fab-suzhou", timeout=60_000)
    query = query_of(page)
    assert query["range"] == ["6h"] and query["refresh"] == ["30s"]
    assert "node" not in query  # fab-suzhou has no node of that name: all nodes
    wait_for_panels(page)
    assert len(trace_names(page, "cpu")) == 4
    page.go_back()
    expect(page).to_have_url(re.compile(r"/sites/fab-shenzhen\?"))
    expect(page.locator("#site-name")).to_have_text("fab-shenzhen", timeout=60_000)
    wait_for_traces(page, "cpu", 1)
    assert trace_names(page, "cpu") == ["fab-shenzhen-cpu-01"]
    assert query_of(page)["range"] == ["6h"]


def test_deep_link_opens_the_exact_view(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/fab-suzhou?node=fab-suzhou-gpu-01&range=15m&refresh=off")
    wait_for_panels(page)
    expect(page.locator("#site-node")).to_contain_text("fab-suzhou-gpu-01")
    expect(page.locator("#site-range input[value='15m']")).to_be_checked()
    expect(page.locator("#site-refresh")).to_contain_text("关闭")
    assert trace_names(page, "cpu") == ["fab-suzhou-gpu-01"]
    assert 0.2 < x_span_hours(page, "cpu") <= 0.26


def test_refresh_never_goes_below_the_floor(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/fab-suzhou?refresh=1s")
    expect(page.locator("#site-refresh")).to_contain_text("5 秒", timeout=30_000)


def test_header_links_to_the_sites_doctor_and_logs(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/fab-suzhou?range=6h")
    logs = page.locator("#site-logs-link")
    expect(logs).to_have_text("日志", timeout=30_000)
    expect(logs).to_have_attribute("href", "/sites/fab-suzhou/logs")
    expect(page.locator("#site-doctor-link")).to_have_attribute("href", "/sites/fab-suzhou/doctor")
    logs.click()
    expect(page).to_have_url(re.compile(r"/sites/fab-suzhou/logs$"))
    expect(page.locator("#logs-pod")).to_be_visible(timeout=30_000)


def test_unknown_and_malformed_sites_are_friendly(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/fab-nowhere")
    expect(page.locator("#site-not-found")).to_contain_text("fab-nowhere", timeout=30_000)
    page.goto(f"{demo.url}/sites/Bad_Name!")
    expect(page.locator("#site-not-found")).to_be_visible(timeout=30_000)


OFFLINE_SHOTS = ((1366, 768), (1920, 1080))
PLOTS_FIT_THEIR_CARDS = """() => {
    const plots = Array.from(document.querySelectorAll('.site-panel .js-plotly-plot'));
    return plots.length > 0 && plots.every(p => {
        const svg = p.querySelector('.main-svg');
        return svg && Math.abs(svg.getBoundingClientRect().width - p.parentElement.clientWidth) < 3;
    });
}"""
"""Plotly redraws at a new size after a debounce: a screenshot before that shows the old one."""


def shoot(page: Page, name: str, sizes: tuple[tuple[int, int], ...] = OFFLINE_SHOTS) -> None:
    """The viewport at each size (what a person sees first), for review with an image viewer."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(PLOTS_FIT_THEIR_CARDS)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}x{height}.png"), timeout=60_000)


def test_offline_site_says_so_once_and_panels_keep_their_last_data(page: Page, demo: Demo) -> None:
    """One notice under the heading (what, since when, how old); the panels only dim and mark
    their data; the notice goes when the site is back, without a reload."""
    page.goto(f"{demo.url}/sites/fab-chengdu")
    wait_for_panels(page)
    expect(page.locator("#site-notice .site-notice")).to_have_count(0)
    assert demo.control.post("/_sim/sites/fab-chengdu/offline").status_code == 200
    try:
        notice = page.locator("#site-notice .site-notice")
        expect(notice).to_have_attribute("data-cause", "unreachable", timeout=45_000)
        expect(notice).to_have_count(1)
        expect(notice.locator(".site-notice-head")).to_contain_text(
            re.compile(r"站点无法连接，自 .+ 起（.+前）")
        )
        expect(notice).to_contain_text("各面板显示的是最后收到的数据")
        chips = page.locator(".site-panel .panel-alert[data-scope='site']")
        expect(chips).to_have_count(PANEL_COUNT, timeout=45_000)
        expect(page.locator("#panel-cpu-status .panel-alert")).to_have_text("数据未更新")
        expect(page.locator("#panel-cpu-status .panel-alert")).to_have_attribute("data-cause", "unreachable")
        expect(page.locator(".site-panel", has_text="站点无法连接")).to_have_count(0)  # not once per panel
        opacity = page.evaluate("getComputedStyle(document.querySelector('#panel-cpu-graph')).opacity")
        assert float(opacity) < 0.7, opacity  # the last data, dimmed
        assert len(trace_names(page, "cpu")) == 3  # the last data stays on screen
        shoot(page, "site-page-offline-zh")
        page.goto(f"{demo.url}/sites/fab-chengdu?lang=en")
        wait_for_panels(page)
        expect(notice.locator(".site-notice-head")).to_contain_text(
            re.compile(r"Site unreachable since .+ \(.+ ago\)")
        )
        expect(page.locator("#panel-cpu-status .panel-alert")).to_have_text("Not updating")
        shoot(page, "site-page-offline-en")
        page.goto(f"{demo.url}/sites/fab-chengdu?kiosk=1&lang=zh_CN")  # the big screen: dark
        wait_for_panels(page)
        expect(notice).to_have_count(1)
        shoot(page, "site-page-offline-kiosk", sizes=((1920, 1080),))
        page.evaluate("window.__sameDocument = true")
    finally:
        assert demo.control.post("/_sim/sites/fab-chengdu/online").status_code == 200
    expect(page.locator("#site-notice .site-notice")).to_have_count(0, timeout=90_000)  # backoff: ≤ 40 s
    expect(page.locator(".site-panel .panel-alert[data-scope='site']")).to_have_count(0, timeout=30_000)
    assert page.evaluate("window.__sameDocument === true")  # no reload


def test_a_range_longer_than_the_history_says_where_the_data_begins(page: Page, demo: Demo) -> None:
    """The demo's Prometheus holds data from yesterday 00:00 UTC on: 7 days show where it starts."""
    page.goto(f"{demo.url}/sites/fab-suzhou?range=1h&refresh=off")
    wait_for_panels(page)
    expect(page.locator(".panel-alert[data-cause='late_start']")).to_have_count(0)
    page.goto(f"{demo.url}/sites/fab-suzhou?range=7d&refresh=off")
    status = page.locator("#panel-cpu-status .panel-alert")
    expect(status).to_have_attribute("data-cause", "late_start", timeout=90_000)
    expect(status).to_have_text(re.compile(r"^仅有 \d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d\d 起的数据$"))
    expect(status).to_have_class(re.compile(r"panel-alert-info"))
    wait_for_span(page, "cpu", 6.5 * 24, 7 * 24 + 0.1)  # the axis still spans the week asked for
    shoot(page, "site-page-7d-late-start")


def panel_traces(page: Page, key: str) -> list[dict[str, Any]]:
    return list(
        page.evaluate(
            f"Array.from(document.querySelector('#panel-{key}-graph .js-plotly-plot').data,"
            " d => ({name: d.name, x: Array.from(d.x), y: Array.from(d.y)}))"
        )
    )


def test_refresh_deltas_keep_the_figure_equal_to_a_fresh_one(page: Page, demo: Demo) -> None:
    """Ticks send deltas, not figures; the result equals what a new page draws in full.

    The site goes offline after a few deltas so its data stops moving (the store keeps the last
    poll), and both pages can be compared without racing the poller.
    """
    sent: list[str] = []

    def count(response: Response) -> None:
        if "_dash-update-component" not in response.url or response.status != 200:
            return
        if '"output":"..panel-cpu-graph.figure' not in (response.request.post_data or ""):
            return
        outputs = response.json().get("response", {})
        figure = outputs.get("panel-cpu-graph", {}).get("figure")
        if isinstance(figure, dict) and figure.get("data"):
            sent.append("full")
        elif "panel-cpu-delta" in outputs:
            sent.append("delta")

    page.on("response", count)
    try:
        page.goto(f"{demo.url}/sites/fab-chengdu?range=1h&refresh=5s")
        wait_for_panels(page)
        first_end = panel_traces(page, "cpu")[0]["x"][-1]
        page.wait_for_function(  # new points have arrived (the 1 h grid moves every 15 s)
            "(end) => document.querySelector('#panel-cpu-graph .js-plotly-plot').data[0].x.at(-1) > end",
            arg=first_end,
            timeout=90_000,
        )
        assert demo.control.post("/_sim/sites/fab-chengdu/offline").status_code == 200
        try:
            status = page.locator("#panel-cpu-status .panel-alert")
            expect(status).to_have_attribute("data-cause", "unreachable", timeout=60_000)
            fresh = page.context.new_page()
            try:
                fresh.goto(f"{demo.url}/sites/fab-chengdu?range=1h&refresh=off")
                wait_for_panels(fresh)
                expected = panel_traces(fresh, "cpu")
            finally:
                fresh.close()
            page.wait_for_function(  # a tick still in flight may bring the last poll's points
                """(expected) => JSON.stringify(Array.from(
                        document.querySelector('#panel-cpu-graph .js-plotly-plot').data,
                        d => ({name: d.name, x: Array.from(d.x), y: Array.from(d.y)})))
                    === JSON.stringify(expected)""",
                arg=expected,
                timeout=30_000,
            )
        finally:
            assert demo.control.post("/_sim/sites/fab-chengdu/online").status_code == 200
    finally:
        page.remove_listener("response", count)
    assert len(expected) == 3 and all(len(t["x"]) > 200 for t in expected)  # 3 nodes, the whole hour
    assert "delta" in sent and "full" not in sent[sent.index("delta") :], sent


def test_a_node_that_is_not_ready_stands_out(page: Page, demo: Demo) -> None:
    """Karmada counts it and kube-state-metrics reports it: the summary warns, the list names it."""
    spec = next(spec for spec in demo_sites() if spec.nodes_not_ready)
    down = [node.name for node in spec.node_infos() if not node.ready]
    page.goto(f"{demo.url}/sites/{spec.name}")
    ready = spec.nodes - spec.nodes_not_ready
    expect(page.locator("#site-summary .site-nodes-down")).to_have_text(f"{ready}/{spec.nodes} 个节点就绪")
    page.locator("#site-node").click()
    for name in down:
        expect(page.get_by_role("option", name=f"{name} (未就绪)", exact=True)).to_be_visible()
    up = next(node.name for node in spec.node_infos() if node.ready)
    expect(page.get_by_role("option", name=up, exact=True)).to_be_visible()
    page.goto(f"{demo.url}/?lang=en")
    reason = page.locator(f'a.site-tile[title="{spec.name}"] .tv-reason')
    expect(reason).to_have_text(f"Nodes not ready: {spec.nodes_not_ready}", timeout=60_000)
    expect(page.locator(f'a.site-tile[title="{spec.name}"]')).to_have_class(re.compile("has-nodes-down"))
