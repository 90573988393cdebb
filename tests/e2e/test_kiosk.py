"""The big screen, as a TV runs it: fits the screen, updates in place, survives outages.

One simulated federation (`i3plat simulate`) and one console (`i3plat serve`) per module, run as
separate processes so the console can be stopped and started again on the same port while the
sites keep running. The page's own refresh is 2 s (`?refresh=2`); the poller's interval is 5 s.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.support.procs import ConsoleProcess, free_port, wait_for

POLL_S = 5
REFRESH_S = 2
EXTRA_SITES = ("plant-a", "plant-b", "plant-c")
PERCENT = re.compile(r"\d+\s*%")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


class Fleet:
    """The simulator (kept running) and the console (restartable on one port)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.sim = ConsoleProcess(
            ["simulate", "--port", "0", "--data-dir", str(data_dir / "sim"), "--prometheus", "synthetic",
             "--kubeconfig-out", str(data_dir / "kubeconfig")]
        )  # fmt: skip
        self.kubeconfig = Path(self.sim.wait_for_line(r"kubeconfig: (\S+)", timeout=60).group(1))
        config = yaml.safe_load(self.kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        self.control = httpx.Client(
            base_url=cluster["server"] + "/_sim",
            verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
            headers={"Authorization": "Bearer " + config["users"][0]["user"]["token"]},
        )
        self.console: ConsoleProcess | None = None

    def start_console(self) -> None:
        env = {
            "KUBECONFIG": str(self.kubeconfig),
            "I3PLAT_DATA_DIR": str(self.data_dir / "console"),
            "I3PLAT_POLL_INTERVAL": str(POLL_S),
        }
        self.console = ConsoleProcess(["serve", "--port", str(self.port)], env=env)
        self.console.wait_for_line(r"I3Plat console: http://", timeout=60)

    def stop_console(self) -> None:
        if self.console is not None:
            assert self.console.stop() == 0, "\n".join(self.console.output)
            self.console = None

    def post(self, path: str, body: dict[str, Any] | None = None) -> None:
        self.control.post(path, json=body or {}).raise_for_status()

    def close(self) -> None:
        try:
            self.stop_console()
        finally:
            self.control.close()
            self.sim.stop()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path_factory.mktemp("kiosk"))
    try:
        for name in EXTRA_SITES:
            fleet.post("/sites", {"name": name, "nodes": 3, "gpu_nodes": 1})
        fleet.start_console()
        yield fleet
    finally:
        fleet.close()


def open_kiosk(browser: Browser, url: str, width: int, height: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.evaluate("window.__sameDocument = true")
    return page


def cpu_by_site(page: Page) -> dict[str, str]:
    """Each tile's CPU text by site, whatever order the tiles are in (problems sort first)."""
    pairs = page.evaluate(
        "Array.from(document.querySelectorAll('a.site-tile'))"
        ".map(a => [a.title, a.querySelector('.tv-cpu').innerText.trim()])"
    )
    return {str(site): str(text) for site, text in pairs}


def last_refresh(page: Page) -> float | None:
    value = page.evaluate("window.__i3kiosk && window.__i3kiosk.lastNow")
    return float(value) if value is not None else None


def wait_for_refresh(page: Page, after: float | None, timeout: float) -> float:
    """Wait until the page has received data newer than `after` (no reload allowed meanwhile)."""
    newer = wait_for(lambda: (v := last_refresh(page)) is not None and (after is None or v > after) and v,
                     timeout, "a refresh with newer data")  # fmt: skip
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    return float(newer)


def all_sites(fleet: Fleet) -> list[str]:
    return sorted(fleet.control.get("/state").json()["sites"])


def tile(page: Page, site: str) -> Any:
    return page.locator(f'a.site-tile[title="{site}"]')


CLIPPED_FOOT_VALUES = """() => Array.from(document.querySelectorAll('a.site-tile')).flatMap(tile => {
    const box = tile.getBoundingClientRect();
    return Array.from(tile.querySelectorAll('.tile-foot .tv')).filter(el => {
        const r = el.getBoundingClientRect();
        return !el.textContent || el.scrollWidth > el.clientWidth + 1 || r.right > box.right + 0.5
            || r.bottom > box.bottom + 0.5;
    }).map(el => `${tile.title}: ${el.textContent}`);
})"""
"""Footer figures that are empty or do not fit their tile (a cut "↑ 3.19 M" was a real bug)."""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080), (3840, 2160)])
def test_kiosk_fits_the_screen_and_updates_in_place(
    browser: Browser, fleet: Fleet, width: int, height: int
) -> None:
    page = open_kiosk(browser, f"{fleet.url}?kiosk=1&refresh={REFRESH_S}", width, height)
    try:
        sites = all_sites(fleet)
        expect(page.locator("a.site-tile")).to_have_count(len(sites), timeout=60_000)
        for site in sites:
            expect(tile(page, site).locator(".tv-cpu")).to_have_text(PERCENT, timeout=60_000)
        expect(page.locator("#app-navbar")).to_have_count(0)
        expect(page.locator(".site-tile .main-svg").first).to_be_visible(timeout=30_000)
        first = wait_for_refresh(page, None, 30)
        wait_for_refresh(page, first, 3 * REFRESH_S + 10)
        size = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
            " window.innerWidth, window.innerHeight]"
        )
        assert size[0] <= size[2] and size[1] <= size[3], f"scrollbars: {size}"
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        assert page.evaluate(CLIPPED_FOOT_VALUES) == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"kiosk-{width}x{height}.png"))
    finally:
        page.close()


def test_english_tile_footers_fit_on_a_small_screen(browser: Browser, fleet: Fleet) -> None:
    page = open_kiosk(browser, f"{fleet.url}?kiosk=1&lang=en", 1366, 768)
    try:
        expect(page.locator("a.site-tile .tv-tx").first).to_have_text(re.compile(r"B/s$"), timeout=60_000)
        expect(page.locator("a.site-tile .tile-foot").first).to_contain_text("GPUs allocated")
        assert page.evaluate(CLIPPED_FOOT_VALUES) == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "kiosk-en-1366x768.png"))
    finally:
        page.close()


def test_offline_site_keeps_its_last_values_with_their_age(browser: Browser, fleet: Fleet) -> None:
    page = open_kiosk(browser, f"{fleet.url}?kiosk=1&refresh={REFRESH_S}", 1920, 1080)
    offline, other = "plant-a", "fab-shenzhen"
    try:
        expect(tile(page, offline).locator(".tv-cpu")).to_have_text(PERCENT, timeout=60_000)
        fleet.post(f"/sites/{offline}/offline")
        lost = tile(page, offline)
        expect(lost).to_have_class(re.compile(r"state-unreachable"), timeout=6 * POLL_S * 1000)
        expect(lost.locator(".tv-state")).to_have_text("无法连接", timeout=20_000)
        expect(lost.locator(".tv-reason")).to_contain_text("自", timeout=20_000)
        expect(lost.locator(".tv-reason")).to_contain_text("Karmada 无法连接该站点")  # not the raw text
        note = page.locator("#totals-note")
        expect(note).to_have_text(re.compile(rf"未计入合计.*：.*{offline}"), timeout=20_000)
        assert float(note.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20  # 5 m away
        expect(lost.locator(".tv-nodes")).to_have_class(re.compile(r"is-stale"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "kiosk-offline-site.png"))
        expect(lost.locator(".tv-cpu")).to_have_text(
            PERCENT, timeout=20_000
        )  # the last value stays on screen
        expect(lost.locator(".tv-cpu")).to_have_class(re.compile(r"is-stale"), timeout=20_000)
        expect(lost.locator(".tile-age")).to_have_class(re.compile(r"is-old"), timeout=6 * POLL_S * 1000)
        expect(lost.locator(".tile-age")).to_contain_text("数据已", timeout=20_000)
        # the others keep updating: fresh age, and new data keeps arriving
        before = wait_for_refresh(page, None, 30)
        wait_for_refresh(page, before, 3 * REFRESH_S + 10)
        expect(tile(page, other)).not_to_have_class(re.compile(r"is-stale"), timeout=20_000)
        expect(tile(page, other).locator(".tile-age")).not_to_have_class(re.compile(r"is-old"))
        # problems first: the unreachable site moved to the front
        expect(page.locator("a.site-tile").first).to_have_attribute("title", offline, timeout=20_000)
    finally:
        fleet.post(f"/sites/{offline}/online")
        page.close()


def test_recovers_by_itself_after_a_server_restart(browser: Browser, fleet: Fleet) -> None:
    page = open_kiosk(browser, f"{fleet.url}?kiosk=1", 1920, 1080)  # the poll interval: 5 s
    try:
        expect(page.locator("a.site-tile .tv-cpu").first).to_have_text(PERCENT, timeout=60_000)
        wait_for_refresh(page, None, 30)
        sites = set(cpu_by_site(page))
        fleet.stop_console()
        expect(page.locator(".kiosk-conn.lost")).to_be_visible(timeout=40_000)
        kept = cpu_by_site(page)  # by site: a poll just before the stop may still change a value
        assert set(kept) == sites and all(PERCENT.fullmatch(v) for v in kept.values()), kept
        stalled = last_refresh(page)
        fleet.start_console()
        started = time.monotonic()
        wait_for_refresh(page, stalled, 2 * POLL_S + 5)
        took = time.monotonic() - started
        expect(page.locator(".kiosk-conn.lost")).to_have_count(0, timeout=5_000)
        assert took <= 2 * POLL_S + 2, f"recovered after {took:.1f} s"
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    finally:
        page.close()


def test_rotation_moves_through_site_pages_without_reloads(browser: Browser, fleet: Fleet) -> None:
    page = open_kiosk(browser, f"{fleet.url}?kiosk=1&rotate=5", 1920, 1080)
    try:
        expect(page.locator("a.site-tile").first).to_be_visible(timeout=60_000)
        expect(page).to_have_url(re.compile(r"/sites/[a-z0-9-]+\?kiosk=1&rotate=5$"), timeout=30_000)
        expect(page.locator("#app-navbar")).to_have_count(0)
        assert page.evaluate("window.__sameDocument === true"), "rotation reloaded the page"
    finally:
        page.close()


def test_overview_has_chrome_and_tiles_link_to_site_pages(page: Page, fleet: Fleet) -> None:
    page.goto(fleet.url)
    expect(page.locator("#app-navbar")).to_be_visible(timeout=30_000)
    first = page.locator("a.site-tile").first
    expect(first.locator(".tv-cpu")).to_have_text(PERCENT, timeout=60_000)
    site = first.get_attribute("title")
    expect(page.locator("#fleet-totals .total-sites")).to_have_text(re.compile(r"\d+ / \d+"))
    first.click()
    expect(page).to_have_url(re.compile(rf"/sites/{site}$"))
