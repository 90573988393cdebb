"""Logs of a simulated pod, a panel embedded by a portal on another origin (and refused for a
non-allowed one), a stale panel's marker, server-written times in the browser's own zone, and the
language switch on the overview and the logs page.

The stale-panel test switches fab-chengdu off through the simulator's control API and back on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.procs import free_port, running_demo

SITE = "fab-shenzhen"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"

PORTAL_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>portal</title>
<style>body {{ background: #eef2f7; font-family: sans-serif; margin: 24px; }}
iframe {{ border: 1px solid #ccd; width: 640px; height: 320px; background: transparent; }}</style>
</head><body><h1>Company portal</h1>
<iframe id="panel" src="{src}"></iframe>
<script>
window.heights = [];
window.addEventListener("message", function (e) {{
  if (e.data && e.data.type === "i3plat:height") {{ window.heights.push(e.data.height); }}
}});
</script></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Portal:
    port: int
    server: ThreadingHTTPServer

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_portal(directory: Path, port: int) -> Portal:
    handler = partial(_Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Portal(port, server)


@dataclass
class Demo:
    url: str
    allowed: Portal
    other: Portal
    control: httpx.Client


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo")
    web = tmp_path_factory.mktemp("portal")
    allowed = start_portal(web, free_port())
    other = start_portal(web, free_port())
    try:
        with running_demo(data_dir, env={"I3PLAT_EMBED_ORIGINS": allowed.origin}) as running:
            url = running.url + "/"
            src = f"{url}embed/cpu.util.cluster?site={SITE}&theme=transparent"
            (web / "index.html").write_text(PORTAL_PAGE.format(src=src), encoding="utf-8")
            yield Demo(url, allowed, other, running.control)
    finally:
        for portal in (allowed, other):
            portal.server.shutdown()
            portal.server.server_close()


def test_logs_of_a_simulated_pod_appear_and_follow(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}sites/{SITE}/logs?ns=adc&lang=en")
    expect(page.locator("#logs-title")).to_contain_text("Logs", timeout=30_000)
    page.locator("#logs-pod").click()
    page.get_by_role("option", name=re.compile(r"^adc-inference-")).first.click()
    # A multi-container pod: the first container is picked, and the choice lands in the URL.
    expect(page).to_have_url(re.compile(r"pod=adc-inference-.*&container=inference"), timeout=15_000)
    log = page.locator("#logs-text")
    expect(log).to_contain_text("[adc.infer]", timeout=20_000)
    expect(page.locator("#logs-status")).to_contain_text("Read at")

    page.locator("#logs-container").click()
    page.get_by_role("option", name="sidecar").click()
    expect(page).to_have_url(re.compile(r"container=sidecar"))
    expect(log).to_contain_text("uploaded result batch", timeout=20_000)

    page.go_back()  # the URL is the state: back returns to the inference container
    expect(log).to_contain_text("[adc.infer]", timeout=20_000)

    page.locator("#logs-follow").check()
    expect(page).to_have_url(re.compile(r"follow=1"))
    expect(log).to_contain_text("[adc.infer]", timeout=20_000)
    before = log.inner_text().count("\n")
    expect(page.locator("#logs-follow-status")).to_contain_text("Following", timeout=20_000)
    page.wait_for_function(
        "n => document.querySelector('#logs-text').innerText.split('\\n').length > n + 1",
        arg=before,
        timeout=20_000,
    )
    lines = [x for x in log.inner_text().splitlines() if x.strip()]
    repeated = [(i, x) for i, x in enumerate(lines) if lines.index(x) != i]
    assert not repeated, (len(lines), repeated, [lines.index(x) for _, x in repeated])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "logs-follow.png"))


def test_a_missing_previous_container_is_explained(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}sites/{SITE}/logs?ns=kube-system&lang=en")
    page.locator("#logs-pod").click()
    page.get_by_role("option", name=re.compile(r"^coredns-")).first.click()
    expect(page.locator("#logs-text")).to_contain_text("NOERROR", timeout=20_000)
    page.locator("#logs-previous").check()
    note = page.locator("#logs-status .log-error")
    expect(note).to_contain_text("No log from before a restart", timeout=20_000)
    expect(note).to_contain_text("has not restarted")
    expect(note).not_to_contain_text("refused")


def test_portal_on_an_allowed_origin_embeds_a_panel(page: Page, demo: Demo) -> None:
    page.set_viewport_size({"width": 760, "height": 480})
    page.goto(f"{demo.allowed.origin}/index.html")
    frame = page.frame_locator("#panel")
    expect(frame.locator(".embed-root")).to_be_visible(timeout=30_000)
    expect(frame.locator("#embed-title")).not_to_be_empty()
    expect(frame.locator("#app-navbar, .navbar")).to_have_count(0)
    expect(frame.locator("#embed-graph .main-svg").first).to_be_visible(timeout=30_000)
    expect(frame.locator("#embed-graph .scatterlayer .trace").first).to_be_attached(timeout=30_000)
    page.wait_for_function("() => window.heights.length > 0", timeout=15_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "embed-portal.png"))


def test_portal_on_another_origin_is_refused(page: Page, demo: Demo) -> None:
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=30_000) as refusal:
        page.goto(f"{demo.other.origin}/index.html")
    assert "Content Security Policy" in refusal.value.text
    expect(page.frame_locator("#panel").locator(".embed-root")).to_have_count(0)
    child = next(f for f in page.frames if f != page.main_frame)
    assert not child.url.startswith(demo.url), child.url  # Chromium shows its error page instead
    assert page.evaluate("window.heights.length") == 0, "a refused panel must not run"


def test_dark_panel_fills_its_frame(page: Page, demo: Demo) -> None:
    page.set_viewport_size({"width": 480, "height": 240})
    page.goto(f"{demo.url}embed/mem.util.node?site={SITE}&theme=dark&lang=en")
    expect(page.locator("#embed-graph .scatterlayer .trace").first).to_be_attached(timeout=30_000)
    box = page.locator("#embed-graph").bounding_box()
    assert box is not None and box["height"] > 120, box
    assert page.evaluate("document.documentElement.scrollHeight") <= 240
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "embed-dark.png"))


def test_an_unreachable_sites_panel_is_marked_stale(page: Page, demo: Demo) -> None:
    """Portal viewers must see at a glance that the big value is not current."""
    page.set_viewport_size({"width": 560, "height": 260})
    page.goto(f"{demo.url}embed/cpu.util.cluster?site=fab-chengdu&theme=dark&lang=en")
    root, badge = page.locator("#embed-root"), page.locator("#embed-stale-badge")
    expect(page.locator("#embed-value")).to_have_text(re.compile(r"\d"), timeout=30_000)
    expect(badge).to_have_count(0)  # a fresh panel is unchanged
    assert demo.control.post("/_sim/sites/fab-chengdu/offline").status_code == 200
    try:
        expect(badge).to_have_text("Stale data", timeout=60_000)
        expect(page.locator(".embed-stale-since")).to_contain_text("Unreachable since", timeout=30_000)
        expect(root).to_have_class(re.compile(r"\bis-stale\b"))
        expect(page.locator("#embed-value")).to_have_css("opacity", "0.45")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "embed-stale.png"))
    finally:
        assert demo.control.post("/_sim/sites/fab-chengdu/online").status_code == 200
    expect(badge).to_have_count(0, timeout=60_000)
    expect(root).not_to_have_class(re.compile(r"\bis-stale\b"))


UPDATED_MINUTES_BEFORE_LOCAL_NOW = """() => {
    const status = document.querySelector('#embed-status');
    const m = status && status.innerText.match(/Updated \\d+\\/\\d+\\/\\d+, (\\d+):(\\d\\d)\\s?(AM|PM)/);
    if (!m) return null;
    const minutes = (Number(m[1]) % 12 + (m[3] === 'PM' ? 12 : 0)) * 60 + Number(m[2]);
    const now = new Date();
    return [(now.getHours() * 60 + now.getMinutes() - minutes + 1440) % 1440];
}"""


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Sao_Paulo"])
def test_server_written_times_are_in_the_browsers_zone(browser: Browser, demo: Demo, zone: str) -> None:
    """The machine runs UTC and the default zone is Asia/Shanghai: the browser's own zone wins."""
    context = browser.new_context(timezone_id=zone)
    try:
        page = context.new_page()
        page.goto(f"{demo.url}embed/cpu.util.cluster?site={SITE}&lang=en")
        handle = page.wait_for_function(UPDATED_MINUTES_BEFORE_LOCAL_NOW, timeout=30_000)
        [minutes] = handle.json_value()
        assert 0 <= minutes <= 2, f"'Updated' is {minutes} min away from the browser's clock in {zone}"
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert cookies.get("i3plat_tz") == zone
    finally:
        context.close()


def test_unknown_metric_is_a_friendly_message(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}embed/no.such.metric?site={SITE}&lang=en")
    expect(page.locator("#embed-message")).to_have_text("Unknown panel: no.such.metric", timeout=30_000)


def _visible_text_without_switch(page: Page) -> str:
    return str(
        page.evaluate(
            """() => {
                const clone = document.body.cloneNode(true);
                clone.querySelectorAll('#lang-switch, script, style').forEach(e => e.remove());
                return clone.innerText;
            }"""
        )
    )


def _wait_language(page: Page, english: bool) -> None:
    test = f"!new RegExp('{CJK}').test(t)" if english else f"new RegExp('{CJK}').test(t)"
    page.wait_for_function(
        "() => { const c = document.body.cloneNode(true);"
        " c.querySelectorAll('#lang-switch, script, style').forEach(e => e.remove());"
        f" const t = c.innerText; return t.trim().length > 0 && {test}; }}",
        timeout=30_000,
    )


@pytest.mark.parametrize("path", ["", f"sites/{SITE}/logs?ns=adc"])
def test_language_switch_turns_all_text_to_english_and_back(page: Page, demo: Demo, path: str) -> None:
    page.goto(f"{demo.url}{path}")
    page.locator("#lang-zh_CN").click()
    _wait_language(page, english=False)
    page.locator("#lang-en").click()
    _wait_language(page, english=True)
    leftover = re.findall(f".{{0,20}}{CJK}+.{{0,20}}", _visible_text_without_switch(page))
    assert not leftover, leftover
    if "?" in path:  # the page's own state survives the switch
        assert path.split("?", 1)[1] in page.url
    page.locator("#lang-zh_CN").click()
    _wait_language(page, english=False)
