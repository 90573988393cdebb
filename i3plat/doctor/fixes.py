"""Evidence and plain-words fixes for the typed errors the clients raise.

The clients already decided what each answer means (`karmada_client._mapping`,
`promql.prom_errors`); this module only chooses what to tell a person about each kind of error,
with the site's own names filled in, as catalog messages so the reader gets their language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from i3plat.collector.records import describe_failure
from i3plat.doctor.model import Evidence, Text, text
from i3plat.i18n import N_
from i3plat.karmada_client import (
    AggregatedApiUnavailable,
    ApiError,
    ClientTimeout,
    ClusterUnreachable,
    GatewayTimeout,
    ImpersonationForbidden,
    KarmadaError,
    KarmadaForbidden,
    MemberForbidden,
    NoEndpoints,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    TransportError,
    Unauthorized,
)
from i3plat.promql.prom_errors import (
    BadQuery,
    ExecutionError,
    PrometheusNotReady,
    QueryTimeout,
    UnexpectedResponse,
    excerpt_of,
)

MAX_MESSAGE_CHARS = 400


@dataclass(frozen=True)
class Where:
    """The names a fix talks about, as far as they are known when the error happens."""

    site: str
    service_setting: str
    namespace: str
    service: str
    timeout: float
    endpoint: str | None = None
    proxy_url: str | None = None
    identity: str | None = None
    """The console's identity as Karmada sees it (``User "…"``), when known."""
    subjects: tuple[str, ...] = ()
    """Every RBAC subject the console carries (``Group system:serviceaccounts`` …), when known."""


def evidence_of(exc: BaseException) -> Evidence:
    """What an error shows: its HTTP status, the upstream message and the request line."""
    failure = describe_failure(exc, time.time())
    message = failure.upstream_message or str(getattr(exc, "summary", "") or failure.message)
    request = None
    if isinstance(exc, ApiError) and exc.method and exc.path:
        request = f"{exc.method} {exc.path}"
    return Evidence(
        http_status=failure.status_code,
        message=excerpt_of(message, MAX_MESSAGE_CHARS) or None,
        request=request,
        code=failure.code,
    )


def _who(exc: KarmadaError, where: Where) -> Text | str:
    user = getattr(exc, "user", None)
    if user:
        return f'"{user}"'
    return where.identity or text(N_("the console's identity"))


def _subjects(where: Where, kind: str | None, name: str | None) -> str:
    named = f"{kind} {name}" if kind and name else None
    listed = list(where.subjects)
    if named and named not in listed:
        listed.insert(0, named)
    return ", ".join(listed) if listed else (named or "?")


def _endpoint(where: Where) -> str:
    return where.endpoint or "spec.apiEndpoint"


def unreachable_fix(exc: ClusterUnreachable, where: Where) -> Text:
    """Why Karmada's cluster proxy could not dial the member (its 500 dial errors)."""
    reason = exc.unreachable_reason
    endpoint = _endpoint(where)
    if reason == "no_impersonator":
        return text(
            N_(
                "The cluster was registered without an impersonator secret. Re-register it with "
                "karmada-agent --report-secrets including KubeImpersonator (the default)."
            )
        )
    if reason == "no_endpoint":
        return text(
            N_(
                "The cluster was registered without an API endpoint. Set karmada-agent's "
                "--cluster-api-endpoint to the member API address as reachable from the central "
                "cloud, and restart the agent."
            )
        )
    if reason == "proxy":
        return text(
            N_(
                "Karmada could not reach the proxy {proxy} (spec.proxyURL). Check that the "
                "apiserver-network-proxy server runs and listens there."
            ),
            proxy=where.proxy_url or "spec.proxyURL",
        )
    if reason == "tls":
        return text(
            N_(
                "Karmada does not trust the member's serving certificate. Put the member's CA in "
                "the caBundle of secret karmada-cluster/{site}, or give the member a certificate "
                "issued for {endpoint}."
            ),
            site=where.site,
            endpoint=endpoint,
        )
    if reason == "dns":
        return text(
            N_(
                "Karmada cannot resolve the host of {endpoint}. Use a name the central cloud's DNS "
                "knows, or an IP address."
            ),
            endpoint=endpoint,
        )
    if reason == "dial_timeout":
        return text(
            N_(
                "Karmada timed out dialling {endpoint}. Open the firewall/NAT path from the central "
                "cloud to that address, or reach the site through apiserver-network-proxy and "
                "spec.proxyURL."
            ),
            endpoint=endpoint,
        )
    if reason == "connection_refused":
        return text(
            N_(
                "Karmada could not connect to the member's API endpoint {endpoint}. It must be "
                "reachable from the Karmada control plane: for a Pull cluster set karmada-agent's "
                "--cluster-api-endpoint to an address Karmada can route to (never 127.0.0.1), or "
                "reach a NAT'd site through apiserver-network-proxy and spec.proxyURL."
            ),
            endpoint=endpoint,
        )
    return text(
        N_("Karmada could not reach the member through {endpoint}; the message above names the cause."),
        endpoint=endpoint,
    )


def forbidden_fix(exc: KarmadaForbidden | ImpersonationForbidden | MemberForbidden, where: Where) -> Text:
    if isinstance(exc, ImpersonationForbidden):
        return text(
            N_(
                "In Karmada, add {subject} as a subject of the ClusterRoleBinding that grants "
                "clusters/proxy (a RoleBinding does not count); Karmada's unified-auth controller "
                "then lets karmada-impersonator impersonate it in the member. Every identity the "
                "console carries must be a subject: {subjects}."
            ),
            subject=f"{exc.subject_kind or exc.resource or '?'} {exc.subject_name or '?'}",
            subjects=_subjects(where, exc.subject_kind, exc.subject_name),
        )
    if isinstance(exc, KarmadaForbidden):
        if exc.resource == "clusters/proxy":
            return text(
                N_(
                    "In Karmada, give {who} a ClusterRole with resource clusters/proxy (API group "
                    "cluster.karmada.io, verbs get and create) and bind it with a "
                    "ClusterRoleBinding, not a RoleBinding. create is needed because PromQL is "
                    "sent by POST."
                ),
                who=_who(exc, where),
            )
        return text(
            N_(
                "In Karmada, allow {who} to get and list clusters (API group cluster.karmada.io) "
                "with a ClusterRole and a ClusterRoleBinding."
            ),
            who=_who(exc, where),
        )
    if exc.resource == "services/proxy":
        return text(
            N_(
                "In the member, grant {who} the verbs get and create on services/proxy in "
                "namespace {namespace} (a Role and a RoleBinding), or propagate them from Karmada "
                "with a PropagationPolicy. create is needed because PromQL is sent by POST."
            ),
            who=_who(exc, where),
            namespace=exc.namespace or where.namespace,
        )
    return text(
        N_(
            "In the member, grant {who} the verb {verb} on {resource} (namespace {namespace}), with "
            "a Role and RoleBinding or a ClusterRole and ClusterRoleBinding."
        ),
        who=_who(exc, where),
        verb=exc.verb or "get",
        resource=exc.resource or "?",
        namespace=exc.namespace or "*",
    )


def service_fix(exc: NotFound | ServiceUnavailable, where: Where) -> Text:
    """The Prometheus service setting does not lead to a ready Prometheus pod."""
    names = {"service": where.service, "namespace": where.namespace, "configured": where.service_setting}
    if isinstance(exc, NoEndpoints):
        return text(
            N_(
                "No ready pod backs service “{service}” in namespace {namespace}. The console looks "
                "for Prometheus at {configured} (I3PLAT_PROMETHEUS_SERVICE, or prometheus_service of "
                "this site in the YAML config): check that Prometheus runs "
                "(kubectl -n {namespace} get pods,endpoints {service}) and that the port is one the "
                "service exposes."
            ),
            **names,
        )
    if isinstance(exc, NotFound):
        return text(
            N_(
                "There is no service “{service}” in namespace {namespace} of the member. The console "
                "looks for Prometheus at {configured} (I3PLAT_PROMETHEUS_SERVICE, or "
                "prometheus_service of this site in the YAML config): point it at the service of the "
                "site's Prometheus."
            ),
            **names,
        )
    if (exc.upstream_message or "").startswith("no service port"):
        return text(
            N_(
                "Service “{service}” has no such port. Fix the port in {configured} (a port name or "
                "number of that service)."
            ),
            **names,
        )
    return text(
        N_(
            "The member could not connect to the Prometheus pod behind “{service}”. Check that the pod "
            "is healthy and listens on the port configured in {configured}."
        ),
        **names,
    )


def karmada_fix(exc: KarmadaError, where: Where, *, via_proxy: bool) -> Text:
    """The fix for an error of the Karmada client."""
    if isinstance(exc, ClusterUnreachable):
        return unreachable_fix(exc, where)
    if isinstance(exc, ImpersonationForbidden | KarmadaForbidden | MemberForbidden):
        return forbidden_fix(exc, where)
    if isinstance(exc, Unauthorized):
        if via_proxy:
            return text(
                N_(
                    "The member rejected the impersonator token Karmada keeps in secret "
                    "karmada-cluster/{site}-impersonator. Re-register the cluster (karmada-agent "
                    "re-creates the token) or repair ServiceAccount karmada-cluster/karmada-impersonator "
                    "in the member."
                ),
                site=where.site,
            )
        return text(
            N_(
                "The Karmada API rejected the console's credentials: renew the token or certificate "
                "in the kubeconfig."
            )
        )
    if isinstance(exc, NotFound):
        if exc.kind == "clusters":
            return text(
                N_(
                    "No cluster named “{site}” is registered in Karmada. Check the name (kubectl get "
                    "clusters against the Karmada API) or register the site."
                ),
                site=where.site,
            )
        if exc.kind == "secrets":
            return text(
                N_(
                    "Karmada has no impersonator secret for this cluster. Re-register it with "
                    "karmada-agent (--report-secrets must include KubeImpersonator, the default)."
                )
            )
        if exc.kind in ("services", "endpoints"):
            return service_fix(exc, where)
    if isinstance(exc, ServiceUnavailable) and not isinstance(exc, AggregatedApiUnavailable):
        return service_fix(exc, where)
    if isinstance(exc, AggregatedApiUnavailable):
        return text(
            N_(
                "karmada-aggregated-apiserver is down or APIService v1alpha1.cluster.karmada.io is not "
                "Available: check kubectl get apiservice v1alpha1.cluster.karmada.io and the pods in "
                "karmada-system."
            )
        )
    if isinstance(exc, GatewayTimeout):
        return text(
            N_(
                "The member did not answer within Karmada's 60 s limit. Check the member API server's "
                "load and the network path, then run the checks again."
            )
        )
    if isinstance(exc, TooManyRequests):
        return text(N_("The API server is throttling requests. Wait a minute and run the checks again."))
    if isinstance(exc, ClientTimeout):
        return text(
            N_(
                "No answer within {seconds} s. Karmada itself takes 30 s to report a member it cannot "
                "dial: check the network path to the member, then run the checks again."
            ),
            seconds=f"{where.timeout:g}",
        )
    if isinstance(exc, TransportError):
        return text(
            N_(
                "The console cannot talk to the Karmada API. Check the server URL, the CA and the "
                "credentials in the kubeconfig, and the network path to it."
            )
        )
    return fallback_fix(exc)


def prometheus_fix(exc: BaseException, where: Where) -> Text:
    """The fix for an error of the Prometheus client (its answers, not Karmada's)."""
    if isinstance(exc, PrometheusNotReady):
        return text(
            N_(
                "Prometheus is still loading its data (TSDB/WAL). Wait until it is ready and run the "
                "checks again; if it stays like this, read its pod's logs and check its disk."
            )
        )
    if isinstance(exc, QueryTimeout):
        return text(N_("Prometheus did not answer in time. Check its load, then run the checks again."))
    if isinstance(exc, UnexpectedResponse):
        return text(
            N_(
                "Something other than the Prometheus API answered at {configured}. Point the service "
                "setting at the site's Prometheus (namespace/name:port)."
            ),
            configured=where.service_setting,
        )
    if isinstance(exc, BadQuery | ExecutionError):
        return text(
            N_(
                "Prometheus refused a diagnostic query; the message above says why (the console "
                "needs Prometheus 2.x or newer)."
            )
        )
    return fallback_fix(exc)


def fallback_fix(exc: BaseException) -> Text:
    remedy = getattr(exc, "remedy", None)
    if isinstance(remedy, str) and remedy:
        return text(N_("Advice from the error: {remedy}"), remedy=remedy)
    return text(N_("Read the message above; it names the cause."))


def fix_for(exc: BaseException, where: Where, *, via_proxy: bool = True) -> Text:
    """One entry point for any error a check catches."""
    if isinstance(exc, KarmadaError):
        return karmada_fix(exc, where, via_proxy=via_proxy)
    return prometheus_fix(exc, where)
