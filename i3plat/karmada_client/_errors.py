"""Exceptions raised by `i3plat.karmada_client`.

Every error is a `KarmadaError` and carries ``.cluster`` (the member cluster the call was about,
or None), ``.status_code`` (the HTTP status, or None when no answer came), ``.upstream_message``
(the exact message Karmada or the member sent, or None), ``.remedy`` (what to do, when known) and
``.code`` (a short machine-readable name for APIs and metrics). ``str(err)`` names the cause and the
remedy in one line.

Tree::

    KarmadaError
     ├─ ConfigError                  bad or unsupported kubeconfig / in-cluster config
     ├─ InvalidName (also ValueError)  a name or path refused before any request (.field, .value)
     ├─ MalformedResponse (also ValueError)  a success answer whose body has the wrong shape (.field)
     ├─ TransportError               could not talk to the Karmada API at all
     │   ├─ ConnectError             connection refused, DNS, proxy-url unreachable
     │   ├─ TLSError                 certificate verification and other TLS failures
     │   └─ ClientTimeout            our own timeout fired (.phase: connect | read | write | pool)
     └─ ApiError                     an HTTP answer that is not a success (.reason, .status, .details)
         ├─ Unauthorized             401
         ├─ Forbidden                403
         │   ├─ KarmadaForbidden       no clusters/proxy (or clusters) RBAC in Karmada
         │   ├─ ImpersonationForbidden the member refused karmada-impersonator ("cannot impersonate")
         │   └─ MemberForbidden        the impersonated identity lacks RBAC in the member
         ├─ NotFound                 404 (.kind, .name from the Status details)
         ├─ BadRequest               400 (e.g. "dryRun is not supported")
         ├─ Conflict                 409 (.reason Conflict: the object changed meanwhile)
         │   └─ AlreadyExists          409 reason AlreadyExists: creating an object that exists
         ├─ Invalid                  422: the API server's validation refused the object (.causes)
         ├─ TooManyRequests          429 (.retry_after)
         ├─ ClusterUnreachable       500 from the cluster proxy: dial/TLS/impersonator/endpoint errors
         ├─ BadGateway               502 from something in front of Karmada (load balancer)
         ├─ AggregatedApiUnavailable 503 text/plain "service unavailable" from kube-aggregator
         ├─ ServiceUnavailable       503 Status reason ServiceUnavailable (member service proxy)
         │   └─ NoEndpoints            "no endpoints available for service ..."
         └─ GatewayTimeout           504 (Karmada's 60 s limit on non-long-running proxied calls)

The mapping of HTTP answers lives in `_mapping.error_from_response`, of httpx exceptions in
`_mapping.error_from_exception`; nothing else builds these from responses.

All errors pickle (the collector may store them next to the last good value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


def _rebuild(cls: type[KarmadaError], args: tuple[Any, ...], state: dict[str, Any]) -> KarmadaError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class KarmadaError(Exception):
    """Base of every error raised by the Karmada client."""

    code: ClassVar[str] = "error"

    def __init__(
        self,
        summary: str,
        *,
        cluster: str | None = None,
        status_code: int | None = None,
        upstream_message: str | None = None,
        remedy: str | None = None,
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.cluster = cluster
        self.status_code = status_code
        self.upstream_message = upstream_message
        self.remedy = remedy

    def __str__(self) -> str:
        parts = []
        if self.cluster:
            parts.append(f"cluster {self.cluster}: ")
        parts.append(self.summary)
        if self.status_code is not None:
            parts.append(f" (HTTP {self.status_code})")
        if self.upstream_message:
            parts.append(f": {self.upstream_message}")
        if self.remedy:
            parts.append(f" — remedy: {self.remedy}")
        return "".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ConfigError(KarmadaError):
    """The kubeconfig or in-cluster configuration is missing, malformed or unsupported."""

    code = "config"


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InvalidName(KarmadaError, ValueError):
    """A name (or path) was refused before any request was built."""

    code = "invalid_name"

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"invalid {field} {_short(value)}: {reason}")
        self.field = field
        self.value = value
        self.reason = reason


class MalformedResponse(KarmadaError, ValueError):
    """A success answer whose body does not have the documented shape; `.field` names where."""

    code = "malformed_response"

    def __init__(
        self,
        field: str,
        problem: str,
        *,
        cluster: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(
            f"unexpected response shape at {field}: {problem}", cluster=cluster, status_code=status_code
        )
        self.field = field
        self.problem = problem


# --------------------------------------------------------------------------------------------
# Transport


class TransportError(KarmadaError):
    """No HTTP answer came from the Karmada API (the request may not have been sent)."""

    code = "transport"


class ConnectError(TransportError):
    """The connection to the Karmada API (or to `proxy-url`) could not be opened."""

    code = "connect"


class TLSError(TransportError):
    """The TLS handshake with the Karmada API failed (certificate verification etc.)."""

    code = "tls"


class ClientTimeout(TransportError):
    """Our own timeout fired; `.phase` says which one (connect, read, write or pool)."""

    code = "client_timeout"

    def __init__(self, summary: str, *, phase: str, **kw: Any) -> None:
        super().__init__(summary, **kw)
        self.phase = phase


# --------------------------------------------------------------------------------------------
# HTTP answers


class ApiError(KarmadaError):
    """An HTTP answer that is not a success.

    `.reason` is the Kubernetes StatusReason (``"Forbidden"``, ``"Timeout"`` ...) or None when the
    body is not a Status or carries no reason (the 500 dial errors); `.status` is the parsed Status
    object or None; `.details` its ``details`` (empty mapping when absent); `.content_type` and
    `.method`/`.path` describe the exchange.
    """

    code = "api"

    def __init__(
        self,
        summary: str,
        *,
        cluster: str | None = None,
        status_code: int | None = None,
        upstream_message: str | None = None,
        remedy: str | None = None,
        reason: str | None = None,
        status: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(
            summary,
            cluster=cluster,
            status_code=status_code,
            upstream_message=upstream_message,
            remedy=remedy,
        )
        self.reason = reason
        self.status = dict(status) if status is not None else None
        details = (status or {}).get("details")
        self.details: dict[str, Any] = dict(details) if isinstance(details, Mapping) else {}
        self.content_type = content_type
        self.method = method
        self.path = path


class Unauthorized(ApiError):
    """401: the credentials were rejected (by Karmada, or by the member for the impersonator)."""

    code = "unauthorized"


class Forbidden(ApiError):
    """403: authenticated, but not allowed. Parsed parts of the message: `.user`, `.verb`,
    `.resource`, `.api_group`, `.namespace` (None where the message does not say)."""

    code = "forbidden"

    user: str | None = None
    verb: str | None = None
    resource: str | None = None
    api_group: str | None = None
    namespace: str | None = None


class KarmadaForbidden(Forbidden):
    """Karmada's own authorization refused the call (no `clusters/proxy` or `clusters` grant)."""

    code = "karmada_forbidden"


class ImpersonationForbidden(Forbidden):
    """The member refused `karmada-impersonator` impersonating one of the caller's identities.

    `.subject_kind` is the RBAC subject kind to add (``Group``, ``User``, ``ServiceAccount``) and
    `.subject_name` its name (``namespace/name`` for a ServiceAccount).
    """

    code = "impersonation_forbidden"

    subject_kind: str | None = None
    subject_name: str | None = None


class MemberForbidden(Forbidden):
    """The member's RBAC refused the impersonated identity (e.g. `services/proxy`, `pods`)."""

    code = "member_forbidden"


class NotFound(ApiError):
    """404. `.kind` (the resource, e.g. ``clusters``, ``services``) and `.name` come from the
    Status details (or its message) and are None for a non-Status 404."""

    code = "not_found"

    kind: str | None = None
    name: str | None = None


class BadRequest(ApiError):
    """400, e.g. ``dryRun is not supported`` or a pod log without a container name."""

    code = "bad_request"


class Conflict(ApiError):
    """409: the write conflicts with the stored object (reason ``Conflict``, e.g. a stale
    resourceVersion); see `AlreadyExists` for a create of an existing name."""

    code = "conflict"


class AlreadyExists(Conflict):
    """409 reason ``AlreadyExists``: an object of that name exists (`.kind`, `.name` from details)."""

    code = "already_exists"

    kind: str | None = None
    name: str | None = None


class Invalid(ApiError):
    """422 reason ``Invalid``: the object failed validation. `.causes` holds (field, message) pairs
    from the Status details."""

    code = "invalid"

    causes: tuple[tuple[str, str], ...] = ()


class TooManyRequests(ApiError):
    """429 (API priority and fairness); `.retry_after` in seconds when the server said."""

    code = "too_many_requests"

    retry_after: float | None = None


class ClusterUnreachable(ApiError):
    """500 from the cluster proxy: Karmada could not reach or authenticate to the member.

    `.unreachable_reason` is one of ``connection_refused``, ``dial_timeout``, ``dns``, ``proxy``,
    ``tls``, ``no_impersonator``, ``no_endpoint``, ``other``.
    """

    code = "cluster_unreachable"

    unreachable_reason: str = "other"


class BadGateway(ApiError):
    """502: something between us and Karmada (a load balancer or ingress) failed."""

    code = "bad_gateway"


class AggregatedApiUnavailable(ApiError):
    """503 text/plain ``service unavailable`` from kube-aggregator: karmada-aggregated-apiserver
    (APIService v1alpha1.cluster.karmada.io) is not available."""

    code = "aggregated_api_unavailable"


class ServiceUnavailable(ApiError):
    """503 Status reason ServiceUnavailable, mostly from the member's service proxy.

    `.service` is the service id quoted in the message, when there is one.
    """

    code = "service_unavailable"

    service: str | None = None


class NoEndpoints(ServiceUnavailable):
    """``no endpoints available for service "..."``: no ready pod behind the service."""

    code = "no_endpoints"


class GatewayTimeout(ApiError):
    """504: the proxied call did not complete in time (Karmada cuts non-long-running calls at 60 s)."""

    code = "gateway_timeout"
