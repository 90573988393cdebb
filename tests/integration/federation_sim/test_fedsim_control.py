"""The `/_sim/` control API over HTTPS: every knob, its validation and its effect on the Karmada API."""

from __future__ import annotations

import httpx
import pytest
from fedsim_helpers import CLUSTERS, SiteHandle, proxy, trust

from i3plat.federation_sim import RunningFederation

pytestmark = pytest.mark.integration


def ready_of(client: httpx.Client, site: str) -> dict[str, str]:
    conditions = client.get(f"{CLUSTERS}/{site}").json()["status"]["conditions"]
    return next(c for c in conditions if c["type"] == "Ready")


def test_control_api_requires_the_token_and_changes_nothing_without_it(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    with httpx.Client(base_url=fed.url, verify=trust(fed)) as anonymous:
        assert anonymous.post(f"/_sim/sites/{site.name}/offline").status_code == 401
        assert anonymous.post("/_sim/aggregated-api", json={"up": False}).status_code == 401
    assert client.get(proxy(site.name, "/version")).status_code == 200
    assert client.get(CLUSTERS).status_code == 200


def test_state_lists_sites_and_knobs(client: httpx.Client, site: SiteHandle) -> None:
    state = client.get("/_sim/state").json()
    assert state["aggregated_api"] is True
    entry = state["sites"][site.name]
    assert entry["offline"] is False and entry["has_backend"] is True
    assert entry["ready"]["status"] == "True"
    assert entry["prometheus_service"] == "monitoring/prometheus-k8s"
    assert entry["prometheus_port"] == {"name": "web", "port": 9090}
    assert entry["nodes"][0] == f"{site.name}-gpu-01"


def test_offline_and_online_over_http(client: httpx.Client, site: SiteHandle) -> None:
    assert client.post(f"/_sim/sites/{site.name}/offline").status_code == 200
    assert client.get(proxy(site.name, "/version")).status_code == 500
    assert ready_of(client, site.name)["reason"] == "ClusterNotReachable"  # Push site, grace 0
    assert client.post(f"/_sim/sites/{site.name}/online").status_code == 200
    assert client.get(proxy(site.name, "/version")).status_code == 200
    assert ready_of(client, site.name)["reason"] == "ClusterReady"


def test_latency_and_error_rate_validation(client: httpx.Client, site: SiteHandle) -> None:
    for body, field in (({}, "seconds"), ({"seconds": -1}, "seconds"), ({"seconds": "1"}, "seconds")):
        response = client.post(f"/_sim/sites/{site.name}/latency", json=body)
        assert response.status_code == 400
        assert response.json()["error"]["field"] == field
    bad_rate = client.post(f"/_sim/sites/{site.name}/error-rate", json={"rate": 1.5})
    assert (bad_rate.status_code, bad_rate.json()["error"]["field"]) == (400, "rate")
    assert client.post(f"/_sim/sites/{site.name}/error-rate", json={"rate": 1.0}).status_code == 200
    assert {client.get(proxy(site.name, "/version")).status_code for _ in range(5)} == {500}
    assert client.post(f"/_sim/sites/{site.name}/latency", json={"seconds": 0.05}).json()["sites"][site.name][
        "latency_seconds"
    ] == pytest.approx(0.05)


def test_ready_with_reason(client: httpx.Client, site: SiteHandle) -> None:
    response = client.post(
        f"/_sim/sites/{site.name}/ready", json={"status": "False", "reason": "StatusCollectionFailed"}
    )
    assert response.status_code == 200
    ready = ready_of(client, site.name)
    assert (ready["status"], ready["reason"]) == ("False", "StatusCollectionFailed")
    assert ready["message"].startswith("failed to create a ClusterClient: ")
    wrong = client.post(
        f"/_sim/sites/{site.name}/ready", json={"status": "True", "reason": "ClusterNotReady"}
    )
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (400, "reason")
    bad = client.post(f"/_sim/sites/{site.name}/ready", json={"status": "Maybe"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "status")


def test_ready_grace_over_http(client: httpx.Client, site: SiteHandle) -> None:
    assert client.post("/_sim/ready-grace", json={"seconds": 3600}).json()["ready_grace_seconds"] == 3600
    try:
        client.post(f"/_sim/sites/{site.name}/offline")
        assert ready_of(client, site.name)["status"] == "True"  # Karmada has not noticed yet
        assert client.get(proxy(site.name, "/version")).status_code == 500
    finally:
        client.post("/_sim/ready-grace", json={"seconds": 0})
    assert ready_of(client, site.name)["status"] == "False"
    assert client.post("/_sim/ready-grace", json={"seconds": -1}).json()["error"]["field"] == "seconds"


def test_aggregated_api_switch_over_http(client: httpx.Client) -> None:
    assert client.post("/_sim/aggregated-api", json={"up": "no"}).json()["error"]["field"] == "up"
    assert client.post("/_sim/aggregated-api", json={"up": False}).status_code == 200
    try:
        assert client.get(CLUSTERS).status_code == 503
    finally:
        assert client.post("/_sim/aggregated-api", json={"up": True}).status_code == 200
    assert client.get(CLUSTERS).status_code == 200


def test_add_and_remove_site_over_http(client: httpx.Client) -> None:
    spec = {"name": "fab-wuhan", "sync_mode": "Push", "nodes": 2, "gpu_nodes": 1, "zones": ["cn-central-1a"]}
    created = client.post("/_sim/sites", json=spec)
    assert created.status_code == 201
    try:
        cluster = client.get(f"{CLUSTERS}/fab-wuhan").json()
        assert cluster["spec"]["syncMode"] == "Push" and cluster["spec"]["zones"] == ["cn-central-1a"]
        assert cluster["status"]["nodeSummary"] == {"totalNum": 2, "readyNum": 2}
        assert client.get(proxy("fab-wuhan", "/version")).status_code == 200
        duplicate = client.post("/_sim/sites", json=spec)
        assert (duplicate.status_code, duplicate.json()["error"]["field"]) == (409, "name")
    finally:
        assert client.delete("/_sim/sites/fab-wuhan").status_code == 200
    assert client.get(f"{CLUSTERS}/fab-wuhan").status_code == 404
    assert client.delete("/_sim/sites/fab-wuhan").status_code == 404


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"name": "Bad_Name"}, "name"),
        ({"name": "ok", "nodes": 0}, "nodes"),
        ({"name": "ok", "nodes": 2, "gpu_nodes": 3}, "gpu_nodes"),
        ({"name": "ok", "sync_mode": "Both"}, "sync_mode"),
        ({"name": "ok", "colour": "red"}, "colour"),
        ({"name": "ok", "prometheus_service": "no-namespace"}, "prometheus_service"),
        ({"name": "ok", "api_endpoint": "http://10.0.0.1:6443"}, "api_endpoint"),
        ({"sync_mode": "Push"}, "name"),
    ],
)
def test_invalid_site_specs_are_rejected_naming_the_field(
    client: httpx.Client, spec: dict[str, object], field: str
) -> None:
    response = client.post("/_sim/sites", json=spec)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert "ok" not in client.get("/_sim/state").json()["sites"]


def test_failures_over_http(client: httpx.Client, site: SiteHandle) -> None:
    response = client.post(f"/_sim/sites/{site.name}/failures", json={"impersonation_denied": True})
    assert response.json()["sites"][site.name]["failures"] == ["impersonation_denied"]
    assert client.get(proxy(site.name, "/version")).status_code == 403
    client.post(f"/_sim/sites/{site.name}/failures", json={"impersonation_denied": False})
    assert client.get(proxy(site.name, "/version")).status_code == 200
    unknown = client.post(f"/_sim/sites/{site.name}/failures", json={"gremlins": True})
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (400, "gremlins")
    not_bool = client.post(f"/_sim/sites/{site.name}/failures", json={"prometheus_unready": 1})
    assert (not_bool.status_code, not_bool.json()["error"]["field"]) == (400, "prometheus_unready")


def test_unknown_site_unknown_endpoint_and_wrong_method(client: httpx.Client) -> None:
    missing = client.post("/_sim/sites/nowhere/offline")
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "site")
    assert client.get("/_sim/nothing").status_code == 404
    assert client.get("/_sim/sites/fab-suzhou/offline").status_code == 405
    assert client.post("/_sim/aggregated-api", content=b"{not json").json()["error"]["field"] == "body"
