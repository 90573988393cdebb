"""Member read APIs through the proxy: namespaces, nodes, pods with selectors, and pod logs."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fedsim_helpers import proxy

pytestmark = pytest.mark.integration

SITE = "fab-shenzhen"


def pods(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    response = client.get(proxy(SITE, path))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    items: list[dict[str, Any]] = body["items"]
    return items


def pod_name(client: httpx.Client, namespace: str, prefix: str) -> str:
    names = [str(p["metadata"]["name"]) for p in pods(client, f"/api/v1/namespaces/{namespace}/pods")]
    return next(name for name in names if name.startswith(prefix))


def test_namespaces_include_the_workload_namespaces(client: httpx.Client) -> None:
    body = client.get(proxy(SITE, "/api/v1/namespaces")).json()
    names = {item["metadata"]["name"] for item in body["items"]}
    assert {"adc", "training", "monitoring", "kube-system", "default"} <= names


def test_nodes_match_the_cluster_summary(client: httpx.Client) -> None:
    nodes = client.get(proxy(SITE, "/api/v1/nodes")).json()["items"]
    assert len(nodes) == 6
    gpus = sum(int(n["status"]["allocatable"].get("nvidia.com/gpu", "0")) for n in nodes)
    cluster = client.get(f"/apis/cluster.karmada.io/v1alpha1/clusters/{SITE}").json()
    assert str(gpus) == cluster["status"]["resourceSummary"]["allocatable"]["nvidia.com/gpu"]


def test_pod_lists_by_namespace_and_label_selector(client: httpx.Client) -> None:
    adc = pods(client, "/api/v1/namespaces/adc/pods")
    assert len(adc) == 3
    for pod in adc:
        assert "kind" not in pod
        assert [c["name"] for c in pod["spec"]["containers"]] == ["inference", "sidecar"]
        assert pod["status"]["phase"] == "Running"
    selected = pods(
        client,
        "/api/v1/namespaces/training/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Dtrain-resnet-42",
    )
    assert len(selected) == 1 and selected[0]["metadata"]["labels"]["job-name"] == "train-resnet-42"
    assert pods(client, "/api/v1/namespaces/adc/pods?labelSelector=app%3Dnope") == []
    everywhere = pods(client, "/api/v1/pods?labelSelector=app+in+%28adc-inference%29")
    assert len(everywhere) == 3
    assert pods(client, "/api/v1/namespaces/no-such-ns/pods") == []
    assert {p["metadata"]["name"] for p in pods(client, "/api/v1/namespaces/monitoring/pods")} == {
        "prometheus-k8s-0"
    }


def test_bad_label_selector_is_400(client: httpx.Client) -> None:
    response = client.get(proxy(SITE, "/api/v1/pods?labelSelector=a%3D%3D%3Db"))
    assert response.status_code == 400 and response.json()["reason"] == "BadRequest"


def test_get_single_pod_and_404(client: httpx.Client) -> None:
    name = pod_name(client, "adc", "adc-inference-")
    pod = client.get(proxy(SITE, f"/api/v1/namespaces/adc/pods/{name}")).json()
    assert (pod["kind"], pod["metadata"]["name"]) == ("Pod", name)
    missing = client.get(proxy(SITE, "/api/v1/namespaces/adc/pods/nope"))
    assert missing.status_code == 404
    assert missing.json()["message"] == 'pods "nope" not found'


def test_multi_container_log_needs_a_container(client: httpx.Client) -> None:
    name = pod_name(client, "adc", "adc-inference-")
    response = client.get(proxy(SITE, f"/api/v1/namespaces/adc/pods/{name}/log"))
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"a container name must be specified for pod {name}, choose one of: [inference sidecar]"
    )
    bad = client.get(proxy(SITE, f"/api/v1/namespaces/adc/pods/{name}/log?container=nope"))
    assert bad.json()["message"] == f"container nope is not valid for pod {name}"


def test_log_tail_and_timestamps(client: httpx.Client) -> None:
    name = pod_name(client, "adc", "adc-inference-")
    url = proxy(
        SITE, f"/api/v1/namespaces/adc/pods/{name}/log?container=inference&tailLines=5&timestamps=true"
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    lines = response.text.splitlines()
    assert len(lines) == 5
    stamps = [line.split(" ", 1)[0] for line in lines]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", s) for s in stamps)
    assert stamps == sorted(stamps)
    # Content is deterministic: the same lines come back without timestamps (a later, longer tail).
    plain = client.get(
        proxy(SITE, f"/api/v1/namespaces/adc/pods/{name}/log?container=inference&tailLines=10")
    )
    later = plain.text.splitlines()
    texts = [line.split(" ", 1)[1] for line in lines]
    start = later.index(texts[0])
    assert later[start : start + 5] == texts


def test_log_since_seconds_limit_bytes_and_previous(client: httpx.Client) -> None:
    trainer = pod_name(client, "training", "train-resnet-42-")
    base = proxy(SITE, f"/api/v1/namespaces/training/pods/{trainer}/log")
    recent = client.get(base + "?sinceSeconds=60&timestamps=true").text.splitlines()
    assert 1 <= len(recent) <= 7  # one line per 10 s
    limited = client.get(base + "?limitBytes=10").content
    assert len(limited) == 10
    previous = client.get(base + "?previous=true&tailLines=1").text
    assert previous.startswith("RuntimeError: CUDA error: out of memory")
    prom = client.get(
        proxy(
            SITE, "/api/v1/namespaces/monitoring/pods/prometheus-k8s-0/log?container=prometheus&previous=true"
        )
    )
    assert prom.status_code == 400
    assert (
        prom.json()["message"]
        == 'previous terminated container "prometheus" in pod "prometheus-k8s-0" not found'
    )


def test_log_option_validation(client: httpx.Client) -> None:
    trainer = pod_name(client, "training", "train-resnet-42-")
    base = proxy(SITE, f"/api/v1/namespaces/training/pods/{trainer}/log")
    negative = client.get(base + "?tailLines=-1")
    assert negative.status_code == 422 and negative.json()["reason"] == "Invalid"
    assert client.get(base + "?tailLines=abc").status_code == 400
    assert client.get(base + "?sinceSeconds=10&sinceTime=2025-01-01T00:00:00Z").status_code == 422
