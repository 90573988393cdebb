"""The seam between the simulated member API servers and each site's Prometheus.

The simulator's service proxy hands a request for `monitoring/prometheus-k8s` to a
`PrometheusBackend`; whether that is a real Prometheus process or the built-in synthetic
source is invisible to the proxy (and so to the console).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BackendResponse:
    """What a backend answered, passed through the service proxy unchanged."""

    status: int
    content_type: str
    body: bytes


class PrometheusBackend(Protocol):
    """One site's Prometheus as the member's service proxy sees it."""

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str | None
    ) -> BackendResponse:
        """Answer one HTTP request; `path` starts with `/` (e.g. `/api/v1/query`)."""
        ...

    def close(self) -> None:
        """Release processes, threads and files this backend holds."""
        ...
