"""Evidence and fixes for the typed errors the clients raise, from the exact answers of the reference.

The answers are built as httpx.Response objects and mapped by the client's own mapper, so these
tests also pin that the doctor adds no second mapping of HTTP answers.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from i3plat.doctor.fixes import Where, evidence_of, fix_for
from i3plat.doctor.model import Text
from i3plat.i18n import Translator
from i3plat.karmada_client import (
    AggregatedApiUnavailable,
    ClusterUnreachable,
    ImpersonationForbidden,
    KarmadaForbidden,
    MemberForbidden,
    NoEndpoints,
    NotFound,
    error_from_exception,
    error_from_response,
)
from i3plat.promql.prom_errors import PrometheusNotReady, UnexpectedResponse, error_for_answer

SERVER = "https://karmada.example:5443"
PROXY = "/apis/cluster.karmada.io/v1alpha1/clusters/site-a/proxy"
SERVICE_PROXY = PROXY + "/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy/-/ready"
WHERE = Where(
    site="site-a",
    service_setting="monitoring/prometheus-k8s:9090",
    namespace="monitoring",
    service="prometheus-k8s",
    timeout=15.0,
    endpoint="https://127.0.0.1:6443",
    proxy_url=None,
    identity='"system:serviceaccount:monitoring:site-dash"',
    subjects=(
        "ServiceAccount monitoring/site-dash",
        "Group system:serviceaccounts",
        "Group system:serviceaccounts:monitoring",
    ),
)
T_EN = Translator("en")
T_ZH = Translator("zh_CN")


def status(
    code: int, message: str, reason: str = "", details: dict[str, str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    body["message"] = message
    if reason:
        body["reason"] = reason
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def answer(code: int, path: str, body: Any = None, text: str | None = None, method: str = "GET") -> Any:
    request = httpx.Request(method, SERVER + path, headers={"Authorization": "Bearer s3cret-token"})
    if text is not None:
        response = httpx.Response(code, text=text, headers={"Content-Type": "text/plain"}, request=request)
    else:
        response = httpx.Response(code, json=body, request=request)
    return error_from_response(response, "site-a")


def translated(fix: Text) -> str:
    """The fix in Chinese; fails when the catalog has no translation for it."""
    assert T_ZH(fix.msgid) != fix.msgid, f"no Chinese translation for {fix.msgid!r}"
    return fix.render(T_ZH)


IMPERSONATION = status(
    403,
    'groups "system:serviceaccounts" is forbidden: '
    'User "system:serviceaccount:karmada-cluster:karmada-impersonator" cannot impersonate resource "groups" '
    'in API group "" at the cluster scope',
    "Forbidden",
    {"name": "system:serviceaccounts", "kind": "groups"},
)


def test_impersonation_403_names_the_refused_group_and_every_subject() -> None:
    exc = answer(403, PROXY + "/api/v1/namespaces/kube-system/pods", IMPERSONATION)
    assert isinstance(exc, ImpersonationForbidden)
    fix = fix_for(exc, WHERE)
    assert fix.params["subject"] == "Group system:serviceaccounts"
    assert fix.params["subjects"] == ", ".join(WHERE.subjects)
    english = fix.render(T_EN)
    assert "ClusterRoleBinding" in english and "clusters/proxy" in english
    assert "Group system:serviceaccounts:monitoring" in translated(fix)


def test_impersonation_fix_without_known_identity_names_the_refused_subject_only() -> None:
    exc = answer(403, PROXY + "/version", IMPERSONATION)
    bare = Where("site-a", "monitoring/prometheus-k8s:9090", "monitoring", "prometheus-k8s", 15.0)
    assert fix_for(exc, bare).params["subjects"] == "Group system:serviceaccounts"


def test_services_proxy_403_asks_for_get_and_create_in_the_namespace() -> None:
    body = status(
        403,
        'services "prometheus-k8s:web" is forbidden: '
        'User "system:serviceaccount:monitoring:site-dash" cannot get resource "services/proxy" '
        'in API group "" in the namespace "monitoring"',
        "Forbidden",
        {"name": "prometheus-k8s:web", "kind": "services"},
    )
    exc = answer(403, SERVICE_PROXY, body)
    assert isinstance(exc, MemberForbidden)
    fix = fix_for(exc, WHERE)
    assert fix.params == {"who": '"system:serviceaccount:monitoring:site-dash"', "namespace": "monitoring"}
    assert "services/proxy" in fix.render(T_EN) and "get and create" in fix.render(T_EN)
    translated(fix)


def test_no_endpoints_names_the_service_and_the_setting() -> None:
    body = status(503, 'no endpoints available for service "prometheus-k8s"', "ServiceUnavailable")
    exc = answer(503, SERVICE_PROXY, body)
    assert isinstance(exc, NoEndpoints)
    fix = fix_for(exc, WHERE)
    english = fix.render(T_EN)
    assert "“prometheus-k8s”" in english and "monitoring/prometheus-k8s:9090" in english
    assert "I3PLAT_PROMETHEUS_SERVICE" in english
    translated(fix)


@pytest.mark.parametrize(
    ("message", "reason", "needle"),
    [
        ("dial tcp 127.0.0.1:6443: connect: connection refused", "connection_refused", "never 127.0.0.1"),
        ("dial tcp 10.20.0.5:6443: i/o timeout", "dial_timeout", "timed out"),
        ("dial tcp: lookup site-b.example on 10.96.0.10:53: no such host", "dns", "resolve"),
        ("the impersonatorSecretRef of cluster site-a is nil", "no_impersonator", "KubeImpersonator"),
        ("API endpoint of cluster site-a should not be empty", "no_endpoint", "--cluster-api-endpoint"),
        (
            "tls: failed to verify certificate: x509: certificate signed by unknown authority",
            "tls",
            "karmada-cluster/site-a",
        ),
        ("proxyconnect tcp: dial tcp 172.18.0.2:8088: connect: connection refused", "proxy", "spec.proxyURL"),
    ],
)
def test_cluster_proxy_500s_get_the_fix_for_their_cause(message: str, reason: str, needle: str) -> None:
    exc = answer(500, PROXY + "/version", status(500, message))
    assert isinstance(exc, ClusterUnreachable) and exc.unreachable_reason == reason
    fix = fix_for(exc, WHERE)
    assert needle in fix.render(T_EN)
    translated(fix)


def test_karmada_rbac_403_asks_for_a_clusters_proxy_binding() -> None:
    body = status(
        403,
        'clusters.cluster.karmada.io "site-a" is forbidden: '
        'User "system:serviceaccount:monitoring:site-dash" cannot get resource "clusters/proxy" '
        'in API group "cluster.karmada.io" at the cluster scope',
        "Forbidden",
        {"name": "site-a", "group": "cluster.karmada.io", "kind": "clusters"},
    )
    exc = answer(403, PROXY + "/version", body)
    assert isinstance(exc, KarmadaForbidden)
    english = fix_for(exc, WHERE).render(T_EN)
    assert "clusters/proxy" in english and "ClusterRoleBinding" in english and "create" in english


def test_unknown_cluster_404_says_it_is_not_registered() -> None:
    body = status(
        404,
        'clusters.cluster.karmada.io "site-a" not found',
        "NotFound",
        {"name": "site-a", "group": "cluster.karmada.io", "kind": "clusters"},
    )
    exc = answer(404, "/apis/cluster.karmada.io/v1alpha1/clusters/site-a", body)
    assert isinstance(exc, NotFound)
    assert "No cluster named “site-a”" in fix_for(exc, WHERE, via_proxy=False).render(T_EN)


def test_aggregator_503_and_gateway_timeout_and_401s() -> None:
    agg = answer(503, PROXY + "/version", text="service unavailable\n")
    assert isinstance(agg, AggregatedApiUnavailable)
    assert "karmada-aggregated-apiserver" in fix_for(agg, WHERE).render(T_EN)
    timeout = answer(
        504,
        PROXY + "/version",
        status(504, "Timeout: request did not complete within the allotted timeout", "Timeout", {}),
    )
    assert "60 s" in fix_for(timeout, WHERE).render(T_EN)
    member_401 = answer(401, PROXY + "/version", status(401, "Unauthorized", "Unauthorized"))
    assert "site-a-impersonator" in fix_for(member_401, WHERE, via_proxy=True).render(T_EN)
    karmada_401 = answer(
        401, "/apis/cluster.karmada.io/v1alpha1/clusters/site-a", status(401, "Unauthorized")
    )
    assert "kubeconfig" in fix_for(karmada_401, WHERE, via_proxy=False).render(T_EN)


def test_our_own_timeout_states_how_long_we_waited() -> None:
    exc = error_from_exception(httpx.ReadTimeout("timed out"), "site-a")
    fix = fix_for(exc, WHERE)
    assert fix.params["seconds"] == "15"
    assert "30 s" in fix.render(T_EN)


def test_prometheus_answers_get_their_own_fixes() -> None:
    not_ready = error_for_answer(503, "text/plain", b"Service Unavailable", cluster="site-a")
    assert isinstance(not_ready, PrometheusNotReady)
    assert "TSDB" in fix_for(not_ready, WHERE).render(T_EN)
    other = error_for_answer(404, "text/plain", b"404 page not found\n", cluster="site-a")
    assert isinstance(other, UnexpectedResponse)
    assert fix_for(other, WHERE).params == {"configured": "monitoring/prometheus-k8s:9090"}


def test_unknown_errors_fall_back_to_the_clients_remedy() -> None:
    exc = answer(418, PROXY + "/version", status(418, "I'm a teapot"))
    fix = fix_for(exc, WHERE)
    assert fix.msgid in ("Advice from the error: {remedy}", "Read the message above; it names the cause.")
    translated(fix)


def test_evidence_keeps_status_upstream_message_and_request_but_no_credentials() -> None:
    body = status(500, "dial tcp 127.0.0.1:6443: connect: connection refused")
    evidence = evidence_of(answer(500, PROXY + "/version", body))
    assert evidence.http_status == 500
    assert evidence.message == "dial tcp 127.0.0.1:6443: connect: connection refused"
    assert evidence.request == f"GET {PROXY}/version"
    assert evidence.code == "cluster_unreachable"
    assert "s3cret" not in repr(evidence)


def test_evidence_of_a_transport_error_has_no_status() -> None:
    evidence = evidence_of(error_from_exception(httpx.ConnectError("[Errno 111] Connection refused"), None))
    assert evidence.http_status is None and evidence.code == "connect"
    assert evidence.message == "[Errno 111] Connection refused"


def test_long_upstream_messages_are_shortened() -> None:
    evidence = evidence_of(answer(500, PROXY + "/version", status(500, "dial tcp: " + "x" * 5000)))
    assert evidence.message is not None and len(evidence.message) <= 400
