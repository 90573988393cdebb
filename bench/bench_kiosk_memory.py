"""Kiosk browser memory over a long run of 1 s refreshes (target: JS heap growth ≤ 10 %).

Same fleet as `bench_kiosk_render.py` (16 sites by default, poller every 5 s so trends move),
the page at `/?kiosk=1&refresh=1` (the page re-reads the cache every second). After the first
minute and again after `--duration` seconds, a forced GC through CDP
(`HeapProfiler.collectGarbage`) precedes reading `performance.memory.usedJSHeapSize` and the
DOM node count. Prints one JSON line with both figures and `heap_growth` (end / first − 1).

    .venv/bin/python bench/bench_kiosk_memory.py [--duration 3600] [--sites 16]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench_kiosk_render import CHROMIUM, CHROMIUM_ARGS, RENDERED_JS, KioskFleet

WARM_UP_S = 60


def sample(page: Any, cdp: Any) -> dict[str, int]:
    for _ in range(3):
        cdp.send("HeapProfiler.collectGarbage")
    return {
        "heap": int(page.evaluate("performance.memory.usedJSHeapSize")),
        "dom": int(page.evaluate("document.getElementsByTagName('*').length")),
        "points": int(
            page.evaluate(
                "Array.from(document.querySelectorAll('.js-plotly-plot'))"
                ".reduce((n, g) => n + (g.data || []).reduce((m, t) => m + (t.x || []).length, 0), 0)"
            )
        ),
    }


def run(url: str, sites: int, duration: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--enable-precise-memory-info"]
        )
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            responses = {"ok": 0, "failed": 0}

            def count(response: Any) -> None:
                if "_dash-update-component" in response.url:
                    responses["ok" if response.ok else "failed"] += 1

            page.on("response", count)
            cdp = page.context.new_cdp_session(page)
            started = time.monotonic()
            page.goto(url + "?kiosk=1&refresh=1")
            page.wait_for_function(RENDERED_JS, arg=sites, polling="raf", timeout=120_000)
            page.wait_for_timeout(max(0.0, WARM_UP_S - (time.monotonic() - started)) * 1000)
            first = sample(page, cdp)
            page.wait_for_timeout(max(0.0, duration - (time.monotonic() - started)) * 1000)
            end = sample(page, cdp)
            navigations = int(page.evaluate("performance.getEntriesByType('navigation').length"))
        finally:
            browser.close()
    return {
        "bench": "kiosk_memory",
        "sites": sites,
        "duration_s": round(time.monotonic() - started),
        "refresh_s": 1,
        "heap_first_minute_bytes": first["heap"],
        "heap_end_bytes": end["heap"],
        "heap_growth": round(end["heap"] / first["heap"] - 1, 4),
        "target_growth": 0.10,
        "dom_nodes_first_minute": first["dom"],
        "dom_nodes_end": end["dom"],
        "trend_points_first_minute": first["points"],
        "trend_points_end": end["points"],
        "callback_responses": responses,
        "navigations": navigations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds in all (≥ 90)")
    parser.add_argument("--sites", type=int, default=16)
    args = parser.parse_args()
    fleet = KioskFleet(args.sites, poll=5)
    try:
        print(json.dumps(run(fleet.url, fleet.sites, max(90.0, args.duration))), flush=True)
    finally:
        fleet.close()


if __name__ == "__main__":
    main()
