"""One doctor run's context: the clients, the time budget and what earlier checks learned.

Every request the doctor sends goes through `KarmadaClient.request` (or the service client it
lends) with an explicit timeout no longer than what is left of the run's budget, so a check never
hangs on a member Karmada cannot dial.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from i3plat.doctor.fixes import Where
from i3plat.karmada_client import Cluster, KarmadaClient, KarmadaError, ServiceRef, cluster_proxy_path
from i3plat.promql.client import PrometheusClient
from i3plat.promql.profiles import SiteProfile

SELF_SUBJECT_REVIEW_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
SKIPPED_GROUPS = frozenset({"system:authenticated", "system:unauthenticated"})
"""Karmada's proxy does not forward these (SkipGroup), so they need no RBAC subject."""
MIN_TIMEOUT = 1.0


@dataclass(frozen=True)
class Identity:
    """Who the Karmada API says the console is (SelfSubjectReview)."""

    username: str
    groups: tuple[str, ...]

    @property
    def subjects(self) -> tuple[str, ...]:
        """The RBAC subjects karmada-impersonator must be allowed to impersonate."""
        prefix = "system:serviceaccount:"
        if self.username.startswith(prefix) and self.username.count(":") == 3:
            namespace, name = self.username[len(prefix) :].split(":")
            user = f"ServiceAccount {namespace}/{name}"
        else:
            user = f"User {self.username}"
        return (user, *(f"Group {g}" for g in self.groups if g not in SKIPPED_GROUPS))


def parse_identity(body: Any) -> Identity | None:
    """`status.userInfo` of a SelfSubjectReview; None when the body has another shape."""
    info = ((body or {}).get("status") or {}).get("userInfo") if isinstance(body, Mapping) else None
    if not isinstance(info, Mapping) or not isinstance(info.get("username"), str):
        return None
    groups = info.get("groups") or []
    if not isinstance(groups, list):
        return None
    return Identity(info["username"], tuple(g for g in groups if isinstance(g, str)))


@dataclass
class Probe:
    """Mutable state of one site's run; not shared between threads."""

    site: str
    karmada: KarmadaClient
    service_setting: str
    service: ServiceRef
    profile_overrides: dict[str, Any]
    request_timeout: float
    deadline: float
    clock: Callable[[], float] = time.monotonic
    cluster: Cluster | None = None
    reached_member: bool = False
    profile: SiteProfile | None = None
    _identity: Identity | None = None
    _identity_asked: bool = False
    _http: httpx.Client | None = field(default=None, repr=False)
    _prometheus: PrometheusClient | None = field(default=None, repr=False)

    # ---------------------------------------------------------------- time

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def timeout(self) -> float:
        """The timeout for the next request: the per-request one, cut to the budget left."""
        return max(MIN_TIMEOUT, min(self.request_timeout, self.remaining()))

    # ---------------------------------------------------------------- requests

    def get(self, path: str, **kw: Any) -> httpx.Response:
        """A GET on the Karmada API (raises the client's typed errors)."""
        return self.karmada.request("GET", path, cluster=self.site, timeout=self.timeout(), **kw)

    def member_get(self, rest: str, **kw: Any) -> httpx.Response:
        """A GET on the member's API through the cluster proxy."""
        return self.get(cluster_proxy_path(self.site, rest), **kw)

    def service_request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """A request to the configured Prometheus service; the backend's own errors come back."""
        ref = self.service
        return self.karmada.service_proxy(
            self.site,
            ref.namespace,
            ref.name,
            method,
            path,
            scheme=ref.scheme,
            port=ref.port,
            timeout=self.timeout(),
            **kw,
        )

    def prometheus(self) -> PrometheusClient:
        """A Prometheus client over the service proxy, with the doctor's timeout (made once)."""
        if self._prometheus is None:
            ref = self.service
            seconds = self.timeout()
            self._http = self.karmada.service_client(
                self.site, ref.namespace, ref.name, scheme=ref.scheme, port=ref.port, timeout=seconds
            )
            self._prometheus = PrometheusClient(self._http, cluster=self.site, timeout=seconds)
        return self._prometheus

    def identity(self) -> Identity | None:
        """Who Karmada thinks the console is, asked once; None when the API cannot say."""
        if not self._identity_asked:
            self._identity_asked = True
            body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
            try:
                response = self.karmada.request(
                    "POST",
                    SELF_SUBJECT_REVIEW_PATH,
                    content=orjson.dumps(body),
                    headers={"Content-Type": "application/json"},
                    timeout=self.timeout(),
                )
                self._identity = parse_identity(response.json())
            except (KarmadaError, ValueError):
                self._identity = None
        return self._identity

    def where(self) -> Where:
        """The names fixes talk about, as far as this run knows them."""
        cluster = self.cluster
        identity = self._identity
        return Where(
            site=self.site,
            service_setting=self.service_setting,
            namespace=self.service.namespace,
            service=self.service.name,
            timeout=self.request_timeout,
            endpoint=cluster.api_endpoint if cluster else None,
            proxy_url=cluster.proxy_url if cluster else None,
            identity=f'"{identity.username}"' if identity else None,
            subjects=identity.subjects if identity else (),
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
            self._prometheus = None
