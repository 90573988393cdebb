"""The doctor against real Prometheus processes (backfilled history plus live scrapes)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from i3plat.doctor import CHECK_IDS, DoctorOptions, Status, run_site_doctor
from i3plat.doctor.command import karmada_for
from i3plat.doctor.model import PROMETHEUS_FRESHNESS, PROMETHEUS_READY, SERIES_DCGM
from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for
from i3plat.i18n import Translator
from i3plat.karmada_client import KarmadaClient
from i3plat.settings import Settings
from tests.support.procs import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]

OPTIONS = DoctorOptions(request_timeout=20.0, budget=120.0)
T_EN = Translator("en")


@pytest.fixture(scope="module")
def real_fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        pytest.fail("Debian prometheus/promtool are required (make test installs them)")
    root: Path = tmp_path_factory.mktemp("doctor-real")
    sites = [
        SiteSpec(name="fab-real-gpu", nodes=2, gpu_nodes=1, gpus_per_node=2),
        SiteSpec(name="fab-real-nodcgm", nodes=2, gpu_nodes=1, gpus_per_node=2, dcgm=False),
    ]
    config = FederationConfig(sites=sites, data_dir=root / "sim", prometheus="real")
    factory = backend_factory_for("real", root / "prom", wobble=0.0, history_hours=0.5)
    with start_federation(config, factory) as running:
        yield running


def scraped_once(karmada: KarmadaClient, site: str) -> bool:
    """Whether the site's Prometheus has scraped its live target at least once since it started
    (until then its newest samples are the backfill's, and the doctor rightly calls them stale)."""
    answer = karmada.service_proxy(site, "monitoring", "prometheus-k8s", "GET", "/api/v1/targets", port=9090)
    targets = answer.json()["data"]["activeTargets"]
    return bool(targets) and all(t["health"] == "up" for t in targets)


@pytest.fixture(scope="module")
def real_karmada(
    real_fed: RunningFederation, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KarmadaClient]:
    settings = Settings(kubeconfig=real_fed.kubeconfig_path, data_dir=tmp_path_factory.mktemp("console"))
    with karmada_for(settings, OPTIONS.request_timeout) as client:
        for site in real_fed.federation.site_names():
            wait_for(
                lambda site=site: scraped_once(client, site), 90, f"the first live scrape of {site}", 1.0
            )
        yield client


def settings_of(fed: RunningFederation) -> Settings:
    return Settings(kubeconfig=fed.kubeconfig_path)


def test_a_healthy_site_on_real_prometheus_passes_every_check(
    real_fed: RunningFederation, real_karmada: KarmadaClient
) -> None:
    report = run_site_doctor("fab-real-gpu", real_karmada, settings_of(real_fed), OPTIONS)
    assert {c.id: c.status for c in report.checks} == dict.fromkeys(CHECK_IDS, Status.OK)
    ready = report.check(PROMETHEUS_READY).evidence[0].note
    assert ready is not None and ready.render(T_EN).startswith("Prometheus 2.42")  # a real server, not +sim
    assert "+sim" not in ready.render(T_EN)
    fresh = report.check(PROMETHEUS_FRESHNESS).evidence[0].note
    assert fresh is not None and float(str(fresh.params["age"])) <= 60.0


def test_a_gpu_site_without_dcgm_on_real_prometheus_warns(
    real_fed: RunningFederation, real_karmada: KarmadaClient
) -> None:
    report = run_site_doctor("fab-real-nodcgm", real_karmada, settings_of(real_fed), OPTIONS)
    assert report.check(SERIES_DCGM).status is Status.WARN
    assert [c.id for c in report.checks if c.status is not Status.OK] == [SERIES_DCGM]
