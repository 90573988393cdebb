"""Charts in Chromium against `i3plat demo`: dates in the viewer's language, GPU legends by node.

plotly.js gets its zh-CN locale in each graph's config (`figure_style.graph_config`), so a zh
page writes its date ticks and hover headers in Chinese and an en page keeps plotly's English.
The site page's modebar speaks the page's language and has no "Share chart..." (cloud upload)
button. A GPU panel of several nodes lists one legend entry per node, and clicking one hides
exactly that node's GPUs. One demo for the module; 1920-wide screenshots go to
artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from i3plat.federation_sim import demo_sites
from tests.support.procs import running_demo

expect.set_options(timeout=60_000)  # the first poll, then plotly's async load, on a busy 2-core box
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SITE = next(spec for spec in demo_sites() if spec.name == "fab-shenzhen")
GPU_NODES = [node.name for node in SITE.node_infos() if node.gpus]
ZH_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
EN_DATE = re.compile(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}")
TICKS = "Array.from(document.querySelectorAll('{graph} .xtick text')).map(t => t.textContent)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_demo(tmp_path_factory.mktemp("chart-demo")) as running:
        yield running.url


@pytest.fixture
def wide(browser: Browser) -> Iterator[Page]:
    """A fresh 1920-wide page in Shanghai time, without a remembered language."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, timezone_id="Asia/Shanghai")
    try:
        yield context.new_page()
    finally:
        context.close()


def wait_for_plot(page: Page, graph: str, traces: int) -> None:
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('{graph} .js-plotly-plot');
            return p && p.data && p.data.length === {traces} && p.querySelector('.main-svg .xtick'); }}""",
        timeout=90_000,
    )


def ticks(page: Page, graph: str) -> str:
    return " ".join(page.evaluate(TICKS.format(graph=graph)))


@pytest.mark.parametrize(
    ("lang", "date", "foreign"), [("zh_CN", ZH_DATE, EN_DATE), ("en", EN_DATE, ZH_DATE)], ids=["zh", "en"]
)
def test_embedded_gpu_panel_dates_and_legend(
    wide: Page, demo: str, lang: str, date: re.Pattern[str], foreign: re.Pattern[str]
) -> None:
    wide.goto(f"{demo}/embed/gpu.util.gpu?site={SITE.name}&range=24h&lang={lang}")
    wait_for_plot(wide, "#embed-graph", len(GPU_NODES) * SITE.gpus_per_node)
    labels = ticks(wide, "#embed-graph")
    assert date.search(labels) and not foreign.search(labels), labels
    expect(wide.locator("#embed-graph .legend .legendtext")).to_have_text(GPU_NODES)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide.screenshot(path=str(SCREENSHOTS / f"chart-embed-gpu-{lang}.png"))


@pytest.mark.parametrize(
    ("lang", "reset_axes"), [("zh_CN", "重置轴"), ("en", "Reset axes")], ids=["zh", "en"]
)
def test_site_gpu_panel_has_one_legend_entry_per_node(
    wide: Page, demo: str, lang: str, reset_axes: str
) -> None:
    wide.goto(f"{demo}/sites/{SITE.name}?lang={lang}")
    graph = "#panel-gpu-util-graph"
    wait_for_plot(wide, graph, len(GPU_NODES) * SITE.gpus_per_node)
    entries = wide.locator(f"{graph} .legend .traces")
    expect(entries.locator(".legendtext")).to_have_text(GPU_NODES)
    wide.locator(graph).hover()  # the modebar's buttons are named in the page's language
    expect(wide.locator(f'{graph} .modebar-btn[data-title="{reset_axes}"]')).to_have_count(1)
    share = wide.locator(f'{graph} .modebar-btn[data-title^="Share chart"]')
    expect(share).to_have_count(0)  # it would post the site's data to cloud.plotly.com
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide.screenshot(path=str(SCREENSHOTS / f"chart-site-legend-{lang}.png"), full_page=True)

    entries.nth(1).click()  # the second node: all of its GPUs go, the others stay
    hidden = f"""() => document.querySelector('{graph} .js-plotly-plot')._fullData
        .filter(t => t.visible === 'legendonly').map(t => t.legendgroup)"""
    handle = wide.wait_for_function(f"() => {{ const h = ({hidden})(); return h.length ? h : false; }}")
    assert handle.json_value() == [GPU_NODES[1]] * SITE.gpus_per_node
