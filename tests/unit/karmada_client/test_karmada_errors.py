from __future__ import annotations

import pickle
import ssl
from typing import Any

import httpx
import pytest
from karmada_test_helpers import SERVER, status_response

from i3plat.karmada_client import (
    AggregatedApiUnavailable,
    ApiError,
    BadGateway,
    BadRequest,
    ClientTimeout,
    ClusterUnreachable,
    ConnectError,
    Forbidden,
    GatewayTimeout,
    ImpersonationForbidden,
    KarmadaError,
    KarmadaForbidden,
    MemberForbidden,
    NoEndpoints,
    NotFound,
    ServiceUnavailable,
    TLSError,
    TooManyRequests,
    TransportError,
    Unauthorized,
    error_from_exception,
    error_from_response,
    raise_for_proxy_status,
)

PROXY = "/apis/cluster.karmada.io/v1alpha1/clusters/site-a/proxy"
SVC = f"{PROXY}/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query"


def _common(err: ApiError, status: dict[str, Any], cls: type[ApiError], cluster: str = "site-a") -> None:
    assert type(err) is cls
    assert err.cluster == cluster
    assert err.status_code == status["code"]
    assert err.upstream_message == status["message"]
    assert err.status == status
    assert err.reason == status.get("reason")
    text = str(err)
    assert f"cluster {cluster}" in text and f"HTTP {status['code']}" in text and status["message"] in text


def test_1_karmada_forbidden(statuses: dict[str, Any]) -> None:
    s = statuses["403_karmada_forbidden"]
    err = error_from_response(status_response(s, f"{PROXY}/version"), "site-a")
    _common(err, s, KarmadaForbidden)
    assert isinstance(err, Forbidden) and err.code == "karmada_forbidden"
    assert (err.user, err.verb, err.resource, err.api_group, err.namespace) == (
        "system:serviceaccount:monitoring:site-dash",
        "get",
        "clusters/proxy",
        "cluster.karmada.io",
        None,
    )
    assert err.remedy is not None
    for needle in (
        "ClusterRole",
        "clusters/proxy",
        "get and create",
        "ClusterRoleBinding",
        "system:serviceaccount:monitoring:site-dash",
        "site-a",
    ):
        assert needle in err.remedy
    assert "remedy:" in str(err)


def test_2_cluster_not_found(statuses: dict[str, Any]) -> None:
    s = statuses["404_cluster_not_found"]
    err = error_from_response(
        status_response(s, "/apis/cluster.karmada.io/v1alpha1/clusters/site-x"), "site-x"
    )
    _common(err, s, NotFound, "site-x")
    assert (err.kind, err.name) == ("clusters", "site-x")
    assert err.remedy and "site-x" in err.remedy and "registered" in err.remedy


@pytest.mark.parametrize(
    ("key", "why", "needle"),
    [
        ("500_dial_timeout", "dial_timeout", "apiEndpoint"),
        ("500_connection_refused", "connection_refused", "127.0.0.1"),
        ("500_no_such_host", "dns", "resolve"),
        ("500_tls", "tls", "caBundle"),
        ("500_impersonator_nil", "no_impersonator", "KubeImpersonator"),
        ("500_empty_endpoint", "no_endpoint", "--cluster-api-endpoint"),
        ("500_proxyconnect", "proxy", "proxyURL"),
    ],
)
def test_3_cluster_unreachable(statuses: dict[str, Any], key: str, why: str, needle: str) -> None:
    s = statuses[key]
    err = error_from_response(status_response(s, f"{PROXY}/api/v1/namespaces"), "site-a")
    _common(err, s, ClusterUnreachable)
    assert err.reason is None  # the 500 carries no reason
    assert err.unreachable_reason == why
    assert err.remedy and needle in err.remedy


def test_3_any_other_500_from_the_proxy_is_unreachable() -> None:
    r = httpx.Response(500, text="boom", request=httpx.Request("GET", SERVER + PROXY + "/version"))
    err = error_from_response(r, "site-a")
    assert type(err) is ClusterUnreachable and err.unreachable_reason == "other"
    assert err.upstream_message == "boom"


def test_500_outside_the_proxy_is_a_plain_api_error(statuses: dict[str, Any]) -> None:
    s = dict(statuses["500_dial_timeout"], message="etcdserver: request timed out")
    err = error_from_response(status_response(s, "/apis/cluster.karmada.io/v1alpha1/clusters"))
    assert type(err) is ApiError and err.status_code == 500 and err.cluster is None


def test_4_gateway_timeout(statuses: dict[str, Any]) -> None:
    s = statuses["504_timeout"]
    err = error_from_response(status_response(s, f"{PROXY}/api/v1/pods"), "site-a")
    _common(err, s, GatewayTimeout)
    assert err.reason == "Timeout" and err.details == {}
    assert err.remedy and "60 s" in err.remedy


def test_5_aggregated_api_unavailable() -> None:
    r = httpx.Response(
        503,
        headers={"content-type": "text/plain; charset=utf-8"},
        content=b"service unavailable\n",
        request=httpx.Request("GET", SERVER + PROXY + "/version"),
    )
    err = error_from_response(r, "site-a")
    assert type(err) is AggregatedApiUnavailable
    assert (err.cluster, err.status_code, err.upstream_message) == ("site-a", 503, "service unavailable")
    assert err.status is None and err.reason is None
    assert err.remedy and "v1alpha1.cluster.karmada.io" in err.remedy


def test_6_dry_run(statuses: dict[str, Any]) -> None:
    s = statuses["400_dry_run"]
    err = error_from_response(status_response(s, f"{PROXY}/api/v1/namespaces"), "site-a")
    _common(err, s, BadRequest)
    assert err.remedy and "dryRun" in err.remedy


def test_7_impersonation_forbidden(statuses: dict[str, Any]) -> None:
    s = statuses["403_impersonation"]
    err = error_from_response(status_response(s, SVC), "site-a")
    _common(err, s, ImpersonationForbidden)
    assert err.verb == "impersonate" and err.resource == "groups"
    assert err.user == "system:serviceaccount:karmada-cluster:karmada-impersonator"
    assert (err.subject_kind, err.subject_name) == ("Group", "system:serviceaccounts")
    assert err.remedy is not None
    for needle in ('Group "system:serviceaccounts"', "ClusterRoleBinding", "clusters/proxy", "site-a"):
        assert needle in err.remedy


def test_7_impersonation_of_a_service_account_names_namespace() -> None:
    s = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "reason": "Forbidden",
        "message": 'serviceaccounts "site-dash" is forbidden: User "system:serviceaccount:karmada-cluster:'
        'karmada-impersonator" cannot impersonate resource "serviceaccounts" in API group "" '
        'in the namespace "monitoring"',
        "details": {"name": "site-dash", "kind": "serviceaccounts"},
        "code": 403,
    }
    err = error_from_response(status_response(s, SVC), "site-a")
    assert isinstance(err, ImpersonationForbidden)
    assert (err.subject_kind, err.subject_name) == ("ServiceAccount", "monitoring/site-dash")


def test_8_member_forbidden(statuses: dict[str, Any]) -> None:
    s = statuses["403_member_services_proxy"]
    err = error_from_response(status_response(s, SVC), "site-a")
    _common(err, s, MemberForbidden)
    assert (err.verb, err.resource, err.namespace, err.api_group) == (
        "get",
        "services/proxy",
        "monitoring",
        "",
    )
    assert err.remedy is not None
    for needle in (
        "get",
        "services/proxy",
        'namespace "monitoring"',
        "site-a",
        "Role",
        "system:serviceaccount:monitoring:site-dash",
    ):
        assert needle in err.remedy


def test_8_member_forbidden_on_pods_cluster_scope() -> None:
    s = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "reason": "Forbidden",
        "message": 'nodes is forbidden: User "u" cannot list resource "nodes" in API group ""'
        " at the cluster scope",
        "details": {"kind": "nodes"},
        "code": 403,
    }
    err = error_from_response(status_response(s, f"{PROXY}/api/v1/nodes"), "site-a")
    assert isinstance(err, MemberForbidden) and err.namespace is None
    assert err.remedy and "ClusterRole" in err.remedy and "list" in err.remedy


def test_9_no_endpoints(statuses: dict[str, Any]) -> None:
    s = statuses["503_no_endpoints"]
    err = error_from_response(status_response(s, SVC), "site-a")
    _common(err, s, NoEndpoints)
    assert isinstance(err, ServiceUnavailable) and err.service == "prometheus-k8s"
    assert err.remedy and "prometheus-k8s" in err.remedy


def test_9_error_trying_to_reach_service(statuses: dict[str, Any]) -> None:
    s = statuses["503_error_trying_to_reach_service"]
    err = error_from_response(status_response(s, SVC), "site-a")
    _common(err, s, ServiceUnavailable)
    assert err.remedy and "refused" in err.remedy


def test_impersonator_secret_missing(statuses: dict[str, Any]) -> None:
    s = statuses["404_impersonator_secret"]
    err = error_from_response(status_response(s, f"{PROXY}/version"), "site-b")
    assert isinstance(err, NotFound) and (err.kind, err.name) == ("secrets", "site-b-impersonator")
    assert err.remedy and "re-register" in err.remedy


def test_401() -> None:
    s = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    err = error_from_response(status_response(s, "/apis/cluster.karmada.io/v1alpha1/clusters"))
    assert type(err) is Unauthorized and err.upstream_message == "Unauthorized" and err.cluster is None
    assert err.remedy and "token" in err.remedy and "impersonator" not in err.remedy
    proxied = error_from_response(status_response(s, f"{PROXY}/version"), "site-a")
    assert proxied.remedy and "site-a-impersonator" in proxied.remedy


def test_html_502_from_a_load_balancer() -> None:
    html = (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    r = httpx.Response(
        502,
        headers={"content-type": "text/html"},
        text=html,
        request=httpx.Request("GET", SERVER + "/apis/cluster.karmada.io/v1alpha1/clusters"),
    )
    err = error_from_response(r)
    assert type(err) is BadGateway and err.status_code == 502
    assert err.upstream_message == "502 Bad Gateway" and err.remedy
    assert "<" not in str(err)


def test_empty_body() -> None:
    r = httpx.Response(503, request=httpx.Request("GET", SERVER + SVC))
    err = error_from_response(r, "site-a")
    assert type(err) is ServiceUnavailable and err.upstream_message is None and err.status is None
    r404 = httpx.Response(404, request=httpx.Request("GET", SERVER + "/apis/x"))
    nf = error_from_response(r404)
    assert type(nf) is NotFound and nf.kind is None and nf.upstream_message is None
    assert str(nf) == f"not found (HTTP 404) — remedy: {nf.remedy}"


def test_text_plain_and_other_codes() -> None:
    r = httpx.Response(
        409,
        text="conflict resource, exist in more than one cluster: a,b",
        request=httpx.Request("GET", SERVER + PROXY + "/api/v1/pods"),
    )
    err = error_from_response(r, "site-a")
    assert type(err) is ApiError and err.upstream_message.startswith("conflict resource")  # type: ignore[union-attr]
    t = error_from_response(httpx.Response(429, headers={"retry-after": "3"}, text="slow down"))
    assert isinstance(t, TooManyRequests) and t.retry_after == 3.0
    g = error_from_response(httpx.Response(504, text="upstream timed out"))
    assert isinstance(g, GatewayTimeout) and g.remedy and "gateway" in g.remedy


def test_response_without_request_uses_cluster_to_decide() -> None:
    s = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "dial tcp x: i/o timeout",
        "code": 500,
    }
    assert isinstance(error_from_response(httpx.Response(500, json=s), "site-a"), ClusterUnreachable)
    assert type(error_from_response(httpx.Response(500, json=s))) is ApiError


def test_container_choice_remedy() -> None:
    s = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "reason": "BadRequest",
        "message": "a container name must be specified for pod p, choose one of: [trainer metrics]",
        "code": 400,
    }
    err = error_from_response(status_response(s, f"{PROXY}/api/v1/namespaces/ml/pods/p/log"), "site-a")
    assert isinstance(err, BadRequest) and err.remedy == "pass container= one of: trainer, metrics"


# ---------------------------------------------------------------------------------------------
# raise_for_proxy_status


def _svc_response(status: int, **kw: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", SERVER + SVC), **kw)


@pytest.mark.parametrize(
    ("code", "body"),
    [
        (
            400,
            {
                "status": "error",
                "errorType": "bad_data",
                "error": "1:5: parse error: unexpected end of input",
            },
        ),
        (
            422,
            {
                "status": "error",
                "errorType": "execution",
                "error": "query processing would load too many samples",
            },
        ),
        (
            503,
            {"status": "error", "errorType": "timeout", "error": "query timed out in expression evaluation"},
        ),
        (200, {"status": "success", "data": {"resultType": "vector", "result": []}}),
    ],
)
def test_prometheus_envelope_passes_through(code: int, body: dict[str, Any]) -> None:
    assert raise_for_proxy_status(_svc_response(code, json=body), "site-a") is None


def test_prometheus_plain_text_503_passes_through() -> None:
    r = _svc_response(503, text="Service Unavailable", headers={"content-type": "text/plain; charset=utf-8"})
    assert raise_for_proxy_status(r, "site-a") is None


@pytest.mark.parametrize(
    ("key", "cls"),
    [
        ("403_karmada_forbidden", KarmadaForbidden),
        ("404_cluster_not_found", NotFound),
        ("500_dial_timeout", ClusterUnreachable),
        ("504_timeout", GatewayTimeout),
        ("400_dry_run", BadRequest),
        ("403_impersonation", ImpersonationForbidden),
        ("403_member_services_proxy", MemberForbidden),
        ("503_no_endpoints", NoEndpoints),
        ("503_error_trying_to_reach_service", ServiceUnavailable),
    ],
)
def test_status_errors_raise(statuses: dict[str, Any], key: str, cls: type[ApiError]) -> None:
    with pytest.raises(cls) as info:
        raise_for_proxy_status(_svc_response(statuses[key]["code"], json=statuses[key]), "site-a")
    assert info.value.cluster == "site-a"


def test_aggregator_503_and_html_gateway_errors_raise() -> None:
    with pytest.raises(AggregatedApiUnavailable):
        raise_for_proxy_status(
            _svc_response(
                503, text="service unavailable\n", headers={"content-type": "text/plain; charset=utf-8"}
            ),
            "site-a",
        )
    with pytest.raises(BadGateway):
        raise_for_proxy_status(
            _svc_response(502, text="<html><title>502</title></html>", headers={"content-type": "text/html"}),
            "site-a",
        )


def test_streamed_error_body_is_read() -> None:
    s = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'no endpoints available for service "prometheus-k8s"',
        "reason": "ServiceUnavailable",
        "code": 503,
    }
    import json as _json

    r = httpx.Response(
        503,
        stream=httpx.ByteStream(_json.dumps(s).encode()),
        headers={"content-type": "application/json"},
        request=httpx.Request("GET", SERVER + SVC),
    )
    with pytest.raises(NoEndpoints):
        raise_for_proxy_status(r, "site-a")


# ---------------------------------------------------------------------------------------------
# Exceptions


@pytest.mark.parametrize(
    ("exc", "phase"),
    [
        (httpx.ConnectTimeout("timed out"), "connect"),
        (httpx.ReadTimeout("timed out"), "read"),
        (httpx.WriteTimeout("timed out"), "write"),
        (httpx.PoolTimeout("timed out"), "pool"),
    ],
)
def test_client_timeouts(exc: httpx.TimeoutException, phase: str) -> None:
    err = error_from_exception(exc, "site-a")
    assert type(err) is ClientTimeout and isinstance(err, TransportError)
    assert err.phase == phase and err.cluster == "site-a" and err.status_code is None
    assert phase in str(err) and err.remedy


def test_tls_verify_error() -> None:
    cause = ssl.SSLCertVerificationError(
        1,
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "unable to get local issuer certificate (_ssl.c:1006)",
    )
    try:
        try:
            raise cause
        except ssl.SSLError as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as exc:
        err = error_from_exception(exc)
    assert type(err) is TLSError
    assert err.remedy and "certificate-authority" in err.remedy
    assert "CERTIFICATE_VERIFY_FAILED" in (err.upstream_message or "")


def test_tls_hostname_mismatch() -> None:
    exc = httpx.ConnectError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
        "certificate is not valid for 'x'. (_ssl.c:1006)"
    )
    err = error_from_exception(exc)
    assert type(err) is TLSError and err.remedy and "tls-server-name" in err.remedy


def test_connect_and_other_transport_errors() -> None:
    err = error_from_exception(httpx.ConnectError("[Errno 111] Connection refused"), "site-a")
    assert type(err) is ConnectError and err.upstream_message == "[Errno 111] Connection refused"
    assert type(error_from_exception(httpx.ProxyError("407"))) is ConnectError
    assert type(error_from_exception(httpx.RemoteProtocolError("peer closed"))) is TransportError
    already = TLSError("x")
    assert error_from_exception(already) is already


def test_errors_pickle_and_keep_fields(statuses: dict[str, Any]) -> None:
    err = error_from_response(status_response(statuses["403_impersonation"], SVC), "site-a")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is ImpersonationForbidden and str(again) == str(err)
    assert again.subject_name == "system:serviceaccounts" and again.cluster == "site-a"
    t = pickle.loads(pickle.dumps(error_from_exception(httpx.ReadTimeout("t"))))
    assert isinstance(t, ClientTimeout) and t.phase == "read"


def test_tree() -> None:
    for cls in (ConnectError, TLSError, ClientTimeout):
        assert issubclass(cls, TransportError)
    for cls in (KarmadaForbidden, ImpersonationForbidden, MemberForbidden):
        assert issubclass(cls, Forbidden)
    for cls in (
        Unauthorized,
        Forbidden,
        NotFound,
        BadRequest,
        ClusterUnreachable,
        AggregatedApiUnavailable,
        ServiceUnavailable,
        GatewayTimeout,
        BadGateway,
        TooManyRequests,
    ):
        assert issubclass(cls, ApiError) and issubclass(cls, KarmadaError)
    assert issubclass(NoEndpoints, ServiceUnavailable)
