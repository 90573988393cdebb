"""Real Prometheus 2.42 per simulated site: exact values over the backfill, live scrapes after it.

Two sites with different node-label flavours (kube-prometheus `instance=<node>`, and
kube-prometheus-stack `instance=<IP>:9100`) are backfilled and started once per module. Every
query goes through `RealPrometheusBackend.handle`, i.e. the path the simulator's service proxy
uses.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from i3plat.federation_sim.prometheus import (
    PrometheusProcess,
    PrometheusStartError,
    RealBackendFactory,
    RealPrometheusBackend,
    SiteModel,
    _process,
    build_site_model,
    launch_all,
    prometheus_available,
)
from tests.support.procs import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]

NE = 'job="node-exporter"'
BUSY = 'mode!~"idle|iowait|steal"'


def cpu_ratio(window: str) -> str:
    """Busy / all modes: exact even when the rate window is only partly covered (reference §3)."""
    return (
        f"sum by (instance) (rate(node_cpu_seconds_total{{{NE},{BUSY}}}[{window}]))"
        f" / sum by (instance) (rate(node_cpu_seconds_total{{{NE}}}[{window}]))"
    )


FORM = "application/x-www-form-urlencoded"


@dataclass
class Site:
    model: SiteModel
    backend: RealPrometheusBackend
    start: float
    end: float

    def query(
        self, promql: str, at: float, path: str = "/api/v1/query", **extra: str
    ) -> list[dict[str, Any]]:
        body = urlencode({"query": promql, "time": f"{at:.3f}", **extra}).encode()
        resp = self.backend.handle("POST", path, "", body, FORM)
        assert resp.status == 200, resp.body[:500]
        assert resp.content_type == "application/json"
        payload = json.loads(resp.body)
        assert payload["status"] == "success"
        result: list[dict[str, Any]] = payload["data"]["result"]
        return result

    def by(self, label: str, promql: str, at: float) -> dict[str, float]:
        return {r["metric"][label]: float(r["value"][1]) for r in self.query(promql, at)}


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    assert prometheus_available(), "prometheus/promtool 2.42 missing: apt-get install prometheus"
    models = [
        build_site_model("site-a", instance_style="name", notready_nodes=(3,), scrape_interval=5.0),
        build_site_model("site-b", instance_style="ip", scrape_interval=5.0),
    ]
    factory = RealBackendFactory(tmp_path_factory.mktemp("promsim"), history_hours=1.0, step=15.0)
    try:
        backends = factory.create_many(models)
        yield {
            m.name: Site(m, backends[m.name], factory.results[m.name].start, factory.results[m.name].end)
            for m in models
        }
    finally:
        factory.close()


@pytest.mark.parametrize("name", ["site-a", "site-b"])
def test_backfilled_values_are_exact(sites: dict[str, Site], name: str) -> None:
    site = sites[name]
    expected = site.model.expected()
    nodes = {n["instance"]: n for n in expected["nodes"].values()}
    at = site.end - 600.0

    cpu = site.by("instance", cpu_ratio("1m"), at)
    assert cpu.keys() == nodes.keys()
    assert all(close(v, nodes[i]["cpu_util"]) for i, v in cpu.items()), cpu
    mem = site.by(
        "instance", f"1 - node_memory_MemAvailable_bytes{{{NE}}} / node_memory_MemTotal_bytes{{{NE}}}", at
    )
    assert all(close(v, nodes[i]["mem_util"]) for i, v in mem.items()) and len(mem) == 4, mem
    sel = f'{NE},mountpoint="/",fstype!=""'
    fs = site.by(
        "instance", f"1 - node_filesystem_avail_bytes{{{sel}}} / node_filesystem_size_bytes{{{sel}}}", at
    )
    assert all(close(v, nodes[i]["fs_root_used"]) for i, v in fs.items()) and len(fs) == 4, fs
    rx = site.by("instance", f'rate(node_network_receive_bytes_total{{{NE},device="eth0"}}[1m])', at)
    assert all(close(v, nodes[i]["rx_eth0"]) for i, v in rx.items()) and len(rx) == 4, rx

    (total,) = site.query('count(kube_node_info{job="kube-state-metrics"})', at)
    assert float(total["value"][1]) == expected["nodes_total"] == 4
    ready_q = 'sum(kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"})'
    (ready,) = site.query(ready_q, at)
    assert float(ready["value"][1]) == expected["nodes_ready"] == (3 if name == "site-a" else 4)

    gpu = site.by("Hostname", "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)", at)
    want_gpu = {k: n["gpu_util_avg"] for k, n in expected["nodes"].items() if n["gpus"]}
    assert gpu.keys() == want_gpu.keys()
    assert all(close(v, float(want_gpu[h] or 0.0)) for h, v in gpu.items()), gpu


def test_cpu_is_exact_over_the_whole_backfill(sites: dict[str, Site]) -> None:
    site = sites["site-b"]
    nodes = {n["instance"]: n for n in site.model.expected()["nodes"].values()}
    body = urlencode(
        {"query": cpu_ratio("1m"), "start": site.start + 120, "end": site.end, "step": "60"}
    ).encode()
    resp = site.backend.handle("POST", "/api/v1/query_range", "", body, FORM)
    assert resp.status == 200, resp.body[:300]
    series = json.loads(resp.body)["data"]["result"]
    assert len(series) == 4
    for s in series:
        values = [float(v) for _, v in s["values"]]
        assert len(values) == int((site.end - site.start - 120) // 60) + 1
        assert all(close(v, nodes[s["metric"]["instance"]]["cpu_util"]) for v in values)


def first_live_scrape(site: Site) -> float:
    """Timestamp of the first scraped `up` sample after the backfill (waits for it)."""

    def find() -> float | None:
        rows = site.query(f'up{{{NE},instance="{site.model.nodes[0].instance}"}}[10m]', time.time())
        stamps = [float(t) for row in rows for t, _ in row["values"] if float(t) > site.end]
        return min(stamps) if stamps else None

    return wait_for(find, 30.0, f"a live scrape of {site.model.name}")


@pytest.mark.parametrize("name", ["site-a", "site-b"])
def test_live_scrapes_continue_the_backfill_exactly(sites: dict[str, Site], name: str) -> None:
    site = sites[name]
    nodes = {n["instance"]: n for n in site.model.expected()["nodes"].values()}
    seam = first_live_scrape(site)
    assert seam - site.end < 240.0, "the 5m window below must still reach back into the backfill"

    up = site.query(f"up{{{NE}}}", time.time())
    assert len(up) == 4 and all(r["value"][1] == "1" for r in up)
    assert all(float(r["value"][0]) - seam < 60 for r in up)

    idle0 = (
        f'node_cpu_seconds_total{{{NE},instance="{site.model.nodes[0].instance}",cpu="0",mode="idle"}}[5m]'
    )
    (raw,) = site.query(idle0, seam)
    stamps = [float(t) for t, _ in raw["values"]]
    assert min(stamps) <= site.end < max(stamps) == seam, "window spans backfill and live data"

    cpu = site.by("instance", cpu_ratio("5m"), seam)
    assert cpu.keys() == nodes.keys()
    assert all(close(v, nodes[i]["cpu_util"]) for i, v in cpu.items()), cpu
    rx = site.by("instance", f'rate(node_network_receive_bytes_total{{{NE},device="eth0"}}[5m])', seam)
    # raw rates see the ms between Prometheus' scrape timestamp and the exporter's clock
    assert all(close(v, nodes[i]["rx_eth0"], rel=1e-3) for i, v in rx.items()), rx

    (escapes,) = site.query("count(escape_test)", seam)
    assert escapes["value"][1] == "13", "live escape_test series must be the backfilled ones"
    (node_info,) = site.query("count(kube_node_info)", seam)
    assert node_info["value"][1] == "4"


def test_backend_forwards_get_and_errors_unchanged(sites: dict[str, Site]) -> None:
    site = sites["site-a"]
    qs = urlencode({"query": 'escape_test{value="a\\"b"}', "time": f"{site.end:.0f}"})
    resp = site.backend.handle("GET", "/api/v1/query", qs, b"", None)
    assert resp.status == 200
    (row,) = json.loads(resp.body)["data"]["result"]
    assert row["metric"]["value"] == 'a"b'

    bad = site.backend.handle("POST", "/api/v1/query", "", b"query=sum(", FORM)
    assert bad.status == 400
    assert json.loads(bad.body)["errorType"] == "bad_data"
    missing = site.backend.handle("GET", "/no/such/path", "", b"", None)
    assert missing.status == 404 and missing.content_type.startswith("text/plain")


def test_stopped_process_answers_like_the_service_proxy(tmp_path: Path) -> None:
    assert prometheus_available(), "prometheus/promtool 2.42 missing: apt-get install prometheus"
    model = build_site_model("site-c", nodes=1, cpus=1, gpu_nodes=0)
    process = PrometheusProcess(model, tmp_path / "site-c")
    backend = RealPrometheusBackend(process, timeout=10.0)
    try:
        (result,) = launch_all([process], hours=0.25)
        assert result.samples > 0
        ok = backend.handle(
            "POST", "/api/v1/query", "", b"query=count(kube_node_info)&time=" + str(result.end).encode(), FORM
        )
        assert ok.status == 200 and json.loads(ok.body)["data"]["result"][0]["value"][1] == "1"

        pid, port = process.pid, process.port
        process.stop()
        assert not process.running and pid is not None
        refused = backend.handle("POST", "/api/v1/query", "", b"query=up", FORM)
        message = f"error trying to reach service: dial tcp 127.0.0.1:{port}: connect: connection refused"
        assert (refused.status, refused.content_type) == (503, "application/json")
        assert json.loads(refused.body) == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "ServiceUnavailable",
            "code": 503,
        }

        process.start()
        assert backend.handle("GET", "/-/ready", "", b"", None).status == 200
    finally:
        backend.close()
    assert not process.running


def test_port_taken_between_probe_and_bind_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prometheus_available(), "prometheus/promtool 2.42 missing: apt-get install prometheus"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = int(squatter.getsockname()[1])
        ports = iter([taken])
        real = _process.find_free_port
        monkeypatch.setattr(_process, "find_free_port", lambda: next(ports, None) or real())
        with PrometheusProcess(
            build_site_model("site-d", nodes=1, gpu_nodes=0), tmp_path / "site-d"
        ) as process:
            process.start()
            assert process.running and process.port != taken
    assert "address already in use" in process.log_path.read_text()


def test_start_failure_names_the_cause(tmp_path: Path) -> None:
    assert prometheus_available(), "prometheus/promtool 2.42 missing: apt-get install prometheus"
    rules = tmp_path / "bad-rules.yml"
    rules.write_text("groups:\n  - name: x\n    rules:\n      - record: a\n        expr: sum(\n")
    process = PrometheusProcess(
        build_site_model("site-e", nodes=1, gpu_nodes=0), tmp_path / "site-e", rule_files=[rules]
    )
    with pytest.raises(PrometheusStartError, match="exited while starting") as info:
        process.start()
    assert "bad-rules.yml" in str(info.value)
    assert not process.running
