"""Site specs: validation naming the field, derived values, the demo federation."""

from __future__ import annotations

from pathlib import Path

import pytest

from i3plat.federation_sim import FederationConfig, ServiceRef, SimConfigError, SiteSpec, demo_sites
from i3plat.federation_sim import site_spec_from_dict as from_dict
from i3plat.federation_sim._spec import endpoint_dial_address, parse_service_ref


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "UPPER"}, "name"),
        ({"name": "a" * 49}, "name"),
        ({"name": "-x"}, "name"),
        ({"name": "ok", "sync_mode": "push"}, "sync_mode"),
        ({"name": "ok", "ready": "true"}, "ready"),
        ({"name": "ok", "nodes": 0}, "nodes"),
        ({"name": "ok", "nodes": True}, "nodes"),
        ({"name": "ok", "gpu_nodes": 5}, "gpu_nodes"),
        ({"name": "ok", "nodes_not_ready": 5}, "nodes_not_ready"),
        ({"name": "ok", "kubernetes_version": "1.31"}, "kubernetes_version"),
        ({"name": "ok", "api_endpoint": "10.0.0.1:6443"}, "api_endpoint"),
        ({"name": "ok", "prometheus_service": "monitoring/Prom"}, "prometheus_service"),
        ({"name": "ok", "prometheus_port": 70000}, "prometheus_port"),
        ({"name": "ok", "created_days_ago": -1}, "created_days_ago"),
    ],
)
def test_invalid_specs_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SimConfigError) as error:
        SiteSpec(**kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


def test_derived_endpoint_is_stable_and_private() -> None:
    first, second = SiteSpec(name="fab-x"), SiteSpec(name="fab-x")
    assert first.endpoint == second.endpoint
    assert first.endpoint.startswith("https://10.20.") and first.endpoint.endswith(".5:6443")


@pytest.mark.parametrize(
    ("endpoint", "address"),
    [
        ("https://10.20.0.5:6443", "10.20.0.5:6443"),
        ("https://site-b.example.net", "site-b.example.net:443"),
        ("https://[fd00::5]:6443/k8s/clusters/c-1", "[fd00::5]:6443"),
    ],
)
def test_dial_address(endpoint: str, address: str) -> None:
    assert endpoint_dial_address(endpoint) == address


@pytest.mark.parametrize(
    ("text", "port", "ref"),
    [
        ("monitoring/prometheus-k8s:web", 9090, ServiceRef("monitoring", "prometheus-k8s", "web", 9090)),
        ("monitoring/prometheus-k8s:9091", 9090, ServiceRef("monitoring", "prometheus-k8s", "", 9091)),
        ("obs/kps-prometheus", 9090, ServiceRef("obs", "kps-prometheus", "", 9090)),
    ],
)
def test_parse_service_ref(text: str, port: int, ref: ServiceRef) -> None:
    assert parse_service_ref(text, port) == ref


def test_nodes_gpu_first_and_not_ready_last() -> None:
    nodes = SiteSpec(name="s", nodes=4, gpu_nodes=1, gpus_per_node=8, nodes_not_ready=1).node_infos()
    assert [n.name for n in nodes] == ["s-gpu-01", "s-cpu-01", "s-cpu-02", "s-cpu-03"]
    assert [n.gpus for n in nodes] == [8, 0, 0, 0]
    assert [n.ready for n in nodes] == [True, True, True, False]
    assert len({n.ip for n in nodes}) == 4


def test_demo_sites_are_varied() -> None:
    sites = demo_sites()
    assert [s.name for s in sites] == ["fab-shenzhen", "fab-suzhou", "fab-chengdu"]
    assert [s.sync_mode for s in sites] == ["Push", "Pull", "Pull"]
    assert len({(s.nodes, s.gpu_nodes, s.gpus_per_node) for s in sites}) == 3


def test_spec_from_dict() -> None:
    spec = from_dict({"name": "x", "zones": ["a", "b"], "region": None, "created_days_ago": 3})
    assert spec.zones == ("a", "b") and spec.region is None
    for data, field in (
        ([], "spec"),
        ({"name": "x", "zones": "a"}, "zones"),
        ({"name": "x", "provider": 3}, "provider"),
        ({"name": "x", "region": 3}, "region"),
        ({"name": "x", "created_days_ago": "3"}, "created_days_ago"),
    ):
        with pytest.raises(SimConfigError) as error:
            from_dict(data)
        assert error.value.field == field


def test_config_rejects_duplicates_and_bad_modes(tmp_path: Path) -> None:
    with pytest.raises(SimConfigError) as error:
        FederationConfig(sites=[SiteSpec(name="a"), SiteSpec(name="a")], data_dir=tmp_path)
    assert error.value.field == "sites"
    with pytest.raises(SimConfigError) as error:
        FederationConfig(sites=[], data_dir=tmp_path, prometheus="maybe")  # type: ignore[arg-type]
    assert error.value.field == "prometheus"
