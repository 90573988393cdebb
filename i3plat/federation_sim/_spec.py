"""Declarative description of a simulated federation: sites, nodes and server options."""

from __future__ import annotations

import ipaddress
import re
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

from ._errors import SimConfigError

SyncMode = Literal["Push", "Pull"]
ReadyStatus = Literal["True", "False", "Unknown"]
PrometheusMode = Literal["auto", "real", "synthetic", "none"]
PrometheusFlavour = Literal["kube-prometheus", "kube-prometheus-stack"]
"""How the site's node-exporter series name their node: kube-prometheus relabels `instance` to
the node name; kube-prometheus-stack keeps `instance="<IP>:9100"` (join through node_uname_info)."""

CLUSTER_NAME_MAX = 48  # Karmada caps cluster names so `karmada-es-<name>` stays a valid namespace
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_K8S_VERSION = re.compile(r"^v\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

GPU_NODE_CPU = 64
GPU_NODE_MEMORY_GI = 512
CPU_NODE_CPU = 32
CPU_NODE_MEMORY_GI = 128


def validate_dns1123_label(value: str, field_name: str, max_len: int = 63) -> str:
    """Reject anything that is not a DNS-1123 label (used for every name that goes into a path)."""
    if not isinstance(value, str) or not value or len(value) > max_len or not _DNS1123_LABEL.match(value):
        raise SimConfigError(field_name, f"{value!r} is not a DNS-1123 label of at most {max_len} characters")
    return value


@dataclass(frozen=True)
class ServiceRef:
    """Where a site's Prometheus is exposed: `namespace/name`, port name (may be empty) and number."""

    namespace: str
    name: str
    port_name: str
    port: int


def parse_service_ref(text: str, port: int, field_name: str = "prometheus_service") -> ServiceRef:
    """Parse `ns/name[:portname|:number]`; a number means an unnamed port with that number."""
    namespace, sep, rest = text.partition("/")
    if not sep:
        raise SimConfigError(field_name, f"{text!r} must look like namespace/name[:port]")
    name, _, port_part = rest.partition(":")
    validate_dns1123_label(namespace, field_name)
    validate_dns1123_label(name, field_name)
    port_name = port_part
    if port_part.isdigit():
        port, port_name = int(port_part), ""
    elif port_part and (len(port_part) > 15 or not _PORT_NAME.match(port_part)):
        raise SimConfigError(field_name, f"port name {port_part!r} is not a valid IANA service name")
    if not 1 <= port <= 65535:
        raise SimConfigError("prometheus_port", f"{port} is not a TCP port")
    return ServiceRef(namespace=namespace, name=name, port_name=port_name, port=port)


def derive_octet(name: str) -> int:
    """A stable per-site number 1..250 for fake addresses, so every run looks the same."""
    return zlib.crc32(name.encode()) % 250 + 1


def derive_api_endpoint(name: str) -> str:
    """The fake member endpoint used in Cluster objects and dial errors."""
    return f"https://10.20.{derive_octet(name)}.5:6443"


def endpoint_is_local(endpoint: str) -> bool:
    """True when the endpoint names the dialling host itself (loopback or unspecified address).

    Karmada dials `spec.apiEndpoint` from its own pod, so `https://127.0.0.1:6443` (what
    `karmadactl register` takes from a local kubeconfig, issue #5052) reaches nothing there.
    """
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def endpoint_dial_address(endpoint: str) -> str:
    """`host:port` as Go's dialer prints it for an `https://` endpoint (443 when no port)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


@dataclass(frozen=True)
class NodeInfo:
    """One simulated member node (names are what Prometheus backends should report too)."""

    name: str
    ip: str
    gpus: int
    cpu: int
    memory_gi: int
    ready: bool


@dataclass(frozen=True)
class SiteSpec:
    """Everything that defines one simulated member cluster; validated on construction."""

    name: str
    sync_mode: SyncMode = "Pull"
    api_endpoint: str | None = None
    region: str | None = None
    zones: tuple[str, ...] = ()
    provider: str = "onprem"
    nodes: int = 4
    gpu_nodes: int = 2
    gpus_per_node: int = 8
    nodes_not_ready: int = 0
    kubernetes_version: str = "v1.31.4"
    ready: ReadyStatus = "True"
    offline: bool = False
    prometheus_service: str = "monitoring/prometheus-k8s:web"
    prometheus_port: int = 9090
    adc_replicas: int = 2
    proxy_url: str | None = None
    created_days_ago: float = 90.0
    prometheus_flavour: PrometheusFlavour = "kube-prometheus"
    dcgm: bool = True
    """False: the GPU nodes have no dcgm-exporter, so Prometheus holds no DCGM series."""

    def __post_init__(self) -> None:
        validate_dns1123_label(self.name, "name", CLUSTER_NAME_MAX)
        check_choice(self.sync_mode, get_args(SyncMode), "sync_mode")
        check_choice(self.ready, get_args(ReadyStatus), "ready")
        check_choice(self.prometheus_flavour, get_args(PrometheusFlavour), "prometheus_flavour")
        check_int(self.nodes, "nodes", 1, 500)
        check_int(self.gpu_nodes, "gpu_nodes", 0, self.nodes)
        check_int(self.gpus_per_node, "gpus_per_node", 0, 16)
        check_int(self.nodes_not_ready, "nodes_not_ready", 0, self.nodes)
        check_int(self.adc_replicas, "adc_replicas", 0, 50)
        if not _K8S_VERSION.match(self.kubernetes_version):
            raise SimConfigError("kubernetes_version", f"{self.kubernetes_version!r} is not like v1.31.4")
        if self.api_endpoint is not None:
            parts = urlsplit(self.api_endpoint)
            if parts.scheme != "https" or not parts.hostname:
                raise SimConfigError("api_endpoint", f"{self.api_endpoint!r} must be an https:// URL")
        for flag in ("offline", "dcgm"):
            if not isinstance(getattr(self, flag), bool):
                raise SimConfigError(flag, "must be a boolean")
        if self.created_days_ago < 0:
            raise SimConfigError("created_days_ago", "must not be negative")
        parse_service_ref(self.prometheus_service, self.prometheus_port)

    @property
    def endpoint(self) -> str:
        """The configured or derived API endpoint."""
        return self.api_endpoint or derive_api_endpoint(self.name)

    @property
    def service(self) -> ServiceRef:
        """The parsed Prometheus service reference."""
        return parse_service_ref(self.prometheus_service, self.prometheus_port)

    def node_infos(self) -> list[NodeInfo]:
        """The site's nodes: GPU nodes first (`{site}-gpu-NN`), then `{site}-cpu-NN`; last ones not ready."""
        octet = derive_octet(self.name)
        result: list[NodeInfo] = []
        for index in range(self.nodes):
            is_gpu = index < self.gpu_nodes
            number = index + 1 if is_gpu else index - self.gpu_nodes + 1
            result.append(
                NodeInfo(
                    name=f"{self.name}-{'gpu' if is_gpu else 'cpu'}-{number:02d}",
                    ip=f"10.20.{octet}.{11 + index}",
                    gpus=self.gpus_per_node if is_gpu else 0,
                    cpu=GPU_NODE_CPU if is_gpu else CPU_NODE_CPU,
                    memory_gi=GPU_NODE_MEMORY_GI if is_gpu else CPU_NODE_MEMORY_GI,
                    ready=index < self.nodes - self.nodes_not_ready,
                )
            )
        return result


def check_choice(value: object, choices: tuple[object, ...], field_name: str) -> None:
    """Raise naming the field unless `value` is one of `choices`."""
    if value not in choices:
        raise SimConfigError(field_name, f"{value!r} is not one of {list(choices)}")


def check_int(value: object, field_name: str, low: int, high: int) -> None:
    """Raise naming the field unless `value` is an int within [low, high]."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SimConfigError(field_name, f"{value!r} is not an integer in [{low}, {high}]")


@dataclass
class FederationConfig:
    """How to run the simulator. `ready_grace_seconds` delays the Ready flip after going offline."""

    sites: list[SiteSpec]
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    prometheus: PrometheusMode = "auto"
    ready_grace_seconds: float = 0.0
    user: str = "system:serviceaccount:monitoring:site-dash"
    groups: tuple[str, ...] = ("system:serviceaccounts", "system:serviceaccounts:monitoring")
    seed: int = 0
    karmada_version: str = "v1.31.3"

    def __post_init__(self) -> None:
        check_choice(self.prometheus, get_args(PrometheusMode), "prometheus")
        check_int(self.port, "port", 0, 65535)
        if self.ready_grace_seconds < 0:
            raise SimConfigError("ready_grace_seconds", "must not be negative")
        names = [site.name for site in self.sites]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SimConfigError("sites", f"duplicate site names {duplicates}")


def demo_sites() -> list[SiteSpec]:
    """Three real-looking fab sites with different modes, sizes and GPU counts."""
    return [
        SiteSpec(
            name="fab-shenzhen",
            sync_mode="Push",
            api_endpoint="https://10.20.1.5:6443",
            region="cn-south",
            zones=("cn-south-1a",),
            nodes=6,
            gpu_nodes=3,
            gpus_per_node=8,
            adc_replicas=3,
            created_days_ago=210.0,
        ),
        SiteSpec(
            name="fab-suzhou",
            sync_mode="Pull",
            api_endpoint="https://10.20.2.5:6443",
            region="cn-east",
            zones=("cn-east-2a", "cn-east-2b"),
            nodes=4,
            gpu_nodes=2,
            gpus_per_node=4,
            kubernetes_version="v1.30.8",
            proxy_url="http://172.18.0.2:8088",
            created_days_ago=150.0,
            prometheus_flavour="kube-prometheus-stack",
        ),
        SiteSpec(
            name="fab-chengdu",
            sync_mode="Pull",
            api_endpoint="https://10.20.3.5:6443",
            region="cn-west",
            zones=("cn-west-1a",),
            nodes=3,
            gpu_nodes=1,
            gpus_per_node=8,
            nodes_not_ready=1,
            adc_replicas=1,
            created_days_ago=45.0,
        ),
    ]


_SPEC_FIELDS = {f.name for f in fields(SiteSpec)}


def site_spec_from_dict(data: object) -> SiteSpec:
    """Build a SiteSpec from JSON (control API); unknown keys and wrong types are named."""
    if not isinstance(data, dict):
        raise SimConfigError("spec", "must be a JSON object")
    unknown = sorted(set(data) - _SPEC_FIELDS)
    if unknown:
        raise SimConfigError(unknown[0], "unknown site spec field")
    if "name" not in data:
        raise SimConfigError("name", "is required")
    values = dict(data)
    if "zones" in values:
        zones = values["zones"]
        if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
            raise SimConfigError("zones", "must be a list of strings")
        values["zones"] = tuple(zones)
    for key in (
        "name",
        "sync_mode",
        "provider",
        "kubernetes_version",
        "ready",
        "prometheus_service",
        "prometheus_flavour",
    ):
        if key in values and not isinstance(values[key], str):
            raise SimConfigError(key, "must be a string")
    for key in ("api_endpoint", "region", "proxy_url"):
        if key in values and values[key] is not None and not isinstance(values[key], str):
            raise SimConfigError(key, "must be a string or null")
    for key in ("offline", "dcgm"):
        if key in values and not isinstance(values[key], bool):
            raise SimConfigError(key, "must be a boolean")
    if "created_days_ago" in values and not isinstance(values["created_days_ago"], int | float):
        raise SimConfigError("created_days_ago", "must be a number")
    return SiteSpec(**values)
