"""What the poller writes and every reader reads: plain, versioned, JSON-serialisable records.

Records are stored as orjson bytes in diskcache, so web workers in other processes read them
without importing the poller. A failure never replaces data: a record keeps its last good
series with their fetch time next to the newest failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from i3plat.karmada_client import KarmadaError
from i3plat.promql.errors import PromQLError

SCHEMA = "v1"

Cause = Literal["unreachable", "forbidden", "no_endpoints", "query_error", "timeout", "internal"]

CAUSE_BY_CODE: dict[str, Cause] = {
    "cluster_unreachable": "unreachable", "connect": "unreachable", "tls": "unreachable",
    "transport": "unreachable", "aggregated_api_unavailable": "unreachable", "bad_gateway": "unreachable",
    "not_found": "unreachable", "unreachable": "unreachable", "malformed_response": "unreachable",
    "forbidden": "forbidden", "karmada_forbidden": "forbidden", "impersonation_forbidden": "forbidden",
    "member_forbidden": "forbidden", "unauthorized": "forbidden",
    "no_endpoints": "no_endpoints", "service_unavailable": "no_endpoints", "not_ready": "no_endpoints",
    "too_many_requests": "no_endpoints",
    "bad_query": "query_error", "execution": "query_error", "unexpected": "query_error",
    "bad_request": "query_error", "api": "query_error", "invalid_name": "query_error",
    "client_timeout": "timeout", "gateway_timeout": "timeout", "timeout": "timeout",
}  # fmt: skip
"""Every typed upstream error code, folded into the causes a person can act on."""

HTTP_STATUS_BY_CAUSE: dict[Cause, int] = {
    "unreachable": 502, "forbidden": 502, "query_error": 502, "internal": 502,
    "no_endpoints": 503, "timeout": 504,
}  # fmt: skip


@dataclass(frozen=True)
class Failure:
    """Why the latest attempt failed: a cause for people, the code and upstream text for experts."""

    cause: Cause
    code: str
    message: str
    upstream_message: str | None
    status_code: int | None
    at: float

    @property
    def http_status(self) -> int:
        return HTTP_STATUS_BY_CAUSE[self.cause]


def describe_failure(exc: BaseException, at: float) -> Failure:
    """The one mapping from any upstream exception to a stored Failure."""
    if isinstance(exc, KarmadaError | PromQLError):
        code = str(getattr(exc, "code", "internal"))
        return Failure(
            cause=CAUSE_BY_CODE.get(code, "internal"),
            code=code,
            message=str(exc),
            upstream_message=getattr(exc, "upstream_message", None),
            status_code=getattr(exc, "status_code", None),
            at=at,
        )
    return Failure("internal", type(exc).__name__, str(exc) or type(exc).__name__, None, None, at)


@dataclass(frozen=True)
class SeriesRecord:
    labels: dict[str, str]
    timestamps: list[float]
    values: list[float]


@dataclass(frozen=True)
class PanelRecord:
    """One metric of one site: the instant value(s) or a live window, with its freshness."""

    site: str
    metric: str
    window: str
    """`now` for instant values, or a range like `1h` (a live window) or `custom`."""
    step: int | None
    series: list[SeriesRecord]
    fetched_at: float | None
    failure: Failure | None = None
    node: str | None = None
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class SiteRecord:
    """The poller's view of one site: Karmada's word on it and how polling went."""

    site: str
    ready_state: str
    reason: str
    sync_mode: str
    kubernetes_version: str
    nodes_total: int | None
    nodes_ready: int | None
    gpus_allocatable: float | None
    gpus_allocated: float | None
    karmada_not_ready_since: float | None = None
    last_attempt_at: float | None = None
    last_success_at: float | None = None
    unreachable_since: float | None = None
    backoff_until: float | None = None
    consecutive_failures: int = 0
    failure: Failure | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    node_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FleetRecord:
    """The site list as last fetched from Karmada."""

    sites: list[str]
    fetched_at: float | None
    failure: Failure | None = None


def failure_from_plain(data: dict[str, Any] | None) -> Failure | None:
    return Failure(**data) if data else None


def panel_from_plain(data: dict[str, Any]) -> PanelRecord:
    return PanelRecord(
        **{
            **data,
            "series": [SeriesRecord(**s) for s in data["series"]],
            "failure": failure_from_plain(data.get("failure")),
        }
    )


def site_from_plain(data: dict[str, Any]) -> SiteRecord:
    return SiteRecord(**{**data, "failure": failure_from_plain(data.get("failure"))})


def fleet_from_plain(data: dict[str, Any]) -> FleetRecord:
    return FleetRecord(**{**data, "failure": failure_from_plain(data.get("failure"))})
