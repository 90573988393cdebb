"""Checks of what an administrator types to register a site (used by `bootstrap`).

Every check returns `Problem`s (refusals, each naming its field) or `EndpointWarning`s (accepted,
but likely to fail later, e.g. a loopback endpoint the control plane cannot dial: Karmada issue
#5052). Nothing here sends a request; DNS resolution goes through an injectable `Resolver`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from ._errors import InvalidName
from ._paths import validate_label

__all__ = [
    "CLUSTER_NAME_MAX",
    "MAX_TTL_HOURS",
    "MIN_TTL_HOURS",
    "SYNC_MODES",
    "EndpointWarning",
    "Problem",
    "Resolver",
    "check_api_endpoint",
    "check_karmada_address",
    "check_proxy_url",
    "check_site_name",
    "check_sync_mode",
    "check_ttl_hours",
    "normalise_karmada_address",
    "resolve_host",
]

CLUSTER_NAME_MAX = 48
"""Karmada's `ValidateClusterName`: a DNS-1123 label of at most 48 characters, so that the execution
namespace ``karmada-es-<name>`` stays a valid name."""
SYNC_MODES = ("Pull", "Push")
MIN_TTL_HOURS = 1
MAX_TTL_HOURS = 168
MAX_URL_LENGTH = 2048
PROXY_SCHEMES = ("http", "https", "socks5")
IN_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")
IN_CLUSTER_NAMES = ("kubernetes", "kubernetes.default")

# RFC 3986 unreserved characters plus the delimiters a host:port/path URL needs. Anything else
# (quotes, spaces, '&', '%' ...) would have to be escaped in the shell commands we print.
_URL_CHARS_RE = re.compile(r"[A-Za-z0-9\-._~:/\[\]]+")
_HOST_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")

Resolver = Callable[[str], Sequence[str]]
"""Host name → its addresses (empty, or an OSError, when it does not resolve)."""


@dataclass(frozen=True)
class Problem:
    """One refused input: `field` (form field name), a short `code`, the `value` and an English
    `message` that names the field."""

    field: str
    code: str
    value: str
    message: str


@dataclass(frozen=True)
class EndpointWarning:
    """Accepted input that will probably not work from the central cloud; `code` is one of
    ``loopback``, ``link_local``, ``unspecified``, ``in_cluster_name``, ``unresolvable``."""

    field: str
    code: str
    host: str
    message: str
    address: str = ""
    """The address `host` resolved to, when the warning is about that address."""


def resolve_host(host: str, timeout: float = 2.0) -> list[str]:
    """The addresses `host` resolves to from this process ([] when it does not resolve in time)."""
    found: list[str] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        found.extend(str(info[4][0]) for info in infos)

    worker = threading.Thread(target=lookup, name=f"resolve-{host[:40]}", daemon=True)
    worker.start()
    worker.join(timeout)
    return list(dict.fromkeys(found)) if not worker.is_alive() else []


def check_site_name(value: object) -> list[Problem]:
    """A Karmada cluster name: a DNS-1123 label of at most 48 characters."""
    text = value if isinstance(value, str) else ""
    if not text:
        return [Problem("site", "required", text, "site name is required")]
    if len(text) > CLUSTER_NAME_MAX:
        return [
            Problem(
                "site",
                "too_long",
                text,
                f"site name {text!r} is {len(text)} characters long "
                f"(Karmada allows at most {CLUSTER_NAME_MAX})",
            )
        ]
    try:
        validate_label("site", text)
    except InvalidName as exc:
        return [Problem("site", "not_dns_label", text, f"site name {text!r}: {exc.reason}")]
    return []


def check_sync_mode(value: object) -> list[Problem]:
    if value in SYNC_MODES:
        return []
    return [Problem("sync_mode", "choice", str(value), f"sync mode {value!r} must be Pull or Push")]


def check_ttl_hours(value: object) -> list[Problem]:
    ok = isinstance(value, int) and not isinstance(value, bool) and MIN_TTL_HOURS <= value <= MAX_TTL_HOURS
    if ok:
        return []
    return [
        Problem(
            "ttl_hours",
            "range",
            str(value),
            f"token lifetime {value!r} must be a whole number of hours "
            f"from {MIN_TTL_HOURS} to {MAX_TTL_HOURS}",
        )
    ]


def _split(text: str, schemes: tuple[str, ...]) -> tuple[SplitResult | None, tuple[str, str]]:
    """Parse a URL; refuse what Karmada refuses (ValidateClusterAPIEndpoint) and what could not be
    pasted into a shell command unquoted. Returns (parts, ("", "")) or (None, (code, why))."""
    if not text:
        return None, ("required", "is required")
    if len(text) > MAX_URL_LENGTH:
        return None, ("too_long", f"is longer than {MAX_URL_LENGTH} characters")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in schemes:
        return None, ("scheme", "must start with " + " or ".join(f"{s}://" for s in schemes))
    for char, code, what in (("@", "userinfo", "a user name or password"), ("?", "query", "a query ('?')"),
                             ("#", "fragment", "a fragment ('#')")):  # fmt: skip
        if char in text:
            return None, (code, f"must not contain {what}")
    if _URL_CHARS_RE.fullmatch(text) is None:
        return None, ("characters", "contains spaces or characters that are not allowed here")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return None, ("bad_url", f"is not a valid URL ({exc})")
    host = parts.hostname or ""
    if not host:
        return None, ("no_host", "must name a host")
    if port is not None and not 1 <= port <= 65535:
        return None, ("port", "has a port outside 1-65535")
    if not _is_ip(host) and not all(_HOST_LABEL_RE.fullmatch(label) for label in host.rstrip(".").split(".")):
        return None, ("host", f"has an invalid host name {host!r}")
    return parts, ("", "")


def _problem(field: str, label: str, text: str, refusal: tuple[str, str]) -> Problem:
    code, why = refusal
    return Problem(field, code, text, f"{label} {text!r} {why}" if text else f"{label} {why}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _address_warning(field: str, host: str, address: str) -> EndpointWarning | None:
    """Warn about addresses only this machine (or this link) can reach."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    via = "" if address == host else f" (it resolves to {address})"
    shown = "" if address == host else address
    if ip.is_loopback:
        why = f"{host} is a loopback address{via}: the control plane would dial itself"
        return EndpointWarning(field, "loopback", host, why, shown)
    if ip.is_link_local:
        why = f"{host} is a link-local address{via}: it is not routed to the control plane"
        return EndpointWarning(field, "link_local", host, why, shown)
    if ip.is_unspecified:
        return EndpointWarning(field, "unspecified", host, f"{host} is the unspecified address{via}", shown)
    return None


def _host_warnings(field: str, host: str, resolve: Resolver | None) -> list[EndpointWarning]:
    if _is_ip(host):
        found = _address_warning(field, host, host)
        return [found] if found else []
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return [
            EndpointWarning(
                field, "loopback", host, f"{host} is this machine: the control plane would dial itself"
            )
        ]
    if name in IN_CLUSTER_NAMES or name.endswith(IN_CLUSTER_SUFFIXES):
        return [
            EndpointWarning(
                field,
                "in_cluster_name",
                host,
                f"{host} is a name inside a Kubernetes cluster: from the central cloud it is unknown "
                "or names another cluster",
            )
        ]
    if resolve is None:
        return []
    try:
        addresses = list(resolve(host))
    except OSError:
        addresses = []
    if not addresses:
        return [
            EndpointWarning(
                field, "unresolvable", host, f"{host} does not resolve from the central cloud (DNS)"
            )
        ]
    warnings = [w for w in (_address_warning(field, host, a) for a in addresses) if w is not None]
    return warnings[:1]


def check_api_endpoint(
    value: object, resolve: Resolver | None
) -> tuple[list[Problem], list[EndpointWarning]]:
    """The member API endpoint as the control plane will dial it: an https:// URL with a host.
    With `resolve` None, host names are not looked up (no ``unresolvable`` warning)."""
    text = value.strip() if isinstance(value, str) else ""
    parts, refusal = _split(text, ("https",))
    if parts is None:
        return [_problem("api_endpoint", "member API endpoint", text, refusal)], []
    return [], _host_warnings("api_endpoint", parts.hostname or "", resolve)


def check_proxy_url(value: object) -> list[Problem]:
    """Optional proxy between the control plane and the member (ANP http-connect, or socks5)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return []
    parts, refusal = _split(text, PROXY_SCHEMES)
    return [] if parts is not None else [_problem("proxy_url", "proxy URL", text, refusal)]


def normalise_karmada_address(value: object) -> str:
    """``host[:port]``: surrounding blanks, an ``https://`` prefix and a trailing ``/`` dropped."""
    text = value.strip() if isinstance(value, str) else ""
    if text.lower().startswith("https://"):
        text = text[len("https://") :]
    return text.rstrip("/")


def check_karmada_address(value: object) -> list[Problem]:
    """``host[:port]`` of the Karmada API server as the site reaches it (`karmadactl register` arg)."""
    text = normalise_karmada_address(value)
    parts, refusal = _split("https://" + text if text else "", ("https",))
    if parts is not None and parts.path:
        parts, refusal = None, ("path", "must be host or host:port, without a path")
    if parts is None:
        return [_problem("karmada_address", "Karmada API address", text, refusal)]
    return []
