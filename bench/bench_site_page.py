"""Site page: bytes per refresh per panel (update vs full figure) and site switch time, in Chromium.

Starts `i3plat demo` (synthetic Prometheus, poll interval 5 s), opens `/sites/fab-shenzhen`
with a 5 s refresh, and records every `/_dash-update-component` response of the panel
callbacks. Each is classified by what it carries: a full figure with data (first render, or a
redraw when traces or scale changed), an update (the `panel-*-delta` that `site.js` applies to
the figure with a clientside `dash.Patch`, or a server `Patch`), or nothing new (204). The
`patch_*` figures compare each panel's median update with its last full figure; sizes are the
JSON body (decoded) and the bytes on the wire (gzip from flask-compress). Then it clicks
another site in the switcher and times until all 13 panels are drawn with data. Prints one
JSON line.

    .venv/bin/python bench/bench_site_page.py [--seconds 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Response, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.procs import ConsoleProcess, free_port  # noqa: E402

PANELS_DRAWN = """() => {
    const plots = document.querySelectorAll('.site-panel .js-plotly-plot');
    return plots.length === 13 && document.querySelector('#site-name').innerText === '%s' &&
        Array.from(plots).every(p => p.data && p.data.length > 0 && p.querySelector('.main-svg'));
}"""


def panel_of(response: Response) -> str | None:
    body = response.request.post_data or ""
    if '"output":"..panel-' not in body:
        return None
    return str(json.loads(body)["output"]).split("..")[1].removesuffix("-graph.figure")


def kind_of(panel: str, status: int, body: bytes) -> str:
    """full (a figure with data), update (delta or Patch), empty (no data yet), or none (204)."""
    if status != 200:
        return "none"
    outputs = json.loads(body).get("response", {})
    figure = outputs.get(f"{panel}-graph", {}).get("figure")
    if isinstance(figure, dict) and "__dash_patch_update" not in figure:
        return "full" if figure.get("data") else "empty"
    if figure is not None or f"{panel}-delta" in outputs:
        return "update"
    return "other"  # only the status line or the client state changed


def measure(base: str, seconds: float) -> dict[str, Any]:
    records: list[dict[str, Any]] = []

    def on_response(response: Response) -> None:
        if "_dash-update-component" not in response.url:
            return
        panel = panel_of(response)
        if panel is None:
            return
        body = response.body() if response.status == 200 else b""
        wire = response.request.sizes()["responseBodySize"]
        records.append({"panel": panel, "status": response.status, "json": len(body), "wire": wire,
                        "kind": kind_of(panel, response.status, body), "at": time.monotonic()})  # fmt: skip

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.on("response", on_response)
        page.goto(f"{base}/sites/fab-shenzhen?range=1h&refresh=5s")
        page.wait_for_function(PANELS_DRAWN % "fab-shenzhen", timeout=180_000)
        page.wait_for_timeout(seconds * 1000)
        ticks_seen = len(records)
        began = time.monotonic()
        page.locator("#site-switch").click()
        page.get_by_role("option", name="fab-suzhou", exact=True).click()
        page.wait_for_function(PANELS_DRAWN % "fab-suzhou", timeout=180_000, polling=50)
        switch_s = time.monotonic() - began
        page.remove_listener("response", on_response)  # responses still arriving would outlive the page
        browser.close()
    per_panel: dict[str, dict[str, Any]] = {}
    for panel in sorted({r["panel"] for r in records[:ticks_seen]}):
        mine = [r for r in records[:ticks_seen] if r["panel"] == panel]
        fulls = [r for r in mine if r["kind"] == "full"]
        if not fulls:
            continue
        full = fulls[-1]  # the figure the updates after it apply to
        ticks = mine[mine.index(fulls[0]) + 1 :]
        patches = [r for r in ticks if r["kind"] == "update"]
        per_panel[panel] = {
            "full_json": full["json"], "full_wire": full["wire"], "full_figures": len(fulls),
            "full_at_s": [round(r["at"] - fulls[0]["at"], 1) for r in fulls],
            "ticks": len(ticks), "patches": len(patches),
            "empty_ticks": sum(1 for r in ticks if r["kind"] == "none"),
            "patch_json_median": statistics.median(r["json"] for r in patches) if patches else None,
            "patch_wire_median": statistics.median(r["wire"] for r in patches) if patches else None,
            "per_tick_json_mean": statistics.mean(r["json"] for r in ticks) if ticks else None,
        }  # fmt: skip
    with_patches = [v for v in per_panel.values() if v["patch_json_median"]]
    patch_ratio = [v["patch_json_median"] / v["full_json"] for v in with_patches]
    wire_ratio = [v["patch_wire_median"] / v["full_wire"] for v in with_patches if v["full_wire"] > 0]
    tick_ratio = [
        v["per_tick_json_mean"] / v["full_json"] for v in per_panel.values() if v["per_tick_json_mean"]
    ]
    return {
        "bench": "site_page",
        "observed_seconds": seconds,
        "update_kind": "delta store, applied by site.js as a clientside dash Patch",
        "panels": per_panel,
        "patch_vs_full_json_ratio_median": round(statistics.median(patch_ratio), 4) if patch_ratio else None,
        "patch_vs_full_json_ratio_max": round(max(patch_ratio), 4) if patch_ratio else None,
        "patch_vs_full_wire_ratio_median": round(statistics.median(wire_ratio), 4) if wire_ratio else None,
        "per_refresh_vs_full_json_ratio_median": round(statistics.median(tick_ratio), 4)
        if tick_ratio
        else None,
        "target_ratio": 0.05,
        "site_switch_seconds": round(switch_s, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0, help="how long to watch refresh ticks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        port = free_port()
        demo = ConsoleProcess(
            ["demo", "--port", str(port), "--data-dir", tmp, "--prometheus", "synthetic"],
            env={"I3PLAT_POLL_INTERVAL": "5"},
            cwd=ROOT,
        )
        try:
            match = demo.wait_for_line(r"I3Plat console: (http://127\.0\.0\.1:\d+/)", timeout=60)
            result = measure(match.group(1).rstrip("/"), args.seconds)
        finally:
            demo.stop()
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
