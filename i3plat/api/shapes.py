"""Pure shaping of stored records into the API's JSON documents (DESIGN.md, "JSON API").

Shapes are a contract with the portal and scripts: keys are only ever added, never renamed.
Times are ISO-8601 UTC strings, except points, which are `[unix_seconds, value]` pairs; a
value JSON cannot carry (NaN, ±Inf) is null.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from i3plat.collector.freshness import is_unreachable, site_is_ready, site_is_stale
from i3plat.collector.records import Failure, PanelRecord, SeriesRecord, SiteRecord
from i3plat.promql.catalog import MetricDef


def iso_utc(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def failure_view(failure: Failure | None) -> dict[str, Any] | None:
    if failure is None:
        return None
    return {
        "cause": failure.cause,
        "code": failure.code,
        "message": failure.message,
        "upstream_message": failure.upstream_message,
        "status_code": failure.status_code,
        "at": iso_utc(failure.at),
    }


def site_view(name: str, site: SiteRecord | None, *, now: float, poll_interval: float) -> dict[str, Any]:
    """One entry of `/api/v1/sites`; a listed site not yet polled is shown as not ready and stale."""
    if site is None:
        return {
            "name": name, "ready": False, "reason": "", "sync_mode": None, "kubernetes_version": None,
            "nodes": {"total": None, "ready": None}, "gpus": {"allocatable": None, "allocated": None},
            "last_poll": None, "stale": True, "unreachable_since": None, "failure": None,
        }  # fmt: skip
    unreachable = is_unreachable(site)
    reason = site.reason
    if unreachable and site.failure is not None:
        reason = site.failure.message
    return {
        "name": name,
        "ready": site_is_ready(site),
        "reason": reason,
        "sync_mode": site.sync_mode or None,
        "kubernetes_version": site.kubernetes_version or None,
        "nodes": {"total": site.nodes_total, "ready": site.nodes_ready},
        "gpus": {"allocatable": site.gpus_allocatable, "allocated": site.gpus_allocated},
        "last_poll": iso_utc(site.last_success_at),
        "stale": site_is_stale(site, poll_interval, now),
        "unreachable_since": iso_utc(site.unreachable_since),
        "failure": failure_view(site.failure),
    }


def metric_view(metric: MetricDef, locale: str) -> dict[str, Any]:
    return {
        "id": metric.id,
        "title": metric.title(locale),
        "unit": metric.unit,
        "scope": metric.scope,
        "titles": dict(metric.titles),
    }


def json_number(value: float | None) -> float | int | None:
    """Stored NaN already reads back as None (orjson); ±Inf and NaN from memory become None too."""
    if value is None or not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def points_view(series: SeriesRecord) -> list[tuple[float | int | None, float | None]]:
    """`[ts, value]` pairs (orjson writes tuples as arrays); whole-second times as integers.

    The hot loop of every series answer, so one comprehension per column, not a call per number.
    """
    isfinite = math.isfinite
    times = [int(t) if isfinite(t) and t.is_integer() else json_number(t) for t in series.timestamps]
    values = [v if v is None or isfinite(v) else None for v in series.values]
    return list(zip(times, values, strict=False))


def keep_node(series: list[SeriesRecord], node: str | None) -> list[SeriesRecord]:
    """Series of one node out of an all-nodes panel (None keeps them all)."""
    if node is None:
        return series
    return [s for s in series if s.labels.get("node") == node]


def panel_view(record: PanelRecord, unit: str, *, stale: bool) -> dict[str, Any]:
    return {
        "site": record.site,
        "metric": record.metric,
        "unit": unit,
        "series": [{"labels": dict(s.labels), "points": points_view(s)} for s in record.series],
        "fetched_at": iso_utc(record.fetched_at),
        "stale": stale,
        "window": record.window,
        "step": record.step,
        "failure": failure_view(record.failure),
    }
