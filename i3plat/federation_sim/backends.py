"""Which Prometheus stands behind each simulated site: a real process, the synthetic source, or none.

The site model is built from the simulator's own `SiteSpec`, so node names, IPs, GPU counts and
readiness in Prometheus agree with what the simulated Karmada and member API servers report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ._backend import PrometheusBackend
from ._errors import SimConfigError
from ._spec import PrometheusMode, SiteSpec
from .prometheus import (
    InstanceStyle,
    RealBackendFactory,
    SiteModel,
    SyntheticBackend,
    build_site_model,
    prometheus_available,
)

BackendFactory = Callable[[SiteSpec, Path], PrometheusBackend | None]

MODEL_CPUS = 4
"""CPUs per node in the metric data. Smaller than the Cluster objects claim, on purpose: every CPU
is eight counter series, and the demo must stay light on two cores (see docs/simulator.md)."""

DEMO_WOBBLE = 0.25
"""Relative amplitude of the slow variation that makes demo charts move; tests use 0 (exact)."""


def site_model_for(spec: SiteSpec, *, wobble: float = 0.0) -> SiteModel:
    """The metric model of one simulated site, with the spec's node names and addresses."""
    style: InstanceStyle = "ip" if spec.prometheus_flavour == "kube-prometheus-stack" else "name"
    base = build_site_model(
        spec.name,
        nodes=spec.nodes,
        cpus=MODEL_CPUS,
        gpu_nodes=spec.gpu_nodes,
        gpus_per_node=spec.gpus_per_node,
        instance_style=style,
        wobble=wobble,
    )
    nodes = tuple(
        replace(
            node,
            name=info.name,
            ip=info.ip,
            instance=info.name if style == "name" else f"{info.ip}:9100",
            gpus=info.gpus,
            ready=info.ready,
        )
        for node, info in zip(base.nodes, spec.node_infos(), strict=True)
    )
    return replace(base, nodes=nodes, dcgm=spec.dcgm)


def resolve_mode(mode: PrometheusMode) -> PrometheusMode:
    """`auto` means real Prometheus processes when the binaries are installed."""
    if mode == "auto":
        return "real" if prometheus_available() else "synthetic"
    if mode == "real" and not prometheus_available():
        raise SimConfigError(
            "prometheus", "real Prometheus requested but prometheus/promtool are not installed"
        )
    return mode


def backend_factory_for(
    mode: PrometheusMode, data_root: Path, *, wobble: float = DEMO_WOBBLE, history_hours: float = 2.0
) -> BackendFactory | None:
    """A factory for `start_federation`, or None when sites should have no Prometheus at all."""
    resolved = resolve_mode(mode)
    if resolved == "none":
        return None
    if resolved == "synthetic":

        def synthetic(spec: SiteSpec, _data_dir: Path) -> PrometheusBackend:
            return SyntheticBackend(site_model_for(spec, wobble=wobble))

        return synthetic

    real = RealBackendFactory(Path(data_root), history_hours=history_hours)

    def real_process(spec: SiteSpec, data_dir: Path) -> PrometheusBackend:
        return real(site_model_for(spec, wobble=wobble), data_dir)

    return real_process
