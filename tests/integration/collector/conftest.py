"""A simulated federation with real Prometheus behind each site, shared by the collector tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for

SITE_NAMES = ("fab-east", "fab-west", "fab-north")


@pytest.fixture(scope="package")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        pytest.fail("Debian prometheus/promtool are required (make test installs them)")
    root: Path = tmp_path_factory.mktemp("collector")
    sites = [
        SiteSpec(name="fab-east", nodes=2, gpu_nodes=1, gpus_per_node=2),
        SiteSpec(name="fab-west", nodes=2, gpu_nodes=0, prometheus_flavour="kube-prometheus-stack"),
        SiteSpec(name="fab-north", nodes=2, gpu_nodes=1, gpus_per_node=2, sync_mode="Push"),
    ]
    config = FederationConfig(sites=sites, data_dir=root / "sim", prometheus="real")
    factory = backend_factory_for("real", root / "prom", wobble=0.0, history_hours=1.0)
    with start_federation(config, factory) as running:
        yield running
