"""The synthetic Prometheus answers like a real Prometheus 2.42 holding the same data.

Per site, a real Prometheus is backfilled with one hour of the site model (no live scraping, so it
holds exactly the backfilled grid) and a `SyntheticBackend` is bounded to the same history. Every
template of the metric catalog (raw and rule forms, default variables) plus expressions covering the
rest of the supported PromQL are sent to both — instant queries at times inside, at the edges of
and just after the backfill (partially covered windows), and range queries — and the answers must
agree: same result type and label sets, values equal to 1e-9 relative, same error types.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml

from i3plat.federation_sim.prometheus import (
    BackfillResult,
    PrometheusProcess,
    SiteModel,
    build_site_model,
    launch_all,
    prometheus_available,
)
from i3plat.federation_sim.prometheus._synthetic import SyntheticBackend
from i3plat.promql.catalog import default_catalog
from i3plat.promql.profiles import SiteProfile
from i3plat.promql.render import render_query

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]

CATALOG_FILE = Path(__file__).parents[2] / "unit" / "synthetic_prometheus" / "recipe_catalog.yaml"
CATALOG: dict[str, Any] = yaml.safe_load(CATALOG_FILE.read_text("utf-8"))

EXTRA = [
    'topk(3, rate(node_network_receive_bytes_total{job="node-exporter"}[2m]))',
    'bottomk by (instance) (1, node_filesystem_avail_bytes{job="node-exporter"})',
    'irate(node_disk_read_bytes_total{device="nvme0n1"}[1m])',
    'increase(node_network_transmit_bytes_total{device="eth0"}[10m])',
    'delta(node_memory_MemAvailable_bytes{job="node-exporter"}[5m])',
    'deriv(node_memory_MemAvailable_bytes{job="node-exporter"}[5m])',
    'predict_linear(node_filesystem_avail_bytes{mountpoint="/"}[10m], 3600)',
    "avg_over_time(DCGM_FI_DEV_GPU_UTIL[3m]) > bool 40",
    "max_over_time(DCGM_FI_DEV_POWER_USAGE[5m]) - min_over_time(DCGM_FI_DEV_POWER_USAGE[5m])",
    "stddev_over_time(node_load1[10m]) + count_over_time(node_load1[1m])",
    "quantile(0.9, DCGM_FI_DEV_GPU_TEMP) + stddev(DCGM_FI_DEV_GPU_TEMP)",
    'count_values("util", DCGM_FI_DEV_GPU_UTIL)',
    'label_replace(up{job="node-exporter"}, "host", "$1", "instance", "([^:]*).*")',
    'label_join(kube_node_info, "both", "/", "node", "internal_ip")',
    'rate(node_cpu_seconds_total{mode="user"}[1m]) * on (instance) group_left (nodename) node_uname_info',
    'node_load1 / on (instance) group_left () count by (instance) (node_cpu_seconds_total{mode="idle"})',
    'kube_node_status_condition{condition="Ready"} == 1 unless on (node) kube_node_spec_unschedulable == 1',
    "kube_node_info or on (node) vector(1)",
    "clamp(DCGM_FI_DEV_GPU_UTIL / 50, 0.2, 0.8)",
    "abs(-node_load1) offset 5m",
    'absent(nonexistent_metric{job="x"})',
    'sum(rate(node_cpu_seconds_total[90s])) by (mode) / scalar(count(node_cpu_seconds_total{mode="idle"}))',
    "time() - node_boot_time_seconds or vector(time())",
    "node_cpu_seconds_total * on () kube_node_info",
    "node_memory_MemTotal_bytes * on (job) node_load1",
    'max_over_time(rate(node_network_receive_bytes_total{device="eth0"}[1m])[10m:30s])',
    "avg_over_time(sum by (instance) (node_load1)[5m:] offset 1m)",
    "min_over_time(DCGM_FI_DEV_GPU_UTIL[7m:45s])",
    "up @ end()",
]


def render(expr: str) -> str:
    return string.Template(expr).safe_substitute(CATALOG["vars"])


def console_catalog_queries() -> list[str]:
    """The console's own catalog as the collector renders it, for both labelling flavours."""
    catalog = default_catalog()
    flavours = (SiteProfile(), SiteProfile(node_label_style="uname"))
    queries = {
        render_query(catalog, metric.id, profile, node=node, rate_window=60)
        for metric in catalog
        for profile in flavours
        for node in ((None, "site-b-node-2") if metric.scope != "cluster" else (None,))
    }
    return sorted(queries)


EXPRESSIONS = (
    [render(m[form]) for m in CATALOG["metrics"] for form in ("raw", "rule") if m.get(form)]
    + EXTRA
    + console_catalog_queries()
)


@dataclass
class Pair:
    model: SiteModel
    real: httpx.Client
    synthetic: SyntheticBackend
    backfill: BackfillResult


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Pair]]:
    assert prometheus_available(), "prometheus/promtool 2.42 missing: apt-get install prometheus"
    models = [
        build_site_model("site-a", instance_style="name", wobble=0.5),
        build_site_model("site-b", instance_style="ip", notready_nodes=(3,)),
    ]
    root = tmp_path_factory.mktemp("synprom")
    processes = [PrometheusProcess(m, root / m.name, target=None) for m in models]
    try:
        results = launch_all(processes, hours=1.0)
        out = {}
        for model, process, result in zip(models, processes, results, strict=True):
            end = result.end
            synthetic = SyntheticBackend(model, history_start=result.start, clock=lambda end=end: end)
            client = httpx.Client(base_url=process.url, timeout=30.0, trust_env=False)
            out[model.name] = Pair(model, client, synthetic, result)
        yield out
        for pair in out.values():
            pair.real.close()
    finally:
        for process in processes:
            process.stop()


def ask(pair: Pair, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    real = pair.real.get(path, params=params)
    synth = pair.synthetic.handle("GET", path, urlencode(params), b"", None)
    assert synth.status == real.status_code, (params, real.text[:300], synth.body[:300])
    return real.status_code, real.json(), json.loads(synth.body)


def same_value(a: str, b: str) -> bool:
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def compare(real: dict[str, Any], synth: dict[str, Any], what: str) -> None:
    if real["status"] == "error":
        assert synth["status"] == "error" and synth["errorType"] == real["errorType"], what
        if real["errorType"] == "execution":
            assert synth["error"] == real["error"], what
        return
    r, s = real["data"], synth["data"]
    assert s["resultType"] == r["resultType"], what
    if r["resultType"] in ("scalar", "string"):
        assert s["result"][0] == r["result"][0] and same_value(s["result"][1], r["result"][1]), what
        return
    key = "value" if r["resultType"] == "vector" else "values"
    rows_r = {json.dumps(row["metric"], sort_keys=True): row[key] for row in r["result"]}
    rows_s = {json.dumps(row["metric"], sort_keys=True): row[key] for row in s["result"]}
    assert len(rows_r) == len(r["result"]) and len(rows_s) == len(s["result"]), what
    assert rows_s.keys() == rows_r.keys(), (what, sorted(rows_r)[:3], sorted(rows_s)[:3])
    for labels, got in rows_s.items():
        want = rows_r[labels]
        points_s = [got] if key == "value" else got
        points_r = [want] if key == "value" else want
        assert [t for t, _ in points_s] == [t for t, _ in points_r], (what, labels)
        bad = [(t, a, b) for (t, a), (_, b) in zip(points_s, points_r, strict=True) if not same_value(a, b)]
        assert not bad, (what, labels, bad[:3])


def instant_times(b: BackfillResult) -> list[float]:
    """Inside the backfill, near its start (partial windows), at its end and just after it."""
    return [b.start + 45.0, b.start + 400.0, b.end - 1234.567, b.end, b.end + 70.0]


@pytest.mark.parametrize("site", ["site-a", "site-b"])
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_instant_queries_agree(pairs: dict[str, Pair], site: str, expr: str) -> None:
    pair = pairs[site]
    for t in instant_times(pair.backfill):
        _, real, synth = ask(pair, "/api/v1/query", {"query": expr, "time": f"{t:.3f}"})
        compare(real, synth, f"{expr} @ {t}")


@pytest.mark.parametrize("site", ["site-a", "site-b"])
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_range_queries_agree(pairs: dict[str, Pair], site: str, expr: str) -> None:
    pair = pairs[site]
    b = pair.backfill
    ranges = (
        (b.start, b.end + 90.0, "60"),
        (b.end - 900.0, b.end, "15s"),
        (b.start + 7.25, b.end - 3.5, "37.5"),
    )
    for start, end, step in ranges:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": step}
        _, real, synth = ask(pair, "/api/v1/query_range", params)
        compare(real, synth, f"{expr} range {start}..{end}/{step}")


@pytest.mark.parametrize("site", ["site-a", "site-b"])
def test_metadata_endpoints_agree(pairs: dict[str, Pair], site: str) -> None:
    pair = pairs[site]
    window = {"start": f"{pair.backfill.start:.0f}", "end": f"{pair.backfill.end:.0f}"}
    for path, params in (
        ("/api/v1/label/node/values", {"match[]": 'kube_node_info{job="kube-state-metrics"}', **window}),
        ("/api/v1/label/nodename/values", {"match[]": "node_uname_info", **window}),
        ("/api/v1/labels", {"match[]": "DCGM_FI_DEV_GPU_UTIL", **window}),
        ("/api/v1/series", {"match[]": "node_uname_info", **window}),
        ("/api/v1/label/__name__/values", window),
    ):
        status, real, synth = ask(pair, path, params)
        assert status == 200 and real == synth, path


@pytest.mark.parametrize(
    "params",
    [
        {"query": "up", "start": "0", "end": "11001", "step": "1"},
        {"query": "up", "start": "10", "end": "5", "step": "1"},
        {"query": "up", "start": "0", "end": "5", "step": "0"},
        {"query": "up[5m]", "start": "0", "end": "5", "step": "1"},
        {"query": "up", "start": "0", "end": "5", "step": "1", "timeout": "banana"},
        {"query": "up", "start": "yesterday", "end": "5", "step": "1"},
        {"query": "up", "start": "0", "end": "0", "step": "0.0001"},
    ],
)
def test_range_parameter_errors_agree(pairs: dict[str, Pair], params: dict[str, str]) -> None:
    status, real, synth = ask(pairs["site-a"], "/api/v1/query_range", params)
    assert status in (400, 422) and real == synth


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/query", {"query": 'label_replace(up, "d", "x", "job", "(")'}),
        ("/api/v1/query", {"query": "topk(1e300, up)"}),
        ("/api/v1/query", {"query": 'count_values("1x", vector(1))'}),
        ("/api/v1/query", {"query": "up", "time": "2023-11-14T22:13:20.123456789Z"}),
        ("/api/v1/label/1x/values", {}),
        ("/api/v1/series", {}),
    ],
)
def test_other_answers_agree(pairs: dict[str, Pair], path: str, params: dict[str, str]) -> None:
    _, real, synth = ask(pairs["site-a"], path, params)
    assert real == synth
