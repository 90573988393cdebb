"""Mutable state of one simulated member; the `Federation` owns it and guards it with its lock."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ._backend import PrometheusBackend
from ._conditions import ReadyCondition, derive_taint_keys, make_ready_condition, make_unreachable_condition
from ._spec import ServiceRef, SiteSpec
from ._workloads import DAY, PodFixture, build_pods, list_namespaces, make_uid

FAILURE_FLAGS = (
    "api_endpoint_empty",
    "impersonation_denied",
    "impersonator_secret_nil",
    "karmada_rbac_denied",
    "prometheus_no_endpoints",
    "prometheus_unready",
    "scrapes_stale",
    "service_proxy_denied",
    "tls_unknown_authority",
)
COUNTER_KINDS = ("service_proxy", "pods", "logs", "other")


@dataclass
class Taint:
    """A Karmada cluster taint (effect is always NoSchedule for the Ready-derived ones)."""

    key: str
    time_added: float
    effect: str = "NoSchedule"


@dataclass
class SiteCounters:
    """How many proxied requests named this site, by kind."""

    total: int = 0
    service_proxy: int = 0
    pods: int = 0
    logs: int = 0
    other: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "service_proxy": self.service_proxy,
            "pods": self.pods,
            "logs": self.logs,
            "other": self.other,
        }


@dataclass(frozen=True)
class SiteView:
    """An immutable snapshot the request handlers use outside the federation lock."""

    spec: SiteSpec
    service: ServiceRef
    offline: bool
    latency: float
    failures: frozenset[str]
    backend: PrometheusBackend | None
    pods: tuple[PodFixture, ...]
    namespaces: tuple[str, ...]
    created_at: float


@dataclass
class SimSite:
    """One member cluster as Karmada sees it plus the simulator's knobs."""

    spec: SiteSpec
    service: ServiceRef
    uid: str
    cluster_id: str
    created_at: float
    resource_version: int
    declared: ReadyCondition
    condition: ReadyCondition
    condition_changed_at: float
    rng: random.Random
    pods: list[PodFixture]
    namespaces: list[str]
    generation: int = 1
    taints: list[Taint] = field(default_factory=list)
    offline: bool = False
    toggled_at: float = 0.0
    latency: float = 0.0
    error_rate: float = 0.0
    failures: set[str] = field(default_factory=set)
    backend: PrometheusBackend | None = None
    counters: SiteCounters = field(default_factory=SiteCounters)

    def view(self) -> SiteView:
        return SiteView(
            spec=self.spec,
            service=self.service,
            offline=self.offline,
            latency=self.latency,
            failures=frozenset(self.failures),
            backend=self.backend,
            pods=tuple(self.pods),
            namespaces=tuple(self.namespaces),
            created_at=self.created_at,
        )

    def apply_condition(self, target: ReadyCondition, when: float, resource_version: int) -> bool:
        """Set Ready (transition time only moves when the status flips) and re-derive taints."""
        if target == self.condition:
            return False
        if target.status != self.condition.status:
            self.condition_changed_at = when
        self.condition = target
        keys = derive_taint_keys(target.status)
        if keys != tuple(t.key for t in self.taints):
            kept = {t.key: t for t in self.taints}
            self.taints = [kept.get(key) or Taint(key, when) for key in keys]
            self.generation += 1
        self.resource_version = resource_version
        return True

    def count(self, kind: str) -> None:
        self.counters.total += 1
        setattr(self.counters, kind, getattr(self.counters, kind) + 1)


def create_site(spec: SiteSpec, now: float, resource_version: int, seed: int) -> SimSite:
    """A site as it looks after registration and a healthy history (or already offline/not ready)."""
    created_at = now - spec.created_days_ago * DAY
    declared = make_ready_condition(spec.ready)
    condition = make_unreachable_condition(spec.sync_mode) if spec.offline else declared
    # Ready about 41 s after registration, never in the future (a site created just now)
    became_ready = min(created_at + 41.0, now)
    changed_at = became_ready if condition.status == "True" else max(became_ready, now - 600.0)
    pods = build_pods(spec, now)
    service = spec.service
    site = SimSite(
        spec=spec,
        service=service,
        uid=make_uid(spec.name, "cluster"),
        cluster_id=make_uid(spec.name, "kube-system"),
        created_at=created_at,
        resource_version=resource_version,
        declared=declared,
        condition=condition,
        condition_changed_at=changed_at,
        rng=seed_rng(seed, spec.name),
        pods=pods,
        namespaces=list_namespaces(pods, service.namespace),
        offline=spec.offline,
        toggled_at=now,
    )
    keys = derive_taint_keys(condition.status)
    site.taints = [Taint(key, changed_at) for key in keys]
    site.generation = 1 + (1 if keys else 0)
    return site


def seed_rng(seed: int, site: str) -> random.Random:
    """The per-site generator that decides injected dial errors (reset whenever the rate is set)."""
    return random.Random(f"{seed}/{site}/errors")
