"""Benchmark the synthetic Prometheus on one simulated site; prints JSON figures.

What the console does every 15 s per site (the catalog as instant queries) and for a graph
(1 h at 15 s step), through `SyntheticBackend.handle`, i.e. including parameter parsing and JSON
encoding. Budgets (brief): an instant catalog query "a few ms"; a 1 h / 15 s range query over a
4-node × 4-CPU site ≲ 100–200 ms.

    .venv/bin/python bench/bench_synthetic_prometheus.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import string
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from i3plat.federation_sim.prometheus import build_site_model
from i3plat.federation_sim.prometheus._synthetic import SyntheticBackend

CATALOG = Path(__file__).parents[1] / "tests" / "unit" / "synthetic_prometheus" / "recipe_catalog.yaml"


def timed(backend: SyntheticBackend, path: str, params: dict[str, Any]) -> float:
    began = time.perf_counter()
    resp = backend.handle("GET", path, urlencode(params), b"", None)
    elapsed = (time.perf_counter() - began) * 1000
    if resp.status != 200:
        raise SystemExit(f"{path} {params}: HTTP {resp.status} {resp.body[:200]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    catalog = yaml.safe_load(CATALOG.read_text("utf-8"))
    queries = {
        m["id"]: string.Template(m["raw"]).safe_substitute(catalog["vars"]) for m in catalog["metrics"]
    }
    backend = SyntheticBackend(build_site_model("bench-site", nodes=4, cpus=4, wobble=0.3))

    cold = [timed(backend, "/api/v1/query", {"query": q}) for q in queries.values()]
    warm: list[float] = []
    for _ in range(args.repeat):
        warm += [timed(backend, "/api/v1/query", {"query": q}) for q in queries.values()]

    now = time.time()
    ranged: dict[str, float] = {}
    for metric_id in (
        "cpu.util.node",
        "cpu.util.node.robust",
        "cpu.util.cluster",
        "net.rx.node",
        "mem.util.node",
    ):
        query = queries[metric_id].replace("[5m]", "[1m]")  # Grafana's rate interval at a 15 s step
        params = {"query": query, "start": now - 3600, "end": now, "step": "15"}
        ranged[metric_id] = statistics.median(
            timed(backend, "/api/v1/query_range", params) for _ in range(args.repeat)
        )

    print(
        json.dumps(
            {
                "instant_catalog_queries": len(queries),
                "instant_cold_ms": {"median": statistics.median(cold), "max": max(cold), "total": sum(cold)},
                "instant_warm_ms": {"median": statistics.median(warm), "max": max(warm)},
                "catalog_poll_ms": sum(warm) / args.repeat,
                "bench": "synthetic_prometheus",
                "range_1h_15s_ms": ranged,
            }
        )
    )


if __name__ == "__main__":
    main()
