"""One frozen Settings object, read once at start-up.

Sources, highest priority first: explicit overrides (CLI flags), `I3PLAT_*` environment variables,
the YAML file named by `I3PLAT_CONFIG`, then defaults. Nothing else in the project reads the
environment, so a test can build any configuration without touching `os.environ`.
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from i3plat.i18n import DEFAULT_TIMEZONE, parse_zone

POLL_INTERVAL_FLOOR = 5.0
"""No poll or refresh interval below this, whatever a config file or URL asks for."""
MAX_AUDIT_RETENTION_DAYS = 36_500

_SERVICE_REF = re.compile(
    r"^(?P<ns>[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)/"
    r"((?P<scheme>https?):)?(?P<name>[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(:(?P<port>[a-z0-9-]{1,15}))?$"
)

_URL_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)*/?")
_URL_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")

AuthMode = Literal["local", "oidc", "header", "off"]
RoleName = Literal["viewer", "engineer", "operator", "admin"]


class SettingsError(ValueError):
    """The configuration is invalid; the message names every bad field."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "i3plat"


def check_service_ref(value: str) -> str:
    """Accept `namespace/[scheme:]name[:port]`, the form of a Kubernetes service-proxy target."""
    if not _SERVICE_REF.match(value):
        raise ValueError(
            f"{value!r} is not a service reference; expected namespace/name:port, "
            "e.g. monitoring/prometheus-k8s:9090"
        )
    return value


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_public_url(value: str) -> str:
    """The console's external base URL, normalised to end in `/` (the callback URL is built on it).

    https, or http on a loopback host only; no credentials, query or fragment.
    """
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    host = parts.hostname or ""
    segments = parts.path.split("/")
    problems = [
        (parts.scheme not in ("http", "https") or not host, "is not an absolute http(s) URL"),
        (not _URL_HOST.fullmatch(host), "has an invalid host"),
        (parts.scheme == "http" and not is_loopback_host(host), "must use https (http only on loopback)"),
        (bool(parts.username or parts.password), "must not carry credentials"),
        (
            bool(parts.query or parts.fragment) or "?" in value or "#" in value,
            "must have no query or fragment",
        ),
        (not _URL_PATH.fullmatch(parts.path) or "." in segments or ".." in segments, "has an invalid path"),
    ]
    for failed, why in problems:
        if failed:
            raise ValueError(f"{value!r} {why}; expected e.g. https://console.example.com/")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def check_ca_bundle(path: Path) -> Path:
    """A readable PEM file with at least one certificate, loaded the way the TLS client loads it."""
    if not path.is_file():
        raise ValueError(f"not a file: {path}" if path.exists() else f"no such file: {path}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=path)
    except ssl.SSLError as exc:
        raise ValueError(f"{path} is not a PEM file of CA certificates ({exc.reason})") from None
    except OSError as exc:
        raise ValueError(f"{path} cannot be read ({exc.strerror})") from None
    if context.cert_store_stats()["x509"] == 0:
        raise ValueError(f"{path} holds no certificate")
    return path


class ProfileOverride(BaseModel):
    """What to believe about a site's labelling instead of detecting it (promql.profiles)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    node_exporter_job: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:/-]{1,128}$")
    kube_state_metrics_job: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:/-]{1,128}$")
    dcgm_job: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:/-]{1,128}$")
    node_label_style: Literal["instance", "uname"] | None = None
    gpu_host_label: Literal["Hostname", "hostname"] | None = None
    recording_rules: bool | None = None
    scrape_interval: float | None = Field(default=None, ge=1, le=3600)

    def as_overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class SiteOverride(BaseModel):
    """Per-site settings from the YAML file (`sites: {name: {...}}`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prometheus_service: str | None = None
    profile: ProfileOverride = Field(default_factory=ProfileOverride)

    @field_validator("prometheus_service")
    @classmethod
    def _check_service(cls, value: str | None) -> str | None:
        return None if value is None else check_service_ref(value)


class Settings(BaseSettings):
    """The console's configuration; see docs/configuration.md for every field."""

    model_config = SettingsConfigDict(
        env_prefix="I3PLAT_", frozen=True, extra="forbid", populate_by_name=True
    )

    kubeconfig: Path | None = Field(default=None, validation_alias="KUBECONFIG")
    data_dir: Path = Field(default_factory=default_data_dir)
    poll_interval: float = 15.0
    prometheus_service: str = "monitoring/prometheus-k8s:9090"
    embed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    auth: AuthMode = "off"
    # sign-in, sessions, tokens (docs/security.md)
    secret_key: SecretStr | None = None
    cookie_secure: bool = True
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    login_limit: str = "5 per 15 minutes"
    ratelimit_storage: str | None = None
    metrics_token: SecretStr | None = None
    audit_retention_days: int = 180
    """Audit rows older than this many days are deleted; 0 keeps them forever."""
    auth_header: str = Field(default="X-Forwarded-User", pattern=r"^[A-Za-z0-9-]{1,64}$")
    auth_role_header: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,64}$")
    auth_group_roles: dict[str, RoleName] = Field(default_factory=dict)
    auth_default_role: RoleName = "viewer"
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_role_claim: str = "groups"
    oidc_scopes: Annotated[tuple[str, ...], NoDecode] = ("openid", "profile", "email")
    oidc_ca_bundle: Path | None = None
    """PEM CA certificates trusted for the IdP's TLS instead of httpx's default store."""
    public_url: str | None = None
    """The console's external base URL; the OIDC redirect URI is built on it when set."""
    language: Literal["zh_CN", "en"] = "zh_CN"
    timezone: str = DEFAULT_TIMEZONE
    """IANA zone for times shown to a viewer whose browser did not tell its own."""
    request_timeout: float = Field(default=30.0, gt=0, le=600)
    sites: dict[str, SiteOverride] = Field(default_factory=dict)
    config: Path | None = None

    @field_validator("poll_interval")
    @classmethod
    def _check_poll_interval(cls, value: float) -> float:
        if value < POLL_INTERVAL_FLOOR:
            raise ValueError(f"must be at least {POLL_INTERVAL_FLOOR:g} seconds, got {value:g}")
        return value

    @field_validator("prometheus_service")
    @classmethod
    def _check_service(cls, value: str) -> str:
        return check_service_ref(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        if parse_zone(value.strip()) is None:
            raise ValueError(f"{value!r} is not a known IANA time zone name, e.g. Asia/Shanghai or UTC")
        return value.strip()

    @field_validator("public_url", "oidc_ca_bundle", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        return None if value is None else check_public_url(value)

    @field_validator("oidc_ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None) -> Path | None:
        return None if value is None else check_ca_bundle(value)

    @field_validator("audit_retention_days")
    @classmethod
    def _check_retention(cls, value: int) -> int:
        if not 0 <= value <= MAX_AUDIT_RETENTION_DAYS:
            raise ValueError(
                f"must be a number of days from 0 (keep forever) to {MAX_AUDIT_RETENTION_DAYS}, got {value}"
            )
        return value

    @field_validator("embed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part for part in (p.strip() for p in value.replace(",", " ").split()) if part)
        return value

    @field_validator("trusted_proxies", "oidc_scopes", mode="before")
    @classmethod
    def _split_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part for part in value.replace(",", " ").split() if part)
        return value

    @field_validator("embed_origins")
    @classmethod
    def _check_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
                raise ValueError(f"{origin!r} is not an origin like https://portal.example.com")
        return value

    def profile_overrides_for(self, site: str) -> dict[str, Any]:
        override = self.sites.get(site)
        return override.profile.as_overrides() if override is not None else {}

    def prometheus_service_for(self, site: str) -> str:
        override = self.sites.get(site)
        if override is not None and override.prometheus_service:
            return override.prometheus_service
        return self.prometheus_service

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = os.environ.get("I3PLAT_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if yaml_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning pydantic's report into one message that names each bad field."""
    config_file = os.environ.get("I3PLAT_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"I3PLAT_CONFIG: no such file: {config_file}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"]) or "settings"
            problems.append(f"{field}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
