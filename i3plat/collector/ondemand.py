"""On-demand queries: custom ranges and nodes outside the polled set.

The same single-flight, rate-limited, cached path for every viewer: identical concurrent
requests share one upstream call, answers are cached for a time that grows with the range,
and each site has its own budget so one curious engineer cannot flood a factory's API server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from i3plat.collector import selfmetrics
from i3plat.collector.access import SiteAccess
from i3plat.collector.flow import SingleFlight, SiteBuckets
from i3plat.collector.records import SCHEMA, PanelRecord, SeriesRecord, describe_failure
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import KarmadaError
from i3plat.promql.errors import PromQLError, QueryInputError
from i3plat.promql.render import check_node
from i3plat.promql.site import MetricResult
from i3plat.promql.timerange import QueryRange, plan_range

CUSTOM_WINDOW = "custom"
LAST_GOOD_SECONDS = 86_400.0


class OnDemandRateLimited(Exception):
    """The site's on-demand budget is spent; try again after `retry_after` seconds."""

    def __init__(self, site: str, retry_after: float) -> None:
        super().__init__(f"too many on-demand queries for site {site}; retry in {retry_after:.1f} s")
        self.site = site
        self.retry_after = retry_after


def cache_ttl(seconds_covered: float, poll_interval: float) -> float:
    """Longer ranges change less per minute: 1/60 of the range, between one poll and 10 min."""
    return max(poll_interval, min(600.0, seconds_covered / 60.0))


def to_series_records(result: MetricResult) -> list[SeriesRecord]:
    return [SeriesRecord(dict(s.labels), list(s.timestamps), list(s.values)) for s in result.series]


class OnDemandQueries:
    """Per site: bursts of 20 (a site page has 13 panels) and 3 per second sustained."""

    def __init__(
        self,
        access: SiteAccess,
        store: SnapshotStore,
        *,
        poll_interval: float,
        rate_per_site: float = 3.0,
        burst_per_site: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.access = access
        self.store = store
        self.poll_interval = poll_interval
        self._clock = clock
        self._flights: SingleFlight[PanelRecord] = SingleFlight()
        self._bucket = SiteBuckets(rate_per_site, burst_per_site)

    def series(
        self,
        site: str,
        metric: str,
        *,
        node: str | None,
        start: float,
        end: float,
        step: int | None,
        max_points: int = 400,
    ) -> PanelRecord:
        """The metric over [start, end] for one site; bad input raises before anything is sent."""
        definition = self.access.catalog.get(metric)
        node = check_node(node)
        if node is not None and definition.scope == "cluster":
            raise QueryInputError("node", f"{metric} is cluster-wide and takes no node")
        if not 2 <= max_points <= 11_000:
            raise QueryInputError("width", "must be between 2 and 11000 points")
        now = self._clock()
        planned = plan_range(start, end, max_points=max_points, scrape_interval=15.0, step=step, now=now)
        key = f"{SCHEMA}:ondemand:{site}:{metric}:{node or '*'}:{planned.start}:{planned.end}:{planned.step}"
        cached = self.store.panel_at(key)
        selfmetrics.record_cache("ondemand", hit=cached is not None)
        if cached is not None:
            return cached
        return self._flights.do(key, lambda: self._fetch(key, site, metric, node, planned))

    def _fetch(self, key: str, site: str, metric: str, node: str | None, planned: QueryRange) -> PanelRecord:
        """One flight per key in this process (`SingleFlight`) and, through a lock in the store,
        across the web workers: N gunicorn workers must not ask a site N times."""
        with self.store.lock(key, expire=self.access.settings.request_timeout + 5):
            existing = self.store.panel_at(key)  # a flight that just finished may have filled it
            if existing is not None:
                return existing
            return self._fetch_upstream(key, site, metric, node, planned)

    def _fetch_upstream(
        self, key: str, site: str, metric: str, node: str | None, planned: QueryRange
    ) -> PanelRecord:
        wait = self._bucket(site).try_take()
        if wait > 0:
            selfmetrics.record_ondemand(site, "rate_limited")
            raise OnDemandRateLimited(site, wait)
        began = self._clock()
        base = PanelRecord(
            site=site, metric=metric, window=CUSTOM_WINDOW, step=planned.step, series=[], fetched_at=None,
            node=node, start=planned.start, end=planned.end,
        )  # fmt: skip
        try:
            result = self.access.prometheus(site).range(
                metric, start=planned.start, end=planned.end, step=planned.step, node=node, now=began
            )
        except (KarmadaError, PromQLError) as exc:
            if isinstance(exc, QueryInputError):
                raise
            failure = describe_failure(exc, self._clock())
            selfmetrics.record_ondemand(site, failure.cause)
            last_good = self.store.panel_at(key + ":good")
            if last_good is not None:
                return replace(last_good, failure=failure)
            return replace(base, failure=failure)
        record = replace(base, series=to_series_records(result), fetched_at=self._clock())
        selfmetrics.record_ondemand(site, "ok")
        ttl = cache_ttl(planned.end - planned.start, self.poll_interval)
        self.store.put_panel_at(key, record, expire=ttl)
        self.store.put_panel_at(key + ":good", record, expire=LAST_GOOD_SECONDS)
        return record
