"""Pure path helpers that mimic Go and apimachinery exactly (proxy path cleaning, service ids)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

RequestKind = Literal["service_proxy", "logs", "pods", "other"]

_VALID_SCHEMES = frozenset({"", "http", "https"})
_SERVICE_PROXY_RE = re.compile(r"^/api/v1/namespaces/([^/]+)/services/([^/]+)/proxy(/.*)?$")
_POD_LOG_RE = re.compile(r"^/api/v1/namespaces/[^/]+/pods/[^/]+/log/?$")
_PODS_RE = re.compile(r"^/api/v1/(namespaces/[^/]+/)?pods(/[^/]+)?/?$")


def clean_path(path: str) -> str:
    """Go's `path.Clean`: collapse `//`, drop `.`, resolve `..` (never above a rooted `/`)."""
    rooted = path.startswith("/")
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(segment)
    joined = "/".join(parts)
    if rooted:
        return "/" + joined
    return joined or "."


def clean_proxy_subpath(rest: str) -> str:
    """The member path Karmada dials for the part after `/proxy`.

    `path.Join` cleans it and drops a trailing `/`; the upgrade-aware handler then adds the
    trailing `/` back when the request had one. An empty rest stays empty (the 301 case).
    """
    if rest == "":
        return ""
    cleaned = clean_path("/" + rest)
    if rest.endswith("/") and not cleaned.endswith("/"):
        cleaned += "/"
    return cleaned


@dataclass(frozen=True)
class ServiceId:
    """A parsed `[scheme:]name[:port]` service-proxy id."""

    scheme: str
    name: str
    port: str


def split_service_id(raw_id: str) -> ServiceId | None:
    """apimachinery `SplitSchemeNamePort`: `name`, `name:port` or `scheme:name:port`; None if invalid."""
    parts = raw_id.split(":")
    if len(parts) == 1:
        scheme, name, port = "", parts[0], ""
    elif len(parts) == 2:
        scheme, name, port = "", parts[0], parts[1]
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        return None
    if not name or scheme not in _VALID_SCHEMES:
        return None
    return ServiceId(scheme=scheme, name=name, port=port)


@dataclass(frozen=True)
class ServiceProxyTarget:
    """The pieces of a member service-proxy path."""

    namespace: str
    service_id: str
    subpath: str


def match_service_proxy(member_path: str) -> ServiceProxyTarget | None:
    """Split `/api/v1/namespaces/{ns}/services/{id}/proxy{/path}`; None for any other path."""
    match = _SERVICE_PROXY_RE.match(member_path)
    if match is None:
        return None
    return ServiceProxyTarget(namespace=match[1], service_id=match[2], subpath=match[3] or "")


def classify_member_path(member_path: str) -> RequestKind:
    """Which counter a proxied request increments."""
    if _SERVICE_PROXY_RE.match(member_path):
        return "service_proxy"
    if _POD_LOG_RE.match(member_path):
        return "logs"
    if _PODS_RE.match(member_path):
        return "pods"
    return "other"
