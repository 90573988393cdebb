"""`KarmadaClient`: the synchronous httpx client for the Karmada control plane.

`KarmadaClient.request` is the one place that sends a request: it refuses unsafe paths, sends,
translates httpx exceptions (`error_from_exception`) and maps non-success answers
(`error_from_response`) with the cluster attached. Every other method builds a validated path
and goes through it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from ._config import ClientConfig
from ._errors import InvalidName, MalformedResponse
from ._mapping import error_from_exception, error_from_response, raise_for_proxy_status
from ._models import Cluster, PodInfo, parse_cluster, parse_cluster_list, parse_pod_list
from ._paths import (
    cluster_path,
    cluster_proxy_path,
    clusters_path,
    namespace_list_path,
    pod_list_path,
    pod_log_path,
    service_proxy_path,
    validate_name,
)
from ._pool import ShardedTransport
from ._tls import TokenAuth, build_ssl_context

__all__ = ["DEFAULT_TIMEOUT", "KarmadaClient"]

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=35.0, write=30.0, pool=5.0)
"""Connect 5 s; read 35 s, just past Karmada's own 30 s dial timeout to a member, so that an
unreachable member shows up as Karmada's 500 (`ClusterUnreachable`) rather than our timeout."""

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
MAX_TAIL_LINES = 100_000
MAX_SINCE_SECONDS = 90 * 24 * 3600
MAX_LOG_BYTES = 16 * 1024 * 1024
DEFAULT_LOG_BYTES = 4 * 1024 * 1024
"""pod_log reads at most this much when neither `limit_bytes` nor `tail_lines` is given."""

_SAFE_PATH_RE = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*")
_ESCAPED_RE = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)


def _check_path(path: str) -> str:
    """Defence in depth for `request`: the builders in `_paths` already guarantee this."""
    if not isinstance(path, str) or _SAFE_PATH_RE.fullmatch(path) is None:
        raise InvalidName(
            "path", path, "must be an absolute path without query, fragment, escapes or unusual characters"
        )
    segments = path.split("/")
    if any(s in (".", "..") for s in segments) or "//" in path:
        raise InvalidName("path", path, "must not contain '.', '..' or empty segments")
    return path


class _BorrowedTransport(httpx.BaseTransport):
    """Lends the client's transport (and its connection pool) to a service client; closing the
    service client leaves it open."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass


def _int_arg(field: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidName(field, value, "must be an integer")
    if not lo <= value <= hi:
        raise InvalidName(field, value, f"must be between {lo} and {hi}")
    return value


POOL_SHARDS = 10
CONNECTION_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=30)
"""Per shard (`_pool.ShardedTransport`); 160 in all, above the poller's 64 concurrent requests plus
web traffic. Every connection may stay idle: httpx's default keeps only 20 idle connections, so
half the requests paid a new TLS handshake and queued requests could be handed a connection the
pool was closing (httpcore#1110)."""


class KarmadaClient:
    """Synchronous client of the Karmada API (clusters, cluster proxy, member service proxy).

    Thread-safe for concurrent calls (httpx.Client is). Use as a context manager or call `close`.
    Environment proxy variables are not used: set ``proxy-url`` in the kubeconfig instead.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        user_agent: str = "i3plat-console",
    ) -> None:
        self.config = config
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._ssl = build_ssl_context(config)
        self._auth = TokenAuth(config.token, config.token_file)
        self._headers = {"User-Agent": user_agent, "Accept": "application/json, */*"}
        self._extensions: dict[str, Any] = {}
        if config.tls_server_name:
            self._extensions["sni_hostname"] = config.tls_server_name
        self._transport = (
            transport
            if transport is not None
            else ShardedTransport(
                lambda: httpx.HTTPTransport(
                    verify=self._ssl, proxy=config.proxy_url, trust_env=False, limits=CONNECTION_LIMITS
                ),
                POOL_SHARDS,
            )
        )
        self._client = self._new_client(config.server, _BorrowedTransport(self._transport), self._timeout)
        self._server_path = httpx.URL(config.server).raw_path.decode("ascii").rstrip("/")

    def _new_client(
        self, base_url: str, transport: httpx.BaseTransport, timeout: httpx.Timeout, event_hooks: Any = None
    ) -> httpx.Client:
        hooks: dict[str, list[Any]] = {
            "request": [self._add_extensions, *(event_hooks or [])],
            "response": [],
        }
        return httpx.Client(
            base_url=base_url,
            transport=transport,
            auth=self._auth,
            headers=self._headers,
            timeout=timeout,
            trust_env=False,
            follow_redirects=False,
            event_hooks=hooks,
        )

    def _add_extensions(self, request: httpx.Request) -> None:
        if self._extensions:
            request.extensions = {**request.extensions, **self._extensions}

    def close(self) -> None:
        self._client.close()
        self._transport.close()

    def __enter__(self) -> KarmadaClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # The choke point

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = None,
        cluster: str | None = None,
        pass_backend_errors: bool = False,
    ) -> httpx.Response:
        """Send one request to the Karmada API and return the (read) response.

        Raises `InvalidName` for an unsafe path or method before sending, a `TransportError` when
        no answer came, and the mapped `ApiError` (with `cluster`) for a non-2xx answer. With
        `pass_backend_errors`, error answers written by a backend behind the service proxy are
        returned instead (see `raise_for_proxy_status`).
        """
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise InvalidName("method", method, f"must be one of {', '.join(sorted(METHODS))}")
        _check_path(path)
        kwargs: dict[str, Any] = {}
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = self._client.request(
                method.upper(), path, params=params, data=data, content=content, headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise error_from_exception(exc, cluster) from exc
        if pass_backend_errors:
            raise_for_proxy_status(response, cluster)
        elif not response.is_success:
            raise error_from_response(response, cluster)
        return response

    def _json(self, response: httpx.Response, cluster: str | None) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedResponse(
                "body", f"not JSON ({exc})", cluster=cluster, status_code=response.status_code
            ) from None

    def _json_object(self, response: httpx.Response, cluster: str | None) -> dict[str, Any]:
        obj = self._json(response, cluster)
        if not isinstance(obj, dict):
            raise MalformedResponse(
                "body",
                f"expected a JSON object, got {type(obj).__name__}",
                cluster=cluster,
                status_code=response.status_code,
            )
        return obj

    # ----------------------------------------------------------------------------------------
    # Clusters

    def clusters(self) -> list[Cluster]:
        """Every registered cluster (GET .../clusters)."""
        return parse_cluster_list(self._json_object(self.request("GET", clusters_path()), None))

    def cluster(self, name: str) -> Cluster:
        """One cluster; `NotFound` (kind ``clusters``) when it is not registered."""
        path = cluster_path(name)
        return parse_cluster(self._json_object(self.request("GET", path, cluster=name), name))

    # ----------------------------------------------------------------------------------------
    # Cluster proxy

    def proxy(self, cluster: str, method: str, rest: str, **kw: Any) -> httpx.Response:
        """A request to the member's API through the cluster proxy; `rest` starts with ``/``."""
        return self.request(method, cluster_proxy_path(cluster, rest), cluster=cluster, **kw)

    def member_version(self, cluster: str) -> dict[str, Any]:
        """The member's ``/version`` (``gitVersion`` etc.)."""
        return self._json_object(self.proxy(cluster, "GET", "/version"), cluster)

    def namespaces(self, cluster: str) -> list[str]:
        """Names of the member's namespaces, sorted."""
        obj = self._json_object(self.request("GET", namespace_list_path(cluster), cluster=cluster), cluster)
        items = obj.get("items") or []
        if not isinstance(items, list):
            raise MalformedResponse("items", "expected a list", cluster=cluster)
        names = []
        for i, item in enumerate(items):
            name = (item.get("metadata") or {}).get("name") if isinstance(item, dict) else None
            if not isinstance(name, str):
                raise MalformedResponse(f"items[{i}].metadata.name", "missing", cluster=cluster)
            names.append(name)
        return sorted(names)

    def pods(self, cluster: str, namespace: str, *, label_selector: str | None = None) -> list[PodInfo]:
        """Pods of one member namespace, optionally filtered by a label selector."""
        path = pod_list_path(cluster, namespace)
        params = {}
        if label_selector is not None:
            if (
                not isinstance(label_selector, str)
                or len(label_selector) > 1024
                or any(ord(c) < 32 or ord(c) == 127 for c in label_selector)
            ):
                raise InvalidName(
                    "label_selector", label_selector, "must be a string of at most 1024 printable characters"
                )
            params["labelSelector"] = label_selector
        obj = self._json_object(self.request("GET", path, params=params, cluster=cluster), cluster)
        try:
            return parse_pod_list(obj)
        except MalformedResponse as exc:
            exc.cluster = cluster
            raise

    def pod_log(
        self,
        cluster: str,
        namespace: str,
        pod: str,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        previous: bool = False,
        limit_bytes: int | None = None,
        timestamps: bool = False,
    ) -> str:
        """The text of a container's log. Without `tail_lines` and `limit_bytes`, at most
        `DEFAULT_LOG_BYTES` are read. Bad arguments raise `InvalidName` (a ValueError) naming them."""
        path = pod_log_path(cluster, namespace, pod)
        params: dict[str, str] = {}
        if container is not None:
            params["container"] = validate_name("container", container)
        if tail_lines is not None:
            params["tailLines"] = str(_int_arg("tail_lines", tail_lines, 1, MAX_TAIL_LINES))
        if since_seconds is not None:
            params["sinceSeconds"] = str(_int_arg("since_seconds", since_seconds, 1, MAX_SINCE_SECONDS))
        if limit_bytes is not None:
            params["limitBytes"] = str(_int_arg("limit_bytes", limit_bytes, 1, MAX_LOG_BYTES))
        elif tail_lines is None:
            params["limitBytes"] = str(DEFAULT_LOG_BYTES)
        for name, flag in (("previous", previous), ("timestamps", timestamps)):
            if not isinstance(flag, bool):
                raise InvalidName(name, flag, "must be True or False")
            if flag:
                params[name] = "true"
        response = self.request(
            "GET", path, params=params, cluster=cluster, headers={"Accept": "text/plain, */*"}
        )
        return response.text

    # ----------------------------------------------------------------------------------------
    # Service proxy

    def service_proxy(
        self,
        cluster: str,
        namespace: str,
        service: str,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = None,
        scheme: str | None = None,
        port: str | int | None = None,
    ) -> httpx.Response:
        """A request to a member service through the service proxy (e.g. Prometheus's API).

        Errors written by Karmada or the member apiserver (Status objects, the aggregator's 503)
        raise; the backend's own error answers (e.g. Prometheus 400/422/503 JSON) are returned.
        """
        full = service_proxy_path(cluster, namespace, service, path, scheme=scheme, port=port)
        return self.request(
            method,
            full,
            params=params,
            data=data,
            content=content,
            headers=headers,
            timeout=timeout,
            cluster=cluster,
            pass_backend_errors=True,
        )

    def service_client(
        self,
        cluster: str,
        namespace: str,
        service: str,
        *,
        scheme: str | None = None,
        port: str | int | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> httpx.Client:
        """An httpx.Client whose base URL is the service-proxy prefix of one member service, sharing
        this client's TLS, auth, proxy and connection pool; e.g. ``c.get("/api/v1/query", ...)``.

        Its answers and exceptions are raw httpx: pass every response to
        `raise_for_proxy_status(response, cluster)` and every httpx exception to
        `error_from_exception`. Requests whose path leaves the service prefix (``..``, escapes)
        raise `InvalidName` before sending. Close it before (or with) this client; it must not
        outlive it.
        """
        prefix = service_proxy_path(cluster, namespace, service, "/", scheme=scheme, port=port)
        full_prefix = self._server_path + prefix

        base = httpx.URL(self.config.server).copy_with(raw_path=full_prefix.encode("ascii"))

        def guard(request: httpx.Request) -> None:
            url = request.url
            if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
                raise InvalidName("url", str(url), f"must be on the Karmada API server {base.host}")
            raw = url.raw_path.decode("ascii", errors="replace").split("?", 1)[0]
            rest = raw[len(full_prefix) - 1 :]
            if (
                not raw.startswith(full_prefix)
                or _ESCAPED_RE.search(rest)
                or any(s in (".", "..") for s in rest.split("/"))
            ):
                raise InvalidName("path", raw, f"must stay under the service proxy prefix {prefix}")

        t = (
            self._timeout
            if timeout is None
            else (timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout))
        )
        return self._new_client(str(base), _BorrowedTransport(self._transport), t, [guard])
