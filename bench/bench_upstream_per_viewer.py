"""Upstream requests per minute with 1 viewer vs 50 viewers: N viewers must cost the sites what one does.

A few simulated sites with the synthetic Prometheus (simulator in this process); the console is
the real `i3plat serve` (child process, embedded poller = `PollerService` with its APScheduler
jobs, poll interval 5 s). The viewers are threads in another child process; each, every
`--view-every` seconds, asks the JSON API for the site list and, for every site, three live 1 h
series (cpu.util.node, mem.util.cluster, net.rx.node), one per-node live series and one 6 h range
(on demand: single-flight, cached, rate-limited).

Two phases of `--seconds` each (rounded to whole poll intervals), 1 viewer then `--viewers`. Each
phase starts when the sites have been quiet for a moment (between two polls) and lasts whole
intervals, so both phases cover the same number of poll cycles. Upstream requests are counted by
the simulator (every proxied request naming a site). Target: per-minute ratio 50 viewers / 1
viewer ≤ 1.1. A low ratio is no win if the poller fell behind under the API load, so the site
polls are also counted (from the console's snapshot store, read-only): `site_polls_in_window`
(vs `scheduled_site_polls_per_phase`, → `poller_kept_up`) and, after the viewers stopped and the
sites went quiet again, `upstream_per_site_poll` (len(STANDARD_WINDOWS): one combined query per
window, plus the odd 6 h
on-demand query; it would grow if viewers caused upstream requests).

    .venv/bin/python bench/bench_upstream_per_viewer.py [--sites 3] [--viewers 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

import httpx

from i3plat.collector.poller import STANDARD_WINDOWS
from i3plat.collector.store import SnapshotStore
from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for

INTERVAL = 5.0
LIVE = ("cpu.util.node", "mem.util.cluster", "net.rx.node")
ON_DEMAND = ("cpu.util.cluster", "6h")


def upstream_total(federation: RunningFederation) -> int:
    return sum(site["total"] for site in federation.counters()["sites"].values())


def wait_quiet(federation: RunningFederation, quiet: float, timeout: float) -> None:
    """Return once no upstream request was counted for `quiet` seconds (between two polls)."""
    deadline = time.monotonic() + timeout
    last, since = upstream_total(federation), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now_total = upstream_total(federation)
        if now_total != last:
            last, since = now_total, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise SystemExit(f"the sites were never quiet for {quiet} s within {timeout} s")


def viewer_paths(sites: list[str], nodes: dict[str, str]) -> list[str]:
    """What one viewer asks per refresh: the site list, then four live series and a 6 h range per site."""
    paths = ["/api/v1/sites"]
    for site in sites:
        series = f"/api/v1/sites/{site}/series"
        paths += [f"{series}?metric={metric}&range=1h" for metric in LIVE]
        paths.append(f"{series}?metric=cpu.util.node&range=1h&node={nodes[site]}")
        paths.append(f"{series}?metric={ON_DEMAND[0]}&range={ON_DEMAND[1]}")
    return paths


def run_viewers(conn: Connection, base: str, paths: list[str], count: int, every: float) -> None:
    """Child process: on `go`, `count` viewer threads refresh every `every` s until `stop`."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def view(number: int) -> None:
        rng = random.Random(number)
        mine: Counter[int] = Counter()
        with httpx.Client(base_url=base, timeout=60.0, trust_env=False) as http:
            next_at = time.monotonic() + rng.uniform(0, every)  # viewers do not refresh in step
            while not stop.wait(max(0.0, next_at - time.monotonic())):
                for path in paths:
                    mine[http.get(path).status_code] += 1
                next_at += every
        with lock:
            statuses.update(mine)

    conn.send("ready")
    conn.recv()
    threads = [threading.Thread(target=view, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    conn.recv()
    stop.set()
    for thread in threads:
        thread.join()
    conn.send(dict(statuses))


class PollWatch:
    """Samples every site's `last_attempt_at` from the console's snapshot store (read-only use)."""

    def __init__(self, store: SnapshotStore, sites: list[str]) -> None:
        self.store, self.sites = store, sites
        self.attempts: set[tuple[str, float]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for site in self.sites:
                record = self.store.site(site)
                if record is not None and record.last_attempt_at is not None:
                    self.attempts.add((site, record.last_attempt_at))

    def count(self, after: float, until: float) -> int:
        return sum(1 for _site, at in list(self.attempts) if after < at <= until)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def start_console(kubeconfig: Path, data_dir: Path, log: IO[str]) -> tuple[subprocess.Popen[str], str]:
    """`i3plat serve` on a free loopback port with the embedded poller; returns (process, base URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("I3PLAT_")}
    env |= {
        "KUBECONFIG": str(kubeconfig), "I3PLAT_DATA_DIR": str(data_dir),
        "I3PLAT_POLL_INTERVAL": str(INTERVAL), "I3PLAT_AUTH": "off", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "i3plat.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r"I3Plat console: (http://127\.0\.0\.1:\d+)/", line):
            threading.Thread(target=process.stdout.read, daemon=True).start()  # keep the pipe drained
            return process, match[1]
    process.wait()
    raise SystemExit(f"i3plat serve exited with {process.returncode}; see its log")


def wait_polled(base: str, sites: list[str], polls: int, timeout: float) -> None:
    """Until every site has been polled successfully `polls` more times (via the API's last_poll)."""
    seen: dict[str, set[str]] = {site: set() for site in sites}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=30.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            response = http.get("/api/v1/sites")
            if response.status_code == 200:
                for site in response.json()["sites"]:
                    if site["name"] in seen and site["last_poll"] and site.get("failure") is None:
                        seen[site["name"]].add(site["last_poll"])
                if all(len(polled) >= polls for polled in seen.values()):
                    return
            time.sleep(0.2)
    raise SystemExit(f"the sites were not polled {polls} times within {timeout} s: {seen}")


def phase(
    federation: RunningFederation, watch: PollWatch, base: str, paths: list[str], viewers: int,
    seconds: float, every: float,
) -> dict[str, Any]:  # fmt: skip
    """Viewers for whole intervals from a quiet moment; then, viewers gone, until quiet again."""
    conn, child_conn = mp.get_context("spawn").Pipe()
    crowd = mp.get_context("spawn").Process(
        target=run_viewers, args=(child_conn, base, paths, viewers, every), daemon=True
    )
    crowd.start()
    if not conn.poll(60):
        raise SystemExit("the viewers' process did not start")
    conn.recv()
    wait_quiet(federation, quiet=0.3, timeout=3 * INTERVAL)
    before, began, began_wall = upstream_total(federation), time.monotonic(), time.time()
    conn.send("go")
    time.sleep(max(0.0, began + seconds - time.monotonic()))
    upstream = upstream_total(federation) - before
    elapsed = time.monotonic() - began
    conn.send("stop")
    statuses: dict[int, int] = conn.recv()
    crowd.join(30)
    wait_quiet(federation, quiet=0.3, timeout=3 * INTERVAL)
    to_quiet, ended_wall = upstream_total(federation) - before, time.time()
    polls = watch.count(began_wall, ended_wall)
    in_window = watch.count(began_wall, began_wall + seconds)
    api = sum(statuses.values())
    return {
        "viewers": viewers,
        "seconds": round(elapsed, 2),
        "upstream_requests": upstream,
        "upstream_per_minute": round(upstream * 60.0 / seconds, 1),
        "site_polls_in_window": in_window,
        "site_polls_until_quiet": polls,
        "upstream_per_site_poll": round(to_quiet / polls, 2) if polls else None,
        "api_requests": api,
        "api_per_second": round(api / elapsed, 1),
        "api_statuses": {str(code): n for code, n in sorted(statuses.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="per phase, rounded to whole intervals")
    parser.add_argument("--view-every", type=float, default=5.0, help="seconds between a viewer's refreshes")
    args = parser.parse_args()
    seconds = max(1, round(args.seconds / INTERVAL)) * INTERVAL

    specs = [SiteSpec(name=f"fab-{i:02d}", nodes=3, gpu_nodes=1, gpus_per_node=2) for i in range(args.sites)]
    names = [spec.name for spec in specs]
    nodes = {spec.name: spec.node_infos()[-1].name for spec in specs}
    with tempfile.TemporaryDirectory(prefix="i3plat-bench-viewers-") as tmp:
        root = Path(tmp)
        factory = backend_factory_for("synthetic", root / "prom", wobble=0.0)
        config = FederationConfig(sites=specs, data_dir=root / "sim", prometheus="synthetic")
        with start_federation(config, factory) as federation, open(root / "console.log", "w") as log:
            console, base = start_console(federation.kubeconfig_path, root / "console", log)
            store: SnapshotStore | None = None
            try:
                wait_polled(base, names, polls=2, timeout=6 * INTERVAL)
                store = SnapshotStore(root / "console" / "cache")
                watch = PollWatch(store, names)
                paths = viewer_paths(names, nodes)
                one = phase(federation, watch, base, paths, 1, seconds, args.view_every)
                many = phase(federation, watch, base, paths, args.viewers, seconds, args.view_every)
                watch.stop()
            except BaseException:
                log.flush()
                print((root / "console.log").read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                if store is not None:
                    store.close()
                console.terminate()
                try:
                    console.wait(15)
                except subprocess.TimeoutExpired:
                    console.kill()
                    console.wait(5)

    polls = round(seconds / INTERVAL)
    ratio = many["upstream_per_minute"] / one["upstream_per_minute"]
    result = {
        "bench": "upstream_per_viewer",
        "sites": args.sites,
        "poll_interval_s": INTERVAL,
        "view_every_s": args.view_every,
        "api_paths_per_view": 1 + 5 * args.sites,
        "scheduled_site_polls_per_phase": polls * args.sites,
        "poller_only_requests_per_phase": polls * len(STANDARD_WINDOWS) * args.sites,
        "one": one,
        "many": many,
        "ratio_many_vs_one": round(ratio, 3),
        "ratio_per_site_poll_many_vs_one": round(
            many["upstream_per_site_poll"] / one["upstream_per_site_poll"], 3
        ),
        "target_ratio_max": 1.1,
        "target_met": ratio <= 1.1,
        "poller_kept_up": many["site_polls_in_window"] >= polls * args.sites - args.sites,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
