"""How one site's Prometheus labels its data, so the same catalog works on every flavour.

kube-prometheus relabels node-exporter's `instance` to the node name; kube-prometheus-stack and
static configs keep `instance="<IP>:9100"`, so the node name comes from joining
`node_uname_info{nodename}`. DCGM names the node in `Hostname` (lower-case `hostname` on newer
exporters). Detection asks the site a few cheap instant queries; a config override wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from i3plat.promql.escape import quote_label_value

NodeLabelStyle = Literal["instance", "uname"]
GpuHostLabel = Literal["Hostname", "hostname"]

_JOB_VALUE = re.compile(r"^[A-Za-z0-9_.:/-]{1,128}$")
PREFERRED_NODE_EXPORTER_JOBS = ("node-exporter", "node_exporter", "node")
RULE_PROBE = "instance:node_cpu_utilisation:rate5m"


@dataclass(frozen=True)
class SiteProfile:
    """The labelling facts the renderer needs; defaults are kube-prometheus's."""

    node_exporter_job: str = "node-exporter"
    kube_state_metrics_job: str = "kube-state-metrics"
    dcgm_job: str | None = None
    """None: any job matching `.*dcgm.*` (GPU operator and chart name it differently)."""
    node_label_style: NodeLabelStyle = "instance"
    gpu_host_label: GpuHostLabel = "Hostname"
    recording_rules: bool = False
    scrape_interval: float = 15.0

    def with_overrides(self, overrides: dict[str, Any]) -> SiteProfile:
        """Apply a site's configured overrides (unknown keys are refused by the settings model)."""
        return replace(self, **overrides)


class InstantQuerier(Protocol):
    """What detection needs from a Prometheus client: instant queries returning label sets."""

    def query_labels(self, expr: str) -> list[dict[str, str]]: ...

    def scrape_interval(self) -> float | None: ...


def choose_job(jobs: list[str], preferred: tuple[str, ...], default: str) -> str:
    """The preferred job name if present, else the only/first one seen, else the default."""
    usable = [job for job in jobs if _JOB_VALUE.match(job)]
    for name in preferred:
        if name in usable:
            return name
    return sorted(usable)[0] if usable else default


def infer_node_label_style(uname_series: list[dict[str, str]]) -> NodeLabelStyle:
    """`instance` when every node-exporter target's instance is its node name, else join by uname."""
    if not uname_series:
        return "instance"
    same = all(s.get("instance") == s.get("nodename") for s in uname_series)
    return "instance" if same else "uname"


def detect_profile(prom: InstantQuerier) -> SiteProfile:
    """Ask the site how it labels things (five instant queries and the config's scrape interval)."""
    ne_jobs = [s.get("job", "") for s in prom.query_labels("count by (job) (node_uname_info)")]
    ne_job = choose_job(ne_jobs, PREFERRED_NODE_EXPORTER_JOBS, "node-exporter")
    uname = prom.query_labels(f"node_uname_info{{job={quote_label_value(ne_job, 'job')}}}")
    ksm_jobs = [s.get("job", "") for s in prom.query_labels("count by (job) (kube_node_info)")]
    ksm_job = choose_job(ksm_jobs, ("kube-state-metrics",), "kube-state-metrics")
    dcgm_jobs = [s.get("job", "") for s in prom.query_labels("count by (job) (DCGM_FI_DEV_GPU_UTIL)")]
    dcgm_job = choose_job(dcgm_jobs, ("nvidia-dcgm-exporter", "dcgm-exporter"), "") or None
    upper = prom.query_labels('count(DCGM_FI_DEV_GPU_UTIL{Hostname!=""})')
    lower = [] if upper else prom.query_labels('count(DCGM_FI_DEV_GPU_UTIL{hostname!=""})')
    rules = prom.query_labels(f"count({RULE_PROBE})")
    return SiteProfile(
        node_exporter_job=ne_job,
        kube_state_metrics_job=ksm_job,
        dcgm_job=dcgm_job,
        node_label_style=infer_node_label_style(uname),
        gpu_host_label="hostname" if lower and not upper else "Hostname",
        recording_rules=bool(rules),
        scrape_interval=prom.scrape_interval() or 15.0,
    )
