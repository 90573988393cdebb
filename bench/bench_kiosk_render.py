"""Kiosk first render for 16 sites, measured in Chromium.

Starts `i3plat simulate` (3 demo sites + 13 added over the control API, synthetic Prometheus)
and `i3plat serve` against it, waits until the poller has every site in the cache, then loads
`/?kiosk=1` `--runs` times in fresh pages and measures from navigation start until all tiles
show values and every tile's trend figure is drawn (`.main-svg`). Prints one JSON line:
`first_render_ms` (median), `min_ms`, `max_ms`, `dom_content_loaded_ms` (median), `sites`.

    .venv/bin/python bench/bench_kiosk_render.py [--sites 16] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
RENDERED_JS = """(n) => {
  const tiles = document.querySelectorAll('a.site-tile');
  if (tiles.length !== n) return false;
  for (const t of tiles) { if (!/\\d\\s*%/.test(t.querySelector('.tv-cpu').textContent)) return false; }
  return document.querySelectorAll('a.site-tile .main-svg').length >= n;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """`python -m i3plat.cli …` with its output collected (stopped by PID with SIGTERM)."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "i3plat.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        regex, deadline = re.compile(pattern), time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := regex.search(line):
                    return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"no {pattern!r} in output:\n" + "\n".join(self.lines[-30:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class KioskFleet:
    """A simulated federation with `sites` sites and a console polling it every `poll` seconds."""

    def __init__(self, sites: int, poll: float) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="i3plat-bench-kiosk-"))
        args = ["simulate", "--port", "0", "--data-dir", str(self.dir / "sim"), "--prometheus", "synthetic",
                "--kubeconfig-out", str(self.dir / "kubeconfig")]  # fmt: skip
        self.sim = Proc(args)
        self.console: Proc | None = None
        try:
            kubeconfig = self.sim.wait_for(r"kubeconfig: (\S+)").group(1)
            config = yaml.safe_load(Path(kubeconfig).read_text())
            cluster = config["clusters"][0]["cluster"]
            control = httpx.Client(
                base_url=cluster["server"] + "/_sim",
                verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
                headers={"Authorization": "Bearer " + config["users"][0]["user"]["token"]},
            )
            with control:
                existing = len(control.get("/state").json()["sites"])
                for i in range(max(0, sites - existing)):
                    body = {"name": f"plant-{i + 1:02d}", "nodes": 3 + i % 4, "gpu_nodes": i % 3}
                    control.post("/sites", json=body).raise_for_status()
            self.sites = max(sites, existing)
            port = free_port()
            env = {"KUBECONFIG": kubeconfig, "I3PLAT_DATA_DIR": str(self.dir / "console"),
                   "I3PLAT_POLL_INTERVAL": str(poll)}  # fmt: skip
            self.console = Proc(["serve", "--port", str(port)], env=env)
            self.console.wait_for(r"I3Plat console: http://")
            self.url = f"http://127.0.0.1:{port}/"
            self.wait_until_polled()
        except BaseException:
            self.close()
            raise

    def wait_until_polled(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                sites = httpx.get(self.url + "api/v1/sites", timeout=10).json()["sites"]
            except (httpx.HTTPError, ValueError, KeyError):
                sites = []
            if len(sites) == self.sites and all(s["last_poll"] for s in sites):
                return
            time.sleep(1)
        raise RuntimeError("the poller did not reach every site in time")

    def close(self) -> None:
        if self.console is not None:
            self.console.stop()
        self.sim.stop()


def measure(url: str, sites: int, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    renders, dcl = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs + 1):  # the first load only warms the HTTP cache (bundles)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(url + "?kiosk=1")
                page.wait_for_function(RENDERED_JS, arg=sites, polling="raf", timeout=120_000)
                renders.append(page.evaluate("performance.now()"))
                dcl.append(
                    page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
                )
                page.close()
        finally:
            browser.close()
    renders, dcl = renders[1:], dcl[1:]
    return {
        "bench": "kiosk_first_render",
        "sites": sites,
        "runs": runs,
        "first_render_ms": round(statistics.median(renders)),
        "min_ms": round(min(renders)),
        "max_ms": round(max(renders)),
        "dom_content_loaded_ms": round(statistics.median(dcl)),
        "viewport": "1920x1080",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fleet = KioskFleet(args.sites, poll=15)
    try:
        print(json.dumps(measure(fleet.url, fleet.sites, args.runs)), flush=True)
    finally:
        fleet.close()


if __name__ == "__main__":
    main()
