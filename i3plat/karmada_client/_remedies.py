"""Building the typed error for one kind of answer, with its remedy (used by `_mapping` only)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from ._errors import (
    ClusterUnreachable,
    Forbidden,
    ImpersonationForbidden,
    KarmadaForbidden,
    MemberForbidden,
    NoEndpoints,
    NotFound,
    ServiceUnavailable,
)

KARMADA_GROUP = "cluster.karmada.io"

# k8s: apiserver/pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage
_FORBIDDEN_RE = re.compile(
    r'User "(?P<user>[^"]*)" cannot (?P<verb>\S+) resource "(?P<resource>[^"]*)"'
    r' in API group "(?P<group>[^"]*)"'
    r'(?: in the namespace "(?P<namespace>[^"]*)"| at the cluster scope)?'
)
_FORBIDDEN_PATH_RE = re.compile(r'User "(?P<user>[^"]*)" cannot (?P<verb>\S+) path "(?P<path>[^"]*)"')
_SUBJECT_RE = re.compile(r'^(?P<kind>[A-Za-z0-9.\-]+) "(?P<name>[^"]*)" (?:is forbidden|not found)')
_SERVICE_RE = re.compile(r'service "(?P<service>[^"]*)"')


def _subject_kind(resource: str) -> str | None:
    return {"groups": "Group", "users": "User", "serviceaccounts": "ServiceAccount"}.get(resource)


def forbidden(
    cls_kw: dict[str, Any],
    status: Mapping[str, Any] | None,
    message: str,
    cluster: str | None,
    via_proxy: bool,
) -> Forbidden:
    m = _FORBIDDEN_RE.search(message)
    details = (status or {}).get("details") or {}
    if not isinstance(details, Mapping):
        details = {}
    user = verb = resource = group = namespace = None
    if m:
        user, verb, resource = m["user"], m["verb"], m["resource"]
        group, namespace = m["group"], m["namespace"]
    else:
        pm = _FORBIDDEN_PATH_RE.search(message)
        if pm:
            user, verb, resource = pm["user"], pm["verb"], pm["path"]
    where = f"cluster {cluster}" if cluster else "the cluster"

    err: Forbidden
    if verb == "impersonate":
        subject_kind = _subject_kind(resource or "")
        subject_name = details.get("name")
        if not subject_name:
            sm = _SUBJECT_RE.match(message)
            subject_name = sm["name"] if sm else None
        if subject_kind == "ServiceAccount" and namespace and subject_name:
            subject_name = f"{namespace}/{subject_name}"
        if subject_kind and subject_name:
            remedy = (
                f'in Karmada, add {subject_kind} "{subject_name}" as a subject of the '
                f"ClusterRoleBinding (not a RoleBinding) that grants clusters/proxy on {where}; "
                "Karmada's unified-auth controller then allows karmada-impersonator to impersonate it "
                "in the member. Every group the caller carries must be a subject (for a ServiceAccount: "
                "system:serviceaccounts and system:serviceaccounts:<namespace>)"
            )
        else:
            remedy = (
                f"the member of {where} refused impersonation of {resource or 'an identity'}; make every "
                "user, group and ServiceAccount of the caller a subject of a ClusterRoleBinding to a "
                "clusters/proxy ClusterRole in Karmada"
            )
        err = ImpersonationForbidden(
            f"the member refused karmada-impersonator impersonating the caller's "
            f"{subject_kind or resource or 'identity'}",
            remedy=remedy,
            **cls_kw,
        )
        err.subject_kind = subject_kind
        err.subject_name = subject_name
    elif group == KARMADA_GROUP or details.get("group") == KARMADA_GROUP:
        who = f'User "{user}"' if user else "the console's identity"
        if resource == "clusters/proxy":
            remedy = (
                f"in Karmada, grant {who} a ClusterRole with resource clusters/proxy in API group "
                f"{KARMADA_GROUP} and verbs get and create (create is needed for POST, e.g. PromQL), "
                f"optionally with resourceNames [{cluster or '<cluster>'}], and bind it with a "
                "ClusterRoleBinding (not a RoleBinding); add the identity's groups as subjects too"
            )
        else:
            remedy = (
                f"in Karmada, grant {who} the verb {verb or 'get/list'} on resource "
                f"{resource or 'clusters'} in API group {KARMADA_GROUP} (ClusterRole + ClusterRoleBinding)"
            )
        err = KarmadaForbidden("Karmada's authorization refused the request", remedy=remedy, **cls_kw)
    elif via_proxy:
        who = f'User "{user}"' if user else "the impersonated identity"
        res = resource or "the resource"
        if group:
            res = f"{res} (API group {group})"
        if namespace:
            scope = f'in namespace "{namespace}" of {where} (a Role and RoleBinding in the member'
        else:
            scope = f"cluster-wide in {where} (a ClusterRole and ClusterRoleBinding in the member"
        remedy = (
            f"grant {who} the verb {verb or 'needed'} on {res} {scope}, "
            "or propagate them from Karmada with a PropagationPolicy)"
        )
        err = MemberForbidden("the member's RBAC refused the impersonated identity", remedy=remedy, **cls_kw)
    else:
        err = Forbidden("the Karmada API refused the request", **cls_kw)
    err.user, err.verb, err.resource, err.api_group, err.namespace = user, verb, resource, group, namespace
    return err


def not_found(
    cls_kw: dict[str, Any], status: Mapping[str, Any] | None, message: str, cluster: str | None
) -> NotFound:
    details = (status or {}).get("details") or {}
    if not isinstance(details, Mapping):
        details = {}
    kind = details.get("kind") or None
    name = details.get("name") or None
    if status is not None and (kind is None or name is None):
        sm = _SUBJECT_RE.match(message)
        if sm:
            kind = kind or sm["kind"].split(".", 1)[0]
            name = name or sm["name"]
    where = f"cluster {cluster}" if cluster else "the member cluster"
    remedy: str | None
    if kind == "clusters":
        remedy = (
            f'no cluster named "{name}" is registered in Karmada; check the name '
            "(kubectl get clusters against the Karmada API)"
        )
    elif kind == "secrets" and name and name.endswith("-impersonator"):
        remedy = (
            f'Karmada has no impersonator secret "{name}" for {where}; re-register the cluster '
            "(karmada-agent --report-secrets must include KubeImpersonator, the default)"
        )
    elif kind == "services":
        remedy = (
            f'no service "{name}" in that namespace of {where}; check the service setting '
            "(I3PLAT_PROMETHEUS_SERVICE or the site's override)"
        )
    elif kind == "endpoints":
        remedy = f'the service "{name}" in {where} has no Endpoints object; check its selector'
    elif kind is not None:
        remedy = f'{kind} "{name}" does not exist in {where}'
    else:
        remedy = "check the server URL (and its path prefix) in the kubeconfig"
    summary = f"{kind} {name!r} not found" if kind else "not found"
    err = NotFound(summary, remedy=remedy, **cls_kw)
    err.kind, err.name = kind, name
    return err


def unreachable(cls_kw: dict[str, Any], message: str, cluster: str | None) -> ClusterUnreachable:
    where = f"cluster {cluster}" if cluster else "the member cluster"
    low = message.lower()
    endpoint = "check that spec.apiEndpoint is reachable from the Karmada control plane"
    if "impersonatorsecretref" in low or "impresonatetoken" in low or "impersonatetoken" in low:
        why = "no_impersonator"
        remedy = (
            f"{where} has no impersonator secret: re-register it with karmada-agent "
            "--report-secrets including KubeImpersonator (the default), or karmadactl join again"
        )
    elif "api endpoint of cluster" in low and "empty" in low:
        why = "no_endpoint"
        remedy = (
            f"{where} was registered without an API endpoint: set the agent's "
            "--cluster-api-endpoint (Pull mode) to an address Karmada can reach"
        )
    elif "proxyconnect" in low:
        why = "proxy"
        remedy = f"Karmada could not reach {where}'s spec.proxyURL (e.g. the ANP proxy server); check it"
    elif "x509:" in low or "tls:" in low or "certificate" in low:
        why = "tls"
        remedy = (
            f"Karmada does not trust {where}'s certificate: fix caBundle in its secretRef secret "
            f"(karmada-cluster/{cluster or '<cluster>'}) or the member's serving certificate"
        )
    elif "no such host" in low or "lookup " in low:
        why = "dns"
        remedy = f"Karmada cannot resolve {where}'s API endpoint host; {endpoint}"
    elif "connection refused" in low:
        why = "connection_refused"
        remedy = (
            f"{where}'s API endpoint refused the connection; {endpoint} (Pull clusters: the "
            "agent's --cluster-api-endpoint must not be 127.0.0.1 or a private address Karmada "
            "cannot route to; use ANP and spec.proxyURL for NAT'd sites)"
        )
    elif "i/o timeout" in low or "timeout" in low:
        why = "dial_timeout"
        remedy = f"Karmada timed out dialling {where}; {endpoint} (firewall, NAT, or use ANP + proxyURL)"
    else:
        why = "other"
        remedy = f"the proxy to {where} failed; {endpoint} and read the upstream message"
    err = ClusterUnreachable("Karmada could not reach the member cluster", remedy=remedy, **cls_kw)
    err.unreachable_reason = why
    return err


def service_unavailable(cls_kw: dict[str, Any], message: str, cluster: str | None) -> ServiceUnavailable:
    where = f"cluster {cluster}" if cluster else "the member cluster"
    sm = _SERVICE_RE.search(message)
    service = sm["service"] if sm else None
    err: ServiceUnavailable
    if message.startswith("no endpoints available"):
        err = NoEndpoints(
            "the service has no ready endpoints",
            remedy=(
                f'no ready pod backs service "{service}" (with that port) in {where}; check its pods '
                "and that the port name/number is one the service exposes"
            ),
            **cls_kw,
        )
    elif message.startswith("error trying to reach service"):
        err = ServiceUnavailable(
            "the member could not reach the service's pod",
            remedy=(
                f"the pod behind the service in {where} refused or dropped the connection; check the pod "
                "is healthy and the port is right"
            ),
            **cls_kw,
        )
    elif message.startswith("no service port"):
        err = ServiceUnavailable(
            "the service has no such port",
            remedy=(
                f'service "{service}" in {where} does not expose that port; fix the port in the service '
                "setting (name or number of a service port)"
            ),
            **cls_kw,
        )
    else:
        err = ServiceUnavailable("the service is unavailable", **cls_kw)
    err.service = service
    return err


def retry_after(response: httpx.Response, status: Mapping[str, Any] | None) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        details = (status or {}).get("details")
        if isinstance(details, Mapping):
            value = details.get("retryAfterSeconds")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
