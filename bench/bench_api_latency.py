"""API latency under 50 concurrent clients: a live series from the cache vs the same data from Prometheus.

One simulated site with a real Prometheus 2.42 (backfilled). The console runs in a child process
(as under `i3plat serve`: werkzeug's threaded server from `i3plat.serving.start_server`, the real
`create_app`), after one `Poller.poll_all()` filled its snapshot cache. Then `--clients` threads,
each with its own keep-alive httpx clients, ask side by side:

- cache:  GET  /api/v1/sites/{site}/series?metric=cpu.util.node&range=1h   (served from the cache)
- direct: POST {prometheus}/api/v1/query_range with the query, start, end and step the poller
          rendered for that panel (what a console without a cache would have to ask per viewer).

The two run in alternating rounds (which one goes first alternates too) so machine noise hits
both; in each round every client asks one side back to back for `--seconds`. Both answers are checked
to carry the same series and points. Prints one JSON line with p50/p95 per side and their ratios;
target: cache p95 ≤ 0.5 × direct p95.

    .venv/bin/python bench/bench_api_latency.py [--clients 50] [--seconds 6] [--rounds 4]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from i3plat.federation_sim import FederationConfig, PrometheusBackend, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for
from i3plat.federation_sim.prometheus import RealPrometheusBackend
from i3plat.settings import Settings

SITE = "fab-bench"
Ask = Callable[[httpx.Client], httpx.Response]
METRIC = "cpu.util.node"


def run_console(conn: Connection, kubeconfig: str, data_dir: str) -> None:
    """Child process: one poll, then serve the console until the parent says stop."""
    from i3plat.app import build_services, create_app
    from i3plat.collector.poller import Poller
    from i3plat.collector.standard import LIVE_WINDOW
    from i3plat.promql.render import render_query
    from i3plat.promql.timerange import rate_window
    from i3plat.serving import start_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    settings = Settings(kubeconfig=Path(kubeconfig), data_dir=Path(data_dir), poll_interval=15.0)
    services = build_services(settings)
    poller = Poller(settings, services.access, services.store)
    results = poller.poll_all()
    record = services.store.panel(SITE, METRIC, LIVE_WINDOW)
    site = results.get(SITE)
    if site is None or site.failure is not None or record is None or record.step is None:
        conn.send({"error": f"the poll failed: {site and site.failure}"})
        return
    profile = services.access.prometheus(SITE).profile
    expr = render_query(
        services.catalog, METRIC, profile, rate_window=rate_window(record.step, profile.scrape_interval)
    )
    server, thread = start_server(create_app(settings, services).server, "127.0.0.1", 0)
    conn.send({
        "port": server.server_port, "query": expr, "start": record.start, "end": record.end,
        "step": record.step,
    })  # fmt: skip
    try:
        conn.recv()
    finally:
        server.shutdown()
        thread.join(10)
        poller.close()
        services.close()
    conn.send(None)


class Clients:
    """`count` threads, each with one keep-alive httpx client per side, run in timed rounds."""

    def __init__(self, count: int, sides: dict[str, Ask]) -> None:
        self.sides = sides
        self.side = ""
        self.deadline = 0.0
        self.latencies: dict[str, list[float]] = {name: [] for name in sides}
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._start = threading.Barrier(count + 1)
        self._done = threading.Barrier(count + 1)
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        https = {name: httpx.Client(timeout=120.0, trust_env=False) for name in self.sides}
        try:
            for name, ask in self.sides.items():  # open each keep-alive connection once, unmeasured
                self._check(ask(https[name]))
            while True:
                self._start.wait()
                if not self.side:
                    return
                ask, http, mine = self.sides[self.side], https[self.side], []
                while time.perf_counter() < self.deadline:
                    began = time.perf_counter()
                    response = ask(http)
                    mine.append((time.perf_counter() - began) * 1000.0)
                    self._check(response)
                with self._lock:
                    self.latencies[self.side] += mine
                self._done.wait()
        finally:
            for http in https.values():
                http.close()

    def _check(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            with self._lock:
                self.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

    def round(self, side: str, seconds: float) -> None:
        """Every client asks `side` back to back for `seconds` (the last request may run over)."""
        self.side, self.deadline = side, time.perf_counter() + seconds
        self._start.wait()
        self._done.wait()

    def close(self) -> None:
        self.side = ""
        self._start.wait()
        for thread in self._threads:
            thread.join()


def shape(series: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Node and number of points of each series (the two sides label them differently)."""
    return sorted(
        (s.get("labels", s.get("metric", {})).get("node", ""), len(s.get("points", s.get("values", []))))
        for s in series
    )


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=6.0, help="per side and round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of both sides, alternating")
    args = parser.parse_args()

    backends: dict[str, RealPrometheusBackend] = {}
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="i3plat-bench-api-") as tmp:
        root = Path(tmp)
        real = backend_factory_for("real", root / "prom", wobble=0.0, history_hours=1.5)
        assert real is not None

        def keep(spec: SiteSpec, data_dir: Path) -> PrometheusBackend | None:
            backend = real(spec, data_dir)
            if isinstance(backend, RealPrometheusBackend):
                backends[spec.name] = backend
            return backend

        spec = SiteSpec(name=SITE, nodes=4, gpu_nodes=2, gpus_per_node=8)
        config = FederationConfig(sites=[spec], data_dir=root / "sim", prometheus="real")
        with start_federation(config, keep) as federation:
            parent_end, child_end = ctx.Pipe()
            child = ctx.Process(
                target=run_console,
                args=(child_end, str(federation.kubeconfig_path), str(root / "console")),
                daemon=True,
            )
            child.start()
            try:
                if not parent_end.poll(120):
                    raise SystemExit("the console did not start within 120 s")
                ready: dict[str, Any] = parent_end.recv()
                if "error" in ready:
                    raise SystemExit(ready["error"])
                cache_url = f"http://127.0.0.1:{ready['port']}/api/v1/sites/{SITE}/series"
                cache_params = {"metric": METRIC, "range": "1h"}
                direct_url = f"{backends[SITE].process.url}/api/v1/query_range"
                form = {k: str(ready[k]) for k in ("query", "start", "end", "step")}

                def ask_cache(http: httpx.Client) -> httpx.Response:
                    return http.get(cache_url, params=cache_params)

                def ask_direct(http: httpx.Client) -> httpx.Response:
                    return http.post(direct_url, data=form)

                with httpx.Client(timeout=60.0, trust_env=False) as http:
                    cached = ask_cache(http).json()
                    direct = ask_direct(http).json()
                same_data = shape(cached["series"]) == shape(direct["data"]["result"])

                load = [os.getloadavg()[0]]
                clients = Clients(args.clients, {"cache": ask_cache, "direct": ask_direct})
                try:
                    for round_no in range(args.rounds):
                        order = ("cache", "direct") if round_no % 2 == 0 else ("direct", "cache")
                        for name in order:
                            clients.round(name, args.seconds)
                finally:
                    clients.close()
                load.append(os.getloadavg()[0])
                if clients.errors:
                    raise SystemExit(f"{len(clients.errors)} failed requests, e.g. {clients.errors[0]}")
                latencies = clients.latencies
            finally:
                parent_end.send("stop")
                parent_end.poll(30)
                child.join(30)
                if child.is_alive():
                    child.terminate()

    cache, direct_ms = latencies["cache"], latencies["direct"]
    result = {
        "bench": "api_latency",
        "clients": args.clients,
        "cache_requests": len(cache),
        "direct_requests": len(direct_ms),
        "series": len(cached["series"]),
        "points": sum(len(s["points"]) for s in cached["series"]),
        "same_data": same_data,
        "cache_ms_p50": round(statistics.median(cache), 2),
        "cache_ms_p95": round(p95(cache), 2),
        "direct_ms_p50": round(statistics.median(direct_ms), 2),
        "direct_ms_p95": round(p95(direct_ms), 2),
        "cache_vs_direct_p50": round(statistics.median(cache) / statistics.median(direct_ms), 3),
        "cache_vs_direct_p95": round(p95(cache) / p95(direct_ms), 3),
        "target_cache_vs_direct_p95_max": 0.5,
        "target_met": p95(cache) <= 0.5 * p95(direct_ms),
        "load_avg_1m": [round(x, 2) for x in load],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
