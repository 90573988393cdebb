"""Errors of the Prometheus HTTP API client, and the one place that maps Prometheus answers to them.

Tree (all under `i3plat.promql.errors.PromQLError`)::

    PrometheusError            .status_code .error_type .upstream_message .cluster .code
     ├─ BadQuery               400 bad_data: the query or a parameter is invalid   code "bad_query"
     ├─ ExecutionError         422 execution (e.g. many-to-many join, too many samples)  "execution"
     ├─ QueryTimeout           503 timeout, 503/499 canceled, 422 "context deadline exceeded" /
     │                         "query timed out", or our own httpx timeout on a direct URL  "timeout"
     │                         (.side "server" | "client", .phase for client timeouts)
     ├─ PrometheusNotReady     503 text/plain "Service Unavailable": TSDB/WAL still loading  "not_ready"
     ├─ PrometheusUnreachable  no answer from a direct URL (connect, reset, protocol error)   "unreachable"
     └─ UnexpectedResponse     500 internal/unavailable, 404 not_found, plain-text 404, HTML,
                               non-JSON, a 2xx without the envelope, a malformed result  "unexpected"
                               (.content_type, .excerpt, .field where the body is wrong)

Errors written by Karmada or a member kube-apiserver on the proxy path are *not* in this tree: they
are `i3plat.karmada_client.KarmadaError`s and propagate unchanged (callers catch
``KarmadaError | PromQLError``). All errors pickle, so the collector can keep them with the last
good value.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

import orjson

from i3plat.promql.errors import PromQLError

__all__ = [
    "BadQuery",
    "ExecutionError",
    "PrometheusError",
    "PrometheusNotReady",
    "PrometheusUnreachable",
    "QueryTimeout",
    "UnexpectedResponse",
    "error_for_answer",
    "excerpt_of",
]

MAX_UPSTREAM_CHARS = 2000
"""Longest upstream text kept on an error (a 10 MB HTML page must not end up in the cache)."""
MAX_EXCERPT_CHARS = 200
NOT_READY_BODY = "Service Unavailable"
"""What 2.42 answers on every endpoint until the TSDB is loaded (capitalised; the aggregator's
lower-case ``service unavailable`` is Karmada's and is raised before we look)."""
TIMEOUT_MARKERS = ("context deadline exceeded", "query timed out")
"""A 422 ``execution`` error containing one of these is the timeout variant (reference §5)."""

_TAG_RE = re.compile(r"<[^>]*>")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _rebuild(cls: type[PrometheusError], args: tuple[Any, ...], state: dict[str, Any]) -> PrometheusError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class PrometheusError(PromQLError):
    """Prometheus (or whatever answered at its URL) refused or failed a request.

    `.summary` says what happened in our words; `.upstream_message` is the exact text that came back
    (the envelope's ``error``, or the body), `.error_type` the envelope's ``errorType``. The client
    fills in `.cluster`; ``str(err)`` is recomputed from the attributes.
    """

    code: ClassVar[str] = "error"

    def __init__(
        self,
        summary: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        upstream_message: str | None = None,
        cluster: str | None = None,
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.status_code = status_code
        self.error_type = error_type
        self.upstream_message = upstream_message
        self.cluster = cluster

    def __str__(self) -> str:
        parts = [f"cluster {self.cluster}: " if self.cluster else "", self.summary]
        if self.status_code is not None:
            parts.append(f" (HTTP {self.status_code}{', ' + self.error_type if self.error_type else ''})")
        if self.upstream_message:
            parts.append(f": {self.upstream_message}")
        return "".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class BadQuery(PrometheusError):
    """400 ``bad_data``: the expression or a parameter was refused; the message names the position."""

    code = "bad_query"


class ExecutionError(PrometheusError):
    """422 ``execution``: the query parsed but failed while running (not a timeout)."""

    code = "execution"


class QueryTimeout(PrometheusError):
    """The query ran out of time. `.side` is ``"server"`` (Prometheus's own ``timeout=``) or
    ``"client"`` (our httpx timeout on a direct URL; `.phase` is read, write or pool)."""

    code = "timeout"

    def __init__(
        self, summary: str, *, side: Literal["server", "client"], phase: str | None = None, **kw: Any
    ) -> None:
        super().__init__(summary, **kw)
        self.side = side
        self.phase = phase


class PrometheusNotReady(PrometheusError):
    """503 text/plain ``Service Unavailable``: Prometheus is up but still loading its TSDB/WAL."""

    code = "not_ready"


class PrometheusUnreachable(PrometheusError):
    """No HTTP answer from a direct Prometheus URL (refused, DNS, reset, connect timeout ...)."""

    code = "unreachable"


class UnexpectedResponse(PrometheusError):
    """An answer that is not what the Prometheus API documents for this request.

    `.content_type` and `.excerpt` (short, whitespace-squashed, tag-free) describe the body;
    `.field` names the place in a JSON body that has the wrong shape (None when the body as a whole
    is wrong).
    """

    code = "unexpected"

    def __init__(
        self,
        summary: str,
        *,
        content_type: str | None = None,
        excerpt: str | None = None,
        field: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(summary, **kw)
        self.content_type = content_type
        self.excerpt = excerpt
        self.field = field


def excerpt_of(text: str, limit: int = MAX_EXCERPT_CHARS) -> str:
    """A short, single-line, printable rendering of `text` (HTML tags dropped) for messages."""
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    text = " ".join(_CONTROL_RE.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _envelope_error(body: bytes) -> tuple[str, str] | None:
    """(errorType, error) of a Prometheus error envelope in `body`, or None if it is not one."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or obj.get("status") != "error":
        return None
    error_type, error = obj.get("errorType"), obj.get("error")
    if not isinstance(error_type, str):
        return None
    return error_type, error if isinstance(error, str) else ""


def _is_timeout_message(message: str) -> bool:
    lowered = message.lower()
    return any(marker in lowered for marker in TIMEOUT_MARKERS)


def _from_envelope(status: int, error_type: str, message: str, cluster: str | None) -> PrometheusError:
    kw: dict[str, Any] = {
        "status_code": status,
        "error_type": error_type,
        "upstream_message": message,
        "cluster": cluster,
    }
    if error_type == "bad_data":
        return BadQuery("Prometheus refused the query", **kw)
    if error_type in ("timeout", "canceled") or (error_type == "execution" and _is_timeout_message(message)):
        what = "was canceled" if error_type == "canceled" else "timed out"
        return QueryTimeout(f"the query {what} in Prometheus", side="server", **kw)
    if error_type == "execution":
        return ExecutionError("the query failed while running", **kw)
    return UnexpectedResponse(
        f"Prometheus answered with error type {error_type!r}",
        content_type="application/json",
        excerpt=excerpt_of(message),
        **kw,
    )


def error_for_answer(
    status: int, content_type: str, body: bytes, *, cluster: str | None = None
) -> PrometheusError:
    """Map a non-success answer (or a 2xx that is not a success envelope) to a `PrometheusError`.

    Pure: takes the status, the media type (lower case, no parameters) and the raw body. The
    envelope's ``errorType`` decides when there is one; otherwise only the text/plain 503
    ``Service Unavailable`` has a meaning (not ready), and everything else is unexpected.
    """
    envelope = _envelope_error(body)
    if envelope is not None:
        return _from_envelope(status, envelope[0], envelope[1], cluster)
    text = body[: MAX_UPSTREAM_CHARS * 4].decode("utf-8", errors="replace").strip()
    if status == 503 and text == NOT_READY_BODY and content_type in ("text/plain", ""):
        return PrometheusNotReady(
            "Prometheus is not ready yet (still loading its TSDB)",
            status_code=status,
            upstream_message=text,
            cluster=cluster,
        )
    excerpt = excerpt_of(text)
    html = content_type == "text/html" or text[:15].lower().startswith(("<!doctype html", "<html"))
    return UnexpectedResponse(
        f"unexpected answer from Prometheus ({content_type or 'no content type'})",
        status_code=status,
        upstream_message=excerpt if html else text[:MAX_UPSTREAM_CHARS] or None,
        cluster=cluster,
        content_type=content_type or None,
        excerpt=excerpt or None,
    )
