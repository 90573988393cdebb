"""Pure, validated builders of Karmada API paths.

Every name is validated *before* a path is built, so a hostile name (``../x``, ``a/b``, ``%2e%2e``,
``""``, 300 characters, white space, NUL, upper case ...) never reaches a request. The rules:

=====================================  ===================================================
field                                  rule
=====================================  ===================================================
cluster, pod, node (and any other)     DNS-1123 subdomain: <= 253, ``[a-z0-9]`` and ``-``
                                       inside dot-separated labels
namespace, service, container, port    DNS-1123 label: <= 63, ``[a-z0-9]`` and ``-`` inside
=====================================  ===================================================

A member API path (`rest`) handed to `cluster_proxy_path` must start with ``/`` and may not
contain ``.``/``..`` or empty segments (a trailing ``/`` is kept), ``?``, ``#``, ``%`` escapes,
white space or characters outside RFC 3986's ``pchar`` set: Karmada cleans the joined path
(`path.Join`), so a dot segment could walk out of the intended resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import InvalidName

__all__ = [
    "CLUSTER_API_PREFIX",
    "ServiceRef",
    "cluster_path",
    "cluster_proxy_path",
    "clusters_path",
    "namespace_list_path",
    "parse_service_ref",
    "pod_list_path",
    "pod_log_path",
    "service_id",
    "service_proxy_path",
    "validate_label",
    "validate_name",
    "validate_subdomain",
]

CLUSTER_API_PREFIX = "/apis/cluster.karmada.io/v1alpha1"

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile(_LABEL)
_SUBDOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_SEGMENT_RE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@]+")
_LABEL_FIELDS = frozenset({"namespace", "service", "container", "port"})
_SCHEMES = ("http", "https")


def _check_text(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidName(field, value, f"must be a string, not {type(value).__name__}")
    if value == "":
        raise InvalidName(field, value, "must not be empty")
    if len(value) > limit:
        raise InvalidName(field, value, f"is {len(value)} characters long (at most {limit})")
    return value


def _explain(value: str) -> str:
    if any(c in value for c in "/\\"):
        return "must not contain '/' or '\\'"
    if "%" in value:
        return "must not contain percent escapes"
    if ".." in value or value in (".",):
        return "must not be or contain a '.' or '..' path segment"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return "must not contain white space or control characters"
    if value != value.lower():
        return "must be lower case"
    return (
        "must consist of lower case letters, digits and '-' (and '.' in a subdomain), "
        "starting and ending with a letter or digit"
    )


def validate_label(field: str, value: str) -> str:
    """Return `value` if it is a DNS-1123 label (<= 63), else raise `InvalidName`."""
    _check_text(field, value, 63)
    if _LABEL_RE.fullmatch(value) is None:
        raise InvalidName(field, value, "is not a DNS-1123 label: " + _explain(value))
    return value


def validate_subdomain(field: str, value: str) -> str:
    """Return `value` if it is a DNS-1123 subdomain (<= 253), else raise `InvalidName`."""
    _check_text(field, value, 253)
    if _SUBDOMAIN_RE.fullmatch(value) is None:
        raise InvalidName(field, value, "is not a DNS-1123 subdomain: " + _explain(value))
    return value


def validate_name(field: str, value: str) -> str:
    """Validate a name that goes into a URL path, by the rule for `field` (module docstring).

    ``namespace``, ``service``, ``container`` and ``port`` are DNS-1123 labels; every other
    field (``cluster``, ``pod``, ``node`` ...) is a DNS-1123 subdomain. Returns `value`.
    """
    if field in _LABEL_FIELDS:
        return validate_label(field, value)
    return validate_subdomain(field, value)


def _validate_rest(rest: str, field: str = "path") -> str:
    _check_text(field, rest, 4096)
    if not rest.startswith("/"):
        raise InvalidName(field, rest, "must start with '/'")
    if rest == "/":
        return rest
    body = rest[1:-1] if rest.endswith("/") else rest[1:]
    for segment in body.split("/"):
        if segment == "":
            raise InvalidName(field, rest, "must not contain empty segments ('//')")
        if segment in (".", ".."):
            raise InvalidName(field, rest, "must not contain '.' or '..' segments")
        if _SEGMENT_RE.fullmatch(segment) is None:
            if "?" in segment or "#" in segment:
                reason = "must not contain '?' or '#' (pass query parameters separately)"
            elif "%" in segment:
                reason = "must not contain percent escapes"
            else:
                reason = "contains characters not allowed in a URL path segment"
            raise InvalidName(field, rest, reason)
    return rest


def clusters_path() -> str:
    """``/apis/cluster.karmada.io/v1alpha1/clusters``."""
    return f"{CLUSTER_API_PREFIX}/clusters"


def cluster_path(cluster: str) -> str:
    """``/apis/cluster.karmada.io/v1alpha1/clusters/{cluster}``."""
    return f"{clusters_path()}/{validate_name('cluster', cluster)}"


def cluster_proxy_path(cluster: str, rest: str) -> str:
    """``.../clusters/{cluster}/proxy{rest}``; `rest` is a member API path starting with ``/``."""
    prefix = f"{cluster_path(cluster)}/proxy"
    return prefix + _validate_rest(rest)


def _validate_port(port: str | int) -> str:
    if isinstance(port, bool):
        raise InvalidName("port", port, "must be a port number or name")
    if isinstance(port, int):
        if not 1 <= port <= 65535:
            raise InvalidName("port", port, "must be between 1 and 65535")
        return str(port)
    if isinstance(port, str) and port.isascii() and port.isdigit():
        if len(port) > 5 or not 1 <= int(port) <= 65535 or port.startswith("0"):
            raise InvalidName("port", port, "must be between 1 and 65535")
        return port
    return validate_label("port", port)


def _validate_scheme(scheme: str) -> str:
    if scheme not in _SCHEMES:
        raise InvalidName("scheme", scheme, "must be 'http' or 'https'")
    return scheme


def service_id(service: str, scheme: str | None = None, port: str | int | None = None) -> str:
    """The service-proxy id ``name``, ``name:port`` or ``scheme:name:port`` (k8s SplitSchemeNamePort).

    `service` may itself be such an id; `scheme`/`port` given as well must then agree with it.
    """
    if isinstance(service, str) and ":" in service:
        ref = _parse_id(service, "service")
        for label, given, parsed in (("scheme", scheme, ref[0]), ("port", port, ref[2])):
            if given is not None and parsed is not None and str(given) != parsed:
                raise InvalidName(label, given, f"conflicts with the service id {service!r}")
        scheme = scheme if scheme is not None else ref[0]
        port = port if port is not None else ref[2]
        service = ref[1]
    name = validate_label("service", service)
    if scheme is not None:
        return f"{_validate_scheme(scheme)}:{name}:{_validate_port(port) if port is not None else ''}"
    if port is not None:
        return f"{name}:{_validate_port(port)}"
    return name


def _parse_id(text: str, field: str) -> tuple[str | None, str, str | None]:
    parts = text.split(":")
    if len(parts) == 1:
        return None, parts[0], None
    if len(parts) == 2:
        return None, parts[0], parts[1] or None
    if len(parts) == 3:
        return _validate_scheme(parts[0]), parts[1], parts[2] or None
    raise InvalidName(field, text, "must be name, name:port or scheme:name:port")


def service_proxy_path(
    cluster: str,
    namespace: str,
    service: str,
    rest: str = "/",
    scheme: str | None = None,
    port: str | int | None = None,
) -> str:
    """``.../clusters/{c}/proxy/api/v1/namespaces/{ns}/services/{id}/proxy{rest}``."""
    sid = service_id(service, scheme, port)
    ns = validate_name("namespace", namespace)
    return cluster_proxy_path(cluster, f"/api/v1/namespaces/{ns}/services/{sid}/proxy") + _validate_rest(rest)


def namespace_list_path(cluster: str) -> str:
    """``.../clusters/{c}/proxy/api/v1/namespaces``."""
    return cluster_proxy_path(cluster, "/api/v1/namespaces")


def pod_list_path(cluster: str, namespace: str) -> str:
    """``.../clusters/{c}/proxy/api/v1/namespaces/{ns}/pods``."""
    ns = validate_name("namespace", namespace)
    return cluster_proxy_path(cluster, f"/api/v1/namespaces/{ns}/pods")


def pod_log_path(cluster: str, namespace: str, pod: str) -> str:
    """``.../clusters/{c}/proxy/api/v1/namespaces/{ns}/pods/{pod}/log``."""
    ns = validate_name("namespace", namespace)
    name = validate_name("pod", pod)
    return cluster_proxy_path(cluster, f"/api/v1/namespaces/{ns}/pods/{name}/log")


@dataclass(frozen=True)
class ServiceRef:
    """A service to reach through the service proxy, e.g. ``monitoring/prometheus-k8s:9090``.

    `port` is an int for a number, a str for a port name, None when not given.
    """

    namespace: str
    name: str
    port: int | str | None = None
    scheme: str | None = None

    def __post_init__(self) -> None:
        validate_name("namespace", self.namespace)
        validate_label("service", self.name)
        service_id(self.name, self.scheme, self.port)

    @property
    def id(self) -> str:
        """The service-proxy id (``name``, ``name:port`` or ``scheme:name:port``)."""
        return service_id(self.name, self.scheme, self.port)

    def __str__(self) -> str:
        return f"{self.namespace}/{self.id}"


def parse_service_ref(text: str) -> ServiceRef:
    """Parse ``namespace/[scheme:]name[:port]`` (the I3PLAT_PROMETHEUS_SERVICE format).

    Raises `InvalidName` naming the offending field (``service_ref``, ``namespace``, ``service``,
    ``scheme`` or ``port``).
    """
    _check_text("service_ref", text, 400)
    namespace, sep, sid = text.partition("/")
    if not sep or "/" in sid:
        raise InvalidName(
            "service_ref",
            text,
            "must look like namespace/name, namespace/name:port or namespace/scheme:name:port",
        )
    validate_name("namespace", namespace)
    scheme, name, port_text = _parse_id(sid, "service_ref")
    validate_label("service", name)
    port: int | str | None = None
    if port_text is not None:
        _validate_port(port_text)
        port = int(port_text) if port_text.isdigit() else port_text
    return ServiceRef(namespace=namespace, name=name, port=port, scheme=scheme)
