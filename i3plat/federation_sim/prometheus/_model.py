"""The deterministic model of one simulated site's metrics.

One model feeds three consumers that must agree exactly: the OpenMetrics backfill of a real
Prometheus, the live exporter that Prometheus scrapes afterwards, and the synthetic backend that
evaluates PromQL on the model directly. Series mimic kube-prometheus (node-exporter,
kube-state-metrics) and the NVIDIA DCGM exporter, with the label shapes of
`recipes/prometheus/gen_openmetrics.py`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypedDict

from ._families import (
    DISK_READ_BYTES_PER_S,
    FB_TOTAL_MIB,
    PODS_PER_NODE,
    RX_OTHER_BYTES_PER_S,
    build_families,
    fb_used_mib,
    gpu_util_percent,
    site_seed,
)
from ._series import Family

InstanceStyle = Literal["name", "ip"]

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")

_CPU_UTIL = (0.25, 0.5, 0.75, 0.125, 0.375, 0.625)
_MEM_UTIL = (0.5, 0.25, 0.75, 0.375, 0.125, 0.625)
_FS_USED = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


class SiteModelError(ValueError):
    """A site model parameter is invalid; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class NodeModel:
    """One node; the utilisation/rate fields are base values (time means when wobbling)."""

    name: str
    ip: str
    instance: str
    cpus: int
    cpu_util: float
    mem_util: float
    fs_used: float
    rx_bytes_per_s: float
    tx_bytes_per_s: float
    gpus: int
    ready: bool
    index: int


class ExpectedNode(TypedDict):
    """What the standard queries give for one node (exact when the site's wobble is 0)."""

    instance: str
    ip: str
    cpus: int
    cpu_util: float
    mem_util: float
    fs_root_used: float
    rx_eth0: float
    tx_eth0: float
    rx_excluding_lo: float
    rx_physical: float
    disk_read_nvme0n1: float
    gpus: int
    gpu_util_avg: float | None
    fb_used_mib_sum: float | None
    fb_used_ratio: float | None
    ready: bool
    pods: int


class ExpectedSite(TypedDict):
    """Site-wide expectations, like gen_openmetrics' expected.json plus cluster aggregates."""

    site: str
    instance_style: str
    nodes: dict[str, ExpectedNode]
    nodes_total: int
    nodes_ready: int
    cluster_cpu_util: float
    gpus_total: int


def default_origin(now: float | None = None) -> float:
    """Start of yesterday (UTC): counters stay small (precise rates) yet ≥ 24 h of history fits."""
    t = time.time() if now is None else now
    return math.floor(t / 86400.0) * 86400.0 - 86400.0


@dataclass(frozen=True)
class SiteModel:
    """A site's nodes plus how its series evolve; immutable, so it can be shared across threads."""

    name: str
    nodes: tuple[NodeModel, ...]
    instance_style: InstanceStyle = "name"
    scrape_interval: float = 15.0
    origin: float = field(default_factory=default_origin)
    wobble: float = 0.0
    dcgm: bool = True
    """False: no dcgm-exporter runs (no DCGM series, targets or pods), GPUs notwithstanding."""

    def __post_init__(self) -> None:
        validate_site(self)

    @cached_property
    def _families(self) -> tuple[Family, ...]:
        return build_families(self)

    def families(self) -> tuple[Family, ...]:
        """The static series table (families in exposition order); computed once per model."""
        return self._families

    def samples_at(self, t: float) -> list[tuple[dict[str, str], float]]:
        """Every series' value at `t`: labels include `__name__`; counters are cumulative."""
        origin = self.origin
        out: list[tuple[dict[str, str], float]] = []
        for family in self._families:
            for series in family.series:
                labels = {"__name__": series.name, **dict(series.labels)}
                out.append((labels, series.value_at(t, origin)))
        return out

    def expected(self) -> ExpectedSite:
        """Per-node values the catalog queries must return (rates: exact for wobble 0)."""
        nodes = {node.name: expect_node(node) for node in self.nodes}
        total_cpus = sum(node.cpus for node in self.nodes)
        busy = sum(node.cpu_util * node.cpus for node in self.nodes)
        return ExpectedSite(
            site=self.name,
            instance_style=self.instance_style,
            nodes=nodes,
            nodes_total=len(self.nodes),
            nodes_ready=sum(1 for node in self.nodes if node.ready),
            cluster_cpu_util=busy / total_cpus,
            gpus_total=sum(node.gpus for node in self.nodes),
        )


def validate_site(site: SiteModel) -> None:
    """Reject parameters the generators cannot honour, naming the field."""
    if not _DNS1123_LABEL.fullmatch(site.name):
        raise SiteModelError(
            "name", f"must be a DNS-1123 label (it names a URL path and a directory), got {site.name!r}"
        )
    if site.instance_style not in ("name", "ip"):
        raise SiteModelError("instance_style", f"must be 'name' or 'ip', got {site.instance_style!r}")
    if not (site.scrape_interval > 0 and math.isfinite(site.scrape_interval)):
        raise SiteModelError("scrape_interval", f"must be a positive number, got {site.scrape_interval!r}")
    if not 0.0 <= site.wobble <= 1.0:
        raise SiteModelError("wobble", f"must be within [0, 1], got {site.wobble!r}")
    if not math.isfinite(site.origin):
        raise SiteModelError("origin", f"must be finite, got {site.origin!r}")
    if not site.nodes:
        raise SiteModelError("nodes", "a site needs at least one node")
    names = [node.name for node in site.nodes]
    if len(set(names)) != len(names):
        raise SiteModelError("nodes", f"node names must be unique, got {names}")
    for node in site.nodes:
        validate_node(node)


def validate_node(node: NodeModel) -> None:
    """Keep every counter monotone and every ratio within 0..1."""
    where = f"nodes[{node.name}]"
    if node.cpus < 1:
        raise SiteModelError(f"{where}.cpus", f"must be ≥ 1, got {node.cpus}")
    if not 0.0 <= node.cpu_util <= 0.97:
        raise SiteModelError(f"{where}.cpu_util", f"must be within [0, 0.97], got {node.cpu_util}")
    for name, value in (("mem_util", node.mem_util), ("fs_used", node.fs_used)):
        if not 0.0 <= value <= 1.0:
            raise SiteModelError(f"{where}.{name}", f"must be within [0, 1], got {value}")
    for name, value in (("rx_bytes_per_s", node.rx_bytes_per_s), ("tx_bytes_per_s", node.tx_bytes_per_s)):
        if value < 0:
            raise SiteModelError(f"{where}.{name}", f"must be ≥ 0, got {value}")
    if node.gpus < 0:
        raise SiteModelError(f"{where}.gpus", f"must be ≥ 0, got {node.gpus}")


def expect_node(node: NodeModel) -> ExpectedNode:
    """The exact values of one node's standard queries."""
    g = node.gpus
    fb_sum = sum(fb_used_mib(i) for i in range(g)) if g else None
    rx_others = RX_OTHER_BYTES_PER_S
    return ExpectedNode(
        instance=node.instance,
        ip=node.ip,
        cpus=node.cpus,
        cpu_util=node.cpu_util,
        mem_util=node.mem_util,
        fs_root_used=node.fs_used,
        rx_eth0=node.rx_bytes_per_s,
        tx_eth0=node.tx_bytes_per_s,
        rx_excluding_lo=node.rx_bytes_per_s + rx_others["veth1a2b3c"] + rx_others["cali0123456789"],
        rx_physical=node.rx_bytes_per_s + rx_others["cali0123456789"],
        disk_read_nvme0n1=DISK_READ_BYTES_PER_S * (node.index + 1),
        gpus=g,
        gpu_util_avg=(sum(gpu_util_percent(node.index, i) for i in range(g)) / g) if g else None,
        fb_used_mib_sum=fb_sum,
        fb_used_ratio=(fb_sum / (FB_TOTAL_MIB * g)) if fb_sum is not None else None,
        ready=node.ready,
        pods=PODS_PER_NODE,
    )


def build_site_model(
    name: str,
    *,
    nodes: int = 4,
    cpus: int = 4,
    gpu_nodes: int = 2,
    gpus_per_node: int = 8,
    instance_style: InstanceStyle = "name",
    notready_nodes: Iterable[int | str] = (),
    origin: float | None = None,
    wobble: float = 0.0,
    seed_from_name: bool = True,
    scrape_interval: float = 15.0,
) -> SiteModel:
    """A site like gen_openmetrics' (`seed_from_name=False` reproduces its value tables exactly).

    With `seed_from_name`, the tables are rotated and the IP block chosen by a stable hash of the
    name, so sites differ but the same name always gives the same site. `notready_nodes` takes
    0-based node indices or node names.
    """
    if not _DNS1123_LABEL.fullmatch(name):
        raise SiteModelError(
            "name", f"must be a DNS-1123 label (it names a URL path and a directory), got {name!r}"
        )
    if nodes < 1:
        raise SiteModelError("nodes", f"must be ≥ 1, got {nodes}")
    if not 0 <= gpu_nodes <= nodes:
        raise SiteModelError("gpu_nodes", f"must be within [0, nodes={nodes}], got {gpu_nodes}")
    if gpus_per_node < 0:
        raise SiteModelError("gpus_per_node", f"must be ≥ 0, got {gpus_per_node}")
    names = [f"{name}-node-{n + 1}" for n in range(nodes)]
    notready = resolve_notready(notready_nodes, names)
    seed = site_seed(name)
    rotate = seed % len(_CPU_UTIL) if seed_from_name else 0
    octet = 20 + seed % 200 if seed_from_name else ord(name[-1]) % 10
    built = []
    for n, node_name in enumerate(names):
        ip = f"10.{octet}.0.{n + 10}"
        k = (n + rotate) % len(_CPU_UTIL)
        built.append(
            NodeModel(
                name=node_name,
                ip=ip,
                instance=node_name if instance_style == "name" else f"{ip}:9100",
                cpus=cpus,
                cpu_util=_CPU_UTIL[k],
                mem_util=_MEM_UTIL[k],
                fs_used=_FS_USED[k],
                rx_bytes_per_s=1_000_000.0 * (n + 1),
                tx_bytes_per_s=500_000.0 * (n + 1),
                gpus=gpus_per_node if n < gpu_nodes else 0,
                ready=n not in notready,
                index=n,
            )
        )
    return SiteModel(
        name=name,
        nodes=tuple(built),
        instance_style=instance_style,
        scrape_interval=scrape_interval,
        origin=default_origin() if origin is None else origin,
        wobble=wobble,
    )


def resolve_notready(wanted: Iterable[int | str], names: list[str]) -> frozenset[int]:
    """Map node indices or names to indices; an unknown one is an error, not a silent no-op."""
    out: set[int] = set()
    for item in wanted:
        if isinstance(item, str):
            if item not in names:
                raise SiteModelError("notready_nodes", f"unknown node name {item!r}")
            out.add(names.index(item))
        elif 0 <= item < len(names):
            out.add(item)
        else:
            raise SiteModelError("notready_nodes", f"node index {item} outside 0..{len(names) - 1}")
    return frozenset(out)
