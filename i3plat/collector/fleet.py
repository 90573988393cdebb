"""The fleet directory: which sites exist and whether Karmada calls them Ready.

Every viewer reads the same snapshot; the Karmada cluster list is fetched at most once per
`ttl` seconds however many pages ask (single flight under a lock), and a failed fetch keeps
the last good list, marked with the error and its time, instead of blanking the screen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from i3plat.karmada_client import Cluster, KarmadaClient, KarmadaError


@dataclass(frozen=True)
class SiteStatus:
    """What the console shows about one site before any metric is polled."""

    name: str
    ready_state: str
    reason: str
    message: str
    ready_since: datetime | None
    sync_mode: str
    kubernetes_version: str
    nodes_total: int | None
    nodes_ready: int | None
    gpus_allocatable: float | None
    gpus_allocated: float | None
    summaries_stale: bool


@dataclass(frozen=True)
class FleetSnapshot:
    """Sites as last fetched, plus the most recent failure if the latest fetch failed."""

    sites: tuple[SiteStatus, ...]
    fetched_at: float | None
    error: str | None = None
    error_at: float | None = None

    @property
    def ready_count(self) -> int:
        return sum(1 for site in self.sites if site.ready_state == "True")


def summarise_cluster(cluster: Cluster) -> SiteStatus:
    ready = cluster.ready
    nodes = cluster.node_summary
    resources = cluster.resource_summary
    return SiteStatus(
        name=cluster.name,
        ready_state=cluster.ready_state,
        reason=(ready.reason or "") if ready else "",
        message=(ready.message or "") if ready else "",
        ready_since=ready.since if ready else None,
        sync_mode=str(cluster.sync_mode) if cluster.sync_mode else "",
        kubernetes_version=cluster.kubernetes_version or "",
        nodes_total=nodes.total if nodes else None,
        nodes_ready=nodes.ready if nodes else None,
        gpus_allocatable=float(resources.allocatable.gpu) if resources else None,
        gpus_allocated=float(resources.allocated.gpu) if resources else None,
        summaries_stale=cluster.summaries_stale,
    )


def order_problems_first(sites: list[SiteStatus]) -> tuple[SiteStatus, ...]:
    """Not-ready sites first so a glance at the top of the list shows what needs attention."""
    rank = {"False": 0, "Unknown": 1, "True": 2}
    return tuple(sorted(sites, key=lambda s: (rank.get(s.ready_state, 1), s.name)))


class FleetDirectory:
    """Thread-safe, TTL-cached view of Karmada's cluster list."""

    def __init__(
        self,
        client_factory: Callable[[], KarmadaClient],
        ttl: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client_factory = client_factory
        self._client: KarmadaClient | None = None
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot = FleetSnapshot(sites=(), fetched_at=None)
        self._attempted_at: float | None = None

    def snapshot(self) -> FleetSnapshot:
        with self._lock:
            now = self._clock()
            if self._attempted_at is None or now - self._attempted_at >= self._ttl:
                self._attempted_at = now
                self._snapshot = self._refresh(now)
            return self._snapshot

    def _refresh(self, now: float) -> FleetSnapshot:
        try:
            if self._client is None:
                self._client = self._client_factory()
            clusters = self._client.clusters()
        except KarmadaError as exc:
            return replace(self._snapshot, error=str(exc), error_at=now)
        sites = order_problems_first([summarise_cluster(c) for c in clusters])
        return FleetSnapshot(sites=sites, fetched_at=now)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
