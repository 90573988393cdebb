"""The cluster proxy: methods, dryRun, redirect, path cleaning, dial errors, latency, error rate, RBAC."""

from __future__ import annotations

import http.client
import time

import httpx
import pytest
from fedsim_helpers import SiteHandle, proxy, trust

from i3plat.federation_sim import RunningFederation


def raw_get(fed: RunningFederation, path: str) -> tuple[int, bytes]:
    """Send the path byte-for-byte (httpx would normalise `..` itself)."""
    host, port = fed.url.removeprefix("https://").rsplit(":", 1)
    connection = http.client.HTTPSConnection(host, int(port), context=trust(fed), timeout=10)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {fed.token}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def status_body(
    code: int, message: str, reason: str = "", details: dict[str, str] | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    body["message"] = message
    if reason:
        body["reason"] = reason
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


pytestmark = pytest.mark.integration


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_proxy_methods_reach_the_member(client: httpx.Client, site: SiteHandle, method: str) -> None:
    response = client.request(
        method, proxy(site.name, "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/x")
    )
    assert response.status_code == 404  # the EchoBackend's answer for /x
    assert site.backend.calls[-1][:2] == (method, "/x")


def test_other_methods_get_405(client: httpx.Client, site: SiteHandle) -> None:
    response = client.request("PROPFIND", proxy(site.name, "/version"))
    assert response.status_code == 405


@pytest.mark.parametrize("query", ["dryRun=All", "dryRun", "a=1&dryRun="])
def test_dry_run_is_rejected_before_forwarding(client: httpx.Client, site: SiteHandle, query: str) -> None:
    path = proxy(site.name, "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query")
    response = client.post(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json() == status_body(400, "dryRun is not supported", "BadRequest")
    assert site.backend.calls == []


def test_bare_proxy_redirects_with_trailing_slash_and_query(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(proxy(site.name) + "?a=1&b=%2F")
    assert response.status_code == 301
    assert response.headers["location"] == proxy(site.name, "/") + "?a=1&b=%2F"
    assert client.head(proxy(site.name)).status_code == 301
    assert client.get(proxy(site.name, "/")).json()["paths"][0] == "/api"


def test_proxy_path_is_cleaned_like_go_path_join(fed: RunningFederation, site: SiteHandle) -> None:
    code, body = raw_get(fed, proxy(site.name, "/api/v1/namespaces/adc/../training/pods"))
    assert code == 200 and b'"namespace":"training"' in body and b'"namespace":"adc"' not in body
    code, body = raw_get(fed, proxy(site.name, "//api//v1///namespaces"))
    assert code == 200 and body.startswith(b'{"kind":"NamespaceList"')
    code, body = raw_get(fed, proxy(site.name, "/../../../version"))
    assert code == 200 and b'"gitVersion":"v1.31.4"' in body  # the member's /version, not Karmada's


def test_trailing_slash_survives_cleaning(fed: RunningFederation, site: SiteHandle) -> None:
    service = "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"
    raw_get(fed, proxy(site.name, service + "/a/./b/../c/"))
    raw_get(fed, proxy(site.name, service + "/a/./b/../c"))
    assert [call[1] for call in site.backend.calls] == ["/a/c/", "/a/c"]


def test_offline_site_answers_500_dial_error_at_once(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_offline(site.name, True)
    started = time.perf_counter()
    response = client.get(proxy(site.name, "/version"))
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 500
    assert response.json() == status_body(500, "dial tcp 10.20.0.5:6443: connect: connection refused")
    fed.set_offline(site.name, False)
    assert client.get(proxy(site.name, "/version")).status_code == 200


def test_offline_fails_even_while_ready_is_true(fed: RunningFederation, client: httpx.Client) -> None:
    from i3plat.federation_sim import SiteSpec

    fed.add_site(SiteSpec(name="graceful", api_endpoint="https://10.20.7.5:7443"))
    try:
        fed.set_ready_grace(3600.0)
        fed.set_offline("graceful", True)
        ready = next(
            c
            for c in client.get("/apis/cluster.karmada.io/v1alpha1/clusters/graceful").json()["status"][
                "conditions"
            ]
            if c["type"] == "Ready"
        )
        assert ready["status"] == "True"  # still within the grace period
        response = client.get(proxy("graceful", "/version"))
        assert response.status_code == 500
        assert response.json()["message"] == "dial tcp 10.20.7.5:7443: connect: connection refused"
    finally:
        fed.set_ready_grace(0.0)
        fed.remove_site("graceful")


def test_not_ready_site_that_is_reachable_still_works(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_ready(site.name, "Unknown")
    assert client.get(proxy(site.name, "/version")).status_code == 200


def test_latency_is_added_before_answering(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    client.get(proxy(site.name, "/version"))  # warm the keep-alive connection
    fed.set_latency(site.name, 0.4)
    started = time.perf_counter()
    assert client.get(proxy(site.name, "/version")).status_code == 200
    elapsed = time.perf_counter() - started
    assert 0.4 <= elapsed < 3.0
    assert client.get(f"/apis/cluster.karmada.io/v1alpha1/clusters/{site.name}").elapsed.total_seconds() < 0.4
    fed.set_latency(site.name, 0.0)
    started = time.perf_counter()
    client.get(proxy(site.name, "/version"))
    assert time.perf_counter() - started < 0.4


def test_error_rate_matches_and_repeats_exactly(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    def run() -> list[int]:
        fed.set_error_rate(site.name, 0.2)
        return [client.get(proxy(site.name, "/version")).status_code for _ in range(150)]

    first, second = run(), run()
    assert set(first) == {200, 500}
    assert 0.1 <= first.count(500) / len(first) <= 0.3
    assert first == second
    fed.set_error_rate(site.name, 0.0)
    assert {client.get(proxy(site.name, "/version")).status_code for _ in range(20)} == {200}


def test_karmada_rbac_denied_is_403_from_karmada(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_failures(site.name, karmada_rbac_denied=True)
    response = client.post(proxy(site.name, "/version"))
    assert response.status_code == 403
    assert response.json() == status_body(
        403,
        f'clusters.cluster.karmada.io "{site.name}" is forbidden: '
        'User "system:serviceaccount:monitoring:site-dash" '
        'cannot create resource "clusters/proxy" in API group "cluster.karmada.io" at the cluster scope',
        "Forbidden",
        {"name": site.name, "group": "cluster.karmada.io", "kind": "clusters"},
    )
    assert (
        client.get(proxy(site.name, "/version"))
        .json()["message"]
        .endswith(
            'cannot get resource "clusters/proxy" in API group "cluster.karmada.io" at the cluster scope'
        )
    )


def test_impersonation_denied_is_403_from_the_member(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_failures(site.name, impersonation_denied=True)
    for path in ("/version", "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query"):
        response = client.get(proxy(site.name, path))
        assert response.status_code == 403
        assert response.json() == status_body(
            403,
            'groups "system:serviceaccounts" is forbidden: User '
            '"system:serviceaccount:karmada-cluster:karmada-impersonator" cannot impersonate '
            'resource "groups" in API group "" at the cluster scope',
            "Forbidden",
            {"name": "system:serviceaccounts", "kind": "groups"},
        )
    assert site.backend.calls == []
    fed.set_failures(site.name, impersonation_denied=False)
    assert client.get(proxy(site.name, "/version")).status_code == 200


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("impersonator_secret_nil", "the impersonatorSecretRef of cluster {site} is nil"),
        ("api_endpoint_empty", "API endpoint of cluster {site} should not be empty"),
        (
            "tls_unknown_authority",
            "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ),
    ],
)
def test_connect_failures_are_500_without_reason(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle, flag: str, message: str
) -> None:
    fed.set_failures(site.name, **{flag: True})
    response = client.get(proxy(site.name, "/version"))
    assert response.status_code == 500
    assert response.json() == status_body(500, message.format(site=site.name))


def test_api_endpoint_empty_also_drops_it_from_the_cluster(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_failures(site.name, api_endpoint_empty=True, impersonator_secret_nil=True)
    spec = client.get(f"/apis/cluster.karmada.io/v1alpha1/clusters/{site.name}").json()["spec"]
    assert "apiEndpoint" not in spec and "impersonatorSecretRef" not in spec


def test_counters_count_exactly_what_was_sent(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.reset_counters()
    service = "/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy/api/v1/query?query=up"
    client.get(proxy(site.name, service))
    client.post(proxy(site.name, service))
    client.get(proxy(site.name, "/api/v1/namespaces/adc/pods"))
    client.get(proxy(site.name, "/api/v1/pods?labelSelector=app%3Dadc-inference"))
    client.get(proxy(site.name, "/api/v1/namespaces/adc/pods/nope"))
    client.get(proxy(site.name, "/api/v1/namespaces/kube-system/pods/nope/log"))
    client.get(proxy(site.name, "/version"))
    client.get(proxy(site.name, "/version?dryRun=All"))
    client.get(proxy("not-a-site", "/version"))
    client.get("/apis/cluster.karmada.io/v1alpha1/clusters")
    client.get("/apis/cluster.karmada.io/v1alpha1/clusters")
    client.get(f"/apis/cluster.karmada.io/v1alpha1/clusters/{site.name}")
    counters = fed.counters()
    assert counters["cluster_list"] == 2
    assert counters["cluster_get"] == 1
    assert counters["sites"][site.name] == {"total": 8, "service_proxy": 2, "pods": 3, "logs": 1, "other": 2}
    assert counters["sites"]["fab-suzhou"]["total"] == 0
    assert client.get("/_sim/counters").json() == counters
    assert client.post("/_sim/counters/reset").json()["sites"][site.name]["total"] == 0
