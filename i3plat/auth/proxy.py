"""Addresses and trusted reverse proxies: where a request really comes from, and header sign-in.

The peer address is the TCP peer as the WSGI server saw it — the original one even when
werkzeug's ProxyFix rewrote `REMOTE_ADDR` — because only the peer can be checked against
`I3PLAT_TRUSTED_PROXIES`; `X-Forwarded-For` is believed only when that peer is trusted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from i3plat.auth.roles import Role, UnknownRole, parse_role

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HEADER_LENGTH = 4096


def peer_address(environ: Mapping[str, Any]) -> str:
    original = environ.get("werkzeug.proxy_fix.orig")
    if isinstance(original, Mapping) and original.get("REMOTE_ADDR"):
        return str(original["REMOTE_ADDR"])
    return str(environ.get("REMOTE_ADDR") or "")


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: str, networks: Iterable[Network]) -> bool:
    parsed = parse_address(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(peer: str, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The first address, from the right, that is not one of our proxies (the peer if untrusted)."""
    if not forwarded_for or not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for[:MAX_HEADER_LENGTH].split(",") if hop.strip()]
    for hop in reversed(hops):
        if parse_address(hop) is None:
            return peer  # a garbled chain: believe only what we saw ourselves
        if not is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def roles_from_header(value: str | None, group_roles: Mapping[str, str]) -> Role | None:
    """The highest role named by a comma/space separated header: role names or mapped groups."""
    if not value:
        return None
    found: list[Role] = []
    for item in value[:MAX_HEADER_LENGTH].replace(",", " ").split():
        name = group_roles.get(item, item)
        try:
            found.append(parse_role(name))
        except UnknownRole:
            continue
    return max(found) if found else None
