"""Through `KarmadaClient.service_client`: Karmada's answers raise its errors unchanged, the
backend's own answers (Prometheus's) are mapped to the `PrometheusError` tree."""

from __future__ import annotations

import httpx
import pytest
from prom_client_helpers import (
    KARMADA,
    SERVICE_PREFIX,
    STATUSES,
    form_of,
    prom_error,
    proxied,
    raising,
    refusing_transport,
    success,
    text,
    vector_data,
)

from i3plat.karmada_client import (
    AggregatedApiUnavailable,
    ClientConfig,
    ClientTimeout,
    ClusterUnreachable,
    ConnectError,
    GatewayTimeout,
    KarmadaClient,
    KarmadaError,
    MemberForbidden,
    NoEndpoints,
    ServiceUnavailable,
)
from i3plat.promql.client import PrometheusClient
from i3plat.promql.errors import QueryInputError
from i3plat.promql.prom_errors import BadQuery, PrometheusNotReady, QueryTimeout


def status(name: str) -> httpx.Response:
    body = STATUSES[name]
    return httpx.Response(body["code"], json=body)


def test_query_goes_to_the_service_proxy_path_as_a_form() -> None:
    data = vector_data(({"node": "n1"}, 1700000000, "0.5"))
    with proxied(lambda r: success(data)) as (prom, rec):
        result = prom.query("node_load1", at=1700000000)
    request = rec.last
    assert str(request.url) == KARMADA + SERVICE_PREFIX + "/api/v1/query"
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == "Bearer tok-123"
    assert dict(form_of(request))["query"] == "node_load1"
    assert request.extensions["timeout"]["read"] == 30.0
    assert result.scalar() == 0.5


def test_label_values_through_the_proxy_is_a_get() -> None:
    with proxied(lambda r: success(["a"])) as (prom, rec):
        assert prom.label_values("node", match=["up"]) == ["a"]
    assert rec.last.method == "GET"
    assert rec.last.url.path == SERVICE_PREFIX + "/api/v1/label/node/values"
    assert rec.last.url.params.get_list("match[]") == ["up"]


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("503_no_endpoints", NoEndpoints),
        ("503_error_trying_to_reach_service", ServiceUnavailable),
        ("403_member_services_proxy", MemberForbidden),
        ("500_dial_timeout", ClusterUnreachable),
        ("504_timeout", GatewayTimeout),
    ],
)
def test_karmada_and_member_statuses_raise_karmada_errors_unchanged(
    name: str, cls: type[KarmadaError]
) -> None:
    with proxied(lambda r: status(name)) as (prom, _), pytest.raises(KarmadaError) as info:
        prom.query("up")
    err = info.value
    assert isinstance(err, cls)
    assert err.cluster == "site-a"
    assert err.upstream_message == STATUSES[name]["message"]


def test_aggregator_503_is_karmadas_but_prometheus_503_is_not_ready() -> None:
    with proxied(lambda r: text(503, "service unavailable\n")) as (prom, _):
        with pytest.raises(AggregatedApiUnavailable):
            prom.query("up")
        with pytest.raises(AggregatedApiUnavailable):
            prom.ready()
    with proxied(lambda r: text(503, "Service Unavailable\n")) as (prom, _):
        with pytest.raises(PrometheusNotReady) as info:
            prom.query("up")
        assert info.value.cluster == "site-a"
        assert prom.ready() is False


def test_no_endpoints_is_not_swallowed_by_ready() -> None:
    with proxied(lambda r: status("503_no_endpoints")) as (prom, _), pytest.raises(NoEndpoints):
        prom.ready()


def test_prometheus_errors_pass_through_the_proxy() -> None:
    bad = 'invalid parameter "query": 1:37: parse error: unclosed left parenthesis'
    with proxied(lambda r: prom_error(400, "bad_data", bad)) as (prom, _), pytest.raises(BadQuery) as info:
        prom.query("sum(rate(x[5m])")
    assert info.value.upstream_message == bad
    assert info.value.cluster == "site-a"
    timeout = prom_error(503, "timeout", "query timed out in expression evaluation")
    with proxied(lambda r: timeout) as (prom, _), pytest.raises(QueryTimeout):
        prom.query_range("x", start=0, end=3600, step=15)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), ConnectError),
        (httpx.ReadTimeout("t"), ClientTimeout),
    ],
)
def test_transport_errors_talking_to_karmada_are_karmada_errors(
    exc: httpx.TransportError, cls: type[KarmadaError]
) -> None:
    with proxied(raising(exc)) as (prom, _), pytest.raises(cls) as info:
        prom.query("up")
    assert info.value.cluster == "site-a"
    assert info.value.__cause__ is exc


def test_refused_input_sends_nothing_through_the_proxy() -> None:
    config = ClientConfig(server=KARMADA, token="t")
    with KarmadaClient(config, transport=refusing_transport()) as karmada:
        http = karmada.service_client("site-a", "monitoring", "prometheus-k8s", port=9090)
        with http, PrometheusClient(http, cluster="site-a") as prom:
            with pytest.raises(QueryInputError):
                prom.label_values("../../secrets")
            with pytest.raises(QueryInputError):
                prom.query_range("up", start=0, end=86_400 * 30, step=15)
