"""The collector's only way to a site: one Karmada client, one SitePrometheus per site.

Both the poller and on-demand queries go through here, so a site's labelling profile is
detected once (then read back from what the poller stored) and every request shares the same
connection pool and timeouts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from i3plat.karmada_client import KarmadaClient, parse_service_ref
from i3plat.promql.catalog import Catalog, default_catalog
from i3plat.promql.client import PrometheusClient
from i3plat.promql.profiles import SiteProfile
from i3plat.promql.site import SitePrometheus
from i3plat.settings import Settings


class SiteAccess:
    """Lazily built, shared clients; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        karmada_factory: Callable[[], KarmadaClient],
        catalog: Catalog | None = None,
        *,
        known_profile: Callable[[str], dict[str, Any] | None] | None = None,
    ) -> None:
        """`known_profile`: a site's profile as the poller stored it, so web workers and restarts
        reuse it instead of asking the site again (detection costs several queries per process)."""
        self.settings = settings
        self.catalog = catalog or default_catalog()
        self._known_profile = known_profile
        self._karmada_factory = karmada_factory
        self._karmada: KarmadaClient | None = None
        self._sites: dict[str, SitePrometheus] = {}
        self._lock = threading.Lock()

    @property
    def karmada(self) -> KarmadaClient:
        with self._lock:
            if self._karmada is None:
                self._karmada = self._karmada_factory()
            return self._karmada

    def prometheus(self, site: str, *, detect: bool = False) -> SitePrometheus:
        """The site's query path through Karmada's cluster proxy and the member's service proxy.

        `detect`: start over without the stored profile (the poller does, once per process, so a
        site whose Prometheus changed is detected again after a restart).
        """
        karmada = self.karmada
        with self._lock:
            existing = self._sites.get(site)
            if existing is not None and not detect:
                return existing
            ref = parse_service_ref(self.settings.prometheus_service_for(site))
            http = karmada.service_client(site, ref.namespace, ref.name, scheme=ref.scheme, port=ref.port)
            client = PrometheusClient(http, cluster=site, timeout=self.settings.request_timeout)
            created = SitePrometheus(
                client,
                catalog=self.catalog,
                profile=None if detect else self._stored_profile(site),
                profile_overrides=self.settings.profile_overrides_for(site),
            )
            self._sites[site] = created
            return created

    def _stored_profile(self, site: str) -> SiteProfile | None:
        stored = self._known_profile(site) if self._known_profile else None
        if not stored:
            return None
        try:
            return SiteProfile(**stored).with_overrides(self.settings.profile_overrides_for(site))
        except (TypeError, ValueError):  # written by another version: detect again
            return None

    def forget(self, site: str) -> None:
        """Drop a site's cached profile (it left the fleet, or its Prometheus changed)."""
        with self._lock:
            self._sites.pop(site, None)

    def close(self) -> None:
        with self._lock:
            if self._karmada is not None:
                self._karmada.close()
                self._karmada = None
            self._sites.clear()
