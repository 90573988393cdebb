"""When a value is stale and when a site counts as unreachable: one rule for API and pages."""

from __future__ import annotations

from dataclasses import dataclass

from i3plat.collector.ondemand import cache_ttl
from i3plat.collector.records import Failure, PanelRecord, SiteRecord
from i3plat.collector.store import SnapshotStore

UNREACHABLE_CAUSES = frozenset({"unreachable", "timeout"})
"""A site-level poll failure with one of these causes means the site cannot be reached now."""

STALE_AFTER_POLLS = 2
"""Data older than this many poll intervals is stale (one late poll is normal jitter)."""


def is_unreachable(site: SiteRecord | None) -> bool:
    return site is not None and site.failure is not None and site.failure.cause in UNREACHABLE_CAUSES


def is_older(moment: float | None, limit: float, now: float) -> bool:
    return moment is None or now - moment > limit


def site_is_ready(site: SiteRecord | None) -> bool:
    """Karmada says Ready and the console can reach it: both must hold."""
    return site is not None and site.ready_state == "True" and not is_unreachable(site)


def site_is_stale(site: SiteRecord | None, poll_interval: float, now: float) -> bool:
    return (
        site is None
        or is_unreachable(site)
        or is_older(site.last_success_at, STALE_AFTER_POLLS * poll_interval, now)
    )


def stale_after(record: PanelRecord, poll_interval: float, *, live: bool) -> float:
    """Live panels are due every poll; on-demand answers are cached longer for longer ranges."""
    if live or record.start is None or record.end is None:
        return STALE_AFTER_POLLS * poll_interval
    return STALE_AFTER_POLLS * cache_ttl(record.end - record.start, poll_interval)


def panel_is_stale(
    record: PanelRecord, site: SiteRecord | None, poll_interval: float, now: float, *, live: bool
) -> bool:
    return (
        record.failure is not None
        or is_unreachable(site)
        or is_older(record.fetched_at, stale_after(record, poll_interval, live=live), now)
    )


@dataclass(frozen=True)
class FleetStatus:
    """Every listed site with its record (None until first polled), problems first."""

    sites: tuple[tuple[str, SiteRecord | None], ...]
    fetched_at: float | None
    failure: Failure | None

    @property
    def ready_count(self) -> int:
        return sum(1 for _, record in self.sites if site_is_ready(record))


def nodes_not_ready(ready: float | None, total: float | None) -> int:
    """How many nodes Karmada counts but not as Ready (0 when either count is unknown)."""
    if ready is None or total is None:
        return 0
    return max(0, int(total) - int(ready))


def nodes_reported_not_ready(panel: PanelRecord | None) -> frozenset[str]:
    """Nodes whose newest `k8s.node.ready` value is 0 (kube-state-metrics: Ready is not true)."""
    if panel is None:
        return frozenset()
    return frozenset(
        series.labels["node"]
        for series in panel.series
        if series.labels.get("node") and series.values and series.values[-1] == 0
    )


def problem_rank(record: SiteRecord | None) -> int:
    if record is None:
        return 1
    if is_unreachable(record) or record.ready_state == "False":
        return 0
    degraded = nodes_not_ready(record.nodes_ready, record.nodes_total) > 0
    return 1 if record.ready_state != "True" or record.failure is not None or degraded else 2


def read_fleet(store: SnapshotStore) -> FleetStatus:
    """The site list and each site's record, sorted so problems come first."""
    fleet = store.fleet()
    if fleet is None:
        return FleetStatus((), None, None)
    entries = [(name, store.site(name)) for name in fleet.sites]
    entries.sort(key=lambda entry: (problem_rank(entry[1]), entry[0]))
    return FleetStatus(tuple(entries), fleet.fetched_at, fleet.failure)
