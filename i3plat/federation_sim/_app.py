"""The karmada-apiserver as clients see it: bearer auth, discovery, Cluster reads and the cluster proxy.

Order of checks on a proxy request follows the real chain: authentication → Karmada RBAC →
kube-aggregator (aggregated API up?) → route method → dryRun → cluster lookup → Connect errors →
bare-`/proxy` 301 → dial (latency, offline, injected errors) → TLS → the member.
"""

from __future__ import annotations

import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from . import _status as status
from ._control import handle_control
from ._identity import SELF_SUBJECT_REVIEW_PATH, handle_self_subject_review
from ._member import MemberRequest, handle_member_request
from ._objects import build_api_versions, build_version
from ._paths import classify_member_path, clean_proxy_subpath
from ._responses import json_response, redirect_response, status_response, text_response
from ._secrets import handle_secret_request
from ._spec import endpoint_dial_address
from ._state import Federation
from ._table import build_table, wants_table

GROUP = "cluster.karmada.io"
GROUP_VERSION = f"{GROUP}/v1alpha1"
CLUSTERS_PREFIX = f"/apis/{GROUP_VERSION}/clusters"
PROXY_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_PROXY_RE = re.compile(rf"^{re.escape(CLUSTERS_PREFIX)}/([^/]+)/proxy(/.*)?$")
_CLUSTER_RE = re.compile(rf"^{re.escape(CLUSTERS_PREFIX)}/([^/]+)(/status)?/?$")
UNAUTHENTICATED_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
TLS_UNKNOWN_AUTHORITY = "tls: failed to verify certificate: x509: certificate signed by unknown authority"


def build_api_group_list() -> dict[str, Any]:
    """`/apis` with the Cluster API group (listed even while its APIService is unavailable)."""
    version = {"groupVersion": GROUP_VERSION, "version": "v1alpha1"}
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [{"name": GROUP, "versions": [version], "preferredVersion": version}],
    }


def build_cluster_resources() -> dict[str, Any]:
    """`/apis/cluster.karmada.io/v1alpha1` discovery."""
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            {
                "name": "clusters",
                "singularName": "cluster",
                "namespaced": False,
                "kind": "Cluster",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            },
            {
                "name": "clusters/proxy",
                "singularName": "",
                "namespaced": False,
                "kind": "ClusterProxyOptions",
                "verbs": ["create", "delete", "get", "patch", "update"],
            },
            {
                "name": "clusters/status",
                "singularName": "",
                "namespaced": False,
                "kind": "Cluster",
                "verbs": ["get", "patch", "update"],
            },
        ],
    }


def has_dry_run(query_string: str) -> bool:
    """Go's `len(url.Query()["dryRun"]) != 0`: present at all, even empty."""
    return any(key == "dryRun" for key, _ in parse_qsl(query_string, keep_blank_values=True))


class SimulatorApp:
    """WSGI application of the simulated Karmada control plane."""

    def __init__(self, federation: Federation, token: str, server_address: str = "127.0.0.1:0") -> None:
        self.federation = federation
        self.token = token
        self.server_address = server_address

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Plain WSGI entry point (the HTTPS server calls `dispatch` directly)."""
        return self.dispatch(Request(environ))(environ, start_response)

    def is_authenticated(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(credential.strip().encode(), self.token.encode())

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path in UNAUTHENTICATED_PATHS:
            return text_response("ok")
        if not self.is_authenticated(request):
            return status_response(status.build_unauthorized())
        if path == "/_sim" or path.startswith("/_sim/"):
            return handle_control(self.federation, request.method, path[len("/_sim") :], request.get_data())
        if path == SELF_SUBJECT_REVIEW_PATH:
            config = self.federation.config
            return handle_self_subject_review(request.method, request.get_data(), config.user, config.groups)
        if path.startswith(f"/apis/{GROUP}/") or path == f"/apis/{GROUP}":
            return self.dispatch_karmada_group(request, path)
        if path.startswith("/api/v1/namespaces/"):
            query = request.query_string.decode("latin-1")
            answer = handle_secret_request(self.federation, request.method, path, query, request.get_data())
            if answer is not None:
                return answer
        return self.dispatch_discovery(request, path)

    def dispatch_discovery(self, request: Request, path: str) -> Response:
        routes = {
            "/version": lambda: build_version(self.federation.config.karmada_version),
            "/api": lambda: build_api_versions(self.server_address),
            "/api/v1": lambda: {"kind": "APIResourceList", "groupVersion": "v1", "resources": []},
            "/apis": build_api_group_list,
        }
        builder = routes.get(path.rstrip("/") or "/")
        if builder is None:
            return status_response(status.build_path_not_found())
        if request.method not in ("GET", "HEAD"):
            return status_response(status.build_method_not_allowed())
        return json_response(builder())

    def dispatch_karmada_group(self, request: Request, path: str) -> Response:
        if match := _PROXY_RE.match(path):
            return self.handle_proxy(request, match[1], match[2] or "")
        if not self.federation.aggregated_api_up:
            return text_response("service unavailable\n", 503)
        if request.method not in ("GET", "HEAD"):
            return status_response(status.build_method_not_allowed())
        trimmed = path.rstrip("/")
        if trimmed == f"/apis/{GROUP}":
            version = {"groupVersion": GROUP_VERSION, "version": "v1alpha1"}
            return json_response(
                {
                    "kind": "APIGroup",
                    "apiVersion": "v1",
                    "name": GROUP,
                    "versions": [version],
                    "preferredVersion": version,
                }
            )
        if trimmed == f"/apis/{GROUP_VERSION}":
            return json_response(build_cluster_resources())
        table = wants_table(request.headers.get("Accept", ""))
        if trimmed == CLUSTERS_PREFIX:
            clusters = self.federation.list_clusters()
            if table:
                return json_response(
                    build_table(
                        clusters["items"], clusters["metadata"]["resourceVersion"], self.federation.now()
                    )
                )
            return json_response(clusters)
        if match := _CLUSTER_RE.match(path):
            cluster = self.federation.get_cluster(match[1])
            if cluster is None:
                return status_response(status.build_cluster_not_found(match[1]))
            if table:
                return json_response(
                    build_table([cluster], cluster["metadata"]["resourceVersion"], self.federation.now())
                )
            return json_response(cluster)
        return status_response(status.build_path_not_found())

    def handle_proxy(self, request: Request, cluster: str, rest: str) -> Response:
        """`…/clusters/{cluster}/proxy{rest}`; every authenticated request for a known site is counted."""
        method = request.method
        query = request.query_string.decode("latin-1")
        member_path = clean_proxy_subpath(rest)
        view = self.federation.begin_proxy_request(cluster, classify_member_path(member_path))
        if view is not None and "karmada_rbac_denied" in view.failures:
            user = self.federation.config.user
            return status_response(
                status.build_cluster_proxy_forbidden(cluster, user, status.verb_for_method(method))
            )
        if not self.federation.aggregated_api_up:
            return text_response("service unavailable\n", 503)
        if method not in PROXY_METHODS:
            return text_response("405: Method Not Allowed", 405)
        if has_dry_run(query):
            return status_response(status.build_dry_run_not_supported())
        if view is None:
            return status_response(status.build_cluster_not_found(cluster))
        if "api_endpoint_empty" in view.failures:
            return status_response(
                status.build_internal_error(f"API endpoint of cluster {cluster} should not be empty")
            )
        if "impersonator_secret_nil" in view.failures:
            return status_response(
                status.build_internal_error(f"the impersonatorSecretRef of cluster {cluster} is nil")
            )
        if member_path == "" and method in ("GET", "HEAD"):
            return redirect_response(f"{request.path}/" + (f"?{query}" if query else ""))
        if view.latency > 0:
            time.sleep(view.latency)
        if view.offline or self.federation.draw_dial_failure(cluster):
            address = endpoint_dial_address(view.spec.endpoint)
            return status_response(
                status.build_internal_error(f"dial tcp {address}: connect: connection refused")
            )
        if "tls_unknown_authority" in view.failures:
            return status_response(status.build_internal_error(TLS_UNKNOWN_AUTHORITY))
        config = self.federation.config
        member_request = MemberRequest(
            method=method,
            path=member_path or "/",
            query_string=query,
            body=request.get_data(),
            content_type=request.headers.get("Content-Type"),
            user=config.user,
            groups=config.groups,
            now=self.federation.now(),
        )
        return handle_member_request(view, member_request)
