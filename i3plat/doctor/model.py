"""The doctor's typed results: a message to translate later, evidence, one check, one site's report.

Nothing here is translated: titles and fixes are catalog msgids with parameters (`Text`), so the
CLI, the JSON output and the web page each render them in their reader's language. Evidence
keeps what was actually seen (HTTP status, the upstream message, the request line) verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from i3plat.i18n import N_

Translate = Callable[..., str]
"""A `Translator`-like callable: ``t(msgid, **params) -> str``."""


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


SEVERITY = {Status.SKIPPED: 0, Status.OK: 1, Status.WARN: 2, Status.FAIL: 3}


@dataclass(frozen=True)
class Text:
    """A catalog message and its parameters; parameters may be `Text` themselves."""

    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def render(self, t: Translate) -> str:
        values = {k: v.render(t) if isinstance(v, Text) else v for k, v in self.params.items()}
        return t(self.msgid, **values)

    def to_plain(self) -> dict[str, Any]:
        return {
            "msgid": self.msgid,
            "params": {k: v.to_plain() if isinstance(v, Text) else v for k, v in self.params.items()},
        }


Param = str | int | float | Text


def text(msgid: str, **params: Param) -> Text:
    return Text(msgid, params)


@dataclass(frozen=True)
class Evidence:
    """What one probe saw: our words (`note`), and where an HTTP exchange took place its status,
    the exact upstream message (shortened, never a credential) and the request line."""

    note: Text | None = None
    http_status: int | None = None
    message: str | None = None
    request: str | None = None
    code: str | None = None
    """The typed error's code (e.g. ``no_endpoints``), for scripts."""

    def to_plain(self, t: Translate) -> dict[str, Any]:
        return {
            "note": self.note.render(t) if self.note else None,
            "http_status": self.http_status,
            "message": self.message,
            "request": self.request,
            "code": self.code,
        }


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the runner adds id, title and timing."""

    status: Status
    evidence: tuple[Evidence, ...] = ()
    fix: Text | None = None


def ok(*evidence: Evidence) -> Outcome:
    return Outcome(Status.OK, evidence)


def warn(fix: Text, *evidence: Evidence) -> Outcome:
    return Outcome(Status.WARN, evidence, fix)


def fail(fix: Text, *evidence: Evidence) -> Outcome:
    return Outcome(Status.FAIL, evidence, fix)


def note(msgid: str, **params: Param) -> Evidence:
    return Evidence(note=Text(msgid, params))


@dataclass(frozen=True)
class CheckSpec:
    """A check's identity: stable id (for scripts), title msgid, and the checks it needs."""

    id: str
    title: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """One item of the checklist as run."""

    id: str
    title: str
    status: Status
    evidence: tuple[Evidence, ...] = ()
    fix: Text | None = None
    seconds: float = 0.0

    def to_plain(self, t: Translate) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": t(self.title),
            "status": self.status.value,
            "evidence": [e.to_plain(t) for e in self.evidence],
            "fix": self.fix.render(t) if self.fix else None,
            "fix_msgid": self.fix.to_plain() if self.fix else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SiteReport:
    """Every check of one site, in order."""

    site: str
    checks: tuple[Check, ...]
    started_at: float
    seconds: float

    @property
    def worst(self) -> Status:
        ran = [c.status for c in self.checks if c.status is not Status.SKIPPED]
        return max(ran, key=SEVERITY.__getitem__) if ran else Status.SKIPPED

    @property
    def failed(self) -> bool:
        return any(c.status is Status.FAIL for c in self.checks)

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for c in self.checks if c.status is s) for s in Status}

    def check(self, check_id: str) -> Check:
        for item in self.checks:
            if item.id == check_id:
                return item
        raise KeyError(check_id)

    def to_plain(self, t: Translate) -> dict[str, Any]:
        return {
            "site": self.site,
            "status": self.worst.value,
            "failed": self.failed,
            "counts": self.counts(),
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "checks": [c.to_plain(t) for c in self.checks],
        }


# The checklist, in the order it runs. A check is skipped when one it needs failed or was skipped.
CLUSTER_REGISTERED = "cluster.registered"
CLUSTER_READY = "cluster.ready"
CLUSTER_ENDPOINT = "cluster.endpoint"
PROXY_VERSION = "proxy.version"
PROXY_IMPERSONATION = "proxy.impersonation"
MEMBER_SERVICES_PROXY = "member.services_proxy"
PROMETHEUS_READY = "prometheus.ready"
SERIES_NODE_EXPORTER = "series.node_exporter"
SERIES_KUBE_STATE_METRICS = "series.kube_state_metrics"
SERIES_DCGM = "series.dcgm"
PROMETHEUS_PROFILE = "prometheus.profile"
PROMETHEUS_FRESHNESS = "prometheus.freshness"

CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(CLUSTER_REGISTERED, N_("Cluster is registered in Karmada")),
    CheckSpec(CLUSTER_READY, N_("Cluster is Ready"), (CLUSTER_REGISTERED,)),
    CheckSpec(
        CLUSTER_ENDPOINT, N_("API endpoint is reachable from the central cloud"), (CLUSTER_REGISTERED,)
    ),
    CheckSpec(PROXY_VERSION, N_("Cluster proxy reaches the member (/version)"), (CLUSTER_REGISTERED,)),
    CheckSpec(PROXY_IMPERSONATION, N_("Impersonation works (namespaced read)"), (PROXY_VERSION,)),
    CheckSpec(MEMBER_SERVICES_PROXY, N_("Member RBAC allows services/proxy"), (PROXY_IMPERSONATION,)),
    CheckSpec(PROMETHEUS_READY, N_("Prometheus answers through the service proxy"), (MEMBER_SERVICES_PROXY,)),
    CheckSpec(SERIES_NODE_EXPORTER, N_("node-exporter series present"), (PROMETHEUS_READY,)),
    CheckSpec(SERIES_KUBE_STATE_METRICS, N_("kube-state-metrics series present"), (PROMETHEUS_READY,)),
    CheckSpec(SERIES_DCGM, N_("DCGM (GPU) series present"), (PROMETHEUS_READY,)),
    CheckSpec(PROMETHEUS_PROFILE, N_("Labelling profile detected"), (PROMETHEUS_READY,)),
    CheckSpec(PROMETHEUS_FRESHNESS, N_("Scrapes are fresh"), (PROMETHEUS_READY,)),
)
CHECK_IDS = tuple(spec.id for spec in CHECKS)
SPEC_BY_ID = {spec.id: spec for spec in CHECKS}
