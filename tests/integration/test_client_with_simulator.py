"""The Karmada client against the federation simulator over real HTTPS: the foundation's contract.

TLS is verified against the simulator's own CA (read from the kubeconfig it writes), the bearer
token is required, and every fault the simulator injects reaches the caller as the right typed
error within a bounded time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for
from i3plat.karmada_client import (
    AggregatedApiUnavailable,
    ClientConfig,
    ClientTimeout,
    ClusterUnreachable,
    KarmadaClient,
    NotFound,
    TLSError,
    Unauthorized,
    load_kubeconfig,
)
from tests.support.pki import make_pki

pytestmark = pytest.mark.integration

SITES = [
    SiteSpec(name="fab-alpha", sync_mode="Push", nodes=3, gpu_nodes=1),
    SiteSpec(name="fab-beta", sync_mode="Pull", nodes=2, gpu_nodes=0, ready="Unknown"),
]


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    root = tmp_path_factory.mktemp("federation")
    config = FederationConfig(sites=list(SITES), data_dir=root / "sim", prometheus="synthetic")
    with start_federation(config, backend_factory_for("synthetic", root / "prom", wobble=0.0)) as running:
        yield running


@pytest.fixture
def client(federation: RunningFederation) -> Iterator[KarmadaClient]:
    with KarmadaClient(load_kubeconfig(federation.kubeconfig_path), timeout=5.0) as karmada:
        yield karmada


@pytest.fixture(autouse=True)
def healthy(federation: RunningFederation) -> Iterator[None]:
    yield
    federation.set_aggregated_api(True)
    for site in SITES:
        federation.set_offline(site.name, False)
        federation.set_latency(site.name, 0.0)


def test_cluster_list_over_verified_tls(client: KarmadaClient) -> None:
    clusters = {c.name: c for c in client.clusters()}
    assert set(clusters) == {"fab-alpha", "fab-beta"}
    alpha, beta = clusters["fab-alpha"], clusters["fab-beta"]
    assert alpha.ready_state == "True" and str(alpha.sync_mode) == "Push"
    assert alpha.node_summary is not None and alpha.node_summary.total == 3
    assert beta.ready_state == "Unknown" and beta.summaries_stale
    assert any(t.key == "cluster.karmada.io/unreachable" for t in beta.taints)


def test_token_is_required(federation: RunningFederation) -> None:
    config = load_kubeconfig(federation.kubeconfig_path)
    anonymous = ClientConfig(server=config.server, ca_file=config.ca_file)
    with KarmadaClient(anonymous, timeout=5.0) as karmada, pytest.raises(Unauthorized) as err:
        karmada.clusters()
    assert err.value.status_code == 401


def test_unknown_ca_is_a_tls_error(federation: RunningFederation, tmp_path: Path) -> None:
    other_ca = make_pki(tmp_path).other_ca_file
    config = load_kubeconfig(federation.kubeconfig_path)
    wrong = ClientConfig(server=config.server, ca_file=str(other_ca), token=config.token)
    with KarmadaClient(wrong, timeout=5.0) as karmada, pytest.raises(TLSError):
        karmada.clusters()


def test_prometheus_query_through_cluster_and_service_proxy(client: KarmadaClient) -> None:
    response = client.service_proxy(
        "fab-alpha",
        "monitoring",
        "prometheus-k8s",
        "POST",
        "/api/v1/query",
        data={"query": "count(kube_node_info)"},
        port=9090,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert float(body["data"]["result"][0]["value"][1]) == 3.0


def test_prometheus_own_errors_pass_through(client: KarmadaClient) -> None:
    response = client.service_proxy(
        "fab-alpha",
        "monitoring",
        "prometheus-k8s",
        "POST",
        "/api/v1/query",
        data={"query": "sum("},
        port=9090,
    )
    assert response.status_code == 400
    assert response.json()["errorType"] == "bad_data"


def test_unknown_cluster(client: KarmadaClient) -> None:
    with pytest.raises(NotFound) as err:
        client.member_version("fab-nowhere")
    assert err.value.cluster == "fab-nowhere"


def test_offline_site_is_unreachable_quickly(federation: RunningFederation, client: KarmadaClient) -> None:
    federation.set_offline("fab-alpha", True)
    started = time.monotonic()
    with pytest.raises(ClusterUnreachable) as err:
        client.member_version("fab-alpha")
    assert time.monotonic() - started < 2.0
    assert err.value.status_code == 500 and "dial tcp" in (err.value.upstream_message or "")
    assert client.member_version("fab-beta")  # the other site is unaffected


def test_aggregated_api_down(federation: RunningFederation, client: KarmadaClient) -> None:
    federation.set_aggregated_api(False)
    with pytest.raises(AggregatedApiUnavailable) as err:
        client.clusters()
    assert err.value.status_code == 503


def test_latency_within_and_beyond_the_timeout(federation: RunningFederation) -> None:
    federation.set_latency("fab-alpha", 0.3)
    config = load_kubeconfig(federation.kubeconfig_path)
    with KarmadaClient(config, timeout=2.0) as patient:
        started = time.monotonic()
        patient.member_version("fab-alpha")
        assert time.monotonic() - started >= 0.3
    with KarmadaClient(config, timeout=0.1) as hasty:
        started = time.monotonic()
        with pytest.raises(ClientTimeout):
            hasty.member_version("fab-alpha")
        assert time.monotonic() - started < 1.0


def test_counters_see_each_proxied_request(federation: RunningFederation, client: KarmadaClient) -> None:
    federation.reset_counters()
    for _ in range(3):
        client.member_version("fab-beta")
    counts = federation.counters()
    assert counts["sites"]["fab-beta"]["total"] == 3
