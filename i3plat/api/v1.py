"""The read-only JSON API `/api/v1/*` for the portal and scripts (shapes: DESIGN.md, `api.shapes`).

Everything is read from the snapshot store the poller fills; only a series outside the polled
set (another range, explicit start/end/step, a metric not kept live) goes through the
collector's on-demand path, which is single-flight, cached and rate-limited per site. Bad
input is refused with the parameter named before anything is read or sent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import flask
from werkzeug.exceptions import HTTPException

from i3plat.api.errors import (
    ApiError,
    api_error_response,
    bad_input,
    http_error_response,
    internal_error_response,
    json_response,
    not_found,
)
from i3plat.api.params import SeriesQuery, parse_series_args
from i3plat.api.shapes import (
    failure_view,
    iso_utc,
    keep_node,
    metric_view,
    panel_view,
    site_view,
)
from i3plat.collector import selfmetrics
from i3plat.collector.freshness import panel_is_stale
from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.collector.records import PanelRecord
from i3plat.collector.standard import LIVE_METRICS, LIVE_WINDOW
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import InvalidName, validate_name
from i3plat.promql.catalog import Catalog, MetricDef
from i3plat.promql.errors import QueryInputError
from i3plat.webctx import Services, current_services, request_locale

api_v1_blueprint = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")


# ---------------------------------------------------------------------------- routes


@api_v1_blueprint.get("/sites")
def list_sites() -> flask.Response:
    services = current_services()
    return json_response(sites_document(services.store, services.settings.poll_interval, time.time()))


@api_v1_blueprint.get("/metrics")
def list_metrics() -> flask.Response:
    locale = request_locale()
    return json_response({"metrics": [metric_view(m, locale) for m in current_services().catalog]})


@api_v1_blueprint.get("/sites/<site>/series")
def site_series(site: str) -> flask.Response:
    services, now = current_services(), time.time()
    metric, record, live = load_series(services, site, flask.request.args.to_dict(flat=False), now)
    return json_response(series_document(services, metric, record, live=live, now=now))


@api_v1_blueprint.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_path(_rest: str) -> flask.Response:
    """JSON, not HTML, for any other path or method under /api/v1."""
    if flask.request.method not in ("GET", "HEAD"):
        raise ApiError(405, "method_not_allowed", "the API is read-only", headers={"Allow": "GET, HEAD"})
    raise ApiError(404, "not_found", f"no such API path: {flask.request.path}")


# ---------------------------------------------------------------------------- hooks


@api_v1_blueprint.after_request
def count_request(response: flask.Response) -> flask.Response:
    rule = flask.request.url_rule
    selfmetrics.record_api_request(rule.rule if rule else "unmatched", response.status_code)
    return response


@api_v1_blueprint.errorhandler(ApiError)
def handle_api_error(error: ApiError) -> flask.Response:
    return api_error_response(error)


@api_v1_blueprint.errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> flask.Response:
    return http_error_response(error)


@api_v1_blueprint.errorhandler(Exception)
def handle_unexpected(error: Exception) -> flask.Response:
    return internal_error_response(error)


# ---------------------------------------------------------------------------- sites


def sites_document(store: SnapshotStore, poll_interval: float, now: float) -> dict[str, object]:
    """Every site Karmada listed, in its order; the fleet's own age and failure ride along."""
    fleet = store.fleet()
    names = fleet.sites if fleet else []
    return {
        "sites": [site_view(n, store.site(n), now=now, poll_interval=poll_interval) for n in names],
        "fetched_at": iso_utc(fleet.fetched_at) if fleet else None,
        "failure": failure_view(fleet.failure) if fleet else None,
    }


# ---------------------------------------------------------------------------- series


def load_series(
    services: Services, site: str, args: Mapping[str, Sequence[str]], now: float
) -> tuple[MetricDef, PanelRecord, bool]:
    """Validate everything, then read the live panel or ask on demand; True when live."""
    check_site_name(site)
    try:
        query = parse_series_args(args)
    except QueryInputError as exc:
        raise bad_input(exc.field, exc.message) from None
    metric = find_metric(services.catalog, query.metric)
    if query.node is not None and metric.scope == "cluster":
        raise bad_input("node", f"{metric.id} is cluster-wide and takes no node")
    require_known_site(services.store, site, services.settings.poll_interval)
    if is_live(query, metric.id):
        return metric, live_panel(services, site, metric.id, query.node), True
    return metric, ask_on_demand(services, site, metric.id, query, now), False


def check_site_name(site: str) -> None:
    try:
        validate_name("site", site)
    except InvalidName as exc:
        raise bad_input("site", str(exc)) from None


def find_metric(catalog: Catalog, metric_id: str) -> MetricDef:
    try:
        return catalog.get(metric_id)
    except QueryInputError as exc:
        raise not_found("metric", exc.message) from None


def not_ready(message: str, poll_interval: float) -> ApiError:
    """Nothing polled yet: come back after one poll rather than hammering."""
    return ApiError(503, "not_ready", message, headers={"Retry-After": str(math.ceil(poll_interval))})


def require_known_site(store: SnapshotStore, site: str, poll_interval: float) -> None:
    fleet = store.fleet()
    if fleet is None:
        raise not_ready("the site list has not been fetched from Karmada yet", poll_interval)
    if site not in fleet.sites:
        raise not_found("site", f"no site named {site!r} in the federation")


def is_live(query: SeriesQuery, metric_id: str) -> bool:
    """The poller keeps the last hour of these for every site: no upstream call is needed."""
    return query.start is None and query.range == LIVE_WINDOW and metric_id in LIVE_METRICS


def live_panel(services: Services, site: str, metric_id: str, node: str | None) -> PanelRecord:
    record = services.store.panel(site, metric_id, LIVE_WINDOW, None)
    if record is None:
        raise not_ready(f"{metric_id} has not been polled on {site} yet", services.settings.poll_interval)
    if node is None:
        return record
    return PanelRecord(
        site=record.site, metric=record.metric, window=record.window, step=record.step,
        series=keep_node(record.series, node), fetched_at=record.fetched_at, failure=record.failure,
        node=node, start=record.start, end=record.end,
    )  # fmt: skip


def ask_on_demand(
    services: Services, site: str, metric_id: str, query: SeriesQuery, now: float
) -> PanelRecord:
    start, end = query.window(now)
    try:
        return services.ondemand.series(
            site, metric_id, node=query.node, start=start, end=end, step=query.step
        )
    except OnDemandRateLimited as exc:
        retry = str(max(1, math.ceil(exc.retry_after)))
        raise ApiError(429, "rate_limited", str(exc), headers={"Retry-After": retry}) from None
    except QueryInputError as exc:
        if exc.field == "metric":
            raise not_found("metric", exc.message) from None
        raise bad_input(exc.field, exc.message) from None


def series_document(
    services: Services, metric: MetricDef, record: PanelRecord, *, live: bool, now: float
) -> dict[str, object]:
    """The series, or the upstream failure as 502/503/504 when there is nothing good to show."""
    failure = record.failure
    if failure is not None and not record.series:
        raise ApiError(
            failure.http_status, failure.code, failure.message,
            extra={"cause": failure.cause, "upstream_message": failure.upstream_message,
                   "upstream_status": failure.status_code},
        )  # fmt: skip
    site = services.store.site(record.site)
    stale = panel_is_stale(record, site, services.settings.poll_interval, now, live=live)
    return panel_view(record, metric.unit, stale=stale)
