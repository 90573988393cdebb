"""The aggregated Cluster API: list/get shapes, conditions, taints, 404s, discovery, aggregator switch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fedsim_helpers import CLUSTERS, SiteHandle, proxy

from i3plat.federation_sim import RunningFederation

pytestmark = pytest.mark.integration


def items_by_name(client: httpx.Client) -> dict[str, Any]:
    body = client.get(CLUSTERS).json()
    return {item["metadata"]["name"]: item for item in body["items"]}


def test_cluster_list_is_typed_and_its_items_have_no_type_meta(client: httpx.Client) -> None:
    response = client.get(CLUSTERS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["kind"] == "ClusterList"
    assert body["apiVersion"] == "cluster.karmada.io/v1alpha1"
    assert body["metadata"]["resourceVersion"].isdigit()
    names = [item["metadata"]["name"] for item in body["items"]]
    assert {"fab-chengdu", "fab-shenzhen", "fab-suzhou"} <= set(names)
    for item in body["items"]:
        assert "kind" not in item and "apiVersion" not in item
        assert set(item) == {"metadata", "spec", "status"}
        assert item["metadata"]["finalizers"] == ["karmada.io/cluster-controller"]


def test_cluster_spec_and_status_match_the_site_spec(client: httpx.Client) -> None:
    shenzhen = items_by_name(client)["fab-shenzhen"]
    spec, status = shenzhen["spec"], shenzhen["status"]
    assert spec["syncMode"] == "Push"
    assert spec["apiEndpoint"] == "https://10.20.1.5:6443"
    assert spec["impersonatorSecretRef"] == {
        "namespace": "karmada-cluster",
        "name": "fab-shenzhen-impersonator",
    }
    assert spec["region"] == "cn-south" and spec["zones"] == ["cn-south-1a"]
    assert "taints" not in spec
    assert len(spec["resourceModels"]) == 9
    assert status["kubernetesVersion"] == "v1.31.4"
    assert status["nodeSummary"] == {"totalNum": 6, "readyNum": 6}
    summary = status["resourceSummary"]
    assert summary["allocatable"]["nvidia.com/gpu"] == "24"
    assert 0 < int(summary["allocated"]["nvidia.com/gpu"]) <= 24
    assert sum(m["count"] for m in summary["allocatableModelings"]) == 6
    ready = [c for c in status["conditions"] if c["type"] == "Ready"]
    assert ready == [
        {
            "type": "Ready",
            "status": "True",
            "lastTransitionTime": ready[0]["lastTransitionTime"],
            "reason": "ClusterReady",
            "message": "cluster is healthy and ready to accept workloads",
        }
    ]


def test_node_summary_counts_not_ready_nodes(client: httpx.Client) -> None:
    assert items_by_name(client)["fab-chengdu"]["status"]["nodeSummary"] == {"totalNum": 3, "readyNum": 2}


@pytest.fixture
def pull_site(fed: RunningFederation) -> Iterator[str]:
    from i3plat.federation_sim import SiteSpec

    fed.add_site(SiteSpec(name="pull-site", sync_mode="Pull", api_endpoint="https://10.20.9.5:6443"))
    yield "pull-site"
    fed.remove_site("pull-site")


def test_offline_pull_site_turns_unknown_with_unreachable_taint_and_stale_summaries(
    fed: RunningFederation, client: httpx.Client, pull_site: str
) -> None:
    before = client.get(f"{CLUSTERS}/{pull_site}").json()
    fed.set_offline(pull_site, True)
    after = client.get(f"{CLUSTERS}/{pull_site}").json()
    ready = next(c for c in after["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown",
        "ClusterStatusUnknown",
        "Cluster status controller stopped posting cluster status.",
    )
    assert [t["key"] for t in after["spec"]["taints"]] == ["cluster.karmada.io/unreachable"]
    assert after["spec"]["taints"][0]["effect"] == "NoSchedule"
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert int(after["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])
    for key in ("nodeSummary", "resourceSummary", "kubernetesVersion", "apiEnablements"):
        assert after["status"][key] == before["status"][key]
    fed.set_offline(pull_site, False)
    back = client.get(f"{CLUSTERS}/{pull_site}").json()
    assert "taints" not in back["spec"]
    assert next(c for c in back["status"]["conditions"] if c["type"] == "Ready")["status"] == "True"


def test_set_ready_false_on_push_site_adds_not_ready_taint(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_ready(site.name, "False")
    cluster = client.get(f"{CLUSTERS}/{site.name}").json()
    ready = next(c for c in cluster["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ClusterNotReady")
    assert [t["key"] for t in cluster["spec"]["taints"]] == ["cluster.karmada.io/not-ready"]


def test_get_cluster_has_type_meta(client: httpx.Client) -> None:
    body = client.get(f"{CLUSTERS}/fab-suzhou").json()
    assert (body["kind"], body["apiVersion"]) == ("Cluster", "cluster.karmada.io/v1alpha1")
    assert body["spec"]["proxyURL"] == "http://172.18.0.2:8088"


@pytest.mark.parametrize("path", [f"{CLUSTERS}/site-x", proxy("site-x", "/version")])
def test_unknown_cluster_is_404_status(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'clusters.cluster.karmada.io "site-x" not found',
        "reason": "NotFound",
        "details": {"name": "site-x", "group": "cluster.karmada.io", "kind": "clusters"},
        "code": 404,
    }


def test_discovery_documents(client: httpx.Client) -> None:
    assert client.get("/version").json()["gitVersion"] == "v1.31.3"
    assert client.get("/api").json()["versions"] == ["v1"]
    groups = client.get("/apis").json()["groups"]
    assert [g["name"] for g in groups] == ["cluster.karmada.io"]
    resources = client.get("/apis/cluster.karmada.io/v1alpha1").json()["resources"]
    assert {r["name"] for r in resources} == {"clusters", "clusters/proxy", "clusters/status"}


def test_table_output_for_kubectl(client: httpx.Client) -> None:
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    table = client.get(CLUSTERS, headers={"Accept": accept}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"][:5]] == ["Name", "Version", "Mode", "Ready", "Age"]
    rows = {row["cells"][0]: row["cells"] for row in table["rows"]}
    assert rows["fab-suzhou"][1:5] == ["v1.30.8", "Pull", "True", "150d"]


def test_aggregated_api_down_answers_text_plain_503(fed: RunningFederation, client: httpx.Client) -> None:
    fed.set_aggregated_api(False)
    try:
        for path in (CLUSTERS, f"{CLUSTERS}/fab-suzhou", proxy("fab-suzhou", "/version")):
            response = client.get(path)
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/plain")
            assert response.text == "service unavailable\n"
        assert client.get("/version").status_code == 200
    finally:
        fed.set_aggregated_api(True)
    assert client.get(CLUSTERS).status_code == 200
