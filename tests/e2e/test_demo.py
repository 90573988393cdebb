"""The README's demo, driven like a person would: start `i3plat demo`, open the URL, read the sites."""

from __future__ import annotations

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
    rows = page.locator("tr.site-row")
    expect(rows).to_have_count(3, timeout=30_000)
    expect(page.locator("#overview-title")).to_have_text("站点")
    badges = page.locator("tr.site-row .ready-badge")
    expect(badges).to_have_count(3)
    for text in badges.all_inner_texts():
        assert text in {"就绪", "未就绪", "未知"}
    names = [n.strip() for n in page.locator("tr.site-row .site-name").all_inner_texts()]
    assert len(set(names)) == 3 and all(name.startswith("fab-") for name in names)


def test_language_switch_is_remembered(page: Page, demo_url: str) -> None:
    page.goto(demo_url)
    expect(page.locator("#overview-title")).to_have_text("站点", timeout=30_000)
    page.locator("#lang-en").click()
    expect(page.locator("#overview-title")).to_have_text("Sites", timeout=30_000)
    expect(page.locator("tr.site-row .ready-badge").first).to_have_text("Ready")
    page.goto(demo_url)  # no ?lang= any more: the cookie keeps English
    expect(page.locator("#overview-title")).to_have_text("Sites", timeout=30_000)
    page.locator("#lang-zh_CN").click()
    expect(page.locator("#overview-title")).to_have_text("站点", timeout=30_000)
