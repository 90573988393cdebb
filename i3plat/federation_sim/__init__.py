"""A faithful simulator of a Karmada federation (reference/karmada-api.md): demo default and test fixture.

`start_federation(config, backend_factory)` serves, over HTTPS on loopback with its own CA
(`ca.crt` in the data dir) and a bearer token, the aggregated Cluster API
(`/apis/cluster.karmada.io/v1alpha1/clusters[/{name}]`), the cluster proxy
(`…/clusters/{name}/proxy/{path}`) to simulated member API servers (namespaces, nodes, pods,
pod logs, and the service proxy to each site's `PrometheusBackend`), core/v1 Secrets of the control
plane (`/api/v1/namespaces/{ns}/secrets`, read back with `secret_store(federation)`), plus minimal
discovery.

Fault injection is offered both as methods of `RunningFederation` and as the `/_sim/` control API
(same token): `GET state|counters`, `POST counters/reset`, `POST aggregated-api {"up"}`,
`POST ready-grace {"seconds"}`, `POST sites` (a SiteSpec as JSON), `DELETE sites/{site}`,
`POST sites/{site}/offline|online|latency {"seconds"}|error-rate {"rate"}|ready {"status","reason"}
|failures {flag: bool}` (flags in `FAILURE_FLAGS`).

Semantics worth knowing:
- Counters: every authenticated request whose URL names a registered site's proxy counts once
  (total and one of service_proxy/pods/logs/other), whatever its outcome.
- Offline sites fail every proxied request at once with the 500 dial error; the Ready condition
  follows after `ready_grace_seconds` (default 0), summaries stay stale.
- Backends made by the factory belong to the federation and are closed on stop/remove/replace;
  `handle()` is called concurrently from request threads, outside any simulator lock.
"""

from __future__ import annotations

from ._backend import BackendResponse, PrometheusBackend
from ._cli import run_simulator_forever
from ._errors import SimConfigError, SimError, SiteExistsError, UnknownSiteError
from ._lifecycle import RunningFederation, start_federation, write_kubeconfig
from ._secrets import SecretStore, secret_store
from ._site import FAILURE_FLAGS
from ._spec import FederationConfig, NodeInfo, ServiceRef, SiteSpec, demo_sites, site_spec_from_dict
from ._state import BackendFactory, Federation

__all__ = [
    "FAILURE_FLAGS",
    "BackendFactory",
    "BackendResponse",
    "Federation",
    "FederationConfig",
    "NodeInfo",
    "PrometheusBackend",
    "RunningFederation",
    "SecretStore",
    "ServiceRef",
    "SimConfigError",
    "SimError",
    "SiteExistsError",
    "SiteSpec",
    "UnknownSiteError",
    "demo_sites",
    "run_simulator_forever",
    "secret_store",
    "site_spec_from_dict",
    "start_federation",
    "write_kubeconfig",
]
