"""The Ready condition and the taints Karmada derives from it (karmada-api.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import SimConfigError
from ._spec import SyncMode

NOT_READY_TAINT = "cluster.karmada.io/not-ready"
UNREACHABLE_TAINT = "cluster.karmada.io/unreachable"

# (status, reason) -> message, from cluster_status_controller.go / cluster_controller.go.
READY_MESSAGES: dict[tuple[str, str], str] = {
    ("True", "ClusterReady"): "cluster is healthy and ready to accept workloads",
    ("False", "ClusterNotReady"): "cluster is reachable but health endpoint responded without ok",
    ("False", "ClusterNotReachable"): "cluster is not reachable",
    ("False", "StatusCollectionFailed"): "failed to create a ClusterClient: {detail}",
    ("Unknown", "ClusterStatusUnknown"): "Cluster status controller stopped posting cluster status.",
    ("Unknown", "ClusterStatusNeverUpdated"): "Cluster status controller never posted cluster status.",
}
DEFAULT_REASONS = {"True": "ClusterReady", "False": "ClusterNotReady", "Unknown": "ClusterStatusUnknown"}
DEFAULT_COLLECTION_ERROR = "the server has asked for the client to provide credentials"


@dataclass(frozen=True)
class ReadyCondition:
    """Status, reason and message of a Ready condition (without its transition time)."""

    status: str
    reason: str
    message: str


def make_ready_condition(status: str, reason: str | None = None, detail: str | None = None) -> ReadyCondition:
    """A Ready condition from the §3 table; the default reason of a status is used when none is given."""
    if status not in DEFAULT_REASONS:
        raise SimConfigError("status", f"{status!r} is not one of ['True', 'False', 'Unknown']")
    chosen = reason or DEFAULT_REASONS[status]
    template = READY_MESSAGES.get((status, chosen))
    if template is None:
        allowed = sorted(r for s, r in READY_MESSAGES if s == status)
        raise SimConfigError(
            "reason", f"{chosen!r} is not a reason for status {status}; use one of {allowed}"
        )
    return ReadyCondition(status, chosen, template.format(detail=detail or DEFAULT_COLLECTION_ERROR))


def make_unreachable_condition(sync_mode: SyncMode) -> ReadyCondition:
    """What an offline site turns into: Push is probed and fails, Pull stops posting (lease expires)."""
    if sync_mode == "Push":
        return make_ready_condition("False", "ClusterNotReachable")
    return make_ready_condition("Unknown", "ClusterStatusUnknown")


def derive_taint_keys(ready_status: str | None) -> tuple[str, ...]:
    """NoSchedule taints for a Ready status: not-ready for False or absent, unreachable for Unknown."""
    if ready_status == "True":
        return ()
    if ready_status == "Unknown":
        return (UNREACHABLE_TAINT,)
    return (NOT_READY_TAINT,)
