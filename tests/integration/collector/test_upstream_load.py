"""N viewers cost the sites what one does: API clients never cause upstream requests of their own.

The real poller (`PollerService`, APScheduler jobs every 5 s) and the real console app behind a
threaded HTTP server run against the simulated federation with real Prometheus. 1 and then 30
concurrent API clients read the site list and every live series (every live metric, plus per-node
views) while the simulator counts every proxied request.

Counting covers whole poll cycles, so scheduler jitter or a poll slowed down by the load cannot
flake it: each site is counted from the end of one of its polls (or from now, when none is under
way) to the end of its second poll after that. Each phase therefore holds exactly two polls of
every site, `2 × len(STANDARD_WINDOWS) × sites` requests if the viewers cause none (one
combined query per window and site). If the series
route asked upstream for live windows (on demand), even one client would touch dozens of new query
keys per phase and the count would jump well past 10 % (checked by hand: +25-40 %, plus 429s).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from i3plat.app import build_services, create_app
from i3plat.collector.poller import STANDARD_WINDOWS
from i3plat.collector.service import build_poller_service
from i3plat.collector.standard import LIVE_METRICS
from i3plat.federation_sim import RunningFederation
from i3plat.serving import start_server
from i3plat.settings import Settings
from i3plat.webctx import Services
from tests.integration.collector.conftest import SITE_NAMES
from tests.support.procs import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]
INTERVAL = 5.0
CYCLES = 2
PAUSE = 0.1
"""Seconds a client waits between two requests (30 clients still keep the server saturated)."""
POLLS_TIMEOUT = 120.0
"""Room for the polls to end, not a speed target: here the 30 clients, the server and the poller
share one process (GIL), and on a loaded 2-core box a poll can outlast its 5 s interval, so
APScheduler skips runs (CI once needed more than 25 s for 3 polls). The count is per whole poll,
so waiting longer cannot change what is counted."""


@dataclass
class Console:
    base: str
    services: Services


@pytest.fixture
def console(federation: RunningFederation, tmp_path: Path) -> Iterator[Console]:
    settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=INTERVAL)
    services = build_services(settings)
    polling = build_poller_service(settings, services.access, services.store)
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # one access-log line per request would only add noise
    server, serving = start_server(create_app(settings, services).server, "127.0.0.1", 0)
    poller_thread = polling.start_in_thread()
    try:
        yield Console(f"http://127.0.0.1:{server.server_port}", services)
    finally:
        polling.stop()
        server.shutdown()
        serving.join(5)
        poller_thread.join(INTERVAL)
        polling.poller.close()
        services.close()
        werkzeug_log.setLevel(level)


class PollWatch:
    """Samples, every 20 ms, each site's last poll attempt and the simulator's count for the site.

    A poll records its attempt only after its last upstream answer, and the next poll of the same
    site cannot start before that: the count seen when an attempt first shows up is therefore the
    count up to the end of that poll, and the difference between two such counts is exactly what
    the polls in between (and anybody else) asked of the site.
    """

    def __init__(self, federation: RunningFederation, services: Services) -> None:
        self.federation, self.services = federation, services
        self.ends: dict[str, list[tuple[float, int]]] = {site: [] for site in SITE_NAMES}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _attempts(self) -> dict[str, float | None]:
        return {s: (r.last_attempt_at if (r := self.services.store.site(s)) else None) for s in SITE_NAMES}

    def _sample(self) -> None:
        last = self._attempts()  # a poll may be under way: start from the next one that ends
        while not self._stop.wait(0.02):
            attempts = self._attempts()
            now, counts = time.monotonic(), self.federation.counters()["sites"]
            for site, attempt in attempts.items():
                if attempt is not None and attempt != last[site]:
                    self.ends[site].append((now, counts[site]["total"]))
                    last[site] = attempt

    def ends_after(self, site: str, moment: float) -> list[tuple[float, int]]:
        return [end for end in list(self.ends[site]) if end[0] > moment]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def series_paths(services: Services) -> list[str]:
    """Every live series of every site, whole and per node: dozens of distinct cache keys."""
    paths = []
    for site in SITE_NAMES:
        base = f"/api/v1/sites/{site}/series?range=1h&metric="
        paths += [base + metric for metric in LIVE_METRICS]
        panel = services.store.panel(site, "cpu.util.node", "1h")
        assert panel is not None and panel.series
        paths += [base + f"cpu.util.node&node={s.labels['node']}" for s in panel.series]
    return paths


class Clients:
    """`count` threads that, once started, cycle through `paths` until stopped."""

    def __init__(self, base: str, paths: list[str], count: int) -> None:
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._go = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(base, paths, number), daemon=True)
            for number in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, base: str, paths: list[str], number: int) -> None:
        order = ["/api/v1/sites", *paths]
        index = random.Random(number).randrange(len(order))
        mine: Counter[int] = Counter()
        with httpx.Client(base_url=base, timeout=30.0, trust_env=False) as http:
            self._go.wait()
            while not self._stop.is_set():
                mine[http.get(order[index % len(order)]).status_code] += 1
                index += 1
                self._stop.wait(PAUSE)
        with self._lock:
            self.statuses.update(mine)

    def start(self) -> None:
        self._go.set()

    def stop(self) -> Counter[int]:
        self._stop.set()
        self._go.set()
        for thread in self._threads:
            thread.join(30)
        return self.statuses


def measure(
    watch: PollWatch, base: str, paths: list[str], clients: int
) -> tuple[dict[str, int], Counter[int]]:
    """Upstream requests per site over `CYCLES` whole polls of it, with `clients` reading the API.

    A site's count starts now if none of its polls is under way (nothing was asked since its last
    poll ended), else when that poll ends; it stops when the `CYCLES`-th poll after that ends.
    """
    counts = {site: c["total"] for site, c in watch.federation.counters()["sites"].items()}
    began = time.monotonic()
    idle = {s: bool(watch.ends[s]) and watch.ends[s][-1][1] == counts[s] for s in SITE_NAMES}
    needed = {s: CYCLES if idle[s] else CYCLES + 1 for s in SITE_NAMES}
    crowd = Clients(base, paths, clients)
    crowd.start()
    try:

        def enough_polls() -> bool:
            return all(len(watch.ends_after(s, began)) >= needed[s] for s in SITE_NAMES)

        wait_for(enough_polls, POLLS_TIMEOUT, f"{CYCLES} whole polls of every site")
    finally:
        statuses = crowd.stop()
    counted = {}
    for site in SITE_NAMES:
        ends = watch.ends_after(site, began)
        start = counts[site] if idle[site] else ends[0][1]
        counted[site] = ends[needed[site] - 1][1] - start
    return counted, statuses


def test_thirty_viewers_cost_the_sites_what_one_does(console: Console, federation: RunningFederation) -> None:
    services = console.services

    def polled_once() -> bool:
        return all((r := services.store.site(s)) and r.last_success_at and not r.failure for s in SITE_NAMES)

    watch = PollWatch(federation, services)
    try:
        wait_for(polled_once, 3 * INTERVAL, "a first successful poll of every site")
        paths = series_paths(services)
        one_site, one_statuses = measure(watch, console.base, paths, 1)
        many_site, many_statuses = measure(watch, console.base, paths, 30)
    finally:
        watch.stop()

    per_site = {"1 client": one_site, "30 clients": many_site}
    totals = {phase: sum(sites.values()) for phase, sites in per_site.items()}
    expected = CYCLES * len(STANDARD_WINDOWS) * len(SITE_NAMES)
    report = f"upstream {per_site}, poller alone {expected}; API answers {one_statuses}, {many_statuses}"
    assert set(one_statuses) == {200} and set(many_statuses) == {200}, report
    assert one_statuses[200] >= 20 and many_statuses[200] >= 2 * one_statuses[200], report
    for total in totals.values():
        assert abs(total - expected) <= 0.1 * expected, report
    assert abs(totals["30 clients"] - totals["1 client"]) <= 0.1 * totals["1 client"], report
