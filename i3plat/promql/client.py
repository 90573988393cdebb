"""Prometheus HTTP API client over any httpx.Client: a direct URL or the Karmada service proxy.

One place sends (`PrometheusClient._send`) and one place maps answers (`prom_errors.error_for_answer`).
Every request carries an explicit httpx timeout (never httpx's implicit 5 s); query and query_range
also send Prometheus's own ``timeout=`` a little shorter, so a slow query comes back as
Prometheus's 503 ``timeout`` (`QueryTimeout`, side "server") before our read timeout fires.

Queries, ranges and series go by POST form (a long query by GET hits Go's 1 MB header limit: 431,
or a reset); label values by GET because 2.42 has no POST route for them. Bad input (empty
expression, step/range beyond 11,000 points, malformed label name, non-finite times) raises
`QueryInputError` naming the field, and nothing is sent.

Errors:

- proxied (``proxied=True``): every answer first goes through
  `karmada_client.raise_for_proxy_status`, so Karmada's / the member apiserver's own answers raise
  their `KarmadaError` (`NoEndpoints`, `ClusterUnreachable`, `MemberForbidden`,
  `AggregatedApiUnavailable` ...) unchanged; httpx exceptions are mapped by
  `karmada_client.error_from_exception` (we were talking to the Karmada API, so its `ConnectError`,
  `ClientTimeout` ... are the truthful cause).
- direct: httpx exceptions become `PrometheusUnreachable` (no connection, connect timeout, reset,
  protocol error) or `QueryTimeout` with ``side="client"`` (read/write/pool timeout). We do not
  reuse `error_from_exception` here: its messages and remedies talk about the Karmada API.
- in both modes, Prometheus's own answers become the `PrometheusError` tree (see `prom_errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx

from i3plat.karmada_client import error_from_exception, raise_for_proxy_status
from i3plat.promql.api_params import (
    check_expr,
    check_label_name,
    check_selectors,
    check_timeout,
    format_duration_ms,
    format_time_ms,
    range_params,
    server_timeout,
    time_params,
    to_millis,
)
from i3plat.promql.errors import QueryInputError
from i3plat.promql.form import CONTENT_TYPE as FORM_CONTENT_TYPE
from i3plat.promql.form import FormValue, encode_form
from i3plat.promql.prom_errors import (
    BadQuery,
    ExecutionError,
    PrometheusError,
    PrometheusNotReady,
    PrometheusUnreachable,
    QueryTimeout,
    UnexpectedResponse,
    error_for_answer,
)
from i3plat.promql.results import (
    BuildInfo,
    QueryResult,
    decode_body,
    parse_build_info,
    parse_config_yaml,
    parse_label_values,
    parse_query_response,
    parse_series,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_GET_QUERY_BYTES",
    "BadQuery",
    "BuildInfo",
    "ExecutionError",
    "PrometheusClient",
    "PrometheusError",
    "PrometheusNotReady",
    "PrometheusUnreachable",
    "QueryResult",
    "QueryTimeout",
    "UnexpectedResponse",
    "error_from_transport",
]

DEFAULT_TIMEOUT = 30.0
MAX_GET_QUERY_BYTES = 512 * 1024
"""Longest query string we send by GET (label values): Go refuses headers over 1 MB with 431
and then closes the connection, which a client may see as a reset rather than an answer."""
T = TypeVar("T")


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def _server_of(exc: httpx.TransportError, fallback: str) -> str:
    try:
        url = exc.request.url
    except RuntimeError:  # raised by httpx when the exception carries no request
        return fallback
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def error_from_transport(exc: httpx.TransportError, server: str, cluster: str | None) -> PrometheusError:
    """Map an httpx exception on a direct Prometheus URL: unreachable, or our own timeout."""
    detail = str(exc) or type(exc).__name__
    kw: dict[str, Any] = {"upstream_message": detail, "cluster": cluster}
    if isinstance(exc, httpx.ConnectTimeout):
        return PrometheusUnreachable(f"Prometheus at {server} is unreachable (connect timed out)", **kw)
    if isinstance(exc, httpx.TimeoutException):
        phase = {httpx.ReadTimeout: "read", httpx.WriteTimeout: "write", httpx.PoolTimeout: "pool"}.get(
            type(exc), "read"
        )
        return QueryTimeout(
            f"Prometheus at {server} did not answer in time (our {phase} timeout fired)",
            side="client",
            phase=phase,
            **kw,
        )
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError | httpx.UnsupportedProtocol):
        return PrometheusUnreachable(f"Prometheus at {server} is unreachable (could not connect)", **kw)
    return PrometheusUnreachable(
        f"the connection to Prometheus at {server} failed ({type(exc).__name__})", **kw
    )


# --------------------------------------------------------------------------------------------


class PrometheusClient:
    """The Prometheus HTTP API (2.42 semantics) over `http`, whose base URL is the Prometheus root.

    `http` is borrowed (e.g. `KarmadaClient.service_client(...)`) and not closed by `close`; use
    `direct` for a client that owns its connection. `cluster` is attached to every error.
    Thread-safe as far as `http` is (httpx.Client is).
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        cluster: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        proxied: bool = True,
    ) -> None:
        self._http = http
        self.cluster = cluster
        self.timeout = check_timeout(timeout)
        self.proxied = proxied
        self._owns_http = False

    @classmethod
    def direct(
        cls,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        cluster: str | None = None,
    ) -> PrometheusClient:
        """A client of a Prometheus reachable at `base_url` (e.g. ``http://127.0.0.1:9090``)."""
        try:
            url = httpx.URL(base_url) if isinstance(base_url, str) else None
        except httpx.InvalidURL:
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise QueryInputError("base_url", f"must be an http(s) URL with a host, got {base_url!r}")
        seconds = check_timeout(timeout)
        http = httpx.Client(
            base_url=url,
            transport=transport,
            timeout=httpx.Timeout(seconds),
            trust_env=False,
            follow_redirects=False,
            headers={"User-Agent": "i3plat-console"},
        )
        client = cls(http, cluster=cluster, timeout=seconds, proxied=False)
        client._owns_http = True
        return client

    def close(self) -> None:
        """Close the httpx client if this object created it (`direct`)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # API

    def query(
        self, expr: str, *, at: float | None = None, stats: bool = False, timeout: float | None = None
    ) -> QueryResult:
        """Instant query (POST /api/v1/query) at `at` (unix seconds; server time when None)."""
        form = {"query": check_expr(expr)}
        if at is not None:
            form["time"] = format_time_ms(to_millis(at, "at"))
        return self._query("/api/v1/query", form, stats, timeout)

    def query_range(
        self,
        expr: str,
        *,
        start: float,
        end: float,
        step: float,
        stats: bool = False,
        timeout: float | None = None,
    ) -> QueryResult:
        """Range query (POST /api/v1/query_range); at most 11,001 points per series come back."""
        form = {"query": check_expr(expr), **range_params(start, end, step)}
        return self._query("/api/v1/query_range", form, stats, timeout)

    def label_values(
        self,
        label: str,
        *,
        match: Sequence[str] = (),
        start: float | None = None,
        end: float | None = None,
    ) -> list[str]:
        """Values of `label` (GET /api/v1/label/<label>/values; 2.42 has no POST route)."""
        name = check_label_name(label)
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("match[]", m) for m in check_selectors(match, required=False)
        ]
        params.extend(time_params(start, end).items())
        if len(str(httpx.QueryParams(params))) > MAX_GET_QUERY_BYTES:
            raise QueryInputError(
                "match", f"too long for a GET request (over {MAX_GET_QUERY_BYTES} bytes encoded)"
            )
        response = self._send("GET", f"/api/v1/label/{name}/values", params=params, timeout=self.timeout)
        return self._decode(response, parse_label_values)

    def series(
        self, match: Sequence[str], *, start: float | None = None, end: float | None = None
    ) -> list[dict[str, str]]:
        """Label sets of the series matching any of `match` (POST /api/v1/series)."""
        form: dict[str, Any] = {"match[]": check_selectors(match, required=True), **time_params(start, end)}
        response = self._send("POST", "/api/v1/series", form=form, timeout=self.timeout)
        return self._decode(response, parse_series)

    def buildinfo(self) -> BuildInfo:
        """The server's version and build (GET /api/v1/status/buildinfo)."""
        response = self._send("GET", "/api/v1/status/buildinfo", timeout=self.timeout)
        return self._decode(response, parse_build_info)

    def config_yaml(self) -> str:
        """The running configuration as YAML (GET /api/v1/status/config), e.g. for the
        ``global.scrape_interval``."""
        response = self._send("GET", "/api/v1/status/config", timeout=self.timeout)
        return self._decode(response, parse_config_yaml)

    def ready(self) -> bool:
        """True when /-/ready answers 200, False on the text/plain 503 while the TSDB loads.

        Anything else raises: Karmada errors when proxied, `PrometheusUnreachable` or
        `UnexpectedResponse` ...
        """
        response = self._send("GET", "/-/ready", timeout=self.timeout, accept="text/plain, */*")
        if response.status_code == 200:
            return True
        err = self._answer_error(response)
        if isinstance(err, PrometheusNotReady):
            return False
        raise err

    # ----------------------------------------------------------------------------------------
    # The one place that sends, and the decoding of answers

    def _query(self, path: str, form: dict[str, str], stats: bool, timeout: float | None) -> QueryResult:
        seconds = self.timeout if timeout is None else check_timeout(timeout)
        form["timeout"] = format_duration_ms(max(1, round(server_timeout(seconds) * 1000)))
        if stats:
            form["stats"] = "all"
        response = self._send("POST", path, form=form, timeout=seconds)
        return self._decode(response, parse_query_response)

    def _send(
        self,
        method: str,
        path: str,
        *,
        timeout: float,
        params: Any = None,
        form: Mapping[str, FormValue] | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        """Send one request with an explicit timeout; raise for transport and Karmada errors."""
        headers = {"Accept": accept}
        if form is not None:
            headers["Content-Type"] = FORM_CONTENT_TYPE
        try:
            response = self._http.request(
                method,
                path,
                params=params,
                content=None if form is None else encode_form(form),
                headers=headers,
                timeout=httpx.Timeout(timeout),
            )
        except httpx.TransportError as exc:
            if self.proxied:
                raise error_from_exception(exc, self.cluster) from exc
            server = _server_of(exc, str(self._http.base_url))
            raise error_from_transport(exc, server, self.cluster) from exc
        if self.proxied:
            raise_for_proxy_status(response, self.cluster)
        return response

    def _answer_error(self, response: httpx.Response) -> PrometheusError:
        return error_for_answer(
            response.status_code, _content_type(response), response.content, cluster=self.cluster
        )

    def _decode(self, response: httpx.Response, parse: Callable[[Mapping[str, Any]], T]) -> T:
        """Parse the success envelope in `response`; map error answers and malformed bodies."""
        content = response.content
        if response.status_code != 200 or not content.lstrip().startswith(b"{"):
            raise self._answer_error(response)
        try:
            body = decode_body(content)
            if body.get("status") == "error":
                raise self._answer_error(response)
            return parse(body)
        except UnexpectedResponse as err:
            raise self._attach(err, response) from None

    def _attach(self, err: UnexpectedResponse, response: httpx.Response) -> UnexpectedResponse:
        """Fill in what the pure parser could not know: cluster, status, content type."""
        err.cluster = err.cluster or self.cluster
        err.status_code = err.status_code if err.status_code is not None else response.status_code
        err.content_type = err.content_type or _content_type(response) or None
        return err
