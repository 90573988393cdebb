"""One loopback HTTP server that exposes every registered site model at `/metrics/<site>`.

Values are `model.samples_at(now)` in the Prometheus text format 0.0.4 *without* timestamps, so
the scraping Prometheus stamps them; counters use the same closed form as the backfill, hence
`rate()` across the backfill/live seam stays consistent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ._model import SiteModel
from ._series import escape_help, format_labels, format_value

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METRICS_PREFIX = "/metrics/"


@dataclass(frozen=True)
class ScrapeTarget:
    """Where a site's Prometheus scrapes its live data: `address` (host:port) + `metrics_path`."""

    address: str
    metrics_path: str


class ExporterError(RuntimeError):
    """The exporter was used in a state that cannot serve the request."""


def render_exposition(model: SiteModel, t: float) -> str:
    """The whole site at time `t` in text format 0.0.4 (HELP/TYPE name the sample name)."""
    origin = model.origin
    parts: list[str] = []
    for family in model.families():
        name = family.sample_name
        parts.append(f"# HELP {name} {escape_help(family.help, openmetrics=False)}\n")
        parts.append(f"# TYPE {name} {family.text_type}\n")
        for series in family.series:
            value = format_value(series.value_at(t, origin))
            parts.append(f"{series.name}{format_labels(series.labels)} {value}\n")
    return "".join(parts)


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug logs every request to stderr; one line per scrape per site is noise."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class MetricsExporter:
    """Serve `/metrics/<site>` for registered models from one daemon thread on 127.0.0.1."""

    def __init__(self, *, host: str = "127.0.0.1", clock: Callable[[], float] = time.time) -> None:
        self._host = host
        self._clock = clock
        self._models: dict[str, SiteModel] = {}
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Bind an ephemeral port and serve in a daemon thread (idempotent)."""
        with self._lock:
            if self._server is not None:
                return
            server = make_server(self._host, 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
            thread = threading.Thread(target=server.serve_forever, name="i3plat-sim-exporter", daemon=True)
            thread.start()
            self._server, self._thread = server, thread

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and release the socket (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> MetricsExporter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> str:
        """`127.0.0.1:PORT` of the running server."""
        server = self._server
        if server is None:
            raise ExporterError("exporter is not running")
        return f"{self._host}:{server.server_port}"

    # -- registry --------------------------------------------------------------------------
    def register(self, model: SiteModel) -> ScrapeTarget:
        """Expose `model` (replacing a model of the same name) and say where to scrape it."""
        with self._lock:
            self._models[model.name] = model
        return self.target_for(model.name)

    def unregister(self, name: str) -> None:
        with self._lock:
            self._models.pop(name, None)

    def sites(self) -> Iterable[str]:
        with self._lock:
            return sorted(self._models)

    def target_for(self, name: str) -> ScrapeTarget:
        return ScrapeTarget(address=self.address, metrics_path=METRICS_PREFIX + name)

    # -- WSGI ------------------------------------------------------------------------------
    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if not path.startswith(METRICS_PREFIX):
            return respond(start_response, "404 Not Found", b"not found\n")
        with self._lock:
            model = self._models.get(path[len(METRICS_PREFIX) :])
        if model is None:
            return respond(start_response, "404 Not Found", b"unknown site\n")
        if method not in ("GET", "HEAD"):
            return respond(start_response, "405 Method Not Allowed", b"method not allowed\n")
        body = render_exposition(model, self._clock()).encode("utf-8")
        return respond(
            start_response, "200 OK", b"" if method == "HEAD" else body, TEXT_CONTENT_TYPE, len(body)
        )


def respond(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
    length: int | None = None,
) -> list[bytes]:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body) if length is None else length)),
    ]
    start_response(status, headers)
    return [body]
