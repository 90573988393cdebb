"""One simulated federation (synthetic Prometheus) for the doctor's tests; each test adds its own site."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from i3plat.doctor import DoctorOptions, SiteReport, run_site_doctor
from i3plat.doctor.command import karmada_for
from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for
from i3plat.karmada_client import KarmadaClient
from i3plat.settings import Settings

FAST = DoctorOptions(request_timeout=10.0, budget=60.0)
_numbers = itertools.count(1)


@pytest.fixture(scope="package")
def doctor_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("doctor")


@pytest.fixture(scope="package")
def fed(doctor_root: Path) -> Iterator[RunningFederation]:
    config = FederationConfig(sites=[], data_dir=doctor_root / "sim", prometheus="synthetic")
    factory = backend_factory_for("synthetic", doctor_root / "prom", wobble=0.0)
    with start_federation(config, factory) as running:
        yield running


@pytest.fixture(scope="package")
def settings(fed: RunningFederation, doctor_root: Path) -> Settings:
    return Settings(kubeconfig=fed.kubeconfig_path, data_dir=doctor_root / "console")


@pytest.fixture(scope="package")
def karmada(settings: Settings) -> Iterator[KarmadaClient]:
    with karmada_for(settings, FAST.request_timeout) as client:
        yield client


SiteFactory = Callable[..., str]


@pytest.fixture
def make_site(fed: RunningFederation) -> Iterator[SiteFactory]:
    """`make_site(failures={...}, **spec)` registers a fresh site (removed after the test)."""
    made: list[str] = []

    def make(failures: dict[str, bool] | None = None, **spec: Any) -> str:
        name = spec.pop("name", None) or f"fab-doc-{next(_numbers)}"
        spec.setdefault("nodes", 2)
        spec.setdefault("gpu_nodes", 1)
        spec.setdefault("gpus_per_node", 2)
        fed.add_site(SiteSpec(name=name, **spec))
        made.append(name)
        if failures:
            fed.set_failures(name, **failures)
        return name

    yield make
    for name in made:
        fed.remove_site(name)


@pytest.fixture
def diagnose(karmada: KarmadaClient, settings: Settings) -> Callable[..., SiteReport]:
    def run(site: str, settings_: Settings | None = None, options: DoctorOptions = FAST) -> SiteReport:
        return run_site_doctor(site, karmada, settings_ or settings, options)

    return run
