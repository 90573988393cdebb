"""Registering a member cluster: bootstrap tokens, the CA pin and the exact commands to run.

Mirrors `karmadactl token create` (``pkg/karmadactl/util/bootstraptoken``, reference/karmada-api.md
§4.1): a Secret ``kube-system/bootstrap-token-<id>`` of type ``bootstrap.kubernetes.io/token``
whose ``data`` holds ``token-id``, ``token-secret``, ``expiration`` (RFC 3339, UTC),
``usage-bootstrap-signing``/``-authentication`` = ``true``, ``auth-extra-groups`` and a
``description``. The CA pin is ``sha256:<hex SHA-256 of the DER SubjectPublicKeyInfo>`` of each CA
certificate in the kubeconfig, comma-joined, as ``karmadactl token create --print-register-command``
prints it.

`karmadactl register` has no ``--cluster-api-endpoint`` flag: it writes the *member kubeconfig's*
server into the agent's ``--cluster-api-endpoint`` (often ``https://127.0.0.1:6443``, Karmada issue
#5052). The commands therefore end with a patch of the ``karmada-agent`` Deployment that sets the
endpoint the administrator typed.

Pure builders first; the three functions at the end take a `KarmadaClient` and go through its one
request choke point (`KarmadaClient.request`) and error mapping. `prepare_registration` refuses
bad input, an already registered name or a kubeconfig without a CA *before* anything is created.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ._errors import ConfigError, InvalidName, NotFound
from ._paths import validate_label, validate_subdomain
from ._register_input import (
    CLUSTER_NAME_MAX,
    MAX_TTL_HOURS,
    MIN_TTL_HOURS,
    SYNC_MODES,
    EndpointWarning,
    Problem,
    Resolver,
    check_api_endpoint,
    check_karmada_address,
    check_proxy_url,
    check_site_name,
    check_sync_mode,
    check_ttl_hours,
    normalise_karmada_address,
    resolve_host,
)

if TYPE_CHECKING:
    from ._client import KarmadaClient
    from ._config import ClientConfig

__all__ = [
    "AGENT_DEPLOYMENT",
    "AGENT_NAMESPACE",
    "CLUSTER_NAME_MAX",
    "DEFAULT_GROUPS",
    "DEFAULT_TTL_HOURS",
    "DEFAULT_USAGES",
    "INSTALL_CLI_URL",
    "MAX_TTL_HOURS",
    "MIN_TTL_HOURS",
    "SECRET_TYPE",
    "SYNC_MODES",
    "TOKEN_NAMESPACE",
    "BootstrapToken",
    "EndpointWarning",
    "Problem",
    "RegistrationPlan",
    "RegistrationRefused",
    "RegistrationRequest",
    "Resolver",
    "SiteAlreadyRegistered",
    "Step",
    "agent_endpoint_commands",
    "build_token_secret",
    "ca_bundle",
    "ca_cert_hash",
    "ca_cert_hashes",
    "check_registration",
    "cluster_endpoint_patch_command",
    "create_bootstrap_token",
    "format_expiration",
    "generate_token",
    "install_commands",
    "is_registered",
    "join_command",
    "karmada_address_of",
    "plan_steps",
    "prepare_registration",
    "register_command",
    "resolve_host",
    "revoke_token_command",
    "secret_path",
    "secrets_path",
    "token_secret_name",
]

TOKEN_NAMESPACE = "kube-system"
SECRET_TYPE = "bootstrap.kubernetes.io/token"
SECRET_PREFIX = "bootstrap-token-"
DEFAULT_GROUPS = ("system:bootstrappers:karmada:default-cluster-token",)
DEFAULT_USAGES = ("signing", "authentication")
DEFAULT_TTL_HOURS = 24
AGENT_NAMESPACE = "karmada-system"
AGENT_DEPLOYMENT = "karmada-agent"
INSTALL_CLI_URL = "https://raw.githubusercontent.com/karmada-io/karmada/master/hack/install-cli.sh"
_TOKEN_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_TOKEN_RE = re.compile(r"([a-z0-9]{6})\.([a-z0-9]{16})")
_TOKEN_ID_RE = re.compile(r"[a-z0-9]{6}")


# ------------------------------------------------------------------------------------------------
# Errors


class RegistrationRefused(InvalidName):
    """The registration input was refused before anything was created; `.problems` names every
    bad field (`.field` is the first one's)."""

    code = "registration_refused"

    def __init__(self, problems: Sequence[Problem], warnings: Sequence[EndpointWarning] = ()) -> None:
        if not problems:
            raise ValueError("RegistrationRefused needs at least one problem")
        first = problems[0]
        super().__init__(first.field, first.value, "; ".join(p.message for p in problems))
        self.problems = tuple(problems)
        self.warnings = tuple(warnings)
        """Warnings about the fields that were fine, so a form can show them alongside."""


class SiteAlreadyRegistered(RegistrationRefused):
    """A Cluster of that name already exists in Karmada (`karmadactl register` would fail too)."""

    code = "already_registered"

    def __init__(self, site: str) -> None:
        message = f"site name {site!r} is taken: a cluster of that name is already registered in Karmada"
        super().__init__([Problem("site", "already_registered", site, message)])
        self.site = site


# ------------------------------------------------------------------------------------------------
# Tokens and their Secret


@dataclass(frozen=True, repr=False)
class BootstrapToken:
    """``<id>.<secret>``: the id is public (it names the Secret), the secret is a credential."""

    id: str
    secret: str

    def __post_init__(self) -> None:
        if _TOKEN_RE.fullmatch(f"{self.id}.{self.secret}") is None:
            raise InvalidName("token", f"{self.id}.<redacted>", "must match [a-z0-9]{6}.[a-z0-9]{16}")

    @property
    def value(self) -> str:
        return f"{self.id}.{self.secret}"

    @classmethod
    def parse(cls, text: str) -> BootstrapToken:
        match = _TOKEN_RE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidName("token", "<redacted>", "must match [a-z0-9]{6}.[a-z0-9]{16}")
        return cls(match[1], match[2])

    def __repr__(self) -> str:
        return f"BootstrapToken(id={self.id!r}, secret=<redacted>)"


def generate_token() -> BootstrapToken:
    """A fresh random token from the OS's CSPRNG (`secrets`), like bootstraputil.GenerateBootstrapToken."""
    pick = secrets.choice
    return BootstrapToken(
        "".join(pick(_TOKEN_ALPHABET) for _ in range(6)), "".join(pick(_TOKEN_ALPHABET) for _ in range(16))
    )


def token_secret_name(token_id: str) -> str:
    if not isinstance(token_id, str) or _TOKEN_ID_RE.fullmatch(token_id) is None:
        raise InvalidName("token_id", token_id, "must match [a-z0-9]{6}")
    return SECRET_PREFIX + token_id


def format_expiration(moment: datetime) -> str:
    """Go's ``time.RFC3339`` of the UTC time, whole seconds (``2025-06-02T08:14:05Z``)."""
    if moment.tzinfo is None:
        raise InvalidName("expires", moment, "must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def build_token_secret(
    token: BootstrapToken,
    *,
    expires: datetime,
    description: str | None = None,
    groups: Sequence[str] = DEFAULT_GROUPS,
    usages: Sequence[str] = DEFAULT_USAGES,
) -> dict[str, Any]:
    """The Secret `karmadactl token create` submits (ConvertBootstrapTokenToSecret), as JSON."""
    data = {"token-id": token.id, "token-secret": token.secret}
    if description:
        data["description"] = description
    data["expiration"] = format_expiration(expires)
    for usage in usages:
        data[f"usage-bootstrap-{usage}"] = "true"
    if groups:
        data["auth-extra-groups"] = ",".join(groups)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": token_secret_name(token.id), "namespace": TOKEN_NAMESPACE},
        "type": SECRET_TYPE,
        "data": {key: _b64(value) for key, value in data.items()},
    }


def secrets_path(namespace: str) -> str:
    return f"/api/v1/namespaces/{validate_label('namespace', namespace)}/secrets"


def secret_path(namespace: str, name: str) -> str:
    return f"{secrets_path(namespace)}/{validate_subdomain('secret', name)}"


# ------------------------------------------------------------------------------------------------
# The control plane's CA


def ca_bundle(config: ClientConfig) -> bytes:
    """The PEM CA bundle the kubeconfig trusts for the Karmada API (inline data wins over the file)."""
    if config.ca_data:
        return config.ca_data
    if config.ca_file:
        try:
            return Path(config.ca_file).read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read certificate-authority {config.ca_file}: {exc.strerror or exc}",
                remedy="fix the certificate-authority path in the kubeconfig",
            ) from None
    raise ConfigError(
        "the kubeconfig names no certificate-authority for the Karmada API, so the CA cert hash "
        "that pins it for the site cannot be computed",
        remedy="add certificate-authority(-data) of the Karmada API server to the kubeconfig",
    )


def ca_cert_hashes(pem: bytes) -> tuple[str, ...]:
    """``sha256:<hex>`` of each certificate's DER SubjectPublicKeyInfo (pubkeypin.Hash)."""
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise ConfigError(f"the Karmada CA bundle is not PEM certificates: {exc}") from None
    pins = []
    for certificate in certificates:
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        digest = hashes.Hash(hashes.SHA256())
        digest.update(spki)
        pins.append("sha256:" + digest.finalize().hex())
    return tuple(pins)


def ca_cert_hash(config: ClientConfig) -> str:
    """The ``--discovery-token-ca-cert-hash`` value for the Karmada API this config trusts."""
    return ",".join(ca_cert_hashes(ca_bundle(config)))


def karmada_address_of(server: str) -> str:
    """``host:port`` of the kubeconfig server, as karmadactl prints it (scheme and path dropped)."""
    return normalise_karmada_address(server).split("/", 1)[0]


# ------------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class RegistrationRequest:
    """What the administrator asks for. `karmada_address` is where the *site* reaches Karmada
    (``host:port``); None means the kubeconfig's server."""

    site: str
    api_endpoint: str
    sync_mode: str = "Pull"
    proxy_url: str | None = None
    ttl_hours: int = DEFAULT_TTL_HOURS
    karmada_address: str | None = None


def check_registration(
    request: RegistrationRequest, resolve: Resolver | None = resolve_host
) -> tuple[EndpointWarning, ...]:
    """Refuse (`RegistrationRefused`, every bad field named) or return the warnings. No request is
    sent; only `resolve` looks the endpoint's host name up (None: no lookup, for live checks)."""
    problems = [
        *check_site_name(request.site),
        *check_sync_mode(request.sync_mode),
        *check_proxy_url(request.proxy_url),
        *check_ttl_hours(request.ttl_hours),
    ]
    if request.karmada_address is not None:
        problems += check_karmada_address(request.karmada_address)
    endpoint_problems, warnings = check_api_endpoint(request.api_endpoint, resolve)
    problems += endpoint_problems
    if problems:
        order = ("site", "sync_mode", "api_endpoint", "proxy_url", "ttl_hours", "karmada_address")
        problems.sort(key=lambda p: order.index(p.field) if p.field in order else len(order))
        raise RegistrationRefused(problems, warnings)
    return tuple(warnings)


# ------------------------------------------------------------------------------------------------
# Commands


def install_commands(sync_mode: str) -> tuple[str, ...]:
    """Install karmadactl (the script verifies the release's sha256) and check the kubeconfig."""
    commands = [f"curl -sfL {INSTALL_CLI_URL} | sudo bash", "karmadactl version"]
    if sync_mode == "Pull":
        commands.append("kubectl get nodes")
    return tuple(commands)


def register_command(
    address: str, token: BootstrapToken, ca_hash: str, site: str, proxy_url: str | None = None
) -> str:
    """`karmadactl register` as run against the member's kubeconfig (§4.1 flags only)."""
    parts = [
        "karmadactl register",
        shlex.quote(address),
        f"--token {shlex.quote(token.value)}",
        f"--discovery-token-ca-cert-hash {shlex.quote(ca_hash)}",
        f"--cluster-name {shlex.quote(site)}",
    ]
    if proxy_url:
        parts.append(f"--proxy-server-address {shlex.quote(proxy_url)}")
    return " ".join(parts)


def agent_endpoint_commands(api_endpoint: str) -> tuple[str, ...]:
    """Point karmada-agent's ``--cluster-api-endpoint`` at `api_endpoint`, wait, and show it.

    register puts the flag in the container's ``command`` list; a sed over the YAML rewrites it
    wherever it is. The endpoint is validated (no quote, ``#``, ``&`` or blank), so it can stand
    inside the single-quoted sed expression.
    """
    ns, name = AGENT_NAMESPACE, AGENT_DEPLOYMENT
    flag = "--cluster-api-endpoint="
    return (
        f"kubectl -n {ns} get deployment {name} -o yaml"
        f" | sed 's#{flag}.*#{flag}{api_endpoint}#'"
        " | kubectl replace -f -",
        f"kubectl -n {ns} rollout status deployment/{name} --timeout=5m",
        f"kubectl -n {ns} get deployment {name} -o yaml | grep -- {flag}",
    )


def revoke_token_command(token_id: str) -> str:
    """Withdraw the token before it expires (run where kubectl/karmadactl points at Karmada)."""
    return f"karmadactl token delete {token_secret_name(token_id).removeprefix(SECRET_PREFIX)}"


def join_command(site: str) -> str:
    """Push mode: `karmadactl join`, run where both kubeconfigs are (paths in two variables)."""
    return (
        f"karmadactl join {shlex.quote(site)}"
        ' --kubeconfig "$KARMADA_KUBECONFIG" --cluster-kubeconfig "$SITE_KUBECONFIG"'
    )


def cluster_endpoint_patch_command(site: str, api_endpoint: str, proxy_url: str | None = None) -> str:
    """Push mode: set the Cluster's apiEndpoint (join copies the member kubeconfig's server)."""
    spec: dict[str, str] = {"apiEndpoint": api_endpoint}
    if proxy_url:
        spec["proxyURL"] = proxy_url
    patch = json.dumps({"spec": spec}, separators=(",", ":"))
    return (
        f'kubectl --kubeconfig "$KARMADA_KUBECONFIG" patch clusters.cluster.karmada.io {shlex.quote(site)}'
        f" --type merge -p {shlex.quote(patch)}"
    )


@dataclass(frozen=True)
class Step:
    """One step of the guide: a key the UI explains (``install``, ``token``, ``register``,
    ``agent``; Push: ``install``, ``join``, ``endpoint``) and the commands to copy."""

    key: str
    commands: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class RegistrationPlan:
    """Everything the guide shows once the token exists (Pull) or the input is accepted (Push)."""

    request: RegistrationRequest
    karmada_address: str
    ca_cert_hash: str
    warnings: tuple[EndpointWarning, ...]
    steps: tuple[Step, ...]
    token: BootstrapToken | None = None
    token_secret: str | None = None
    expires: datetime | None = None
    created: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """The Secret as the API server answered (metadata.uid, creationTimestamp ...)."""

    def __repr__(self) -> str:
        return f"RegistrationPlan(site={self.request.site!r}, token_secret={self.token_secret!r})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for a browser-side store (holds the token: only for the admin's page)."""
        return {
            "site": self.request.site,
            "sync_mode": self.request.sync_mode,
            "api_endpoint": self.request.api_endpoint,
            "proxy_url": self.request.proxy_url,
            "karmada_address": self.karmada_address,
            "ca_cert_hash": self.ca_cert_hash,
            "token_id": self.token.id if self.token else None,
            "token_secret": self.token_secret,
            "expires": format_expiration(self.expires) if self.expires else None,
            "warnings": [{"field": w.field, "code": w.code, "host": w.host} for w in self.warnings],
            "steps": [{"key": s.key, "commands": list(s.commands)} for s in self.steps],
        }


def plan_steps(
    request: RegistrationRequest, address: str, ca_hash: str, token: BootstrapToken | None
) -> tuple[Step, ...]:
    """The guide's steps for the request's sync mode (pure)."""
    if request.sync_mode == "Push":
        return (
            Step("install", install_commands("Push")),
            Step("join", (join_command(request.site),)),
            Step(
                "endpoint",
                (cluster_endpoint_patch_command(request.site, request.api_endpoint, request.proxy_url),),
            ),
        )
    if token is None:
        raise ValueError("a Pull registration needs a bootstrap token")
    return (
        Step("install", install_commands("Pull")),
        Step("token", (revoke_token_command(token.id),)),
        Step("register", (register_command(address, token, ca_hash, request.site, request.proxy_url),)),
        Step("agent", agent_endpoint_commands(request.api_endpoint)),
    )


# ------------------------------------------------------------------------------------------------
# Calls to the Karmada API


def is_registered(client: KarmadaClient, site: str) -> bool:
    """Whether a Cluster named `site` exists (GET …/clusters/{site}; other errors raise)."""
    try:
        client.cluster(site)
    except NotFound as exc:
        if exc.kind in (None, "clusters"):
            return False
        raise
    return True


def create_bootstrap_token(
    client: KarmadaClient,
    *,
    ttl: timedelta,
    description: str | None = None,
    now: datetime | None = None,
    token: BootstrapToken | None = None,
) -> tuple[BootstrapToken, datetime, dict[str, Any]]:
    """POST the bootstrap-token Secret; returns (token, expiry, the created Secret).

    An id clash (409 AlreadyExists) is not retried: with 36^6 ids it means something is wrong.
    """
    if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
        raise InvalidName("ttl", ttl, "must be a positive timedelta")
    chosen = token or generate_token()
    expires = (now or datetime.now(UTC)).replace(microsecond=0) + ttl
    body = build_token_secret(chosen, expires=expires, description=description)
    response = client.request(
        "POST",
        secrets_path(TOKEN_NAMESPACE),
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        created = response.json() if response.content else {}
    except ValueError:
        created = {}
    return chosen, expires, created if isinstance(created, dict) else {}


def prepare_registration(
    client: KarmadaClient,
    request: RegistrationRequest,
    *,
    resolve: Resolver = resolve_host,
    now: datetime | None = None,
) -> RegistrationPlan:
    """Check everything, then (Pull only) create the token, and build the guide.

    Order matters for "nothing created on refusal": input checks, the CA pin, the address and the
    existing-Cluster check all run before the one POST.
    """
    warnings = check_registration(request, resolve)
    ca_hash = ca_cert_hash(client.config) if request.sync_mode == "Pull" else ""
    address = (
        normalise_karmada_address(request.karmada_address)
        if request.karmada_address
        else karmada_address_of(client.config.server)
    )
    if is_registered(client, request.site):
        raise SiteAlreadyRegistered(request.site)
    if request.sync_mode == "Push":
        return RegistrationPlan(
            request, address, ca_hash, warnings, plan_steps(request, address, ca_hash, None)
        )
    token, expires, created = create_bootstrap_token(
        client,
        ttl=timedelta(hours=request.ttl_hours),
        description=f"Created by the I3Plat console to register site {request.site}",
        now=now,
    )
    return RegistrationPlan(
        request=request,
        karmada_address=address,
        ca_cert_hash=ca_hash,
        warnings=warnings,
        steps=plan_steps(request, address, ca_hash, token),
        token=token,
        token_secret=f"{TOKEN_NAMESPACE}/{token_secret_name(token.id)}",
        expires=expires,
        created=created,
    )
