"""Connection settings for the Karmada API: kubeconfig files and in-cluster service accounts.

The kubeconfig is parsed here with PyYAML rather than by a Kubernetes library: lightkube 1.0.x
imports ``httpx2`` (not httpx 0.28) and pulls lightkube-models; the official ``kubernetes``
client pulls urllib3, google-auth, websocket-client and more; kr8s is async-first with its own
stack. The format is small and only the fields below matter.

Supported (relative paths are resolved against the kubeconfig's directory, like client-go):

- cluster: ``server`` (a path prefix is kept), ``certificate-authority``,
  ``certificate-authority-data`` (wins over the file), ``insecure-skip-tls-verify``,
  ``tls-server-name``, ``proxy-url`` (http/https; socks5 when ``socksio`` is installed);
- user: ``token``, ``tokenFile`` (re-read while running; wins over ``token``, which stays the
  fallback), ``client-certificate``/``client-key`` and their ``-data`` forms (data wins).

Refused with `ConfigError` naming the key: ``exec``, ``auth-provider``, ``username``/``password``
and the impersonation keys ``as``, ``as-groups``, ``as-uid``, ``as-user-extra``.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from ._errors import ConfigError

__all__ = [
    "INCLUSTER_ROOT",
    "ClientConfig",
    "load_config",
    "load_incluster_config",
    "load_kubeconfig",
]

INCLUSTER_ROOT = "/var/run/secrets/kubernetes.io/serviceaccount"

_UNSUPPORTED_USER_KEYS = {
    "exec": "exec credential plugins",
    "auth-provider": "auth-provider plugins",
    "username": "basic authentication (removed from Kubernetes API servers in 1.19)",
    "password": "basic authentication (removed from Kubernetes API servers in 1.19)",
    "as": "impersonation",
    "as-groups": "impersonation",
    "as-uid": "impersonation",
    "as-user-extra": "impersonation",
}


@dataclass(frozen=True, repr=False)
class ClientConfig:
    """Everything needed to reach and authenticate to the Karmada API server.

    `client_cert` holds (certificate, key) *paths*; inline kubeconfig data goes to
    `client_cert_data` (PEM bytes) and is loaded into the SSL context without being left on disk.
    `repr()` never shows the token or key material.
    """

    server: str
    ca_file: str | None = None
    ca_data: bytes | None = None
    token: str | None = None
    token_file: str | None = None
    client_cert: tuple[str, str] | None = None
    insecure_skip_tls_verify: bool = False
    proxy_url: str | None = None
    context_name: str | None = None
    client_cert_data: tuple[bytes, bytes] | None = None
    tls_server_name: str | None = None
    source: str | None = None
    """Where this came from: the kubeconfig path, or ``"in-cluster"``."""

    def __post_init__(self) -> None:
        _check_url("server", self.server, ("https", "http"))
        if self.proxy_url is not None:
            _check_url("proxy-url", self.proxy_url, ("http", "https", "socks5", "socks5h"))
        if self.client_cert is not None and self.client_cert_data is not None:
            raise ConfigError("give client_cert (paths) or client_cert_data, not both")
        if self.insecure_skip_tls_verify and (self.ca_file or self.ca_data):
            raise ConfigError(
                "insecure-skip-tls-verify cannot be combined with certificate-authority(-data)",
                remedy="remove one of them from the kubeconfig (client-go refuses this too)",
            )

    def __repr__(self) -> str:
        shown = {
            "server": self.server,
            "context_name": self.context_name,
            "source": self.source,
            "ca_file": self.ca_file,
            "ca_data": "<set>" if self.ca_data else None,
            "token": "<redacted>" if self.token else None,
            "token_file": self.token_file,
            "client_cert": self.client_cert,
            "client_cert_data": "<set>" if self.client_cert_data else None,
            "insecure_skip_tls_verify": self.insecure_skip_tls_verify or None,
            "proxy_url": self.proxy_url,
            "tls_server_name": self.tls_server_name,
        }
        inner = ", ".join(f"{k}={v!r}" for k, v in shown.items() if v is not None)
        return f"ClientConfig({inner})"


def _check_url(key: str, value: object, schemes: tuple[str, ...]) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key} is missing or not a string")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ConfigError(f"{key} {value!r} is not a valid URL: {exc}") from None
    if url.scheme not in schemes or not url.host:
        raise ConfigError(f"{key} {value!r} must be a {'/'.join(schemes)} URL with a host")
    if url.query or url.fragment:
        raise ConfigError(f"{key} {value!r} must not have a query or fragment")
    if url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ConfigError(
            f"{key} {value!r} is a SOCKS proxy, which needs the socksio package",
            remedy="install httpx[socks], or use an HTTP(S) proxy",
        )


# --------------------------------------------------------------------------------------------
# kubeconfig


def default_kubeconfig_path(env: Mapping[str, str] | None = None) -> tuple[Path | None, bool]:
    """The kubeconfig to use and whether $KUBECONFIG named it: the first existing file of
    $KUBECONFIG's ':'-list (the first entry when none exists), else ``~/.kube/config``."""
    env = os.environ if env is None else env
    listed = [p for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        for entry in listed:
            if Path(entry).expanduser().is_file():
                return Path(entry).expanduser(), True
        return Path(listed[0]).expanduser(), True
    home = Path(env.get("HOME") or Path.home()) / ".kube" / "config"
    return home, False


def _named(doc: Mapping[str, Any], section: str, name: str, inner: str, path: Path) -> Mapping[str, Any]:
    entries = doc.get(section) or []
    if not isinstance(entries, list):
        raise ConfigError(f"kubeconfig {path}: '{section}' must be a list")
    names = []
    for entry in entries:
        if isinstance(entry, Mapping):
            names.append(str(entry.get("name")))
            if entry.get("name") == name:
                body = entry.get(inner) or {}
                if not isinstance(body, Mapping):
                    raise ConfigError(f"kubeconfig {path}: {section}[{name}].{inner} must be a mapping")
                return body
    raise ConfigError(
        f"kubeconfig {path}: no {inner} named {name!r} in '{section}'",
        remedy=f"known: {', '.join(names) or 'none'}",
    )


def _resolve(base: Path, value: object, key: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}.{key} must be a non-empty string")
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = Path(os.path.normpath(base / p))
    if not p.is_file():
        raise ConfigError(f"{where}.{key}: file {str(p)!r} does not exist or is not a file")
    return str(p)


def _b64(value: object, key: str, where: str) -> bytes:
    if not isinstance(value, str | bytes) or not value:
        raise ConfigError(f"{where}.{key} must be a non-empty base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}.{key} is not valid base64") from None


def _flag(value: object, key: str, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key} must be true or false, not {value!r}")
    return value


def load_kubeconfig(path: str | os.PathLike[str] | None = None, context: str | None = None) -> ClientConfig:
    """Read a kubeconfig: `path`, else $KUBECONFIG (first file of a ':'-list), else ~/.kube/config.

    Uses `context`, else the file's current-context. Raises `ConfigError` for a missing file or
    context and for unsupported authentication (naming it).
    """
    file = Path(path).expanduser() if path is not None else default_kubeconfig_path()[0]
    assert file is not None
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read kubeconfig {str(file)!r}: {exc.strerror or exc}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"kubeconfig {file} is not valid YAML: {exc}") from None
    if not isinstance(doc, Mapping):
        raise ConfigError(f"kubeconfig {file} is not a mapping")
    base = file.absolute().parent  # like client-go: the directory the file is named in

    ctx_name = context or doc.get("current-context")
    if not ctx_name:
        names = [str(c.get("name")) for c in doc.get("contexts") or [] if isinstance(c, Mapping)]
        raise ConfigError(
            f"kubeconfig {file} has no current-context",
            remedy=f"pass a context name (known: {', '.join(names) or 'none'})",
        )
    if not isinstance(ctx_name, str):
        raise ConfigError(f"kubeconfig {file}: current-context must be a string")
    ctx = _named(doc, "contexts", ctx_name, "context", file)
    cluster_name = ctx.get("cluster")
    if not isinstance(cluster_name, str) or not cluster_name:
        raise ConfigError(f"kubeconfig {file}: context {ctx_name!r} names no cluster")
    cluster = _named(doc, "clusters", cluster_name, "cluster", file)
    user_name = ctx.get("user")
    user: Mapping[str, Any] = {}
    if user_name:
        user = _named(doc, "users", str(user_name), "user", file)

    cw = f"clusters[{cluster_name}]"
    uw = f"users[{user_name}]"
    for key, what in _UNSUPPORTED_USER_KEYS.items():
        if user.get(key) not in (None, "", [], {}):
            raise ConfigError(
                f"kubeconfig {file}: {uw}.{key} ({what}) is not supported",
                remedy="use a token, tokenFile or client certificate for the console's "
                "identity (e.g. a ServiceAccount token)",
            )

    server = cluster.get("server")
    if not isinstance(server, str) or not server:
        raise ConfigError(f"kubeconfig {file}: {cw}.server is missing")
    ca_data = None
    ca_file = None
    if cluster.get("certificate-authority-data"):
        ca_data = _b64(cluster["certificate-authority-data"], "certificate-authority-data", cw)
    elif cluster.get("certificate-authority"):
        ca_file = _resolve(base, cluster["certificate-authority"], "certificate-authority", cw)

    token = user.get("token") or None
    if token is not None and not isinstance(token, str):
        raise ConfigError(f"{uw}.token must be a string")
    token_file = None
    if user.get("tokenFile"):
        token_file = _resolve(base, user["tokenFile"], "tokenFile", uw)

    client_cert = None
    client_cert_data = None
    cert_data = user.get("client-certificate-data")
    key_data = user.get("client-key-data")
    cert_path = user.get("client-certificate")
    key_path = user.get("client-key")
    has_cert = bool(cert_data or cert_path)
    has_key = bool(key_data or key_path)
    if has_cert != has_key:
        raise ConfigError(
            f"kubeconfig {file}: {uw} has a client certificate without a key or a key without a certificate"
        )
    if has_cert:
        if cert_data or key_data:
            cert_bytes = (
                _b64(cert_data, "client-certificate-data", uw)
                if cert_data
                else Path(_resolve(base, cert_path, "client-certificate", uw)).read_bytes()
            )
            key_bytes = (
                _b64(key_data, "client-key-data", uw)
                if key_data
                else Path(_resolve(base, key_path, "client-key", uw)).read_bytes()
            )
            client_cert_data = (cert_bytes, key_bytes)
        else:
            client_cert = (
                _resolve(base, cert_path, "client-certificate", uw),
                _resolve(base, key_path, "client-key", uw),
            )

    proxy_url = cluster.get("proxy-url") or None
    tls_server_name = cluster.get("tls-server-name") or None
    if tls_server_name is not None and not isinstance(tls_server_name, str):
        raise ConfigError(f"{cw}.tls-server-name must be a string")
    return ClientConfig(
        server=server.rstrip("/") if server.count("/") > 2 else server,
        ca_file=ca_file,
        ca_data=ca_data,
        token=token,
        token_file=token_file,
        client_cert=client_cert,
        client_cert_data=client_cert_data,
        insecure_skip_tls_verify=_flag(
            cluster.get("insecure-skip-tls-verify"), "insecure-skip-tls-verify", cw
        ),
        proxy_url=proxy_url,
        context_name=ctx_name,
        tls_server_name=tls_server_name,
        source=str(file),
    )


# --------------------------------------------------------------------------------------------
# in-cluster


def load_incluster_config(root: str = INCLUSTER_ROOT, env: Mapping[str, str] = os.environ) -> ClientConfig:
    """The pod's service account: $KUBERNETES_SERVICE_HOST/PORT, ``{root}/token`` (re-read while
    running: tokens rotate) and ``{root}/ca.crt`` (system roots when absent, like client-go)."""
    host = env.get("KUBERNETES_SERVICE_HOST")
    port = env.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise ConfigError(
            "not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST/PORT are unset",
            remedy="set KUBECONFIG to a kubeconfig for the Karmada API",
        )
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    token_file = Path(root) / "token"
    try:
        if not token_file.read_text(encoding="utf-8").strip():
            raise ConfigError(f"service account token {token_file} is empty")
    except OSError as exc:
        raise ConfigError(
            f"cannot read service account token {token_file}: {exc.strerror or exc}",
            remedy="mount a service account token (automountServiceAccountToken)",
        ) from None
    ca = Path(root) / "ca.crt"
    return ClientConfig(
        server=f"https://{host}:{port}",
        ca_file=str(ca) if ca.is_file() else None,
        token_file=str(token_file),
        source="in-cluster",
    )


def load_config(path: str | os.PathLike[str] | None = None, context: str | None = None) -> ClientConfig:
    """A kubeconfig if one exists (`path`, $KUBECONFIG, ~/.kube/config), else the in-cluster
    service account, else `ConfigError` saying where it looked."""
    if path is not None:
        return load_kubeconfig(path, context)
    file, from_env = default_kubeconfig_path()
    if from_env or (file is not None and file.is_file()):
        return load_kubeconfig(file, context)
    if context is not None:
        raise ConfigError(f"context {context!r} was asked for, but there is no kubeconfig at {file}")
    try:
        return load_incluster_config()
    except ConfigError as exc:
        raise ConfigError(
            f"no kubeconfig at {file} and not in a cluster ({exc.summary})",
            remedy="set KUBECONFIG to the Karmada API's kubeconfig",
        ) from None
