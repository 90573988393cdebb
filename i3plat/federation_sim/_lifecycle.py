"""Start/stop a simulated federation and write a kubeconfig for it."""

from __future__ import annotations

import http.client
import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from ._app import SimulatorApp
from ._backend import PrometheusBackend
from ._server import SimHTTPSServer
from ._spec import FederationConfig, SiteSpec
from ._state import BackendFactory, Federation
from ._tls import build_server_context, generate_tls, write_private

READY_TIMEOUT = 10.0


def write_kubeconfig(
    path: Path, server_url: str, ca_file: Path, token: str, context_name: str = "karmada-sim"
) -> Path:
    """A standard kubeconfig (mode 0600: it holds the token) whose CA is the simulator's `ca.crt`."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": context_name,
                "cluster": {"server": server_url, "certificate-authority": str(Path(ca_file).resolve())},
            }
        ],
        "users": [{"name": context_name, "user": {"token": token}}],
        "contexts": [{"name": context_name, "context": {"cluster": context_name, "user": context_name}}],
        "current-context": context_name,
        "preferences": {},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, yaml.safe_dump(config, sort_keys=False).encode())
    return path


def format_url(host: str, port: int) -> str:
    """`https://host:port`, bracketing IPv6 literals."""
    shown = f"[{host}]" if ":" in host else host
    return f"https://{shown}:{port}"


def wait_until_serving(host: str, port: int, ca_file: Path, timeout: float = READY_TIMEOUT) -> None:
    """Poll `/healthz` over verified TLS until it answers 200 (or raise TimeoutError)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        connection = http.client.HTTPSConnection(host, port, context=context, timeout=2.0)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError as error:
            last_error = error
        finally:
            connection.close()
        time.sleep(0.02)
    raise TimeoutError(f"simulator on {host}:{port} did not become ready: {last_error}")


@dataclass
class RunningFederation:
    """A started simulator: where it listens, how to trust and authenticate, and its fault knobs."""

    url: str
    ca_file: Path
    token: str
    kubeconfig_path: Path
    data_dir: Path
    federation: Federation
    _server: SimHTTPSServer = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        """Stop serving and close every backend (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.stop()
        self.federation.close()

    def __enter__(self) -> RunningFederation:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # Fault injection and observation, mirroring the /_sim/ control API.
    def set_offline(self, site: str, offline: bool = True) -> None:
        self.federation.set_offline(site, offline)

    def set_latency(self, site: str, seconds: float) -> None:
        self.federation.set_latency(site, seconds)

    def set_error_rate(self, site: str, rate: float) -> None:
        self.federation.set_error_rate(site, rate)

    def set_ready(self, site: str, status: str, reason: str | None = None) -> None:
        self.federation.set_ready(site, status, reason)

    def set_aggregated_api(self, up: bool) -> None:
        self.federation.set_aggregated_api(up)

    def set_ready_grace(self, seconds: float) -> None:
        self.federation.set_ready_grace(seconds)

    def add_site(self, spec: SiteSpec) -> None:
        self.federation.add_site(spec)

    def remove_site(self, name: str) -> None:
        self.federation.remove_site(name)

    def set_failures(self, site: str, /, **flags: bool) -> None:
        self.federation.set_failures(site, **flags)

    def set_backend(self, site: str, backend: PrometheusBackend | None) -> None:
        self.federation.set_backend(site, backend)

    def counters(self) -> dict[str, Any]:
        return self.federation.counters()

    def reset_counters(self) -> None:
        self.federation.reset_counters()

    def state(self) -> dict[str, Any]:
        return self.federation.state()


def start_federation(
    config: FederationConfig,
    backend_factory: Callable[[SiteSpec, Path], PrometheusBackend | None] | None = None,
) -> RunningFederation:
    """Generate TLS material, build the sites (and their backends), serve HTTPS in a background thread.

    Returns once `/healthz` answers over verified TLS. Backends created by the factory are owned
    by the federation and closed by `stop()`.
    """
    data_dir = Path(config.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    token = config.token or secrets.token_urlsafe(32)
    tls = generate_tls(data_dir, [config.host])
    factory: BackendFactory | None = backend_factory
    federation = Federation(config, factory)
    app = SimulatorApp(federation, token)
    try:
        server = SimHTTPSServer(config.host, config.port, app, build_server_context(tls))
    except BaseException:
        federation.close()
        raise
    url = format_url(config.host, server.port)
    app.server_address = url.removeprefix("https://")
    server.start_background()
    running = RunningFederation(
        url=url,
        ca_file=tls.ca_cert,
        token=token,
        kubeconfig_path=write_kubeconfig(data_dir / "kubeconfig", url, tls.ca_cert, token),
        data_dir=data_dir,
        federation=federation,
        _server=server,
    )
    try:
        wait_until_serving(config.host, server.port, tls.ca_cert)
    except BaseException:
        running.stop()
        raise
    return running
