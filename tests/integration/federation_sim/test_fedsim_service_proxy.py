"""The member service proxy to each site's PrometheusBackend: id forms, errors, exact forwarding."""

from __future__ import annotations

import httpx
import orjson
import pytest
from fedsim_helpers import SiteHandle, proxy

from i3plat.federation_sim import RunningFederation, SiteSpec

pytestmark = pytest.mark.integration

SERVICES = "/api/v1/namespaces/monitoring/services"


def service_url(site: str, service_id: str, rest: str = "/api/v1/query") -> str:
    return proxy(site, f"{SERVICES}/{service_id}/proxy{rest}")


def status_503(message: str) -> dict[str, object]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "ServiceUnavailable",
        "code": 503,
    }


@pytest.mark.parametrize(
    "service_id",
    ["prometheus-k8s:web", "prometheus-k8s:9090", "http:prometheus-k8s:9090", "http:prometheus-k8s:web",
     "prometheus-k8s%3Aweb"],
)  # fmt: skip
def test_valid_id_forms_reach_the_backend(client: httpx.Client, site: SiteHandle, service_id: str) -> None:
    response = client.get(service_url(site.name, service_id) + "?query=up")
    assert response.status_code == 200
    assert response.json()["data"]["result"][0]["metric"]["__name__"] == "up"
    assert site.backend.calls == [("GET", "/api/v1/query", "query=up", b"", None)]


def test_forwarding_is_exact_both_ways(client: httpx.Client, site: SiteHandle) -> None:
    query = "query=sum%20by%20%28node%29%20%28rate%28x%5B5m%5D%29%29&time=1700000000.5&x=1&x=2&empty="
    body = b"query=up%7Bjob%3D%22node%22%7D&start=1&end=2&step=15"
    form = "application/x-www-form-urlencoded"
    response = client.post(
        service_url(site.name, "prometheus-k8s:9090", "/api/v1/query") + "?" + query,
        content=body,
        headers={"Content-Type": form},
    )
    assert site.backend.calls == [("POST", "/api/v1/query", query, body, form)]
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["echo"] == query
    teapot = client.get(service_url(site.name, "prometheus-k8s:web", "/teapot"))
    assert teapot.status_code == 418
    assert teapot.headers["content-type"] == "text/x-tea; charset=latin-1"
    assert teapot.content == b"\xffshort and stout"


def test_invalid_scheme_is_400(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(service_url(site.name, "ftp:prometheus-k8s:9090"))
    assert response.status_code == 400
    assert response.json()["message"] == 'invalid service request "ftp:prometheus-k8s:9090"'
    assert response.json()["reason"] == "BadRequest"


def test_unknown_service_is_404(client: httpx.Client, site: SiteHandle) -> None:
    by_number = client.get(service_url(site.name, "grafana:3000")).json()
    assert (by_number["code"], by_number["message"]) == (404, 'services "grafana" not found')
    assert by_number["details"] == {"name": "grafana", "kind": "services"}
    by_name = client.get(service_url(site.name, "grafana:http")).json()
    assert (by_name["code"], by_name["message"]) == (404, 'endpoints "grafana" not found')


def test_wrong_port_number_is_503(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(service_url(site.name, "prometheus-k8s:1234"))
    assert response.status_code == 503
    assert response.json() == status_503('no service port 1234 found for service "prometheus-k8s"')


def test_wrong_port_name_quotes_the_raw_id(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(service_url(site.name, "http:prometheus-k8s:metrics"))
    assert response.json() == status_503('no endpoints available for service "http:prometheus-k8s:metrics"')


def test_bare_name_does_not_match_a_named_port(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(service_url(site.name, "prometheus-k8s"))
    assert response.json() == status_503('no endpoints available for service "prometheus-k8s"')


def test_no_backend_means_no_endpoints(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_backend(site.name, None)
    assert site.backend.closed
    response = client.get(service_url(site.name, "prometheus-k8s:9090"))
    assert response.status_code == 503
    assert response.json() == status_503('no endpoints available for service "prometheus-k8s"')


def test_backend_refusing_is_error_trying_to_reach_service(client: httpx.Client, site: SiteHandle) -> None:
    site.backend.raise_os_error = True
    body = client.get(service_url(site.name, "prometheus-k8s:web")).json()
    assert body["code"] == 503 and body["reason"] == "ServiceUnavailable"
    assert body["message"].startswith("error trying to reach service: dial tcp 10.244.")
    assert body["message"].endswith(":9090: connect: connection refused")


def test_prometheus_unready_is_plain_text_and_skips_the_backend(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_failures(site.name, prometheus_unready=True)
    response = client.get(service_url(site.name, "prometheus-k8s:web"))
    assert response.status_code == 503
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Service Unavailable\n"
    assert site.backend.calls == []


def test_service_proxy_denied_is_403_for_the_impersonated_user(
    fed: RunningFederation, client: httpx.Client, site: SiteHandle
) -> None:
    fed.set_failures(site.name, service_proxy_denied=True)
    response = client.get(service_url(site.name, "prometheus-k8s:web"))
    assert response.status_code == 403
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'services "prometheus-k8s:web" is forbidden: '
        'User "system:serviceaccount:monitoring:site-dash" cannot get resource "services/proxy" '
        'in API group "" in the namespace "monitoring"',
        "reason": "Forbidden",
        "details": {"name": "prometheus-k8s:web", "kind": "services"},
        "code": 403,
    }
    posted = client.post(service_url(site.name, "prometheus-k8s:web")).json()
    assert 'cannot create resource "services/proxy"' in posted["message"]
    assert client.get(proxy(site.name, "/version")).status_code == 200  # only the service proxy is denied
    assert site.backend.calls == []


def test_bare_service_proxy_redirects_member_relative(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(service_url(site.name, "prometheus-k8s:web", "") + "?x=1")
    assert response.status_code == 301
    assert response.headers["location"] == f"{SERVICES}/prometheus-k8s:web/proxy/?x=1"


def test_configurable_service_location(fed: RunningFederation, client: httpx.Client) -> None:
    from fedsim_helpers import EchoBackend

    spec = SiteSpec(
        name="stack-site", prometheus_service="observability/kube-prometheus-stack-prometheus:http-web"
    )
    fed.add_site(spec)
    backend = EchoBackend()
    fed.set_backend("stack-site", backend)
    try:
        url = proxy(
            "stack-site",
            "/api/v1/namespaces/observability/services/kube-prometheus-stack-prometheus:9090/proxy/x",
        )
        assert client.get(url).status_code == 404
        assert backend.calls[-1][1] == "/x"
        assert client.get(service_url("stack-site", "prometheus-k8s:9090")).json()["code"] == 404
        services = client.get(proxy("stack-site", "/api/v1/namespaces/observability/services")).json()
        (port,) = services["items"][0]["spec"]["ports"]
        assert (port["name"], port["port"]) == ("http-web", 9090)
    finally:
        fed.remove_site("stack-site")
    assert backend.closed


def test_query_json_is_not_reencoded(client: httpx.Client, site: SiteHandle) -> None:
    response = client.get(service_url(site.name, "prometheus-k8s:web") + "?query=up")
    assert orjson.loads(response.content)["status"] == "success"
