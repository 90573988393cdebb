"""Where a Cluster's `spec.apiEndpoint` points, judged from the central cloud's side (pure).

Karmada dials the endpoint from its own pod (reference karmada-api.md §1.4: the agent does not
tunnel), so loopback, unspecified, link-local and in-cluster service names reach nothing there;
private addresses work only over a routed network or through `spec.proxyURL` (ANP).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
"""Carrier-grade NAT (RFC 6598): not global, yet Python's `is_private` says False for it."""
CLUSTER_LOCAL_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")
CLUSTER_LOCAL_NAMES = frozenset({"kubernetes", "kubernetes.default"})


class EndpointKind(StrEnum):
    MISSING = "missing"
    INVALID = "invalid"
    LOOPBACK = "loopback"
    UNSPECIFIED = "unspecified"
    LINK_LOCAL = "link_local"
    CLUSTER_LOCAL = "cluster_local"
    """A name only the member's own cluster DNS resolves (``kubernetes.default.svc`` …)."""
    UNQUALIFIED = "unqualified"
    """A single-label host name (``master01``): resolvable only where a search domain helps."""
    PRIVATE = "private"
    PUBLIC = "public"
    HOSTNAME = "hostname"


UNREACHABLE_KINDS = frozenset(
    {EndpointKind.LOOPBACK, EndpointKind.UNSPECIFIED, EndpointKind.LINK_LOCAL, EndpointKind.CLUSTER_LOCAL}
)
"""Kinds the Karmada control plane can never dial directly."""


@dataclass(frozen=True)
class EndpointInfo:
    kind: EndpointKind
    url: str | None
    host: str | None = None


def classify_host(host: str) -> EndpointKind:
    """The kind of a bare host (an IP literal without brackets, or a DNS name)."""
    name = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if name == "localhost" or name.endswith(".localhost"):
            return EndpointKind.LOOPBACK
        if name in CLUSTER_LOCAL_NAMES or name.endswith(CLUSTER_LOCAL_SUFFIXES):
            return EndpointKind.CLUSTER_LOCAL
        return EndpointKind.HOSTNAME if "." in name else EndpointKind.UNQUALIFIED
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return EndpointKind.LOOPBACK
    if address.is_unspecified:
        return EndpointKind.UNSPECIFIED
    if address.is_link_local:
        return EndpointKind.LINK_LOCAL
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE):
        return EndpointKind.PRIVATE
    return EndpointKind.PUBLIC


def classify_endpoint(url: str | None) -> EndpointInfo:
    """Classify an apiEndpoint URL; anything that is not an http(s) URL with a host is INVALID."""
    if url is None or not url.strip():
        return EndpointInfo(EndpointKind.MISSING, url)
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port outside 0..65535 or not a number
    except ValueError:
        return EndpointInfo(EndpointKind.INVALID, url)
    if parts.scheme not in ("https", "http") or not host:
        return EndpointInfo(EndpointKind.INVALID, url, host)
    return EndpointInfo(classify_host(host), url, host)
