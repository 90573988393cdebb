"""The member kube-apiserver behind the cluster proxy: a few read APIs, pod logs and the service proxy."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from werkzeug.wrappers import Response

from . import _objects as objects
from . import _status as status
from ._logs import LogRequestError, parse_log_options, render_log
from ._paths import match_service_proxy, split_service_id
from ._responses import json_response, raw_response, redirect_response, status_response, text_response
from ._selectors import SelectorError, parse_field_selector, parse_label_selector
from ._site import SiteView
from ._workloads import PodFixture

READ_METHODS = frozenset({"GET", "HEAD"})
PROMETHEUS_UNREADY_BODY = "Service Unavailable\n"
_NS = r"/api/v1/namespaces/([^/]+)"


@dataclass(frozen=True)
class MemberRequest:
    """A request as the member apiserver receives it from Karmada (path already cleaned)."""

    method: str
    path: str
    query_string: str
    body: bytes
    content_type: str | None
    user: str
    groups: tuple[str, ...]
    now: float


def handle_member_request(site: SiteView, req: MemberRequest) -> Response:
    """Answer as the member would; impersonation is checked before anything else."""
    if "impersonation_denied" in site.failures:
        if req.groups:
            return status_response(status.build_impersonation_forbidden(req.groups[0]))
        return status_response(status.build_impersonation_forbidden(req.user, resource="users"))
    target = match_service_proxy(req.path)
    if target is not None:
        return handle_service_proxy(site, req, target.namespace, target.service_id, target.subpath)
    path = req.path.rstrip("/") or "/"
    route = route_read_api(site, req, path)
    if route is None:
        return status_response(status.build_path_not_found())
    if req.method not in READ_METHODS:
        return status_response(status.build_method_not_allowed())
    return route()


def route_read_api(site: SiteView, req: MemberRequest, path: str) -> Callable[[], Response] | None:
    """The handler for a read-only member path, or None when no route matches."""
    query = parse_qs(req.query_string, keep_blank_values=True)
    fixed = {
        "/": lambda: json_response(
            {"paths": ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"]}
        ),
        "/version": lambda: json_response(objects.build_version(site.spec.kubernetes_version)),
        "/healthz": lambda: text_response("ok"),
        "/livez": lambda: text_response("ok"),
        "/readyz": lambda: text_response("ok"),
        "/api": lambda: json_response(objects.build_api_versions(site.spec.endpoint.split("//", 1)[1])),
        "/api/v1": lambda: json_response(objects.build_core_resources()),
        "/api/v1/namespaces": lambda: list_namespaces(site),
        "/api/v1/nodes": lambda: list_nodes(site),
        "/api/v1/pods": lambda: list_pods(site, None, query),
    }
    if path in fixed:
        return fixed[path]
    for pattern, handler in _PATTERN_ROUTES:
        match = pattern.fullmatch(path)
        if match is not None:
            groups = match.groups()
            return lambda: handler(site, req, query, groups)
    return None


Query = dict[str, list[str]]
_PATTERN_ROUTES: list[
    tuple[re.Pattern[str], Callable[[SiteView, MemberRequest, Query, tuple[str, ...]], Response]]
]
_PATTERN_ROUTES = [
    (re.compile(r"/api/v1/nodes/([^/]+)"), lambda site, req, q, g: get_node(site, g[0])),
    (re.compile(_NS), lambda site, req, q, g: get_namespace(site, g[0])),
    (re.compile(_NS + r"/pods"), lambda site, req, q, g: list_pods(site, g[0], q)),
    (re.compile(_NS + r"/pods/([^/]+)"), lambda site, req, q, g: get_pod(site, g[0], g[1])),
    (re.compile(_NS + r"/pods/([^/]+)/log"), lambda site, req, q, g: read_log(site, g[0], g[1], q, req.now)),
    (re.compile(_NS + r"/services"), lambda site, req, q, g: list_services(site, g[0])),
    (re.compile(_NS + r"/services/([^/]+)"), lambda site, req, q, g: get_service(site, g[0], g[1])),
]


def list_namespaces(site: SiteView) -> Response:
    items = [objects.build_namespace(ns, site.created_at) for ns in site.namespaces]
    return json_response(objects.build_list("NamespaceList", items, 4000))


def get_namespace(site: SiteView, name: str) -> Response:
    if name not in site.namespaces:
        return status_response(status.build_not_found("namespaces", name))
    return json_response(objects.add_type_meta(objects.build_namespace(name, site.created_at), "Namespace"))


def list_nodes(site: SiteView) -> Response:
    items = [objects.build_node(site.spec, node, site.created_at) for node in site.spec.node_infos()]
    return json_response(objects.build_list("NodeList", items, 4001))


def get_node(site: SiteView, name: str) -> Response:
    for node in site.spec.node_infos():
        if node.name == name:
            return json_response(
                objects.add_type_meta(objects.build_node(site.spec, node, site.created_at), "Node")
            )
    return status_response(status.build_not_found("nodes", name))


def pod_fields(pod: PodFixture) -> dict[str, str]:
    """The fields a pod field selector may test."""
    return {
        "metadata.name": pod.name,
        "metadata.namespace": pod.namespace,
        "spec.nodeName": pod.node,
        "status.phase": "Running",
    }


def list_pods(site: SiteView, namespace: str | None, query: dict[str, list[str]]) -> Response:
    """PodList filtered by namespace, labelSelector and fieldSelector (a missing namespace lists nothing)."""
    try:
        labels = parse_label_selector((query.get("labelSelector") or [""])[0])
        fields = parse_field_selector((query.get("fieldSelector") or [""])[0])
    except SelectorError as error:
        return status_response(status.build_bad_request(str(error)))
    pods = [
        p
        for p in site.pods
        if (namespace is None or p.namespace == namespace) and labels(p.labels) and fields(pod_fields(p))
    ]
    pods.sort(key=lambda p: (p.namespace, p.name))
    return json_response(objects.build_list("PodList", [objects.build_pod(p) for p in pods], 4002))


def find_pod(site: SiteView, namespace: str, name: str) -> PodFixture | None:
    return next((p for p in site.pods if p.namespace == namespace and p.name == name), None)


def get_pod(site: SiteView, namespace: str, name: str) -> Response:
    pod = find_pod(site, namespace, name)
    if pod is None:
        return status_response(status.build_not_found("pods", name))
    return json_response(objects.add_type_meta(objects.build_pod(pod), "Pod"))


def read_log(site: SiteView, namespace: str, name: str, query: dict[str, list[str]], now: float) -> Response:
    """`pods/{pod}/log` as text/plain; option errors are Status objects (400/422)."""
    pod = find_pod(site, namespace, name)
    if pod is None:
        return status_response(status.build_not_found("pods", name))
    try:
        options = parse_log_options(name, query)
        body = render_log(site.spec.name, pod, options, now)
    except LogRequestError as error:
        return status_response(error.status)
    return raw_response(body, 200, "text/plain")


def list_services(site: SiteView, namespace: str) -> Response:
    items = []
    if namespace == site.service.namespace:
        items.append(objects.build_service(site.spec, site.service, site.created_at))
    return json_response(objects.build_list("ServiceList", items, 4003))


def get_service(site: SiteView, namespace: str, name: str) -> Response:
    if namespace != site.service.namespace or name != site.service.name:
        return status_response(status.build_not_found("services", name))
    return json_response(
        objects.add_type_meta(objects.build_service(site.spec, site.service, site.created_at), "Service")
    )


def prometheus_pod_address(site: SiteView) -> str:
    """`ip:port` of the pod behind the service, for 'error trying to reach service' messages."""
    pod = next(
        (p for p in site.pods if p.namespace == site.service.namespace and p.name.startswith("prometheus")),
        None,
    )
    return f"{pod.pod_ip if pod else '10.244.0.2'}:{site.service.port}"


def resolve_service_port(site: SiteView, namespace: str, raw_id: str) -> Response | None:
    """apiserver `ResourceLocation`: None when the id reaches the backend, else the error response."""
    service_id = split_service_id(raw_id)
    if service_id is None:
        return status_response(status.build_bad_request(f'invalid service request "{raw_id}"'))
    ref = site.service
    exists = namespace == ref.namespace and service_id.name == ref.name
    port_name = service_id.port
    if port_name.isdigit():
        if not exists:
            return status_response(status.build_not_found("services", service_id.name))
        if int(port_name) != ref.port:
            message = f'no service port {int(port_name)} found for service "{service_id.name}"'
            return status_response(status.build_service_unavailable(message))
        port_name = ref.port_name
    if not exists:
        return status_response(status.build_not_found("endpoints", service_id.name))
    if site.backend is None or "prometheus_no_endpoints" in site.failures:
        return status_response(
            status.build_service_unavailable(f'no endpoints available for service "{service_id.name}"')
        )
    if port_name != ref.port_name:
        return status_response(
            status.build_service_unavailable(f'no endpoints available for service "{raw_id}"')
        )
    if service_id.scheme == "https":
        return status_response(
            status.build_service_unavailable(
                "error trying to reach service: tls: first record does not look like a TLS handshake"
            )
        )
    return None


def handle_service_proxy(
    site: SiteView, req: MemberRequest, namespace: str, raw_id: str, subpath: str
) -> Response:
    """Forward to the site's PrometheusBackend and hand its answer back unchanged."""
    if "service_proxy_denied" in site.failures:
        verb = status.verb_for_method(req.method)
        return status_response(status.build_service_proxy_forbidden(raw_id, req.user, verb, namespace))
    error = resolve_service_port(site, namespace, raw_id)
    if error is not None:
        return error
    if subpath == "" and req.method in READ_METHODS:
        query = f"?{req.query_string}" if req.query_string else ""
        return redirect_response(f"{req.path}/{query}")
    if "prometheus_unready" in site.failures:
        return text_response(PROMETHEUS_UNREADY_BODY, 503)
    backend = site.backend
    assert backend is not None  # resolve_service_port answered otherwise
    try:
        answer = backend.handle(req.method, subpath or "/", req.query_string, req.body, req.content_type)
    except OSError:
        address = prometheus_pod_address(site)
        message = f"error trying to reach service: dial tcp {address}: connect: connection refused"
        return status_response(status.build_service_unavailable(message))
    return raw_response(answer.body, answer.status, answer.content_type)
