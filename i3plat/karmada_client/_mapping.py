"""The one place that turns HTTP answers and httpx exceptions into `KarmadaError`s.

`error_from_response` maps a non-success answer; `error_from_exception` maps an httpx exception;
`raise_for_proxy_status` decides whether a service-proxy answer came from Karmada / a kube-apiserver
(raise) or from the backend service itself (return).

How an answer produced by Karmada or a kube-apiserver is told apart from one produced by a backend
behind the service proxy (e.g. Prometheus's ``{"status":"error",...}``):

1. a JSON body whose ``kind`` is ``"Status"`` and ``apiVersion`` is ``"v1"`` — every error the
   generic apiserver writes (Karmada's 403/404/500/504, the member's 403/503 ...) has that shape;
2. a 503 whose body is exactly ``service unavailable`` (lower case, text/plain), which is what
   kube-aggregator writes when karmada-aggregated-apiserver is down. Prometheus's own 503 while it
   starts says ``Service Unavailable`` (capitalised) and is therefore left to the backend client;
3. a 502/503/504 with an HTML body: JSON APIs such as Prometheus never answer HTML, a load balancer
   or ingress in front of Karmada does.

Everything else is the backend's own answer.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

import httpx

from ._body import body_text, content_type, parse_status, request_of, upstream_message
from ._errors import (
    AggregatedApiUnavailable,
    AlreadyExists,
    ApiError,
    BadGateway,
    BadRequest,
    ClientTimeout,
    Conflict,
    ConnectError,
    GatewayTimeout,
    Invalid,
    KarmadaError,
    ServiceUnavailable,
    TLSError,
    TooManyRequests,
    TransportError,
    Unauthorized,
)
from ._remedies import forbidden, not_found, retry_after, service_unavailable, unreachable

__all__ = ["error_from_exception", "error_from_response", "parse_status", "raise_for_proxy_status"]

_PROXY_MARK = "/proxy/"
_CONTAINERS_RE = re.compile(r"choose one of: \[(?P<names>[^\]]*)\]")

# --------------------------------------------------------------------------------------------
# Public mapping functions


def error_from_response(response: httpx.Response, cluster: str | None = None) -> ApiError:
    """Map a non-success HTTP answer to the matching `ApiError` subclass, with `cluster` attached.

    Handles Kubernetes Status JSON, text/plain, HTML and empty bodies. When the response still
    carries its request, a ``/proxy/`` path marks the answer as possibly coming from a member.
    """
    status = parse_status(response)
    code = response.status_code
    message = upstream_message(response, status)
    method, path = request_of(response)
    via_proxy = _PROXY_MARK in path if path is not None else cluster is not None
    reason = None
    if status is not None and isinstance(status.get("reason"), str) and status["reason"]:
        reason = status["reason"]
    remedy: str | None = None
    kw: dict[str, Any] = {
        "cluster": cluster,
        "status_code": code,
        "upstream_message": message,
        "reason": reason,
        "status": status,
        "content_type": content_type(response) or None,
        "method": method,
        "path": path,
    }
    text = message or ""

    if code == 401:
        auth = "the credentials in the kubeconfig were rejected: renew the token or client certificate"
        if via_proxy:
            auth += (
                f"; if only cluster {cluster} fails, the member rejected the impersonator token "
                f"in Karmada secret karmada-cluster/{cluster}-impersonator"
            )
        return Unauthorized("the credentials were rejected", remedy=auth, **kw)
    if code == 403:
        return forbidden(kw, status, text, cluster, via_proxy)
    if code == 404:
        return not_found(kw, status, text, cluster)
    if code == 400:
        if "dryRun is not supported" in text:
            remedy = "drop the dryRun query parameter: every proxy layer refuses it"
        elif (cm := _CONTAINERS_RE.search(text)) is not None:
            remedy = "pass container= one of: " + ", ".join(cm["names"].split())
        elif text.startswith("invalid service request"):
            remedy = "the service id must be name, name:port or http(s):name:port"
        return BadRequest("the request was refused as invalid", remedy=remedy, **kw)
    if code == 409 and status is not None:  # a text/plain 409 is the `*` fan-out's "exist in more than one"
        return _conflict(kw, reason)
    if code == 422 and status is not None:
        return _invalid(kw)
    if code == 429:
        err = TooManyRequests(
            "the API server is throttling requests", remedy="poll less often or retry later", **kw
        )
        err.retry_after = retry_after(response, status)
        return err
    if code == 500:
        if via_proxy:
            return unreachable(kw, text, cluster)
        return ApiError("the Karmada API failed", **kw)
    if code == 502:
        return BadGateway(
            "a proxy or load balancer in front of the Karmada API failed",
            remedy=(
                "the Karmada API server behind the load balancer/ingress may be down; check it and the "
                "server URL in the kubeconfig"
            ),
            **kw,
        )
    if code == 503:
        if status is None and text.strip() == "service unavailable":
            return AggregatedApiUnavailable(
                "the Karmada aggregated API is unavailable",
                remedy=(
                    "karmada-aggregated-apiserver is down or APIService v1alpha1.cluster.karmada.io is not "
                    "Available: kubectl get apiservice v1alpha1.cluster.karmada.io, and check its pods in "
                    "karmada-system"
                ),
                **kw,
            )
        if status is not None:
            return service_unavailable(kw, text, cluster)
        return ServiceUnavailable("the server is unavailable", **kw)
    if code == 504:
        if reason == "Timeout":
            remedy = (
                "the member did not answer within Karmada's 60 s limit for non-long-running "
                "proxied calls; retry, or ask for less (labelSelector, limit)"
            )
        else:
            remedy = "a gateway in front of the Karmada API timed out; retry, or raise its timeout"
        return GatewayTimeout("the proxied call timed out upstream", remedy=remedy, **kw)
    return ApiError(f"unexpected HTTP answer {response.reason_phrase or code}".strip(), **kw)


def _conflict(kw: dict[str, Any], reason: str | None) -> Conflict:
    details = (kw["status"] or {}).get("details") or {}
    kind, name = details.get("kind"), details.get("name")
    if reason == "AlreadyExists":
        err = AlreadyExists(
            "the object already exists",
            remedy="pick another name, or read and reuse the existing object",
            **kw,
        )
        err.kind = kind if isinstance(kind, str) else None
        err.name = name if isinstance(name, str) else None
        return err
    return Conflict(
        "the object was changed by someone else", remedy="read it again and retry the write", **kw
    )


def _invalid(kw: dict[str, Any]) -> Invalid:
    details = (kw["status"] or {}).get("details") or {}
    raw = details.get("causes") if isinstance(details, dict) else None
    causes = tuple(
        (str(c.get("field", "")), str(c.get("message", "")))
        for c in (raw if isinstance(raw, list) else [])
        if isinstance(c, dict)
    )
    fields = ", ".join(f for f, _ in causes if f)
    err = Invalid(
        "the API server refused the object as invalid",
        remedy=f"fix {fields}" if fields else "fix the fields named in the message",
        **kw,
    )
    err.causes = causes
    return err


def raise_for_proxy_status(response: httpx.Response, cluster: str | None) -> None:
    """Raise the mapped error if `response` is an error written by Karmada or a kube-apiserver.

    Return None for a success, and for an error answer written by the backend service itself
    (e.g. Prometheus's ``{"status":"error",...}`` with 400/422/503), which its own client maps.
    See the module docstring for how the two are told apart.
    """
    if response.status_code < 400:
        return None
    if parse_status(response) is not None:
        raise error_from_response(response, cluster)
    ctype = content_type(response)
    if (
        response.status_code == 503
        and ctype in ("text/plain", "")
        and body_text(response).strip() == "service unavailable"
    ):
        raise error_from_response(response, cluster)
    if response.status_code in (502, 503, 504) and ctype == "text/html":
        raise error_from_response(response, cluster)
    return None


_TIMEOUT_PHASES: tuple[tuple[type[httpx.TimeoutException], str], ...] = (
    (httpx.ConnectTimeout, "connect"),
    (httpx.ReadTimeout, "read"),
    (httpx.WriteTimeout, "write"),
    (httpx.PoolTimeout, "pool"),
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 20:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _server_of(exc: BaseException) -> str | None:
    request = getattr(exc, "_request", None)
    if isinstance(request, httpx.Request):
        return f"{request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
    return None


def error_from_exception(exc: BaseException, cluster: str | None = None) -> KarmadaError:
    """Map an httpx (or ssl/OS) exception raised while talking to Karmada to a `TransportError`."""
    if isinstance(exc, KarmadaError):
        return exc
    server = _server_of(exc)
    at = f" at {server}" if server else ""
    detail = str(exc) or type(exc).__name__
    remedy: str | None = None
    kw: dict[str, Any] = {"cluster": cluster, "upstream_message": detail}
    for cls, phase in _TIMEOUT_PHASES:
        if isinstance(exc, cls):
            remedy = {
                "connect": f"the Karmada API{at} did not accept a connection in time; check the server "
                "URL, network and proxy-url",
                "read": "the Karmada API did not answer in time; retry, pass a larger timeout, or ask "
                "for less",
                "write": "sending the request body took too long; retry",
                "pool": "all connections were busy; fewer concurrent requests or a larger pool",
            }[phase]
            return ClientTimeout(f"our {phase} timeout fired", phase=phase, remedy=remedy, **kw)
    chain = _chain(exc)
    ssl_errors = [e for e in chain if isinstance(e, ssl.SSLError)]
    text = " ".join(str(e) for e in chain)
    if ssl_errors or "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text:
        verify = any(isinstance(e, ssl.SSLCertVerificationError) for e in ssl_errors) or (
            "CERTIFICATE_VERIFY_FAILED" in text
        )
        if verify and ("mismatch" in text.lower() or "doesn't match" in text.lower()):
            remedy = (
                "the server certificate does not name the host in the server URL: use a host "
                "name the certificate lists, or set tls-server-name in the kubeconfig"
            )
        elif verify:
            remedy = (
                "the server certificate is not trusted: check certificate-authority / "
                "certificate-authority-data in the kubeconfig (the CA of the Karmada API)"
            )
        else:
            remedy = (
                "the TLS handshake failed: check certificate-authority, client-certificate/"
                "client-key and that the server URL is https on the Karmada API port"
            )
        return TLSError(f"TLS with the Karmada API{at} failed", remedy=remedy, **kw)
    if isinstance(exc, httpx.ProxyError):
        return ConnectError(
            "the proxy refused or failed the connection",
            remedy=("check proxy-url in the kubeconfig and that the proxy allows CONNECT to the Karmada API"),
            **kw,
        )
    if isinstance(exc, httpx.ConnectError | ConnectionError):
        return ConnectError(
            f"could not connect to the Karmada API{at}",
            remedy=("check the server URL in the kubeconfig, DNS, the network path and proxy-url"),
            **kw,
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return TransportError(
            "unsupported URL scheme", remedy="the server URL must be https:// (or http://)", **kw
        )
    return TransportError(f"talking to the Karmada API{at} failed", **kw)
