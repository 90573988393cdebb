"""The JSON API on the real console app over a simulated federation: the real poller fills the
store, the real on-demand path answers other ranges, and a site going offline shows as such."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from i3plat.api.metrics_endpoint import metrics_blueprint
from i3plat.api.v1 import api_v1_blueprint
from i3plat.app import build_services, create_app
from i3plat.collector.poller import Poller
from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for
from i3plat.settings import Settings
from i3plat.webctx import Services

pytestmark = pytest.mark.integration
SITES = ("fab-east", "fab-west")


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    root = tmp_path_factory.mktemp("api-sim")
    sites = [
        SiteSpec(name="fab-east", nodes=2, gpu_nodes=1, gpus_per_node=2),
        SiteSpec(name="fab-west", nodes=2, gpu_nodes=0, prometheus_flavour="kube-prometheus-stack"),
    ]
    config = FederationConfig(sites=sites, data_dir=root / "sim", prometheus="synthetic")
    with start_federation(config, backend_factory_for("synthetic", root / "prom", wobble=0.0)) as running:
        yield running


@pytest.fixture
def services(federation: RunningFederation, tmp_path: Path) -> Iterator[Services]:
    settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=5.0)
    built = build_services(settings)
    yield built
    built.close()
    for site in SITES:
        federation.set_offline(site, False)


@pytest.fixture
def poller(services: Services) -> Poller:
    return Poller(services.settings, services.access, services.store)


@pytest.fixture
def client(services: Services) -> FlaskClient:
    server = create_app(services.settings, services).server
    for blueprint in (api_v1_blueprint, metrics_blueprint):
        if blueprint.name not in server.blueprints:  # until create_app registers them
            server.register_blueprint(blueprint)
    return server.test_client()


def proxied(federation: RunningFederation, site: str) -> Any:
    return federation.counters()["sites"][site]


def test_sites_and_live_series_after_one_poll(
    federation: RunningFederation, poller: Poller, client: FlaskClient
) -> None:
    poller.poll_all()
    sites = {s["name"]: s for s in client.get("/api/v1/sites").get_json()["sites"]}
    assert set(sites) == set(SITES)
    for site in sites.values():
        assert site["ready"] is True and site["stale"] is False and site["last_poll"]
        assert site["nodes"]["total"] == 2

    before = proxied(federation, "fab-east")
    response = client.get("/api/v1/sites/fab-east/series?metric=cpu.util.node")
    assert response.status_code == 200
    body = response.get_json()
    nodes = sorted(s["labels"]["node"] for s in body["series"])
    assert len(nodes) == 2 and body["window"] == "1h" and body["stale"] is False
    one = client.get(f"/api/v1/sites/fab-east/series?metric=cpu.util.node&node={nodes[0]}").get_json()
    assert [s["labels"]["node"] for s in one["series"]] == [nodes[0]]
    assert all(0 <= p[1] <= 1 for p in one["series"][0]["points"] if p[1] is not None)
    assert proxied(federation, "fab-east") == before, "a live panel must not reach the site"

    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["Content-Type"].startswith("text/plain")
    assert 'i3plat_snapshot_age_seconds{site="fab-east"}' in metrics.text


def test_other_ranges_go_through_the_on_demand_path(
    federation: RunningFederation, poller: Poller, client: FlaskClient
) -> None:
    poller.poll_all()
    before = proxied(federation, "fab-west")
    body = client.get("/api/v1/sites/fab-west/series?metric=mem.util.cluster&range=6h").get_json()
    assert body["window"] == "custom" and body["series"] and body["step"] >= 60
    assert proxied(federation, "fab-west") != before

    end = int(time.time()) // 60 * 60
    url = f"/api/v1/sites/fab-west/series?metric=mem.util.cluster&start={end - 3600}&end={end}&step=60"
    first = client.get(url).get_json()
    assert first["step"] == 60 and len(first["series"][0]["points"]) == 61
    asked = proxied(federation, "fab-west")
    assert client.get(url).get_json()["series"] == first["series"]
    assert proxied(federation, "fab-west") == asked, "the same window again is served from the cache"


def test_an_offline_site_keeps_its_last_values_and_fails_new_ranges(
    federation: RunningFederation, poller: Poller, client: FlaskClient
) -> None:
    poller.poll_all()
    federation.set_offline("fab-east", True)
    poller.poll_all()
    sites = {s["name"]: s for s in client.get("/api/v1/sites").get_json()["sites"]}
    east = sites["fab-east"]
    assert east["ready"] is False and east["stale"] is True
    assert east["failure"]["cause"] == "unreachable" and east["unreachable_since"]
    assert sites["fab-west"]["ready"] is True, "one site failing never blanks another"

    live = client.get("/api/v1/sites/fab-east/series?metric=cpu.util.cluster").get_json()
    assert live["series"] and live["stale"] is True

    fresh = client.get("/api/v1/sites/fab-east/series?metric=cpu.util.cluster&range=24h")
    assert fresh.status_code == 502
    error = fresh.get_json()["error"]
    assert error["cause"] == "unreachable" and error["message"]
    assert "upstream_message" in error and "upstream_status" in error
