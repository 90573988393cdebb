"""The thread-safe federation: sites, fault knobs, counters and the Ready grace logic.

Ready is re-evaluated lazily whenever state is read: a site that went offline turns
`False/ClusterNotReachable` (Push) or `Unknown/ClusterStatusUnknown` (Pull) once
`ready_grace_seconds` have passed since it went offline, and back to its declared condition the
same grace after it came online. Summaries are never touched (they stay stale, as in Karmada).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._backend import PrometheusBackend
from ._cluster import KARMADA_API_VERSION, build_cluster
from ._conditions import make_ready_condition, make_unreachable_condition
from ._errors import SimConfigError, SiteExistsError, UnknownSiteError
from ._site import COUNTER_KINDS, FAILURE_FLAGS, SimSite, SiteView, create_site, seed_rng
from ._spec import FederationConfig, SiteSpec, endpoint_is_local

BackendFactory = Callable[[SiteSpec, Path], PrometheusBackend | None]
MAX_LATENCY = 600.0
STALE_SCRAPE_LAG = 180.0
"""With `scrapes_stale`, the site's Prometheus stopped scraping this long ago (within the 5 min
lookback, so instant queries still find the old samples and only their age gives it away)."""


def apply_scrape_lag(site: SimSite) -> None:
    """Push the `scrapes_stale` flag into a backend that can lag (the synthetic one)."""
    setter = getattr(site.backend, "set_scrape_lag", None)
    if callable(setter):
        setter(STALE_SCRAPE_LAG if "scrapes_stale" in site.failures else 0.0)


def check_number(value: object, field_name: str, low: float, high: float) -> float:
    """A finite number within [low, high], or a SimConfigError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SimConfigError(field_name, f"{value!r} is not a number")
    if not low <= value <= high:
        raise SimConfigError(field_name, f"{value} is not within [{low}, {high}]")
    return float(value)


class Federation:
    """All sites of one simulated Karmada control plane; every method is safe to call from any thread."""

    def __init__(
        self,
        config: FederationConfig,
        backend_factory: BackendFactory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._factory = backend_factory if config.prometheus != "none" else None
        self._clock = clock
        self._lock = threading.RLock()
        self._sites: dict[str, SimSite] = {}
        self._revision = 91000
        self._aggregated_up = True
        self._list_calls = 0
        self._get_calls = 0
        self._grace = config.ready_grace_seconds
        try:
            for spec in config.sites:
                self.add_site(spec)
        except BaseException:
            self.close()  # backends made for earlier sites must not leak
            raise

    # -- internals -------------------------------------------------------------------------------
    def _next_revision(self) -> int:
        self._revision += 1
        return self._revision

    def _site(self, name: str) -> SimSite:
        site = self._sites.get(name)
        if site is None:
            raise UnknownSiteError(name)
        return site

    def _refresh(self, site: SimSite, now: float) -> None:
        """Flip Ready once the grace since the last offline/online toggle has passed."""
        grace = self._grace
        if now - site.toggled_at < grace:
            return
        target = make_unreachable_condition(site.spec.sync_mode) if site.offline else site.declared
        if target != site.condition:
            site.apply_condition(target, site.toggled_at + grace, self._next_revision())

    @contextmanager
    def _locked_site(self, name: str) -> Iterator[SimSite]:
        with self._lock:
            site = self._site(name)
            self._refresh(site, self._clock())
            yield site

    def now(self) -> float:
        """The federation's clock (injectable for tests)."""
        return self._clock()

    def site_dir(self, name: str) -> Path:
        """Where a site's backend may keep files."""
        return self.config.data_dir / "sites" / name

    # -- Karmada API reads -----------------------------------------------------------------------
    def list_clusters(self) -> dict[str, Any]:
        """The ClusterList (items without kind/apiVersion); counts one list call."""
        with self._lock:
            self._list_calls += 1
            now = self._clock()
            items = []
            for name in sorted(self._sites):
                site = self._sites[name]
                self._refresh(site, now)
                items.append(build_cluster(site, frozenset(site.failures)))
            return {
                "kind": "ClusterList",
                "apiVersion": KARMADA_API_VERSION,
                "metadata": {"resourceVersion": str(self._revision)},
                "items": items,
            }

    def get_cluster(self, name: str) -> dict[str, Any] | None:
        """One Cluster with type meta, or None; counts one get call."""
        with self._lock:
            self._get_calls += 1
            site = self._sites.get(name)
            if site is None:
                return None
            self._refresh(site, self._clock())
            return build_cluster(site, frozenset(site.failures), type_meta=True)

    def begin_proxy_request(self, name: str, kind: str) -> SiteView | None:
        """Count a proxied request for a registered site and snapshot it; None for unknown sites."""
        if kind not in COUNTER_KINDS:
            raise SimConfigError("kind", f"{kind!r} is not one of {list(COUNTER_KINDS)}")
        with self._lock:
            site = self._sites.get(name)
            if site is None:
                return None
            site.count(kind)
            return site.view()

    def draw_dial_failure(self, name: str) -> bool:
        """Whether dialling the member fails: a loopback endpoint (nothing listens there in
        Karmada's pod, issue #5052) or an injected dial error (seeded, so runs repeat exactly)."""
        with self._lock:
            site = self._sites.get(name)
            if site is None:
                return False
            if endpoint_is_local(site.spec.endpoint):
                return True
            if site.error_rate <= 0.0:
                return False
            return site.rng.random() < site.error_rate

    @property
    def aggregated_api_up(self) -> bool:
        with self._lock:
            return self._aggregated_up

    # -- fault injection -------------------------------------------------------------------------
    def set_offline(self, name: str, offline: bool = True) -> None:
        """Take a member off the network (dials fail at once); Ready follows after the grace."""
        if not isinstance(offline, bool):
            raise SimConfigError("offline", "must be a boolean")
        with self._locked_site(name) as site:
            if site.offline != offline:
                site.offline = offline
                site.toggled_at = self._clock()
                self._refresh(site, site.toggled_at)

    def set_latency(self, name: str, seconds: float) -> None:
        """Delay added before every proxied request for the site is dialled."""
        value = check_number(seconds, "seconds", 0.0, MAX_LATENCY)
        with self._locked_site(name) as site:
            site.latency = value

    def set_error_rate(self, name: str, rate: float) -> None:
        """Fraction of proxied requests answered with the 500 dial error; reseeds the generator."""
        value = check_number(rate, "rate", 0.0, 1.0)
        with self._locked_site(name) as site:
            site.error_rate = value
            site.rng = seed_rng(self.config.seed, name)

    def set_ready(self, name: str, status: str, reason: str | None = None, detail: str | None = None) -> None:
        """Declare the Ready condition the member reports while reachable (applies at once if online)."""
        condition = make_ready_condition(status, reason, detail)
        with self._locked_site(name) as site:
            site.declared = condition
            if not site.offline:
                site.apply_condition(condition, self._clock(), self._next_revision())

    def set_aggregated_api(self, up: bool) -> None:
        """Simulate karmada-aggregated-apiserver being down (503 text/plain from kube-aggregator)."""
        if not isinstance(up, bool):
            raise SimConfigError("up", "must be a boolean")
        with self._lock:
            self._aggregated_up = up

    def set_ready_grace(self, seconds: float) -> None:
        """How long after going offline (or back online) the Ready condition follows."""
        value = check_number(seconds, "seconds", 0.0, 24 * 3600.0)
        with self._lock:
            self._grace = value

    def set_failures(self, name: str, /, **flags: bool) -> None:
        """Switch member/Karmada RBAC and readiness failure modes on or off; others keep their value."""
        for flag, value in flags.items():
            if flag not in FAILURE_FLAGS:
                raise SimConfigError(flag, f"unknown failure flag; use one of {list(FAILURE_FLAGS)}")
            if not isinstance(value, bool):
                raise SimConfigError(flag, "must be a boolean")
        with self._locked_site(name) as site:
            if flags.get("scrapes_stale") and not callable(getattr(site.backend, "set_scrape_lag", None)):
                raise SimConfigError("scrapes_stale", "needs a backend that can lag (the synthetic one)")
            for flag, value in flags.items():
                if value:
                    site.failures.add(flag)
                else:
                    site.failures.discard(flag)
            apply_scrape_lag(site)
            site.resource_version = self._next_revision()

    def set_backend(self, name: str, backend: PrometheusBackend | None) -> None:
        """Plug a Prometheus backend into a site (None = no endpoints); the old one is closed."""
        with self._locked_site(name) as site:
            old, site.backend = site.backend, backend
            apply_scrape_lag(site)
        if old is not None and old is not backend:
            old.close()

    def add_site(self, spec: SiteSpec) -> None:
        """Register a member (its backend, if a factory is set, is created outside the lock)."""
        with self._lock:
            if spec.name in self._sites:
                raise SiteExistsError(spec.name)
        backend = None
        if self._factory is not None:
            site_dir = self.site_dir(spec.name)
            site_dir.mkdir(parents=True, exist_ok=True)
            backend = self._factory(spec, site_dir)
        with self._lock:
            if spec.name in self._sites:
                if backend is not None:
                    backend.close()
                raise SiteExistsError(spec.name)
            site = create_site(spec, self._clock(), self._next_revision(), self.config.seed)
            site.backend = backend
            self._sites[spec.name] = site

    def remove_site(self, name: str) -> None:
        """Unregister a member and close its backend."""
        with self._lock:
            site = self._site(name)
            del self._sites[name]
            self._next_revision()
        if site.backend is not None:
            site.backend.close()

    # -- observation -----------------------------------------------------------------------------
    def site_names(self) -> list[str]:
        with self._lock:
            return sorted(self._sites)

    def counters(self) -> dict[str, Any]:
        """Cluster list/get calls and per-site proxied request counts by kind."""
        with self._lock:
            return {
                "cluster_list": self._list_calls,
                "cluster_get": self._get_calls,
                "sites": {name: site.counters.as_dict() for name, site in sorted(self._sites.items())},
            }

    def reset_counters(self) -> None:
        with self._lock:
            self._list_calls = self._get_calls = 0
            for site in self._sites.values():
                site.counters = type(site.counters)()

    def state(self) -> dict[str, Any]:
        """Every knob of every site (for `/_sim/state` and debugging)."""
        with self._lock:
            now = self._clock()
            sites: dict[str, Any] = {}
            for name, site in sorted(self._sites.items()):
                self._refresh(site, now)
                sites[name] = {
                    "sync_mode": site.spec.sync_mode,
                    "api_endpoint": site.spec.endpoint,
                    "offline": site.offline,
                    "latency_seconds": site.latency,
                    "error_rate": site.error_rate,
                    "ready": {
                        "status": site.condition.status,
                        "reason": site.condition.reason,
                        "message": site.condition.message,
                    },
                    "declared_ready": site.declared.status,
                    "taints": [t.key for t in site.taints],
                    "generation": site.generation,
                    "failures": sorted(site.failures),
                    "prometheus_service": f"{site.service.namespace}/{site.service.name}",
                    "prometheus_port": {"name": site.service.port_name, "port": site.service.port},
                    "has_backend": site.backend is not None,
                    "dcgm": site.spec.dcgm,
                    "nodes": [n.name for n in site.spec.node_infos()],
                }
            return {
                "aggregated_api": self._aggregated_up,
                "ready_grace_seconds": self._grace,
                "sites": sites,
            }

    def close(self) -> None:
        """Close every backend (idempotent)."""
        with self._lock:
            backends = [s.backend for s in self._sites.values() if s.backend is not None]
            for site in self._sites.values():
                site.backend = None
        for backend in backends:
            backend.close()
