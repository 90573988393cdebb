"""`i3plat simulate`: any Kubernetes-style client can use the kubeconfig it writes.

Runs the real command in a child process with real Prometheus behind each site, then talks to it
with our client and with plain httpx configured only from the kubeconfig file.
"""

from __future__ import annotations

import base64
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from i3plat.karmada_client import KarmadaClient, load_kubeconfig
from tests.support.procs import ConsoleProcess, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        pytest.fail("Debian prometheus/promtool are required (make test installs them)")
    data_dir = tmp_path_factory.mktemp("simulate")
    path = data_dir / "karmada.kubeconfig"
    sim = ConsoleProcess(
        ["simulate", "--data-dir", str(data_dir), "--kubeconfig-out", str(path), "--prometheus", "real"]
    )
    try:
        wait_for(lambda: path.exists() and path.stat().st_size > 0, 120, "the kubeconfig file")
        sim.wait_for_line(r"https://127\.0\.0\.1:\d+", timeout=120)
        yield path
    finally:
        assert sim.stop(timeout=30) == 0, "\n".join(sim.output)


def test_plain_httpx_with_only_the_kubeconfig(kubeconfig: Path) -> None:
    doc = yaml.safe_load(kubeconfig.read_text())
    context = next(c["context"] for c in doc["contexts"] if c["name"] == doc["current-context"])
    cluster = next(c["cluster"] for c in doc["clusters"] if c["name"] == context["cluster"])
    user = next(u["user"] for u in doc["users"] if u["name"] == context["user"])
    if "certificate-authority-data" in cluster:
        ca = kubeconfig.parent / "ca-from-data.crt"
        ca.write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
    else:
        ca = (kubeconfig.parent / cluster["certificate-authority"]).resolve()
    with httpx.Client(
        verify=ssl.create_default_context(cafile=str(ca)),
        headers={"Authorization": f"Bearer {user['token']}"},
    ) as http:
        listing = http.get(cluster["server"] + "/apis/cluster.karmada.io/v1alpha1/clusters", timeout=10)
    assert listing.status_code == 200
    assert listing.json()["kind"] == "ClusterList"
    assert len(listing.json()["items"]) == 3


def test_real_prometheus_answers_through_both_proxies(kubeconfig: Path) -> None:
    with KarmadaClient(load_kubeconfig(kubeconfig), timeout=10.0) as karmada:
        clusters = karmada.clusters()
        for cluster in clusters:
            response = karmada.service_proxy(
                cluster.name,
                "monitoring",
                "prometheus-k8s",
                "POST",
                "/api/v1/query",
                data={"query": "count(kube_node_info)"},
                port=9090,
            )
            assert response.status_code == 200, response.text
            result = response.json()["data"]["result"]
            assert cluster.node_summary is not None
            assert float(result[0]["value"][1]) == cluster.node_summary.total
            build = karmada.service_proxy(
                cluster.name, "monitoring", "prometheus-k8s", "GET", "/api/v1/status/buildinfo", port=9090
            )
            assert build.json()["data"]["version"].startswith("2.")
