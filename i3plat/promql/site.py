"""One site's metrics by catalog id: profile detection, rendering, step choice, one query each.

This is the whole query path the collector uses; nothing above it builds PromQL. Results carry
a normalised `node` label and no `__name__`, whatever the site's labelling flavour.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from i3plat.promql.batch import combine_queries, split_series
from i3plat.promql.catalog import Catalog, MetricDef, default_catalog
from i3plat.promql.client import PrometheusClient
from i3plat.promql.errors import PromQLError
from i3plat.promql.escape import quote_label_value
from i3plat.promql.profiles import SiteProfile, detect_profile
from i3plat.promql.render import render_query
from i3plat.promql.results import Series
from i3plat.promql.timerange import QueryRange, parse_duration, plan_range, rate_window

DEFAULT_MAX_POINTS = 400
RENDERED_KEPT = 64
"""Combined queries remembered per site (a few windows × profiles in practice)."""
KEEP_LABELS_BY_SCOPE = {
    "cluster": frozenset({"phase"}),
    "node": frozenset({"node", "device", "mountpoint"}),
    "gpu": frozenset({"node", "gpu", "UUID", "modelName"}),
}
"""Labels worth sending to a browser; exporter internals (job, pod, endpoint…) are dropped."""


@dataclass(frozen=True)
class MetricResult:
    """A catalog metric's answer for one site: compact series plus how it was asked."""

    metric: MetricDef
    series: tuple[Series, ...]
    query: str
    window: QueryRange | None
    evaluated_at: float | None


def trim_labels(labels: dict[str, str] | Any, scope: str) -> dict[str, str]:
    keep = KEEP_LABELS_BY_SCOPE.get(scope, frozenset())
    return {k: v for k, v in labels.items() if k in keep}


class ClientQuerier:
    """Adapts PrometheusClient to what profile detection needs."""

    def __init__(self, client: PrometheusClient) -> None:
        self.client = client

    def query_labels(self, expr: str) -> list[dict[str, str]]:
        return [dict(s.labels) for s in self.client.query(expr).series]

    def scrape_interval(self) -> float | None:
        """`global.scrape_interval` from the running config; None when it cannot be read."""
        try:
            text = self.client.config_yaml()
            seconds = parse_duration(
                str(yaml.safe_load(text)["global"]["scrape_interval"]), "scrape_interval"
            )
        except (PromQLError, yaml.YAMLError, KeyError, TypeError, ValueError):
            return None
        return float(seconds)


class SitePrometheus:
    """Catalog metrics of one site. The profile is detected once (or given) and then reused."""

    def __init__(
        self,
        client: PrometheusClient,
        *,
        catalog: Catalog | None = None,
        profile: SiteProfile | None = None,
        profile_overrides: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.catalog = catalog or default_catalog()
        self._profile = profile
        self._overrides = profile_overrides or {}
        self._lock = threading.Lock()
        self._rendered: dict[tuple[tuple[str, ...], SiteProfile, int], tuple[list[str], str]] = {}

    @property
    def profile_known(self) -> bool:
        """Whether `profile` is answered without asking the site (given, or detected before)."""
        with self._lock:
            return self._profile is not None

    @property
    def profile(self) -> SiteProfile:
        with self._lock:
            if self._profile is None:
                detected = detect_profile(ClientQuerier(self.client))
                self._profile = detected.with_overrides(self._overrides)
            return self._profile

    def instant(self, metric_id: str, *, node: str | None = None, at: float | None = None) -> MetricResult:
        """The metric's current value (or at `at`), with a rate window of four scrapes."""
        metric = self.catalog.get(metric_id)
        profile = self.profile
        window = rate_window(profile.scrape_interval, profile.scrape_interval)
        expr = render_query(self.catalog, metric_id, profile, node=node, rate_window=window)
        result = self.client.query(expr, at=at)
        return MetricResult(metric, self._trimmed(result.series, metric), expr, None, at)

    def range(
        self,
        metric_id: str,
        *,
        start: float,
        end: float,
        node: str | None = None,
        max_points: int = DEFAULT_MAX_POINTS,
        step: int | None = None,
        now: float | None = None,
    ) -> MetricResult:
        """The metric over [start, end]: step from the panel width, ends aligned to the step."""
        metric = self.catalog.get(metric_id)
        profile = self.profile
        planned = plan_range(
            start,
            end,
            max_points=max_points,
            scrape_interval=profile.scrape_interval,
            step=step,
            now=time.time() if now is None else now,
        )
        window = rate_window(planned.step, profile.scrape_interval)
        expr = render_query(self.catalog, metric_id, profile, node=node, rate_window=window)
        result = self.client.query_range(expr, start=planned.start, end=planned.end, step=planned.step)
        return MetricResult(metric, self._trimmed(result.series, metric), expr, planned, None)

    def instant_batch(self, metric_ids: Sequence[str], *, at: float | None = None) -> dict[str, MetricResult]:
        """Several metrics' current values in one request (`promql.batch`)."""
        metrics = [self.catalog.get(m) for m in metric_ids]
        profile = self.profile
        window = rate_window(profile.scrape_interval, profile.scrape_interval)
        exprs, combined = self._combined(tuple(metric_ids), profile, window)
        result = self.client.query(combined, at=at)
        parts = split_series(result.series, len(exprs))
        return {
            m.id: MetricResult(m, self._trimmed(part, m), expr, None, at)
            for m, expr, part in zip(metrics, exprs, parts, strict=True)
        }

    def range_batch(
        self, metric_ids: Sequence[str], *, start: float, end: float, step: int, now: float | None = None
    ) -> dict[str, MetricResult]:
        """Several metrics over one window in one request (`promql.batch`); step as given."""
        metrics = [self.catalog.get(m) for m in metric_ids]
        profile = self.profile
        planned = plan_range(
            start, end, max_points=DEFAULT_MAX_POINTS, scrape_interval=profile.scrape_interval, step=step,
            now=time.time() if now is None else now,
        )  # fmt: skip
        window = rate_window(planned.step, profile.scrape_interval)
        exprs, combined = self._combined(tuple(metric_ids), profile, window)
        result = self.client.query_range(combined, start=planned.start, end=planned.end, step=planned.step)
        parts = split_series(result.series, len(exprs))
        return {
            m.id: MetricResult(m, self._trimmed(part, m), expr, planned, None)
            for m, expr, part in zip(metrics, exprs, parts, strict=True)
        }

    def _combined(
        self, metric_ids: tuple[str, ...], profile: SiteProfile, window: int
    ) -> tuple[list[str], str]:
        """The metrics' queries and their combination, rendered once per profile and window.

        The poller asks the same batch every interval; rendering ~20 templates each time was
        a twentieth of its CPU. The same string object each time also lets the form encoder
        reuse its quoting (`promql.form`).
        """
        key = (metric_ids, profile, window)
        cached = self._rendered.get(key)
        if cached is None:
            if len(self._rendered) >= RENDERED_KEPT:
                self._rendered.clear()
            exprs = [render_query(self.catalog, m, profile, rate_window=window) for m in metric_ids]
            cached = self._rendered[key] = (exprs, combine_queries(exprs))
        return cached

    def node_names(self, *, start: float | None = None, end: float | None = None) -> list[str]:
        """Nodes seen in [start, end] by kube-state-metrics, else by node-exporter's uname."""
        profile = self.profile
        ksm = "kube_node_info{job=" + quote_label_value(profile.kube_state_metrics_job, "job") + "}"
        names = self.client.label_values("node", match=[ksm], start=start, end=end)
        if not names:
            uname = "node_uname_info{job=" + quote_label_value(profile.node_exporter_job, "job") + "}"
            names = self.client.label_values("nodename", match=[uname], start=start, end=end)
        return sorted(names)

    @staticmethod
    def _trimmed(series: tuple[Series, ...], metric: MetricDef) -> tuple[Series, ...]:
        return tuple(
            Series(labels=trim_labels(s.labels, metric.scope), timestamps=s.timestamps, values=s.values)
            for s in series
        )
