"""Helpers shared by the federation simulator's integration tests (unique module name on purpose)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import orjson

from i3plat.federation_sim import BackendResponse, RunningFederation

CLUSTERS = "/apis/cluster.karmada.io/v1alpha1/clusters"


@dataclass
class EchoBackend:
    """A fake PrometheusBackend that records every call and answers a fixed vector echoing the query."""

    calls: list[tuple[str, str, str, bytes, str | None]] = field(default_factory=list)
    closed: bool = False
    raise_os_error: bool = False

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str | None
    ) -> BackendResponse:
        self.calls.append((method, path, query_string, body, content_type))
        if self.raise_os_error:
            raise ConnectionRefusedError("refused")
        if path == "/api/v1/query":
            result = {"metric": {"__name__": "up", "job": "node"}, "value": [1700000000, "1"]}
            payload = {
                "status": "success",
                "data": {"resultType": "vector", "result": [result]},
                "echo": query_string,
            }
            return BackendResponse(200, "application/json", orjson.dumps(payload))
        if path == "/teapot":
            return BackendResponse(418, "text/x-tea; charset=latin-1", b"\xffshort and stout")
        return BackendResponse(404, "text/plain; charset=utf-8", b"404 page not found\n")

    def close(self) -> None:
        self.closed = True


@dataclass(frozen=True)
class SiteHandle:
    """A per-test site and the fake backend plugged into it."""

    name: str
    backend: EchoBackend


def trust(fed: RunningFederation) -> ssl.SSLContext:
    """A client TLS context that trusts only the simulator's CA."""
    return ssl.create_default_context(cafile=str(fed.ca_file))


def proxy(site: str, rest: str = "") -> str:
    """The cluster-proxy URL path of a site."""
    return f"{CLUSTERS}/{site}/proxy{rest}"
