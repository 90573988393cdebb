"""The console's query path through Karmada's proxies vs a direct query to the same Prometheus.

One simulated site with a real Prometheus 2.42 (backfilled, 1 h). Every catalog metric as an
instant query and four 1 h range queries are sent both ways, alternating which goes first, so
machine noise hits both sides alike. Prints one JSON line; the ratio is what matters.

    .venv/bin/python bench/bench_query_overhead.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from i3plat.federation_sim import FederationConfig, SiteSpec, start_federation
from i3plat.federation_sim.backends import site_model_for
from i3plat.federation_sim.prometheus import RealBackendFactory
from i3plat.karmada_client import KarmadaClient, load_kubeconfig
from i3plat.promql.client import PrometheusClient
from i3plat.promql.site import SitePrometheus

RANGE_METRICS = ("cpu.util.node", "mem.util.node", "net.rx.node", "gpu.util.gpu")


def timed(call: Callable[[SitePrometheus], object], site: SitePrometheus) -> float:
    began = time.perf_counter()
    call(site)
    return (time.perf_counter() - began) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    spec = SiteSpec(name="fab-bench", nodes=4, gpu_nodes=2, gpus_per_node=8)
    with tempfile.TemporaryDirectory(prefix="i3plat-bench-") as tmp:
        root = Path(tmp)
        factory = RealBackendFactory(root / "prom", history_hours=1.0)
        config = FederationConfig(sites=[spec], data_dir=root / "sim", prometheus="real")
        with start_federation(config) as federation:
            backend = factory(site_model_for(spec), root / "prom" / spec.name)
            federation.set_backend(spec.name, backend)
            karmada = KarmadaClient(load_kubeconfig(federation.kubeconfig_path), timeout=30.0)
            proxied = SitePrometheus(
                PrometheusClient(karmada.service_client(spec.name, "monitoring", "prometheus-k8s", port=9090))
            )
            direct = SitePrometheus(PrometheusClient.direct(backend.process.url), profile=proxied.profile)
            at = float(int(time.time() - 600) // 15 * 15)
            calls: list[tuple[str, Callable[[SitePrometheus], object]]] = [
                (m.id, lambda s, m=m.id: s.instant(m, at=at)) for m in proxied.catalog
            ]
            calls += [
                (f"{m}@1h", lambda s, m=m: s.range(m, start=at - 3600, end=at, max_points=400))
                for m in RANGE_METRICS
            ]
            for _name, call in calls:  # warm both connections and caches
                call(direct)
                call(proxied)
            direct_ms: list[float] = []
            proxied_ms: list[float] = []
            for round_no in range(args.rounds):
                for _name, call in calls:
                    pair = (direct, proxied) if round_no % 2 == 0 else (proxied, direct)
                    first, second = timed(call, pair[0]), timed(call, pair[1])
                    d, p = (first, second) if pair[0] is direct else (second, first)
                    direct_ms.append(d)
                    proxied_ms.append(p)
            karmada.close()

    result = {
        "bench": "query_overhead",
        "rounds": args.rounds,
        "queries_per_round": len(calls),
        "direct_ms_p50": round(statistics.median(direct_ms), 3),
        "proxied_ms_p50": round(statistics.median(proxied_ms), 3),
        "direct_ms_p95": round(statistics.quantiles(direct_ms, n=20)[18], 3),
        "proxied_ms_p95": round(statistics.quantiles(proxied_ms, n=20)[18], 3),
        "overhead_ratio_p50": round(statistics.median(proxied_ms) / statistics.median(direct_ms), 3),
        "overhead_ratio_total": round(sum(proxied_ms) / sum(direct_ms), 3),
        "overhead_ms_p50": round(
            statistics.median(p - d for p, d in zip(proxied_ms, direct_ms, strict=True)), 3
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
