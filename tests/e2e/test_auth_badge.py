"""The "authentication off" warning on kiosk and embed pages stays visible and covers nothing.

One demo (sign-in off, its default) with a fourth site added through the simulator's control
API, so the kiosk grid is full and has a tile in the bottom-right corner, where the old fixed
badge sat. At each TV size the bar's box must miss every tile, plot and the page itself, and
the tiles must still fit the screen (the bar's height is taken from the page, not added).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.support.procs import ConsoleProcess, free_port

EXTRA_SITE = "plant-d"
SITES = 4
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
KIOSK_SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
EMBED_SIZES = [(480, 270), (1366, 768)]
Box = dict[str, float]


@dataclass
class Demo:
    url: str


def add_site(kubeconfig: Path) -> None:
    config = yaml.safe_load(kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    with httpx.Client(
        base_url=cluster["server"] + "/_sim",
        verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
        headers={"Authorization": "Bearer " + config["users"][0]["user"]["token"]},
    ) as control:
        control.post("/sites", json={"name": EXTRA_SITE, "nodes": 2, "gpu_nodes": 1}).raise_for_status()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("badge-demo")
    process = ConsoleProcess(
        ["demo", "--port", str(free_port()), "--data-dir", str(data_dir), "--prometheus", "synthetic"],
        env={"I3PLAT_POLL_INTERVAL": "5", "I3PLAT_AUTH": "off"},
    )
    try:
        url = process.wait_for_line(r"I3Plat console: (http://127\.0\.0\.1:\d+/)", timeout=60).group(1)
        add_site(data_dir / "federation" / "kubeconfig")
        yield Demo(url)
    finally:
        assert process.stop() == 0, "\n".join(process.output)


def overlap(a: Box, b: Box) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def boxes(page: Page, selector: str) -> list[Box]:
    found = [page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())]
    return [box for box in found if box is not None and box["width"] > 0 and box["height"] > 0]


def badge_box(page: Page) -> Box:
    badge = page.locator("#auth-off-banner")
    expect(badge).to_be_visible()
    box = badge.bounding_box()
    assert box is not None
    assert box["height"] >= 16, "too small to read"
    return box


def assert_covers_nothing(page: Page, badge: Box, selectors: list[str]) -> None:
    for selector in selectors:
        hits = [box for box in boxes(page, selector) if overlap(badge, box)]
        assert not hits, f"the badge {badge} covers {selector} at {hits}"


def topmost_at_centre(page: Page, box: Box) -> Any:
    """Nothing is drawn over the warning: the element at its centre is the warning itself."""
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    script = "([x, y]) => !!document.elementFromPoint(x, y)?.closest('#auth-off-banner')"
    return page.evaluate(script, [x, y])


@pytest.mark.parametrize(("width", "height"), KIOSK_SIZES)
def test_kiosk_bar_covers_no_tile(browser: Browser, demo: Demo, width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{demo.url}?kiosk=1&lang=en")
        expect(page.locator("a.site-tile")).to_have_count(SITES, timeout=30_000)
        expect(page.locator("a.site-tile .js-plotly-plot:has(.main-svg)")).to_have_count(
            SITES, timeout=30_000
        )
        badge = badge_box(page)
        assert_covers_nothing(
            page, badge, ["a.site-tile", ".js-plotly-plot", ".overview-head", ".fleet-totals", "#page"]
        )
        assert topmost_at_centre(page, badge)
        expect(page.locator("#auth-off-banner .auth-off-long")).to_be_visible()  # wide: the whole warning
        tiles = boxes(page, "a.site-tile")
        corner = max(tiles, key=lambda box: (box["y"], box["x"]))
        assert corner["x"] > width / 2, "the grid has a tile in the bottom-right corner"
        assert max(box["y"] + box["height"] for box in tiles) <= height, "the tiles still fit the screen"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"auth-off-kiosk-{width}x{height}.png"))
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height"), EMBED_SIZES)
def test_embed_bar_covers_no_part_of_the_panel(browser: Browser, demo: Demo, width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{demo.url}embed/cpu.util.cluster?site=fab-shenzhen&lang=en")
        expect(page.locator("#embed-graph .main-svg").first).to_be_visible(timeout=30_000)
        badge = badge_box(page)
        assert_covers_nothing(page, badge, [".js-plotly-plot", ".embed-header", ".embed-status", "#page"])
        assert topmost_at_centre(page, badge)
        root = boxes(page, ".embed-root")[0]
        assert root["y"] + root["height"] <= height + 0.5, "the panel still fits its frame"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"auth-off-embed-{width}x{height}.png"))
    finally:
        context.close()
