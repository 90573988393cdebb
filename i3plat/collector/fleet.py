"""What Karmada says about a site, reduced to what the console shows before any metric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from i3plat.karmada_client import Cluster


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
