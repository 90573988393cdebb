"""The README's demo, driven like a person would: start `i3plat demo`, open the URL, read the sites."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.procs import ConsoleProcess, free_port


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("demo")
    port = free_port()
    demo = ConsoleProcess(
        ["demo", "--port", str(port), "--data-dir", str(data_dir), "--prometheus", "synthetic"]
    )
    try:
        match = demo.wait_for_line(r"I3Plat console: (http://127\.0\.0\.1:\d+/)", timeout=60)
        yield match.group(1)
    finally:
        assert demo.stop() == 0, "\n".join(demo.output)


def test_demo_lists_three_sites_with_ready_state(page: Page, demo_url: str) -> None:
    page.goto(demo_url)
    tiles = page.locator("a.site-tile")
    expect(tiles).to_have_count(3, timeout=30_000)
    expect(page.locator("#overview-title")).to_have_text("站点")
    states = page.locator("a.site-tile .tv-state")
    expect(states).to_have_count(3)
    for index in range(3):
        expect(states.nth(index)).to_have_text(re.compile("^(就绪|未就绪|未知|无法连接)$"), timeout=30_000)
    names = [n.strip() for n in page.locator("a.site-tile .tile-name").all_inner_texts()]
    assert len(set(names)) == 3 and all(name.startswith("fab-") for name in names)


def test_language_switch_is_remembered(page: Page, demo_url: str) -> None:
    page.goto(demo_url)
    expect(page.locator("#overview-title")).to_have_text("站点", timeout=30_000)
    page.locator("#lang-en").click()
    expect(page.locator("#overview-title")).to_have_text("Sites", timeout=30_000)
    expect(page.locator("a.site-tile .tv-state").first).to_have_text("Ready", timeout=30_000)
    page.goto(demo_url)  # no ?lang= any more: the cookie keeps English
    expect(page.locator("#overview-title")).to_have_text("Sites", timeout=30_000)
    page.locator("#lang-zh_CN").click()
    expect(page.locator("#overview-title")).to_have_text("站点", timeout=30_000)
