"""`PrometheusBackend` backed by a real Prometheus process, and the factory the simulator uses.

Requests are forwarded verbatim (method, path, raw query string, body, content type) and the
answer comes back unchanged, so the console sees exactly what a member's service proxy would
relay. When the process is down the backend answers as the kube-apiserver service proxy does:
503 Status "error trying to reach service: dial tcp …: connect: connection refused".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from .._backend import BackendResponse
from ._exporter import MetricsExporter
from ._model import SiteModel
from ._process import BackfillResult, PrometheusError, PrometheusProcess

SERVICE_NAME = "prometheus-k8s"
STATUS_CONTENT_TYPE = "application/json"


def service_unavailable(message: str) -> BackendResponse:
    """A member service proxy's 503 Status (reference karmada-api.md §6 item 9), Go-JSON compact."""
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "ServiceUnavailable",
        "code": 503,
    }
    body = json.dumps(status, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
    return BackendResponse(status=503, content_type=STATUS_CONTENT_TYPE, body=body)


def describe_transport_error(exc: httpx.TransportError, address: str) -> str:
    """The Go proxy's wording for a failed upstream request."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"error trying to reach service: dial tcp {address}: i/o timeout"
    if isinstance(exc, httpx.ConnectError):
        return f"error trying to reach service: dial tcp {address}: connect: connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "error trying to reach service: context deadline exceeded"
    return "error trying to reach service: EOF"


class RealPrometheusBackend:
    """One site's real Prometheus behind the simulated service proxy."""

    def __init__(
        self,
        process: PrometheusProcess,
        *,
        timeout: float = 30.0,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._process = process
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0), trust_env=False)
        self._on_close = on_close
        self._closed = False
        self._lock = threading.Lock()

    @property
    def process(self) -> PrometheusProcess:
        """The process, e.g. to stop/start it and simulate the pod going away and back."""
        return self._process

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str | None
    ) -> BackendResponse:
        """Forward one request verbatim; map transport failures to the proxy's 503 Status."""
        try:
            port = self._process.port
        except PrometheusError:
            return service_unavailable(f'no endpoints available for service "{SERVICE_NAME}"')
        address = f"127.0.0.1:{port}"
        refused = f"error trying to reach service: dial tcp {address}: connect: connection refused"
        if self._closed or not self._process.running:
            return service_unavailable(refused)
        raw_path = (path or "/") + (f"?{query_string}" if query_string else "")
        url = httpx.URL(f"http://{address}").copy_with(raw_path=raw_path.encode("utf-8"))
        headers = {"Accept-Encoding": "identity"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            resp = self._client.request(method, url, content=body or None, headers=headers)
        except httpx.TransportError as exc:
            return service_unavailable(describe_transport_error(exc, address))
        except RuntimeError:
            if self._closed:  # closed by another thread mid-request: the pod is gone
                return service_unavailable(refused)
            raise
        return BackendResponse(
            status=resp.status_code, content_type=resp.headers.get("content-type", ""), body=resp.content
        )

    def close(self) -> None:
        """Stop the process, the HTTP client and the site's live exposure (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._process.stop()
        finally:
            self._client.close()
            if self._on_close is not None:
                self._on_close()


class RealBackendFactory:
    """Builds a backfilled, running, live-scraping Prometheus per site model.

    `factory(model)` (or `factory(model, data_dir)`) returns a started backend; one exporter
    thread serves the live data of all sites and stops when the last backend closes (or on
    `close()`). At most `max_parallel` backfills run at once, whatever the callers' threads.
    """

    def __init__(
        self,
        data_root: Path,
        *,
        history_hours: float = 2.0,
        step: float | None = None,
        rule_files: Sequence[Path] = (),
        max_parallel: int = 2,
        request_timeout: float = 30.0,
        ready_timeout: float = 30.0,
    ) -> None:
        self.data_root = Path(data_root)
        self.history_hours = history_hours
        self.step = step
        self.rule_files = tuple(rule_files)
        self.request_timeout = request_timeout
        self.ready_timeout = ready_timeout
        self.exporter = MetricsExporter()
        self.results: dict[str, BackfillResult] = {}
        self._slots = threading.BoundedSemaphore(max(1, max_parallel))
        self._max_parallel = max(1, max_parallel)
        self._lock = threading.Lock()
        self._open: dict[str, RealPrometheusBackend | None] = {}  # None: being built

    def __call__(self, model: SiteModel, data_dir: Path | None = None) -> RealPrometheusBackend:
        """Backfill `history_hours` of `model`, start its Prometheus scraping the live exporter."""
        with self._lock:
            if model.name in self._open:
                raise PrometheusError(f"site {model.name!r} already has a running backend")
            self.exporter.start()
            target = self.exporter.register(model)
            self._open[model.name] = None
        process = PrometheusProcess(
            model,
            data_dir if data_dir is not None else self.data_root / model.name,
            target=target,
            rule_files=self.rule_files,
            ready_timeout=self.ready_timeout,
        )
        try:
            with self._slots:
                result = process.backfill(hours=self.history_hours, step=self.step)
            process.start()
        except BaseException:
            process.stop()
            self._forget(model.name)
            raise
        backend = RealPrometheusBackend(
            process, timeout=self.request_timeout, on_close=lambda: self._forget(model.name)
        )
        with self._lock:
            self.results[model.name] = result
            self._open[model.name] = backend
        return backend

    def create_many(self, models: Sequence[SiteModel]) -> dict[str, RealPrometheusBackend]:
        """Build several sites with bounded parallelism; all or nothing."""
        with ThreadPoolExecutor(max_workers=self._max_parallel, thread_name_prefix="i3plat-site") as pool:
            futures = [pool.submit(self, m) for m in models]
            errors = [f.exception() for f in futures]
        built = [f.result() for f, e in zip(futures, errors, strict=True) if e is None]
        failed = [e for e in errors if e is not None]
        if failed:
            for backend in built:
                backend.close()
            raise failed[0]
        return {m.name: b for m, b in zip(models, built, strict=True)}

    def _forget(self, name: str) -> None:
        with self._lock:
            self._open.pop(name, None)
            self.exporter.unregister(name)
            idle = not self._open
        if idle:
            self.exporter.stop()

    def close(self) -> None:
        """Close every backend this factory built and stop the exporter."""
        with self._lock:
            backends = [b for b in self._open.values() if b is not None]
        for backend in backends:
            backend.close()
        self.exporter.stop()

    def __enter__(self) -> RealBackendFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def real_backend_factory(
    data_root: Path,
    *,
    history_hours: float = 2.0,
    step: float | None = None,
    rule_files: Sequence[Path] = (),
    max_parallel: int = 2,
) -> RealBackendFactory:
    """The factory the simulator calls as `factory(model)` or `factory(model, data_dir)`."""
    return RealBackendFactory(
        data_root, history_hours=history_hours, step=step, rule_files=rule_files, max_parallel=max_parallel
    )
