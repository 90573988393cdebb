"""`/metrics`: the console's own metrics in the Prometheus text format.

Each scrape builds a fresh registry: in multiprocess mode it merges the files of every worker
and of the poller, so any worker answers with the same totals. Ages are computed here, at
scrape time, from the snapshot store: a gauge stored by the poller would freeze when the poller
stops, which is exactly when the age matters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import flask
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from i3plat.collector import selfmetrics
from i3plat.collector.store import SnapshotStore
from i3plat.webctx import current_services

metrics_blueprint = flask.Blueprint("self_metrics", __name__)


class SnapshotAgeCollector:
    """Seconds since each site's last successful poll, and since the site list was fetched."""

    def __init__(self, store: SnapshotStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterable[Metric]:
        now = self.clock()
        fleet = self.store.fleet()
        fleet_age = GaugeMetricFamily(
            "i3plat_fleet_age_seconds", "Seconds since the site list was last fetched from Karmada."
        )
        site_age = GaugeMetricFamily(
            "i3plat_snapshot_age_seconds",
            "Seconds since the last successful poll of a site (absent until one succeeded).",
            labels=["site"],
        )
        if fleet is not None and fleet.fetched_at is not None:
            fleet_age.add_metric([], max(0.0, now - fleet.fetched_at))
        for name in fleet.sites if fleet is not None else []:
            site = self.store.site(name)
            if site is not None and site.last_success_at is not None:
                site_age.add_metric([name], max(0.0, now - site.last_success_at))
        return [fleet_age, site_age]


def scrape(store: SnapshotStore) -> bytes:
    registry = CollectorRegistry()
    selfmetrics.register_sources(registry)
    registry.register(SnapshotAgeCollector(store))
    return generate_latest(registry)


@metrics_blueprint.get("/metrics")
def self_metrics() -> flask.Response:
    response = flask.Response(scrape(current_services().store), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
