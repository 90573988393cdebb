"""`SyntheticBackend`: a Prometheus 2.42 HTTP API answering from a site model, no Prometheus needed.

The demo runs on machines without Prometheus; the console must not notice. This backend serves
the endpoints the console and the site diagnostics use, with 2.42's parameter rules, envelopes,
error types and status codes (`reference/promql-and-prometheus.md` §5), and evaluates PromQL with
`_evaluator` over a `ModelSource` (samples on the scrape grid from the history start to now).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .._backend import BackendResponse, PrometheusBackend
from ._api_json import (
    JSON_CONTENT_TYPE,
    STATUS_BY_ERROR_TYPE,
    encode_value,
    error_body,
    success_body,
)
from ._api_params import (
    Form,
    check_timeout,
    invalid_param,
    parse_duration_ns,
    required_time_ns,
    time_param_ns,
)
from ._evaluator import DEFAULT_LOOKBACK_MS, check_range_query, execute
from ._gofloat import ns_to_ms
from ._labels import METRIC_NAME, Labels, Matcher, get_label, is_label_name, labels_to_dict
from ._promql_ast import Node, parse_expr, parse_metric_selector
from ._promql_errors import BadDataError, ExecutionError, PromQLError
from ._source import BoundedSource, ModelSource, SiteModelLike

VERSION = "2.42.0+sim"
"""Reported by /api/v1/status/buildinfo: 2.42-compatible semver, `+sim` marks the synthetic server."""

MAX_POINTS = 11_000
_TEXT = "text/plain; charset=utf-8"
_MIN_TIME_NS = -(2**62) * 1_000_000
_MAX_TIME_NS = 2**62 * 1_000_000
_STEP_MESSAGE = "zero or negative query resolution step widths are not accepted. Try a positive integer"
_RESOLUTION_MESSAGE = (
    "exceeded maximum resolution of 11,000 points per timeseries."
    " Try decreasing the query resolution (?step=XX)"
)


@dataclass(frozen=True)
class _Request:
    method: str
    form: Form
    view: BoundedSource
    """The stored samples: scrapes up to `view.now_ms` (earlier than now while scraping lags)."""
    eval_now_ms: int
    """The server's clock: the default evaluation time of instant queries."""

    @property
    def now_ns(self) -> int:
        return self.eval_now_ms * 1_000_000


_Handler = Callable[["SyntheticBackend", _Request], BackendResponse]


def _text(status: int, body: str) -> BackendResponse:
    return BackendResponse(status, _TEXT, body.encode("utf-8"))


def _ok(data: Any) -> BackendResponse:
    return BackendResponse(200, JSON_CONTENT_TYPE, success_body(data))


def _error(exc: PromQLError) -> BackendResponse:
    return BackendResponse(
        STATUS_BY_ERROR_TYPE[exc.error_type], JSON_CONTENT_TYPE, error_body(exc.error_type, exc.message)
    )


class SyntheticBackend:
    """One site's Prometheus, synthesised from its model (implements `PrometheusBackend`)."""

    def __init__(
        self,
        model: SiteModelLike,
        *,
        history_start: float | None = None,
        clock: Callable[[], float] = time.time,
        lookback: float = DEFAULT_LOOKBACK_MS / 1000,
    ) -> None:
        self._model = model
        self._source = ModelSource(model, history_start=history_start, clock=clock)
        self._lookback_ms = round(lookback * 1000)
        # The simulated sites' evaluation_interval is their scrape interval (see _process).
        self._evaluation_interval_ms = round(model.scrape_interval * 1000)
        self._started = clock()
        self._closed = False
        self._scrape_lag_ms = 0

    @property
    def source(self) -> ModelSource:
        """The sample source queries are evaluated on (for tests and cross-checks)."""
        return self._source

    def close(self) -> None:
        """Nothing to release (no process, thread or file); later requests get a 503."""
        self._closed = True

    def set_scrape_lag(self, seconds: float) -> None:
        """Pretend scraping stopped `seconds` ago (0 = scraping normally): the newest stored
        sample is that old while the server's clock, `time()`, keeps running."""
        if not 0.0 <= seconds <= 86_400.0:
            raise ValueError(f"scrape lag must be within [0, 86400] seconds, got {seconds!r}")
        self._scrape_lag_ms = round(seconds * 1000)

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str | None
    ) -> BackendResponse:
        method = method.upper()
        if self._closed:
            return _text(503, "Service Unavailable\n")
        route = _route(path)
        if route is None:
            return _text(404, "404 page not found\n")
        methods, handler = route
        if method not in methods:
            return _text(405, "Method Not Allowed\n")
        if method == "HEAD":
            return BackendResponse(200, _TEXT, b"")
        try:
            form = Form.parse(method, query_string, body, content_type)
            now_ms = self._source.now_ms()
            request = _Request(method, form, self._source.at(now_ms - self._scrape_lag_ms), now_ms)
            return handler(self, request)
        except PromQLError as exc:
            return _error(exc)
        except Exception as exc:  # never crash the simulated API server: report like a Go panic
            return _error(ExecutionError(f"unexpected error: {exc!r}"))

    # -- queries ------------------------------------------------------------------------------

    def query(self, req: _Request) -> BackendResponse:
        t_ns = time_param_ns(req.form, "time", req.now_ns)
        check_timeout(req.form)
        node = _parse_query(req.form.first("query"))
        t_ms = ns_to_ms(t_ns)
        return self._run(req, node, t_ms, t_ms, 0)

    def query_range(self, req: _Request) -> BackendResponse:
        form = req.form
        start_ns = required_time_ns(form, "start")
        end_ns = required_time_ns(form, "end")
        if end_ns < start_ns:
            raise invalid_param("end", "end timestamp must not be before start time")
        try:
            step_ns = parse_duration_ns(form.first("step"))
        except ValueError as exc:
            raise invalid_param("step", str(exc)) from exc
        if step_ns <= 0:
            raise invalid_param("step", _STEP_MESSAGE)
        if (end_ns - start_ns) // step_ns > MAX_POINTS:
            raise BadDataError(_RESOLUTION_MESSAGE)
        check_timeout(form)
        # 2.42 reports NewRangeQuery's errors (parse, type) without the `invalid parameter` prefix.
        node = parse_expr(form.first("query"))
        check_range_query(node)
        step_ms = step_ns // 1_000_000
        if step_ms < 1:  # a sub-millisecond step makes 2.42's evaluator divide by zero
            raise ExecutionError("unexpected error: runtime error: integer divide by zero")
        return self._run(req, node, ns_to_ms(start_ns), ns_to_ms(end_ns), step_ms, prefix=False)

    def _run(
        self, req: _Request, node: Node, start_ms: int, end_ms: int, step_ms: int, *, prefix: bool = True
    ) -> BackendResponse:
        began = time.perf_counter()
        try:
            result = execute(
                node,
                start_ms,
                end_ms,
                step_ms,
                req.view,
                lookback_ms=self._lookback_ms,
                subquery_step_ms=self._evaluation_interval_ms,
            )
        except BadDataError as exc:
            if not prefix:
                raise
            raise invalid_param("query", exc.message) from exc
        data = encode_value(result.value)
        if req.form.first("stats"):
            data["stats"] = _stats(time.perf_counter() - began, result.samples_read)
        return _ok(data)

    # -- metadata -----------------------------------------------------------------------------

    def series(self, req: _Request) -> BackendResponse:
        selectors = req.form.all("match[]")
        if not selectors:
            raise BadDataError("no match[] parameter provided")
        mint, maxt = _time_range(req.form)
        sets = []
        for text in selectors:
            try:
                sets.append(parse_metric_selector(text))
            except BadDataError as exc:
                raise invalid_param("match[]", exc.message) from exc
        found = _series_union(req.view, sets, mint, maxt)
        return _ok([labels_to_dict(labels) for labels in found])

    def labels(self, req: _Request) -> BackendResponse:
        mint, maxt = _time_range(req.form)
        found = _series_union(req.view, _matcher_sets(req.form), mint, maxt)
        return _ok(sorted({name for labels in found for name, _ in labels}))

    # -- status -------------------------------------------------------------------------------

    def buildinfo(self, req: _Request) -> BackendResponse:
        return _ok(
            {
                "version": VERSION,
                "revision": "synthetic",
                "branch": "HEAD",
                "buildUser": "i3plat@federation-sim",
                "buildDate": "20230201-00:00:00",
                "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
            }
        )

    def flags(self, req: _Request) -> BackendResponse:
        return _ok(
            {
                "query.lookback-delta": _format_duration(self._lookback_ms),
                "query.max-samples": "50000000",
                "query.timeout": "2m",
                "storage.tsdb.retention.time": "15d",
                "web.enable-admin-api": "false",
                "web.enable-lifecycle": "false",
            }
        )

    def runtimeinfo(self, req: _Request) -> BackendResponse:
        started = _rfc3339(round(self._started * 1000))
        return _ok(
            {
                "startTime": started,
                "CWD": "/",
                "reloadConfigSuccess": True,
                "lastConfigTime": started,
                "corruptionCount": 0,
                "goroutineCount": 1,
                "GOMAXPROCS": 2,
                "GOGC": "",
                "GODEBUG": "",
                "storageRetention": "15d",
            }
        )

    def rules(self, req: _Request) -> BackendResponse:
        return _ok({"groups": []})

    def alerts(self, req: _Request) -> BackendResponse:
        return _ok({"alerts": []})

    def targets(self, req: _Request) -> BackendResponse:
        """Active targets derived from the model's `up` series at the newest scrape."""
        interval_ms = round(self._model.scrape_interval * 1000)
        now_ms = req.view.now_ms
        found = req.view.select((Matcher.create(METRIC_NAME, "=", "up"),), now_ms - interval_ms + 1, now_ms)
        active = []
        for s in found:
            labels = {k: v for k, v in s.labels if k != METRIC_NAME}
            url = f"http://{labels.get('instance', '')}/metrics"
            active.append(
                {
                    "discoveredLabels": {},
                    "labels": labels,
                    "scrapePool": labels.get("job", ""),
                    "scrapeUrl": url,
                    "globalUrl": url,
                    "lastError": "",
                    "lastScrape": _rfc3339(s.times[-1]),
                    "lastScrapeDuration": 0.01,
                    "health": "up" if s.values[-1] == 1.0 else "down",
                    "scrapeInterval": _format_duration(interval_ms),
                    "scrapeTimeout": _format_duration(min(interval_ms, 10_000)),
                }
            )
        return _ok({"activeTargets": active, "droppedTargets": []})


def _label_values(backend: SyntheticBackend, req: _Request, name: str) -> BackendResponse:
    if not is_label_name(name):
        raise BadDataError(f'invalid label name: "{name}"')
    mint, maxt = _time_range(req.form)
    found = _series_union(req.view, _matcher_sets(req.form), mint, maxt)
    return _ok(sorted({value for labels in found if (value := get_label(labels, name))}))


def _parse_query(text: str) -> Node:
    try:
        return parse_expr(text)
    except BadDataError as exc:
        raise invalid_param("query", exc.message) from exc


def _time_range(form: Form) -> tuple[int, int]:
    start = time_param_ns(form, "start", _MIN_TIME_NS)
    end = time_param_ns(form, "end", _MAX_TIME_NS)
    return ns_to_ms(start), ns_to_ms(end)


def _matcher_sets(form: Form) -> list[tuple[Matcher, ...]]:
    """Optional `match[]` selectors (`parseMatchersParam`); none means every series."""
    sets = []
    for text in form.all("match[]"):
        sets.append(parse_metric_selector(text))
    return sets or [()]


def _series_union(view: BoundedSource, sets: list[tuple[Matcher, ...]], mint: int, maxt: int) -> list[Labels]:
    found: set[Labels] = set()
    for matchers in sets:
        found.update(view.series(matchers, mint, maxt))
    return sorted(found)


def _stats(seconds: float, samples: int) -> dict[str, Any]:
    return {
        "timings": {
            "evalTotalTime": seconds,
            "resultSortTime": 0.0,
            "queryPreparationTime": 0.0,
            "innerEvalTime": seconds,
            "execQueueTime": 0.0,
            "execTotalTime": seconds,
        },
        "samples": {"totalQueryableSamples": samples, "peakSamples": samples},
    }


def _rfc3339(t_ms: int) -> str:
    moment = datetime.fromtimestamp(t_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_DURATION_UNITS = (
    ("y", 31_536_000_000),
    ("w", 604_800_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
)


def _format_duration(ms: int) -> str:
    """Prometheus' `model.Duration.String()` (largest units first, e.g. `1m30s`)."""
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in _DURATION_UNITS:
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(parts)


_GET = frozenset({"GET", "HEAD"})
_GET_POST = frozenset({"GET", "POST"})
_ROUTES: dict[str, tuple[frozenset[str], _Handler]] = {
    "/api/v1/query": (_GET_POST, SyntheticBackend.query),
    "/api/v1/query_range": (_GET_POST, SyntheticBackend.query_range),
    "/api/v1/series": (_GET_POST, SyntheticBackend.series),
    "/api/v1/labels": (_GET_POST, SyntheticBackend.labels),
    "/api/v1/status/buildinfo": (frozenset({"GET"}), SyntheticBackend.buildinfo),
    "/api/v1/status/flags": (frozenset({"GET"}), SyntheticBackend.flags),
    "/api/v1/status/runtimeinfo": (frozenset({"GET"}), SyntheticBackend.runtimeinfo),
    "/api/v1/rules": (frozenset({"GET"}), SyntheticBackend.rules),
    "/api/v1/alerts": (frozenset({"GET"}), SyntheticBackend.alerts),
    "/api/v1/targets": (frozenset({"GET"}), SyntheticBackend.targets),
}
_LABEL_PREFIX, _LABEL_SUFFIX = "/api/v1/label/", "/values"


def _route(path: str) -> tuple[frozenset[str], _Handler] | None:
    """(allowed methods, handler), or None for an unknown path (a plain-text 404)."""
    if path == "/-/healthy":
        return _GET, _health
    if path == "/-/ready":
        return _GET, _ready
    hit = _ROUTES.get(path)
    if hit is not None:
        return hit
    if path.startswith(_LABEL_PREFIX) and path.endswith(_LABEL_SUFFIX):
        name = unquote(path[len(_LABEL_PREFIX) : -len(_LABEL_SUFFIX)])
        if name and "/" not in name:
            # GET only, as in 2.42 (the POST route came later).
            return frozenset({"GET"}), lambda backend, req: _label_values(backend, req, name)
    return None


if TYPE_CHECKING:  # mypy proves the contracts: the proxy's backend seam, and the site model
    from ._model import SiteModel

    def _is_prometheus_backend(backend: SyntheticBackend) -> PrometheusBackend:
        return backend

    def _is_site_model(model: SiteModel) -> SiteModelLike:
        return model


def _health(backend: SyntheticBackend, req: _Request) -> BackendResponse:
    return _text(200, "Prometheus Server is Healthy.\n")


def _ready(backend: SyntheticBackend, req: _Request) -> BackendResponse:
    return _text(200, "Prometheus Server is Ready.\n")
