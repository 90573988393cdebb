"""The registration wizard's way to Karmada: start a registration, then watch its Cluster.

Goes through the one shared `SiteAccess.karmada` client (the page never builds one). Results are
plain, JSON-ready values for the page's browser-side stores; `record_observation` is pure and
keeps one history entry per change of what Karmada shows (appeared, each condition change).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from i3plat.collector.access import SiteAccess
from i3plat.karmada_client import KarmadaError, NotFound
from i3plat.karmada_client.bootstrap import (
    EndpointWarning,
    RegistrationPlan,
    RegistrationRefused,
    RegistrationRequest,
    Resolver,
    check_registration,
    format_expiration,
    karmada_address_of,
    prepare_registration,
    resolve_host,
)

MAX_HISTORY = 50


@dataclass(frozen=True)
class StartOutcome:
    """What one press of the wizard's button did. Exactly one of: `plan` (token created / guide
    ready), `refused` (bad input, nothing created), `needs_confirmation` (only warnings, nothing
    created until the administrator accepts them), `failure` (Karmada call failed: code, message)."""

    plan: RegistrationPlan | None = None
    refused: RegistrationRefused | None = None
    warnings: tuple[EndpointWarning, ...] = ()
    needs_confirmation: bool = False
    failure: tuple[str, str] | None = None


def default_karmada_address(access: SiteAccess) -> str:
    """`host:port` of the Karmada API in the console's kubeconfig (sites may need another)."""
    return karmada_address_of(access.karmada.config.server)


def start_registration(
    access: SiteAccess,
    request: RegistrationRequest,
    *,
    accept_warnings: bool = False,
    resolve: Resolver = resolve_host,
    now: datetime | None = None,
) -> StartOutcome:
    """Validate, then create the bootstrap token (Pull) and build the guide.

    Warnings stop the first attempt (nothing is created) so that the administrator reads them;
    `accept_warnings` goes ahead.
    """
    try:
        warnings = check_registration(request, resolve)
    except RegistrationRefused as refused:
        return StartOutcome(refused=refused)
    if warnings and not accept_warnings:
        return StartOutcome(warnings=warnings, needs_confirmation=True)
    try:
        plan = prepare_registration(access.karmada, request, resolve=resolve, now=now)
    except RegistrationRefused as refused:
        return StartOutcome(refused=refused, warnings=warnings)
    except KarmadaError as error:
        return StartOutcome(warnings=warnings, failure=(error.code, str(error)))
    return StartOutcome(plan=plan, warnings=plan.warnings)


@dataclass(frozen=True)
class Observation:
    """One look at the Cluster: absent, present (with its conditions), or the read failed."""

    site: str
    at: float
    present: bool = False
    conditions: tuple[dict[str, Any], ...] = ()
    error: tuple[str, str] | None = None
    sync_mode: str | None = None
    api_endpoint: str | None = None

    @property
    def ready(self) -> str | None:
        """The Ready condition's status (``True``/``False``/``Unknown``), None when absent."""
        for condition in self.conditions:
            if condition["type"] == "Ready":
                return str(condition["status"])
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "at": self.at,
            "present": self.present,
            "ready": self.ready,
            "conditions": [dict(c) for c in self.conditions],
            "error": list(self.error) if self.error else None,
            "sync_mode": self.sync_mode,
            "api_endpoint": self.api_endpoint,
        }


def observe_cluster(access: SiteAccess, site: str, clock: Callable[[], float] = time.time) -> Observation:
    """GET the Cluster once: NotFound means "not registered yet", other errors are reported."""
    at = clock()
    try:
        cluster = access.karmada.cluster(site)
    except NotFound as error:
        if error.kind in (None, "clusters"):
            return Observation(site, at)
        return Observation(site, at, error=(error.code, str(error)))
    except KarmadaError as error:
        return Observation(site, at, error=(error.code, str(error)))
    conditions = tuple(
        {
            "type": c.type,
            "status": c.status,
            "reason": c.reason or "",
            "message": c.message or "",
            "since": format_expiration(c.since) if c.since else None,
        }
        for c in cluster.conditions
    )
    mode = cluster.sync_mode.value if cluster.sync_mode else None
    return Observation(site, at, True, conditions, sync_mode=mode, api_endpoint=cluster.api_endpoint)


def _signature(entry: dict[str, Any]) -> Any:
    conditions = tuple(
        (c["type"], c["status"], c["reason"], c["message"], c["since"]) for c in entry.get("conditions") or ()
    )
    return entry.get("present"), conditions


def record_observation(history: dict[str, Any] | None, observation: Observation) -> dict[str, Any]:
    """Append `observation` to the history when what Karmada shows changed; failed reads only
    update ``latest`` (the last good view stays). Pure; keeps at most MAX_HISTORY changes."""
    changes = list((history or {}).get("changes") or [])
    entry = observation.to_dict()
    if observation.error is None and (not changes or _signature(changes[-1]) != _signature(entry)):
        changes.append(entry)
    return {"site": observation.site, "changes": changes[-MAX_HISTORY:], "latest": entry}
