"""One poll cycle of a big federation: 200 simulated sites × the standard set, 100 ms per request.

Every site gets `set_latency(site, 0.1)` in the simulated Karmada cluster proxy, so each upstream
request costs 100 ms of waiting, like a far-away factory. Behind the proxy each site has a trivial
`PrometheusBackend` (`FastBackend` below) that answers every /api/v1/query and /query_range with a
tiny valid vector/matrix (one series per sub-query of a combined query: the poller sends each
window's metrics as one request, `promql.batch`) and /api/v1/status/config with
`scrape_interval: 15s`: this benchmark
measures the poller's concurrency (global cap, per-site budget, thread pools, store writes), not
PromQL evaluation.

The simulator runs in a child process (the sites are other machines in production, and the
simulator must not compete with the poller for this process's GIL). The poller has the production
defaults (`PollBudget()`, `Settings` timeouts). One warm-up cycle detects every site's profile; then
`--cycles` cycles are measured with `Poller.poll_all()`. Upstream requests are counted by the
simulator; failed or skipped site polls are listed by cause. Figures:

- `cycle_s`: wall time of one `poll_all()` (median over the measured cycles);
- `sequential_s`: requests × latency, what polling one request after another would cost;
- `ideal_s`: latency × ceil(requests / global_concurrency), the best the global cap allows;
- `cycle_vs_ideal` (target ≤ 1.5) and `speedup_vs_sequential`;
- `ideal_one_query_per_metric_s`: the same ideal for a poller that sends one request per metric
  (`metrics_per_site` per site, the design this target was first written for), and the cycle
  measured against it. Since the poller combines each window's metrics into one query
  (`promql.batch`) it sends 2 requests per site, so its own ideal is tiny and the cycle is bound
  by per-site CPU (two HTTP exchanges, ~34 store writes) rather than by waiting;
- the per-site budget: a request is in flight at the proxy for the injected latency before the
  backend sees it, so requests of one site that reach the backend within one latency of each
  other were in flight together. `max_in_flight_per_site` is the largest such group (a lower
  bound of the true figure; budget: `per_site_concurrency`), `max_in_flight_global` the same over
  all sites (budget: `global_concurrency`), and `max_concurrent_handle_per_site` the literal count
  of concurrent `handle()` calls per site (tiny, since `handle()` itself is instant);
- `poller_cpu_s` (CPU time of this process during the cycle) and `poller_cpu_vs_cycle`: near 1.0
  means the cycle is bound by the poller's own CPU (one core under the GIL), not by waiting.
  Then the cycle is about requests × CPU per request, and `target_poller_cpu_ms_per_request_max`
  (1.5 × ideal / requests) is the CPU per request that would meet the target.

    .venv/bin/python bench/bench_poll_cycle.py [--sites 200] [--latency 0.1] [--cycles 1]
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import multiprocessing as mp
import os
import re
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson

from i3plat.app import build_services
from i3plat.collector.poller import STANDARD_TASKS, PollBudget, Poller
from i3plat.collector.records import SiteRecord
from i3plat.federation_sim import BackendResponse, FederationConfig, SiteSpec, start_federation
from i3plat.promql.batch import BATCH_LABEL
from i3plat.settings import Settings

CONFIG_YAML = "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\nscrape_configs: []\n"
LABELS = {"job": "node-exporter", "instance": "n1", "nodename": "n1", "node": "n1", "Hostname": "n1"}
BATCH_TAG = re.compile(r'"' + BATCH_LABEL + r'", "(\d+)"')
"""The tags of a combined query (`promql.batch`): one series per sub-query comes back."""


class Tracker:
    """Arrival times and concurrent `handle()` calls per site (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.current: dict[str, int] = defaultdict(int)
        self.max_concurrent: dict[str, int] = defaultdict(int)

    def enter(self, site: str) -> None:
        with self._lock:
            self.arrivals[site].append(time.monotonic())
            self.current[site] += 1
            self.max_concurrent[site] = max(self.max_concurrent[site], self.current[site])

    def leave(self, site: str) -> None:
        with self._lock:
            self.current[site] -= 1

    def reset(self) -> None:
        with self._lock:
            self.arrivals.clear()
            self.max_concurrent.clear()

    def summary(self, window: float) -> dict[str, Any]:
        with self._lock:
            per_site = {site: sorted(times) for site, times in self.arrivals.items()}
            handle = max(self.max_concurrent.values(), default=0)
        everything = sorted(t for times in per_site.values() for t in times)
        return {
            "max_in_flight_per_site": max((most_within(t, window) for t in per_site.values()), default=0),
            "max_in_flight_global": most_within(everything, window),
            "max_concurrent_handle_per_site": handle,
        }


def most_within(times: list[float], window: float) -> int:
    """The most sorted `times` inside any half-open interval [t, t + window)."""
    best = 0
    for i, began in enumerate(times):
        best = max(best, bisect.bisect_left(times, began + window, lo=i) - i)
    return best


class FastBackend:
    """A Prometheus that answers instantly with a one-series vector/matrix (see module docstring)."""

    def __init__(self, site: str, tracker: Tracker) -> None:
        self.site = site
        self.tracker = tracker

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str | None
    ) -> BackendResponse:
        self.tracker.enter(self.site)
        try:
            return self._answer(path, query_string, body)
        finally:
            self.tracker.leave(self.site)

    def _answer(self, path: str, query_string: str, body: bytes) -> BackendResponse:
        if path == "/api/v1/status/config":
            return ok({"yaml": CONFIG_YAML})
        form = parse_qs(query_string) | parse_qs(body.decode("latin-1"))
        tags = [{**LABELS, BATCH_LABEL: t} for t in BATCH_TAG.findall(form.get("query", [""])[0])] or [LABELS]
        if path == "/api/v1/query":
            at = float(form.get("time", [time.time()])[0])
            return ok({"resultType": "vector", "result": [{"metric": m, "value": [at, "0.5"]} for m in tags]})
        if path == "/api/v1/query_range":
            start, end = float(form["start"][0]), float(form["end"][0])
            points = [[start, "0.5"], [end, "0.5"]] if end > start else [[end, "0.5"]]
            return ok({"resultType": "matrix", "result": [{"metric": m, "values": points} for m in tags]})
        return BackendResponse(404, "text/plain; charset=utf-8", b"404 page not found\n")

    def close(self) -> None:
        return None


def ok(data: dict[str, Any]) -> BackendResponse:
    return BackendResponse(200, "application/json", orjson.dumps({"status": "success", "data": data}))


def site_names(count: int) -> list[str]:
    return [f"fab-{i:03d}" for i in range(count)]


def run_simulator(conn: Connection, sites: int, latency: float, data_dir: str) -> None:
    """Child process: serve the federation and answer the parent's commands until `stop`."""
    tracker = Tracker()
    specs = [SiteSpec(name=n, nodes=1, gpu_nodes=0) for n in site_names(sites)]
    config = FederationConfig(sites=specs, data_dir=Path(data_dir), prometheus="synthetic")
    with start_federation(config, lambda spec, _dir: FastBackend(spec.name, tracker)) as federation:
        for name in site_names(sites):
            federation.set_latency(name, latency)
        conn.send(str(federation.kubeconfig_path))
        while True:
            command = conn.recv()
            if command == "reset":
                federation.reset_counters()
                tracker.reset()
                conn.send(time.process_time())
            elif command == "measure":
                counts = federation.counters()["sites"]
                conn.send({
                    "requests": sum(c["total"] for c in counts.values()),
                    "simulator_cpu_end": time.process_time(),
                    **tracker.summary(latency),
                })  # fmt: skip
            else:
                break
    conn.send(None)


def failures(results: dict[str, SiteRecord | None]) -> dict[str, int]:
    """Failed or skipped site polls of one cycle, by cause and message."""
    seen: Counter[str] = Counter()
    for record in results.values():
        if record is None:
            seen["skipped (backing off)"] += 1
        elif record.failure is not None:
            seen[f"{record.failure.cause}: {record.failure.message[-70:]}"] += 1
    return dict(seen)


def one_cycle(poller: Poller, simulator: Connection) -> dict[str, Any]:
    simulator.send("reset")
    simulator_cpu = simulator.recv()
    cpu, began = time.process_time(), time.perf_counter()
    results = poller.poll_all()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    simulator.send("measure")
    measured: dict[str, Any] = simulator.recv()
    measured["simulator_cpu_s"] = measured.pop("simulator_cpu_end") - simulator_cpu
    return {"cycle_s": elapsed, "poller_cpu_s": cpu, "failures": failures(results), **measured}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per upstream request")
    parser.add_argument("--cycles", type=int, default=1, help="measured cycles after the warm-up")
    args = parser.parse_args()

    budget = PollBudget()
    ctx = mp.get_context("spawn")
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="i3plat-bench-poll-") as tmp:
        parent_end, child_end = ctx.Pipe()
        child = ctx.Process(
            target=run_simulator,
            args=(child_end, args.sites, args.latency, str(Path(tmp) / "sim")),
            daemon=True,
        )
        child.start()
        try:
            if not parent_end.poll(120):
                raise SystemExit("the simulator did not start within 120 s")
            kubeconfig = Path(parent_end.recv())
            settings = Settings(kubeconfig=kubeconfig, data_dir=Path(tmp) / "console", poll_interval=15.0)
            services = build_services(settings)
            poller = Poller(settings, services.access, services.store, budget=budget)
            try:
                warmup = one_cycle(poller, parent_end)
                cycles = [one_cycle(poller, parent_end) for _ in range(args.cycles)]
            finally:
                poller.close()
                services.close()
        finally:
            parent_end.send("stop")
            parent_end.poll(30)
            child.join(30)
            if child.is_alive():
                child.terminate()
    load.append(os.getloadavg()[0])

    cycle_s = statistics.median(c["cycle_s"] for c in cycles)
    requests = max(c["requests"] for c in cycles)
    ideal = args.latency * math.ceil(requests / budget.global_concurrency)
    sequential = requests * args.latency
    ideal_per_metric = args.latency * math.ceil(args.sites * len(STANDARD_TASKS) / budget.global_concurrency)
    cpu = statistics.median(c["poller_cpu_s"] for c in cycles)
    result = {
        "bench": "poll_cycle",
        "sites": args.sites,
        "latency_s": args.latency,
        "metrics_per_site": len(STANDARD_TASKS),
        "requests_per_site": round(requests / args.sites, 2),
        "global_concurrency": budget.global_concurrency,
        "per_site_concurrency": budget.per_site_concurrency,
        "per_site_qps": budget.per_site_qps,
        "warmup_cycle_s": round(warmup["cycle_s"], 3),
        "warmup_requests": warmup["requests"],
        "warmup_failures": warmup["failures"],
        "warmup_max_in_flight_global": warmup["max_in_flight_global"],
        "cycles_s": [round(c["cycle_s"], 3) for c in cycles],
        "cycle_s": round(cycle_s, 3),
        "requests_per_cycle": [c["requests"] for c in cycles],
        "failures": [c["failures"] for c in cycles],
        "sequential_s": round(sequential, 3),
        "ideal_s": round(ideal, 3),
        "cycle_vs_ideal": round(cycle_s / ideal, 3),
        "ideal_one_query_per_metric_s": round(ideal_per_metric, 3),
        "cycle_vs_ideal_one_query_per_metric": round(cycle_s / ideal_per_metric, 3),
        "speedup_vs_sequential": round(sequential / cycle_s, 2),
        "target_cycle_vs_ideal_max": 1.5,
        "target_met": cycle_s <= 1.5 * ideal,
        "poller_cpu_s": round(cpu, 2),
        "poller_cpu_ms_per_request": round(cpu * 1000 / requests, 2),
        "target_poller_cpu_ms_per_request_max": round(1.5 * ideal * 1000 / requests, 2),
        "poller_cpu_vs_cycle": round(cpu / cycle_s, 2),
        "simulator_cpu_s": round(statistics.median(c["simulator_cpu_s"] for c in cycles), 2),
        "max_in_flight_per_site": max(c["max_in_flight_per_site"] for c in cycles),
        "max_in_flight_global": max(c["max_in_flight_global"] for c in cycles),
        "max_concurrent_handle_per_site": max(c["max_concurrent_handle_per_site"] for c in cycles),
        "per_site_budget_held": all(
            c["max_in_flight_per_site"] <= budget.per_site_concurrency for c in cycles
        ),
        "load_avg_1m": [round(x, 2) for x in load],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
